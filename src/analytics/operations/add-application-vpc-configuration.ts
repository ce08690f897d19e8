import type { RequestContext } from '../../protocol/index.js';
import { nextId } from '../application.js';
import type { AnalyticsRuntime } from '../runtime.js';
import type { AddApplicationVpcConfigurationRequest, AddApplicationVpcConfigurationResponse } from '../shapes/index.js';

/**
 * AddApplicationVpcConfiguration (API reference, version 2): Flink applications only; the configuration is kept
 * and described (Tributary has no VPCs: the VpcId is reported as `vpc-00000000`); the version goes up by one.
 */
export async function addApplicationVpcConfiguration(
  rt: AnalyticsRuntime,
  input: AddApplicationVpcConfigurationRequest,
  ctx: RequestContext,
): Promise<AddApplicationVpcConfigurationResponse> {
  let id = '';
  const { app, operationId } = await rt.change(
    ctx,
    input.ApplicationName,
    {
      version: input.CurrentApplicationVersionId,
      token: input.ConditionalToken,
      needsGuard: true,
      otherOnly: true,
      operation: 'AddApplicationVpcConfiguration',
    },
    (d) => {
      id = nextId(d, 'vpc');
      d.vpcs.push({
        id,
        subnetIds: [...input.VpcConfiguration.SubnetIds],
        securityGroupIds: [...input.VpcConfiguration.SecurityGroupIds],
      });
    },
  );
  return {
    ApplicationARN: app.arn,
    ApplicationVersionId: app.versionId,
    VpcConfigurationDescription: {
      VpcConfigurationId: id,
      VpcId: 'vpc-00000000',
      SubnetIds: [...input.VpcConfiguration.SubnetIds],
      SecurityGroupIds: [...input.VpcConfiguration.SecurityGroupIds],
    },
    OperationId: operationId,
  };
}
