import type { RequestContext } from '../../protocol/index.js';
import { describeV2 } from '../describe.js';
import { analyticsError } from '../errors.js';
import { type AnalyticsRuntime, sqlUnsupported } from '../runtime.js';
import type {
  UpdateApplicationMaintenanceConfigurationRequest,
  UpdateApplicationMaintenanceConfigurationResponse,
} from '../shapes/index.js';

/**
 * UpdateApplicationMaintenanceConfiguration (API reference, version 2: Flink applications only): the start of
 * the 8-hour maintenance window, `HH:MM` UTC; kept and described (Tributary performs no maintenance).
 */
export async function updateApplicationMaintenanceConfiguration(
  rt: AnalyticsRuntime,
  input: UpdateApplicationMaintenanceConfigurationRequest,
  ctx: RequestContext,
): Promise<UpdateApplicationMaintenanceConfigurationResponse> {
  const app = rt.require(ctx, input.ApplicationName);
  if (app.runtime === 'SQL-1_0') throw sqlUnsupported(app.name);
  const start = input.ApplicationMaintenanceConfigurationUpdate.ApplicationMaintenanceWindowStartTimeUpdate;
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(start))
    // TODO(#10): AWS's wording.
    throw analyticsError('InvalidArgumentException', `Invalid maintenance window start time ${start}.`);
  const next = await rt.catalog.update(app.id, (d) => {
    d.maintenanceWindowStart = start;
  });
  const detail = describeV2(next);
  return {
    ApplicationARN: next.arn,
    ...(detail.ApplicationMaintenanceConfigurationDescription
      ? { ApplicationMaintenanceConfigurationDescription: detail.ApplicationMaintenanceConfigurationDescription }
      : {}),
  };
}
