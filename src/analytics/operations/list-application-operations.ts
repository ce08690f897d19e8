import type { RequestContext } from '../../protocol/index.js';
import type { AnalyticsRuntime } from '../runtime.js';
import type { ListApplicationOperationsRequest, ListApplicationOperationsResponse } from '../shapes/index.js';
import { page } from './paging.js';

/**
 * ListApplicationOperations (API reference, version 2): the application's last 50 operations, newest first,
 * optionally only one Operation name or OperationStatus.
 */
export async function listApplicationOperations(
  rt: AnalyticsRuntime,
  input: ListApplicationOperationsRequest,
  ctx: RequestContext,
): Promise<ListApplicationOperationsResponse> {
  const app = rt.require(ctx, input.ApplicationName);
  const ops = [...app.operations]
    .reverse()
    .filter(
      (o) =>
        (input.Operation === undefined || o.operation === input.Operation) &&
        (input.OperationStatus === undefined || o.status === input.OperationStatus),
    );
  const { items, next } = page(ops, input.Limit, input.NextToken);
  return {
    ApplicationOperationInfoList: items.map((o) => ({
      Operation: o.operation,
      OperationId: o.id,
      StartTime: new Date(o.startedAt),
      ...(o.endedAt !== undefined ? { EndTime: new Date(o.endedAt) } : {}),
      OperationStatus: o.status,
    })),
    ...(next ? { NextToken: next } : {}),
  };
}
