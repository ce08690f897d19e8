import type { RequestContext } from '../../protocol/index.js';
import { unknownId } from '../errors.js';
import type { AnalyticsRuntime } from '../runtime.js';
import type {
  DeleteApplicationVpcConfigurationRequest,
  DeleteApplicationVpcConfigurationResponse,
} from '../shapes/index.js';

/** DeleteApplicationVpcConfiguration (API reference, version 2): Flink applications only; by id. */
export async function deleteApplicationVpcConfiguration(
  rt: AnalyticsRuntime,
  input: DeleteApplicationVpcConfigurationRequest,
  ctx: RequestContext,
): Promise<DeleteApplicationVpcConfigurationResponse> {
  const { app, operationId } = await rt.change(
    ctx,
    input.ApplicationName,
    {
      version: input.CurrentApplicationVersionId,
      token: input.ConditionalToken,
      needsGuard: true,
      otherOnly: true,
      operation: 'DeleteApplicationVpcConfiguration',
    },
    (d) => {
      const at = d.vpcs.findIndex((v) => v.id === input.VpcConfigurationId);
      if (at < 0) throw unknownId('VPC configuration', input.VpcConfigurationId, input.ApplicationName);
      d.vpcs.splice(at, 1);
    },
  );
  return { ApplicationARN: app.arn, ApplicationVersionId: app.versionId, OperationId: operationId };
}
