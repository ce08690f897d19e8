import type { RequestContext } from '../../protocol/index.js';
import { describeLogging } from '../describe.js';
import { unknownId } from '../errors.js';
import type { AnalyticsRuntime } from '../runtime.js';
import type {
  DeleteApplicationCloudWatchLoggingOptionRequest,
  DeleteApplicationCloudWatchLoggingOptionResponse,
  V1,
} from '../shapes/index.js';

/**
 * DeleteApplicationCloudWatchLoggingOption, both versions (API references): removes the option with that id
 * (ResourceNotFoundException for an unknown id); the version goes up by one.
 */
async function remove(
  rt: AnalyticsRuntime,
  input: {
    ApplicationName: string;
    CurrentApplicationVersionId?: number;
    ConditionalToken?: string;
    CloudWatchLoggingOptionId: string;
  },
  ctx: RequestContext,
) {
  return rt.change(
    ctx,
    input.ApplicationName,
    {
      version: input.CurrentApplicationVersionId,
      token: input.ConditionalToken,
      needsGuard: true,
      operation: 'DeleteApplicationCloudWatchLoggingOption',
    },
    (d) => {
      const at = d.logging.findIndex((l) => l.id === input.CloudWatchLoggingOptionId);
      if (at < 0) throw unknownId('CloudWatch logging option', input.CloudWatchLoggingOptionId, input.ApplicationName);
      d.logging.splice(at, 1);
    },
  );
}

export async function deleteApplicationCloudWatchLoggingOptionV1(
  rt: AnalyticsRuntime,
  input: V1.DeleteApplicationCloudWatchLoggingOptionRequest,
  ctx: RequestContext,
): Promise<V1.DeleteApplicationCloudWatchLoggingOptionResponse> {
  rt.requireSql(ctx, input.ApplicationName);
  await remove(rt, input, ctx);
  return {};
}

export async function deleteApplicationCloudWatchLoggingOptionV2(
  rt: AnalyticsRuntime,
  input: DeleteApplicationCloudWatchLoggingOptionRequest,
  ctx: RequestContext,
): Promise<DeleteApplicationCloudWatchLoggingOptionResponse> {
  const { app, operationId } = await remove(rt, input, ctx);
  return {
    ApplicationARN: app.arn,
    ApplicationVersionId: app.versionId,
    CloudWatchLoggingOptionDescriptions: describeLogging(app),
    OperationId: operationId,
  };
}
