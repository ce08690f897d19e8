import type { RequestContext } from '../../protocol/index.js';
import type { VideoRuntime } from '../runtime.js';
import { pageAfter } from './paging.js';
import type { ListEdgeAgentConfigurationsInput, ListEdgeAgentConfigurationsOutput } from '../shapes/index.js';

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
