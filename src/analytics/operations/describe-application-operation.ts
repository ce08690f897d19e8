import type { RequestContext } from '../../protocol/index.js';
import { analyticsError } from '../errors.js';
import type { AnalyticsRuntime } from '../runtime.js';
import type { DescribeApplicationOperationRequest, DescribeApplicationOperationResponse } from '../shapes/index.js';

/**
 * DescribeApplicationOperation (API reference, version 2): one of the application's last 50 operations
 * (application.ts MAX_OPERATIONS), with the versions it moved between.
 */
export async function describeApplicationOperation(
  rt: AnalyticsRuntime,
  input: DescribeApplicationOperationRequest,
  ctx: RequestContext,
): Promise<DescribeApplicationOperationResponse> {
  const app = rt.require(ctx, input.ApplicationName);
  const op = app.operations.find((o) => o.id === input.OperationId);
  // TODO(#10): AWS's wording.
  if (!op) throw analyticsError('ResourceNotFoundException', `Operation ${input.OperationId} is not found.`);
  return {
    ApplicationOperationInfoDetails: {
      Operation: op.operation,
      StartTime: new Date(op.startedAt),
      EndTime: new Date(op.endedAt ?? op.startedAt),
      OperationStatus: op.status,
      ...(op.fromVersion !== undefined && op.toVersion !== undefined
        ? {
            ApplicationVersionChangeDetails: {
              ApplicationVersionUpdatedFrom: op.fromVersion,
              ApplicationVersionUpdatedTo: op.toVersion,
            },
          }
        : {}),
    },
  };
}
