import type { RequestContext } from '../../protocol/index.js';
import { type AnalyticsRuntime, sqlUnsupported } from '../runtime.js';
import type { ListApplicationSnapshotsRequest, ListApplicationSnapshotsResponse } from '../shapes/index.js';
import { snapshotDetails } from './describe-application-snapshot.js';
import { page } from './paging.js';

/** ListApplicationSnapshots (API reference, version 2): Flink applications only, oldest first, paged. */
export async function listApplicationSnapshots(
  rt: AnalyticsRuntime,
  input: ListApplicationSnapshotsRequest,
  ctx: RequestContext,
): Promise<ListApplicationSnapshotsResponse> {
  const app = rt.require(ctx, input.ApplicationName);
  if (app.runtime === 'SQL-1_0') throw sqlUnsupported(app.name);
  const { items, next } = page(app.snapshots, input.Limit, input.NextToken);
  return { SnapshotSummaries: items.map((s) => snapshotDetails(app, s)), ...(next ? { NextToken: next } : {}) };
}
