import type { RequestContext } from '../../protocol/index.js';
import type { ApplicationState } from '../application.js';
import { analyticsError, wrongStatus } from '../errors.js';
import type { AnalyticsRuntime } from '../runtime.js';
import type { DeleteApplicationRequest, DeleteApplicationResponse, V1 } from '../shapes/index.js';

/**
 * DeleteApplication, both versions (DeleteApplication API references): rule 1, CreateTimestamp must be the
 * application's creation time (it guards against deleting a re-created namesake); rule 2, a running application
 * is stopped first ("halts application execution and deletes the application"); rule 3, the application is
 * DELETING for the configured delay, then gone with its checkpoints.
 */
/**
 * Whether a timestamp a client sent back is the stored one: clients send whole seconds (botocore serialises JSON
 * timestamps as integer epoch seconds) while the SDK v3 keeps milliseconds, so both must match.
 */
export function sameSecond(given: number, stored: number): boolean {
  return Math.floor(given / 1000) === Math.floor(stored / 1000);
}

async function remove(rt: AnalyticsRuntime, app: ApplicationState, createTimestamp: Date): Promise<void> {
  const check = (a: { createdAt: number; status: string }): void => {
    if (!sameSecond(createTimestamp.getTime(), a.createdAt))
      throw analyticsError(
        'InvalidArgumentException',
        // TODO(#10): AWS's wording (and the type: v1's model lists no InvalidArgumentException for this call).
        `CreateTimestamp ${createTimestamp.toISOString()} is not the creation time of application ${app.name}.`,
      );
    if (a.status === 'DELETING') throw wrongStatus(app.name, a.status, ['any status but DELETING']);
  };
  check(app);
  await rt.transition(app, check, 'DELETING', 'GONE', 'DeleteApplication');
}

export async function deleteApplicationV1(
  rt: AnalyticsRuntime,
  input: V1.DeleteApplicationRequest,
  ctx: RequestContext,
): Promise<V1.DeleteApplicationResponse> {
  await remove(rt, rt.requireSql(ctx, input.ApplicationName), input.CreateTimestamp);
  return {};
}

export async function deleteApplicationV2(
  rt: AnalyticsRuntime,
  input: DeleteApplicationRequest,
  ctx: RequestContext,
): Promise<DeleteApplicationResponse> {
  await remove(rt, rt.require(ctx, input.ApplicationName), input.CreateTimestamp);
  return {};
}
