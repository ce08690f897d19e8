import type { RequestContext } from '../../protocol/index.js';
import { summaryV1, summaryV2 } from '../describe.js';
import type { AnalyticsRuntime } from '../runtime.js';
import type { ListApplicationsRequest, ListApplicationsResponse, V1 } from '../shapes/index.js';

/** AWS's page size when Limit is absent (ListApplications API references). */
const DEFAULT_LIMIT = 50;

/**
 * ListApplications, version 1 (ListApplications API reference, version 1): every application sorted by name (those
 * of other runtimes too: v1 lists them, and its other calls answer UnsupportedOperationException for them, as
 * errors.ts managedByV2 records), starting after ExclusiveStartApplicationName, at most Limit (default 50), with HasMoreApplications.
 */
export async function listApplicationsV1(
  rt: AnalyticsRuntime,
  input: V1.ListApplicationsRequest,
  ctx: RequestContext,
): Promise<V1.ListApplicationsResponse> {
  const after = input.ExclusiveStartApplicationName;
  const all = rt.catalog.list(ctx.accountId, ctx.region).filter((a) => after === undefined || a.name > after);
  const limit = input.Limit ?? DEFAULT_LIMIT;
  return { ApplicationSummaries: all.slice(0, limit).map(summaryV1), HasMoreApplications: all.length > limit };
}

/**
 * ListApplications, version 2 (ListApplications API reference, version 2): every application sorted by name; the
 * NextToken is the name of the last application returned (the model types it ApplicationName).
 */
export async function listApplicationsV2(
  rt: AnalyticsRuntime,
  input: ListApplicationsRequest,
  ctx: RequestContext,
): Promise<ListApplicationsResponse> {
  const after = input.NextToken;
  const all = rt.catalog.list(ctx.accountId, ctx.region).filter((a) => after === undefined || a.name > after);
  const limit = input.Limit ?? DEFAULT_LIMIT;
  const page = all.slice(0, limit);
  return {
    ApplicationSummaries: page.map(summaryV2),
    ...(all.length > limit ? { NextToken: page[page.length - 1]!.name } : {}),
  };
}
