import type { RequestContext } from '../../protocol/index.js';
import { noDataRetention } from '../errors.js';
import type { VideoRuntime } from '../runtime.js';
import type { StartEdgeConfigurationUpdateInput, StartEdgeConfigurationUpdateOutput } from '../shapes/index.js';

/**
 * StartEdgeConfigurationUpdate (StartEdgeConfigurationUpdate API reference): an ACTIVE stream that keeps its media
 * (NoDataRetentionException otherwise) takes the edge configuration, which replaces the previous one. No Edge Agent
 * ever connects to this server, so the configuration is stored and described (DescribeEdgeConfiguration,
 * ListEdgeAgentConfigurations) and its sync status stays SYNCING.
 */
export async function startEdgeConfigurationUpdate(
  rt: VideoRuntime,
  input: StartEdgeConfigurationUpdateInput,
  ctx: RequestContext,
): Promise<StartEdgeConfigurationUpdateOutput> {
  const state = rt.requireStable(input, ctx);
  if (state.dataRetentionInHours === 0) {
    throw noDataRetention();
  }
  const now = rt.now();
  const next = await rt.catalog.update(state, (d) => {
    d.configurations.edge = {
      config: structuredClone(input.EdgeConfig) as NonNullable<typeof d.configurations.edge>['config'],
      createdMs: d.configurations.edge?.createdMs ?? now,
      updatedMs: now,
    };
  });
  const edge = next.configurations.edge!;
  return {
    StreamName: next.name,
    StreamARN: next.arn,
    CreationTime: new Date(edge.createdMs),
    LastUpdatedTime: new Date(edge.updatedMs),
    SyncStatus: 'SYNCING',
    EdgeConfig: structuredClone(edge.config),
  };
}
