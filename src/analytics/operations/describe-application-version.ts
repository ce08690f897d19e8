import type { RequestContext } from '../../protocol/index.js';
import type { ApplicationState } from '../application.js';
import { describeV2 } from '../describe.js';
import { analyticsError } from '../errors.js';
import { type AnalyticsRuntime, sqlUnsupported } from '../runtime.js';
import type { DescribeApplicationVersionRequest, DescribeApplicationVersionResponse } from '../shapes/index.js';

/**
 * DescribeApplicationVersion (API reference, version 2: Flink applications only): the application as it was at
 * that version (the current one, or one of the last 50 earlier ones).
 */
export async function describeApplicationVersion(
  rt: AnalyticsRuntime,
  input: DescribeApplicationVersionRequest,
  ctx: RequestContext,
): Promise<DescribeApplicationVersionResponse> {
  const app = rt.require(ctx, input.ApplicationName);
  if (app.runtime === 'SQL-1_0') throw sqlUnsupported(app.name);
  if (input.ApplicationVersionId === app.versionId) return { ApplicationVersionDetail: describeV2(app) };
  const v = app.history?.find((h) => h.versionId === input.ApplicationVersionId);
  if (!v)
    // TODO(#10): AWS's wording.
    throw analyticsError(
      'ResourceNotFoundException',
      `Version ${input.ApplicationVersionId} of ${app.name} is not found.`,
    );
  const past: ApplicationState = {
    ...app,
    versionId: v.versionId,
    status: v.status,
    runtime: v.runtime,
    updatedAt: v.createdAt,
  };
  if (v.other) (past as { other?: unknown }).other = v.other;
  return { ApplicationVersionDetail: describeV2(past) };
}
