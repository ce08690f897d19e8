import type { RequestContext } from '../../protocol/index.js';
import { nextId } from '../application.js';
import { describeLogging } from '../describe.js';
import { analyticsError } from '../errors.js';
import type { AnalyticsRuntime } from '../runtime.js';
import type {
  AddApplicationCloudWatchLoggingOptionRequest,
  AddApplicationCloudWatchLoggingOptionResponse,
  V1,
} from '../shapes/index.js';

/**
 * AddApplicationCloudWatchLoggingOption, both versions (API references; developer guide "Working with Amazon
 * CloudWatch Logs"): records a log stream ARN (Tributary keeps it and reports it; application messages go to the
 * server log); the same log stream twice → InvalidArgumentException; the version goes up by one. v2 takes
 * CurrentApplicationVersionId or ConditionalToken.
 */
async function add(
  rt: AnalyticsRuntime,
  input: {
    ApplicationName: string;
    CurrentApplicationVersionId?: number;
    ConditionalToken?: string;
    CloudWatchLoggingOption: { LogStreamARN: string; RoleARN?: string };
  },
  ctx: RequestContext,
) {
  const option = input.CloudWatchLoggingOption;
  return rt.change(
    ctx,
    input.ApplicationName,
    {
      version: input.CurrentApplicationVersionId,
      token: input.ConditionalToken,
      needsGuard: true,
      operation: 'AddApplicationCloudWatchLoggingOption',
    },
    (d) => {
      if (d.logging.some((l) => l.logStreamArn === option.LogStreamARN))
        throw analyticsError(
          'InvalidArgumentException',
          // TODO(#10): AWS's wording.
          `Log stream ${option.LogStreamARN} is already a CloudWatch logging option of ${input.ApplicationName}.`,
        );
      d.logging.push({
        id: nextId(d, 'logging'),
        logStreamArn: option.LogStreamARN,
        ...(option.RoleARN ? { roleArn: option.RoleARN } : {}),
      });
    },
  );
}

export async function addApplicationCloudWatchLoggingOptionV1(
  rt: AnalyticsRuntime,
  input: V1.AddApplicationCloudWatchLoggingOptionRequest,
  ctx: RequestContext,
): Promise<V1.AddApplicationCloudWatchLoggingOptionResponse> {
  rt.requireSql(ctx, input.ApplicationName);
  await add(rt, input, ctx);
  return {};
}

export async function addApplicationCloudWatchLoggingOptionV2(
  rt: AnalyticsRuntime,
  input: AddApplicationCloudWatchLoggingOptionRequest,
  ctx: RequestContext,
): Promise<AddApplicationCloudWatchLoggingOptionResponse> {
  const { app, operationId } = await add(rt, input, ctx);
  return {
    ApplicationARN: app.arn,
    ApplicationVersionId: app.versionId,
    CloudWatchLoggingOptionDescriptions: describeLogging(app),
    OperationId: operationId,
  };
}
