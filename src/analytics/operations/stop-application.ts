import type { RequestContext } from '../../protocol/index.js';
import { type ApplicationState, isSql } from '../application.js';
import { analyticsError, wrongStatus } from '../errors.js';
import type { AnalyticsRuntime } from '../runtime.js';
import type { ApplicationStatus, StopApplicationRequest, StopApplicationResponse, V1 } from '../shapes/index.js';

/** Statuses a Flink application can be force-stopped in (StopApplication API reference, version 2, Force). */
const FORCE_STOPPABLE: readonly ApplicationStatus[] = ['STARTING', 'UPDATING', 'STOPPING', 'AUTOSCALING', 'RUNNING'];

/**
 * StopApplication, both versions (StopApplication API references): rule 1, only a RUNNING application stops
 * (ResourceInUseException otherwise): RUNNING → STOPPING → READY, after the running application read and
 * delivered what it had and stored its input positions (LAST_STOPPED_POINT); rule 2, `Force` is for Flink
 * applications only ("You can't force stop a SQL-based Kinesis Data Analytics application":
 * InvalidArgumentException), which it stops from STARTING, UPDATING, STOPPING, AUTOSCALING or RUNNING through
 * FORCE_STOPPING.
 */
async function stop(rt: AnalyticsRuntime, app: ApplicationState, force: boolean): Promise<string> {
  if (force && isSql(app))
    throw analyticsError(
      'InvalidArgumentException',
      // TODO(#10): AWS's wording; the rule is from the StopApplication API reference (Force).
      `Force stop is supported only for Apache Flink applications; ${app.name} is a SQL-1_0 application.`,
    );
  const allowed = force ? FORCE_STOPPABLE : (['RUNNING'] as const);
  const check = (d: { status: ApplicationStatus }): void => {
    if (!allowed.includes(d.status)) throw wrongStatus(app.name, d.status, allowed);
  };
  check(app);
  const { operationId } = await rt.transition(
    app,
    check,
    force ? 'FORCE_STOPPING' : 'STOPPING',
    'READY',
    'StopApplication',
  );
  return operationId;
}

export async function stopApplicationV1(
  rt: AnalyticsRuntime,
  input: V1.StopApplicationRequest,
  ctx: RequestContext,
): Promise<V1.StopApplicationResponse> {
  await stop(rt, rt.requireSql(ctx, input.ApplicationName), false);
  return {};
}

export async function stopApplicationV2(
  rt: AnalyticsRuntime,
  input: StopApplicationRequest,
  ctx: RequestContext,
): Promise<StopApplicationResponse> {
  return { OperationId: await stop(rt, rt.require(ctx, input.ApplicationName), input.Force === true) };
}
