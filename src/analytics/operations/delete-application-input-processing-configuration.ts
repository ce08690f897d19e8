import type { RequestContext } from '../../protocol/index.js';
import { analyticsError, unknownId } from '../errors.js';
import type { AnalyticsRuntime } from '../runtime.js';
import type {
  DeleteApplicationInputProcessingConfigurationRequest,
  DeleteApplicationInputProcessingConfigurationResponse,
  V1,
} from '../shapes/index.js';

/**
 * DeleteApplicationInputProcessingConfiguration, both versions (API references): removes an input's Lambda
 * preprocessor (ResourceNotFoundException for an unknown InputId or an input without one); the version goes up
 * by one.
 */
async function remove(
  rt: AnalyticsRuntime,
  input: { ApplicationName: string; CurrentApplicationVersionId: number; InputId: string },
  ctx: RequestContext,
) {
  return rt.change(
    ctx,
    input.ApplicationName,
    {
      version: input.CurrentApplicationVersionId,
      sqlOnly: true,
      operation: 'DeleteApplicationInputProcessingConfiguration',
    },
    (d) => {
      const target = d.inputs.find((i) => i.id === input.InputId);
      if (!target) throw unknownId('Input', input.InputId, input.ApplicationName);
      if (!target.processing)
        throw analyticsError(
          'ResourceNotFoundException',
          // TODO(#10): AWS's wording.
          `Input ${input.InputId} has no input processing configuration.`,
        );
      delete target.processing;
    },
  );
}

export async function deleteApplicationInputProcessingConfigurationV1(
  rt: AnalyticsRuntime,
  input: V1.DeleteApplicationInputProcessingConfigurationRequest,
  ctx: RequestContext,
): Promise<V1.DeleteApplicationInputProcessingConfigurationResponse> {
  // An application of another runtime answers that v2 manages it (errors.ts managedByV2).
  rt.requireSql(ctx, input.ApplicationName);
  await remove(rt, input, ctx);
  return {};
}

export async function deleteApplicationInputProcessingConfigurationV2(
  rt: AnalyticsRuntime,
  input: DeleteApplicationInputProcessingConfigurationRequest,
  ctx: RequestContext,
): Promise<DeleteApplicationInputProcessingConfigurationResponse> {
  const { app } = await remove(rt, input, ctx);
  return { ApplicationARN: app.arn, ApplicationVersionId: app.versionId };
}
