import type { RequestContext } from '../../protocol/index.js';
import { describeV1, describeV2 } from '../describe.js';
import type { AnalyticsRuntime } from '../runtime.js';
import type { DescribeApplicationRequest, DescribeApplicationResponse, V1 } from '../shapes/index.js';

/** DescribeApplication, version 1: SQL applications only (others are not found through v1). */
export async function describeApplicationV1(
  rt: AnalyticsRuntime,
  input: V1.DescribeApplicationRequest,
  ctx: RequestContext,
): Promise<V1.DescribeApplicationResponse> {
  return { ApplicationDetail: describeV1(rt.requireSql(ctx, input.ApplicationName)) };
}

/** DescribeApplication, version 2: any runtime. */
export async function describeApplicationV2(
  rt: AnalyticsRuntime,
  input: DescribeApplicationRequest,
  ctx: RequestContext,
): Promise<DescribeApplicationResponse> {
  return { ApplicationDetail: describeV2(rt.require(ctx, input.ApplicationName)) };
}
