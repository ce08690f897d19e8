import type { RequestContext } from '../../protocol/index.js';
import { videoError } from '../errors.js';
import type { VideoRuntime } from '../runtime.js';
import type { ListStreamsInput, ListStreamsOutput } from '../shapes/index.js';
import { pageAfter } from './paging.js';
import { streamInfo } from './stream-info.js';

/**
 * ListStreams (ListStreams API reference):
 * 1. streams of the caller's account and region in name order, `MaxResults` (1–10,000, default 10,000) per page;
 * 2. `StreamNameCondition` with `BEGINS_WITH` keeps names starting with `ComparisonValue`;
 * 3. `NextToken` is returned while more streams follow and continues after the last stream of the page.
 */
export function listStreams(rt: VideoRuntime, input: ListStreamsInput, ctx: RequestContext): ListStreamsOutput {
  const condition = input.StreamNameCondition;
  if (
    condition !== undefined &&
    condition.ComparisonValue !== undefined &&
    condition.ComparisonOperator === undefined
  ) {
    // TODO(#video-texts): AWS's text is not known.
    throw videoError('InvalidArgumentException', 'StreamNameCondition needs a ComparisonOperator.');
  }
  const prefix = condition?.ComparisonValue ?? '';
  const all = rt.catalog.list('stream', ctx.accountId, ctx.region).filter((s) => s.name.startsWith(prefix));
  const page = pageAfter(all, input.NextToken, input.MaxResults ?? 10_000);
  return { StreamInfoList: page.items.map(streamInfo), ...(page.next !== undefined ? { NextToken: page.next } : {}) };
}
