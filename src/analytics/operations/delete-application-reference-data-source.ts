import type { RequestContext } from '../../protocol/index.js';
import { checkCode } from '../code.js';
import { unknownId } from '../errors.js';
import type { AnalyticsRuntime } from '../runtime.js';
import type {
  DeleteApplicationReferenceDataSourceRequest,
  DeleteApplicationReferenceDataSourceResponse,
  V1,
} from '../shapes/index.js';

/**
 * DeleteApplicationReferenceDataSource, both versions (API references): the reference data source with that id
 * goes (ResourceNotFoundException for an unknown id), the code must still compile without its table, and the
 * version goes up by one.
 */
async function deleteReference(
  rt: AnalyticsRuntime,
  input: { ApplicationName: string; CurrentApplicationVersionId: number; ReferenceId: string },
  ctx: RequestContext,
) {
  return rt.change(
    ctx,
    input.ApplicationName,
    { version: input.CurrentApplicationVersionId, sqlOnly: true, operation: 'DeleteApplicationReferenceDataSource' },
    (d) => {
      const at = d.references.findIndex((r) => r.id === input.ReferenceId);
      if (at < 0) throw unknownId('Reference data source', input.ReferenceId, input.ApplicationName);
      d.references.splice(at, 1);
      checkCode(d);
    },
  );
}

export async function deleteApplicationReferenceDataSourceV1(
  rt: AnalyticsRuntime,
  input: V1.DeleteApplicationReferenceDataSourceRequest,
  ctx: RequestContext,
): Promise<V1.DeleteApplicationReferenceDataSourceResponse> {
  // An application of another runtime answers that v2 manages it (errors.ts managedByV2).
  rt.requireSql(ctx, input.ApplicationName);
  await deleteReference(rt, input, ctx);
  return {};
}

export async function deleteApplicationReferenceDataSourceV2(
  rt: AnalyticsRuntime,
  input: DeleteApplicationReferenceDataSourceRequest,
  ctx: RequestContext,
): Promise<DeleteApplicationReferenceDataSourceResponse> {
  const { app } = await deleteReference(rt, input, ctx);
  return { ApplicationARN: app.arn, ApplicationVersionId: app.versionId };
}
