import type { RequestContext } from '../../protocol/index.js';
import { type AnalyticsRuntime, sqlUnsupported } from '../runtime.js';
import type { ListApplicationVersionsRequest, ListApplicationVersionsResponse } from '../shapes/index.js';
import { page } from './paging.js';

/**
 * ListApplicationVersions (API reference, version 2: "supported only for Managed Service for Apache Flink"):
 * the current version and the last 50 earlier ones, newest first.
 */
export async function listApplicationVersions(
  rt: AnalyticsRuntime,
  input: ListApplicationVersionsRequest,
  ctx: RequestContext,
): Promise<ListApplicationVersionsResponse> {
  const app = rt.require(ctx, input.ApplicationName);
  if (app.runtime === 'SQL-1_0') throw sqlUnsupported(app.name);
  const all = [
    { ApplicationVersionId: app.versionId, ApplicationStatus: app.status },
    ...[...(app.history ?? [])]
      .reverse()
      .map((v) => ({ ApplicationVersionId: v.versionId, ApplicationStatus: v.status })),
  ];
  const { items, next } = page(all, input.Limit, input.NextToken);
  return { ApplicationVersionSummaries: items, ...(next ? { NextToken: next } : {}) };
}
