import type { RequestContext } from '../../protocol/index.js';
import type { VideoRuntime } from '../runtime.js';
import type { ListSignalingChannelsInput, ListSignalingChannelsOutput } from '../shapes/index.js';
import { channelInfo } from './channel-info.js';
import { pageAfter } from './paging.js';

/**
 * ListSignalingChannels (ListSignalingChannels API reference): channels of the caller's account and region in name
 * order, filtered by `ChannelNameCondition` (BEGINS_WITH), `MaxResults` (default 500) per page with `NextToken`.
 */
export function listSignalingChannels(
  rt: VideoRuntime,
  input: ListSignalingChannelsInput,
  ctx: RequestContext,
): ListSignalingChannelsOutput {
  const prefix = input.ChannelNameCondition?.ComparisonValue ?? '';
  const all = rt.catalog.list('channel', ctx.accountId, ctx.region).filter((c) => c.name.startsWith(prefix));
  const page = pageAfter(all, input.NextToken, input.MaxResults ?? 500);
  return { ChannelInfoList: page.items.map(channelInfo), ...(page.next !== undefined ? { NextToken: page.next } : {}) };
}
