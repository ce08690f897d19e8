import type { RequestContext } from '../../protocol/index.js';
import { unknownId } from '../errors.js';
import type { AnalyticsRuntime } from '../runtime.js';
import type { DeleteApplicationOutputRequest, DeleteApplicationOutputResponse, V1 } from '../shapes/index.js';

/**
 * DeleteApplicationOutput, both versions (DeleteApplicationOutput API references): the output with that id goes
 * (ResourceNotFoundException for an unknown id) and the version goes up by one.
 */
async function deleteOutput(
  rt: AnalyticsRuntime,
  input: { ApplicationName: string; CurrentApplicationVersionId: number; OutputId: string },
  ctx: RequestContext,
) {
  return rt.change(
    ctx,
    input.ApplicationName,
    { version: input.CurrentApplicationVersionId, sqlOnly: true, operation: 'DeleteApplicationOutput' },
    (d) => {
      const at = d.outputs.findIndex((o) => o.id === input.OutputId);
      if (at < 0) throw unknownId('Output', input.OutputId, input.ApplicationName);
      d.outputs.splice(at, 1);
    },
  );
}

export async function deleteApplicationOutputV1(
  rt: AnalyticsRuntime,
  input: V1.DeleteApplicationOutputRequest,
  ctx: RequestContext,
): Promise<V1.DeleteApplicationOutputResponse> {
  // An application of another runtime answers that v2 manages it (errors.ts managedByV2).
  rt.requireSql(ctx, input.ApplicationName);
  await deleteOutput(rt, input, ctx);
  return {};
}

export async function deleteApplicationOutputV2(
  rt: AnalyticsRuntime,
  input: DeleteApplicationOutputRequest,
  ctx: RequestContext,
): Promise<DeleteApplicationOutputResponse> {
  const { app } = await deleteOutput(rt, input, ctx);
  return { ApplicationARN: app.arn, ApplicationVersionId: app.versionId };
}
