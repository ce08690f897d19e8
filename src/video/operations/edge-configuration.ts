import type { RequestContext } from '../../protocol/index.js';
import { noDataRetention, videoError } from '../errors.js';
import type { VideoRuntime } from '../runtime.js';
import { pageAfter } from './paging.js';
import type {
  DeleteEdgeConfigurationInput,
  DeleteEdgeConfigurationOutput,
  DescribeEdgeConfigurationInput,
  DescribeEdgeConfigurationOutput,
  DescribeMappedResourceConfigurationInput,
  DescribeMappedResourceConfigurationOutput,
  ListEdgeAgentConfigurationsInput,
  ListEdgeAgentConfigurationsOutput,
  StartEdgeConfigurationUpdateInput,
  StartEdgeConfigurationUpdateOutput,
} from '../shapes/index.js';

/**
 * The edge configuration operations (StartEdgeConfigurationUpdate, DescribeEdgeConfiguration,
 * DeleteEdgeConfiguration, ListEdgeAgentConfigurations API references). No Edge Agent ever connects to this server,
 * so a configuration is stored and described, and its sync status stays SYNCING; ListEdgeAgentConfigurations
 * lists the stored configurations of the hub device. DescribeMappedResourceConfiguration answers an empty list
 * (no stream is mapped to a WebRTC storage session here).
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

/** DescribeEdgeConfiguration: the stored configuration; StreamEdgeConfigurationNotFoundException without one. */
export function describeEdgeConfiguration(
  rt: VideoRuntime,
  input: DescribeEdgeConfigurationInput,
  ctx: RequestContext,
): DescribeEdgeConfigurationOutput {
  const state = rt.requireStream(input, ctx);
  const edge = state.configurations.edge;
  if (edge === undefined) {
    // TODO(#11): AWS's text is not known.
    throw videoError('StreamEdgeConfigurationNotFoundException', `The stream ${state.name} has no edge configuration.`);
  }
  return {
    StreamName: state.name,
    StreamARN: state.arn,
    CreationTime: new Date(edge.createdMs),
    LastUpdatedTime: new Date(edge.updatedMs),
    SyncStatus: 'SYNCING',
    EdgeConfig: structuredClone(edge.config),
  };
}

/** DeleteEdgeConfiguration: removes the stored configuration (StreamEdgeConfigurationNotFoundException without one). */
export async function deleteEdgeConfiguration(
  rt: VideoRuntime,
  input: DeleteEdgeConfigurationInput,
  ctx: RequestContext,
): Promise<DeleteEdgeConfigurationOutput> {
  const state = rt.requireStream(input, ctx);
  if (state.configurations.edge === undefined) {
    // TODO(#11): AWS's text is not known.
    throw videoError('StreamEdgeConfigurationNotFoundException', `The stream ${state.name} has no edge configuration.`);
  }
  await rt.catalog.update(state, (d) => {
    delete d.configurations.edge;
  });
  return {};
}

/**
 * ListEdgeAgentConfigurations: the stored edge configurations whose `HubDeviceArn` is the given one, in stream name
 * order, `MaxResults` (default 5) per page with `NextToken`.
 */
export function listEdgeAgentConfigurations(
  rt: VideoRuntime,
  input: ListEdgeAgentConfigurationsInput,
  ctx: RequestContext,
): ListEdgeAgentConfigurationsOutput {
  const streams = rt.catalog
    .list('stream', ctx.accountId, ctx.region)
    .filter((s) => s.configurations.edge?.config.HubDeviceArn === input.HubDeviceArn);
  const page = pageAfter(streams, input.NextToken, input.MaxResults ?? 5);
  const configs = page.items.map((s) => {
    const edge = s.configurations.edge!;
    return {
      StreamName: s.name,
      StreamARN: s.arn,
      CreationTime: new Date(edge.createdMs),
      LastUpdatedTime: new Date(edge.updatedMs),
      SyncStatus: 'SYNCING' as const,
      EdgeConfig: structuredClone(edge.config),
    };
  });
  return { EdgeConfigs: configs, ...(page.next !== undefined ? { NextToken: page.next } : {}) };
}

/** DescribeMappedResourceConfiguration: the stream must exist; nothing is mapped to it on this server. */
export function describeMappedResourceConfiguration(
  rt: VideoRuntime,
  input: DescribeMappedResourceConfigurationInput,
  ctx: RequestContext,
): DescribeMappedResourceConfigurationOutput {
  rt.requireStream(input, ctx);
  return { MappedResourceConfigurationList: [] };
}
