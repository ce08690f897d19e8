import type { RequestContext } from '../../protocol/index.js';
import { analyticsError, unknownId } from '../errors.js';
import type { AnalyticsRuntime } from '../runtime.js';
import type {
  AddApplicationInputProcessingConfigurationRequest,
  AddApplicationInputProcessingConfigurationResponse,
  V1,
} from '../shapes/index.js';

/**
 * AddApplicationInputProcessingConfiguration, both versions (API references; developer guide "Preprocessing Data
 * Using a Lambda Function"): sets the Lambda preprocessor of an input that has none (InvalidArgumentException
 * otherwise; ResourceNotFoundException for an unknown InputId); the version goes up by one.
 */
async function add(
  rt: AnalyticsRuntime,
  input: {
    ApplicationName: string;
    CurrentApplicationVersionId: number;
    InputId: string;
    InputProcessingConfiguration: { InputLambdaProcessor: { ResourceARN: string; RoleARN?: string } };
  },
  ctx: RequestContext,
) {
  const lambda = input.InputProcessingConfiguration.InputLambdaProcessor;
  return rt.change(
    ctx,
    input.ApplicationName,
    {
      version: input.CurrentApplicationVersionId,
      sqlOnly: true,
      operation: 'AddApplicationInputProcessingConfiguration',
    },
    (d) => {
      const target = d.inputs.find((i) => i.id === input.InputId);
      if (!target) throw unknownId('Input', input.InputId, input.ApplicationName);
      if (target.processing)
        throw analyticsError(
          'InvalidArgumentException',
          // TODO(#10): AWS's wording.
          `Input ${input.InputId} already has an input processing configuration.`,
        );
      target.processing = { lambdaArn: lambda.ResourceARN, ...(lambda.RoleARN ? { roleArn: lambda.RoleARN } : {}) };
    },
  );
}

export async function addApplicationInputProcessingConfigurationV1(
  rt: AnalyticsRuntime,
  input: V1.AddApplicationInputProcessingConfigurationRequest,
  ctx: RequestContext,
): Promise<V1.AddApplicationInputProcessingConfigurationResponse> {
  // An application of another runtime answers that v2 manages it (errors.ts managedByV2).
  rt.requireSql(ctx, input.ApplicationName);
  await add(rt, input, ctx);
  return {};
}

export async function addApplicationInputProcessingConfigurationV2(
  rt: AnalyticsRuntime,
  input: AddApplicationInputProcessingConfigurationRequest,
  ctx: RequestContext,
): Promise<AddApplicationInputProcessingConfigurationResponse> {
  const { app } = await add(rt, input, ctx);
  const target = app.inputs.find((i) => i.id === input.InputId)!;
  return {
    ApplicationARN: app.arn,
    ApplicationVersionId: app.versionId,
    InputId: input.InputId,
    InputProcessingConfigurationDescription: {
      InputLambdaProcessorDescription: {
        ResourceARN: target.processing!.lambdaArn,
        ...(app.serviceExecutionRole ? { RoleARN: app.serviceExecutionRole } : {}),
      },
    },
  };
}
