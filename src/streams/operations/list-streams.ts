/** ListStreams: names sorted, with summaries; Limit (default 100), ExclusiveStartStreamName, NextToken. */
import type { RequestContext } from '../../protocol/index.js';
import type { StreamsRuntime } from '../runtime.js';
import type { ListStreamsInput, ListStreamsOutput } from '../shapes/index.js';
import { decodeNextToken, encodeNextToken } from '../model/shard-view.js';

const DEFAULT_LIMIT = 100;

export function listStreams(rt: StreamsRuntime, input: ListStreamsInput, ctx: RequestContext): ListStreamsOutput {
  let after = input.ExclusiveStartStreamName;
  if (input.NextToken !== undefined) after = decodeNextToken<{ a: string }>(input.NextToken, rt.now()).a;
  let streams = rt.catalog.list(ctx.accountId, ctx.region);
  if (after !== undefined) {
    const start = after;
    streams = streams.filter((s) => s.name > start);
  }
  const limit = input.Limit ?? DEFAULT_LIMIT;
  const page = streams.slice(0, limit);
  const hasMore = streams.length > limit;
  return {
    StreamNames: page.map((s) => s.name),
    HasMoreStreams: hasMore,
    ...(hasMore && page.length > 0 ? { NextToken: encodeNextToken({ a: page[page.length - 1]!.name }, rt.now()) } : {}),
    StreamSummaries: page.map((s) => ({
      StreamName: s.name,
      StreamARN: s.arn,
      StreamStatus: s.status,
      StreamModeDetails: { StreamMode: s.mode },
      StreamCreationTimestamp: new Date(s.createdAt),
    })),
  };
}
