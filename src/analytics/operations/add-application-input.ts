import type { RequestContext } from '../../protocol/index.js';
import { type ApplicationDraft, checkCounts, newInput } from '../application.js';
import { checkCode } from '../code.js';
import { describeInput } from '../describe.js';
import type { AnalyticsRuntime } from '../runtime.js';
import type { AddApplicationInputRequest, AddApplicationInputResponse, V1 } from '../shapes/index.js';

/**
 * AddApplicationInput, both versions (AddApplicationInput API references): adds the streaming source
 * (application.ts rules 1–2, at most one input), then the code must compile against it (CodeValidationException);
 * the version goes up by one.
 */
function add(input: V1.AddApplicationInputRequest['Input'] | AddApplicationInputRequest['Input']) {
  return (d: ApplicationDraft): void => {
    d.inputs.push(newInput(d, input) as ApplicationDraft['inputs'][number]);
    checkCounts(d);
    checkCode(d);
  };
}

export async function addApplicationInputV1(
  rt: AnalyticsRuntime,
  input: V1.AddApplicationInputRequest,
  ctx: RequestContext,
): Promise<V1.AddApplicationInputResponse> {
  // An application of another runtime answers that v2 manages it (errors.ts managedByV2).
  rt.requireSql(ctx, input.ApplicationName);
  await rt.change(
    ctx,
    input.ApplicationName,
    { version: input.CurrentApplicationVersionId, sqlOnly: true, operation: 'AddApplicationInput' },
    add(input.Input),
  );
  return {};
}

export async function addApplicationInputV2(
  rt: AnalyticsRuntime,
  input: AddApplicationInputRequest,
  ctx: RequestContext,
): Promise<AddApplicationInputResponse> {
  const { app } = await rt.change(
    ctx,
    input.ApplicationName,
    { version: input.CurrentApplicationVersionId, sqlOnly: true, operation: 'AddApplicationInput' },
    add(input.Input),
  );
  return {
    ApplicationARN: app.arn,
    ApplicationVersionId: app.versionId,
    InputDescriptions: app.inputs.map((i) => describeInput(i, app)),
  };
}
