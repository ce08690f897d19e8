import type { RequestContext } from '../../protocol/index.js';
import { type ApplicationDraft, checkCounts, newOutput } from '../application.js';
import { describeOutput } from '../describe.js';
import type { AnalyticsRuntime } from '../runtime.js';
import type { AddApplicationOutputRequest, AddApplicationOutputResponse, V1 } from '../shapes/index.js';

/**
 * AddApplicationOutput, both versions (AddApplicationOutput API references): adds a destination for an
 * in-application stream (application.ts rules 1 and 3, at most three outputs); the version goes up by one.
 */
function add(output: AddApplicationOutputRequest['Output'] | V1.AddApplicationOutputRequest['Output']) {
  return (d: ApplicationDraft): void => {
    d.outputs.push(newOutput(d, output));
    checkCounts(d);
  };
}

export async function addApplicationOutputV1(
  rt: AnalyticsRuntime,
  input: V1.AddApplicationOutputRequest,
  ctx: RequestContext,
): Promise<V1.AddApplicationOutputResponse> {
  // An application of another runtime answers that v2 manages it (errors.ts managedByV2).
  rt.requireSql(ctx, input.ApplicationName);
  await rt.change(
    ctx,
    input.ApplicationName,
    { version: input.CurrentApplicationVersionId, sqlOnly: true, operation: 'AddApplicationOutput' },
    add(input.Output),
  );
  return {};
}

export async function addApplicationOutputV2(
  rt: AnalyticsRuntime,
  input: AddApplicationOutputRequest,
  ctx: RequestContext,
): Promise<AddApplicationOutputResponse> {
  const { app } = await rt.change(
    ctx,
    input.ApplicationName,
    { version: input.CurrentApplicationVersionId, sqlOnly: true, operation: 'AddApplicationOutput' },
    add(input.Output),
  );
  return {
    ApplicationARN: app.arn,
    ApplicationVersionId: app.versionId,
    OutputDescriptions: app.outputs.map((o) => describeOutput(o, app)),
  };
}
