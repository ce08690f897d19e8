import type { RequestContext } from '../../protocol/index.js';
import type { ApplicationDraft } from '../application.js';
import { describeV2 } from '../describe.js';
import { analyticsError } from '../errors.js';
import type { AnalyticsRuntime } from '../runtime.js';
import type { RollbackApplicationRequest, RollbackApplicationResponse } from '../shapes/index.js';

/**
 * RollbackApplication (API reference, version 2: Flink applications only): the configuration of the previous
 * version becomes a new version (ApplicationVersionRolledBackFrom / To); READY or RUNNING, and
 * CurrentApplicationVersionId must be current; without an earlier version → InvalidArgumentException.
 */
export async function rollbackApplication(
  rt: AnalyticsRuntime,
  input: RollbackApplicationRequest,
  ctx: RequestContext,
): Promise<RollbackApplicationResponse> {
  const { app, operationId } = await rt.change(
    ctx,
    input.ApplicationName,
    { version: input.CurrentApplicationVersionId, otherOnly: true, operation: 'RollbackApplication' },
    (d) => {
      // change() pushed the current version onto the history; the one before it is the target.
      const history = d.history ?? [];
      const target = history[history.length - 2];
      if (!target)
        // TODO(#10): AWS's wording.
        throw analyticsError(
          'InvalidArgumentException',
          `Application ${input.ApplicationName} has no earlier version.`,
        );
      d.runtime = target.runtime;
      if (target.other) d.other = structuredClone(target.other) as ApplicationDraft['other'];
      d.rolledBack = { from: history[history.length - 1]!.versionId, to: target.versionId };
    },
  );
  const detail = describeV2(app);
  if (app.rolledBack) {
    detail.ApplicationVersionRolledBackFrom = app.rolledBack.from;
    detail.ApplicationVersionRolledBackTo = app.rolledBack.to;
  }
  return { ApplicationDetail: detail, OperationId: operationId };
}
