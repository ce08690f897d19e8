import type { RequestContext } from '../../protocol/index.js';
import { type ApplicationDraft, checkCounts, newReference } from '../application.js';
import { checkCode } from '../code.js';
import { describeReference } from '../describe.js';
import type { AnalyticsRuntime } from '../runtime.js';
import type {
  AddApplicationReferenceDataSourceRequest,
  AddApplicationReferenceDataSourceResponse,
  V1,
} from '../shapes/index.js';

/**
 * AddApplicationReferenceDataSource, both versions (API references; developer guide "Adding Reference Data"):
 * an S3 object becomes an in-application table (at most one); the code must compile with it; a running
 * application loads it; the version goes up by one.
 */
function add(
  ref:
    | AddApplicationReferenceDataSourceRequest['ReferenceDataSource']
    | V1.AddApplicationReferenceDataSourceRequest['ReferenceDataSource'],
) {
  return (d: ApplicationDraft): void => {
    d.references.push(newReference(d, ref) as ApplicationDraft['references'][number]);
    checkCounts(d);
    checkCode(d);
  };
}

export async function addApplicationReferenceDataSourceV1(
  rt: AnalyticsRuntime,
  input: V1.AddApplicationReferenceDataSourceRequest,
  ctx: RequestContext,
): Promise<V1.AddApplicationReferenceDataSourceResponse> {
  // An application of another runtime answers that v2 manages it (errors.ts managedByV2).
  rt.requireSql(ctx, input.ApplicationName);
  await rt.change(
    ctx,
    input.ApplicationName,
    { version: input.CurrentApplicationVersionId, sqlOnly: true, operation: 'AddApplicationReferenceDataSource' },
    add(input.ReferenceDataSource),
  );
  return {};
}

export async function addApplicationReferenceDataSourceV2(
  rt: AnalyticsRuntime,
  input: AddApplicationReferenceDataSourceRequest,
  ctx: RequestContext,
): Promise<AddApplicationReferenceDataSourceResponse> {
  const { app } = await rt.change(
    ctx,
    input.ApplicationName,
    { version: input.CurrentApplicationVersionId, sqlOnly: true, operation: 'AddApplicationReferenceDataSource' },
    add(input.ReferenceDataSource),
  );
  return {
    ApplicationARN: app.arn,
    ApplicationVersionId: app.versionId,
    ReferenceDataSourceDescriptions: app.references.map((r) => describeReference(r, app)),
  };
}
