/**
 * ListShards (AWS ListShards API reference):
 * 1. NextToken excludes StreamName/StreamARN, ExclusiveStartShardId and StreamCreationTimestamp; one of NextToken or a stream is needed.
 * 2. StreamCreationTimestamp, when given, must match the stream (it disambiguates re-created streams).
 * 3. One ShardFilter: AFTER_SHARD_ID, AT_TRIM_HORIZON, FROM_TRIM_HORIZON (default), AT_LATEST, AT_TIMESTAMP, FROM_TIMESTAMP.
 * 4. MaxResults 1..10000, default and effective cap 1000; a NextToken lives 300 s.
 */
import type { RequestContext } from '../../protocol/index.js';
import { StreamStatus, type ShardState, type StreamState } from '../catalog.js';
import { kinesisError, streamNotActive } from '../errors.js';
import { parseShardId } from '../model/index.js';
import type { StreamsRuntime } from '../runtime.js';
import type { ListShardsInput, ListShardsOutput, ShardFilterType } from '../shapes/index.js';
import { decodeNextToken, describeShard, encodeNextToken } from '../model/shard-view.js';

const MAX_PAGE = 1000;

interface ListShardsToken extends Record<string, unknown> {
  /** stream id */
  s: string;
  /** last shard index returned */
  i: number;
  /** filter, re-applied on the next page */
  f?: { Type: ShardFilterType; ShardId?: string; Timestamp?: number };
}

export function listShards(rt: StreamsRuntime, input: ListShardsInput, ctx: RequestContext): ListShardsOutput {
  const now = rt.now();
  let stream: StreamState | undefined;
  let afterIndex = -1;
  let filter: ListShardsToken['f'] = input.ShardFilter
    ? {
        Type: input.ShardFilter.Type,
        ...(input.ShardFilter.ShardId !== undefined ? { ShardId: input.ShardFilter.ShardId } : {}),
        ...(input.ShardFilter.Timestamp !== undefined ? { Timestamp: input.ShardFilter.Timestamp.getTime() } : {}),
      }
    : undefined;

  if (input.NextToken !== undefined) {
    if (input.StreamName !== undefined || input.StreamARN !== undefined) {
      throw kinesisError('InvalidArgumentException', 'NextToken and StreamName cannot be provided together.');
    }
    if (input.ExclusiveStartShardId !== undefined) {
      throw kinesisError(
        'InvalidArgumentException',
        'NextToken and ExclusiveStartShardId cannot be provided together.',
      );
    }
    if (input.StreamCreationTimestamp !== undefined) {
      throw kinesisError(
        'InvalidArgumentException',
        'NextToken and StreamCreationTimestamp cannot be provided together.',
      );
    }
    const token = decodeNextToken<ListShardsToken>(input.NextToken, now);
    stream = rt.catalog.getById(token.s);
    if (!stream)
      throw kinesisError('ResourceNotFoundException', 'The stream that NextToken refers to no longer exists.');
    afterIndex = token.i;
    filter = token.f;
  } else {
    if (input.StreamName === undefined && input.StreamARN === undefined) {
      throw kinesisError('InvalidArgumentException', 'Either NextToken or StreamName should be provided.');
    }
    stream = rt.resolveStream(input, ctx);
    if (
      input.StreamCreationTimestamp !== undefined &&
      Math.floor(input.StreamCreationTimestamp.getTime() / 1000) !== Math.floor(stream.createdAt / 1000)
    ) {
      throw kinesisError(
        'ResourceNotFoundException',
        `Stream ${stream.name} under account ${stream.accountId} with creation timestamp ${input.StreamCreationTimestamp.getTime()} not found.`,
      );
    }
    if (input.ExclusiveStartShardId !== undefined) afterIndex = parseShardId(input.ExclusiveStartShardId) ?? -1;
  }
  if (stream.status === StreamStatus.CREATING) throw streamNotActive(stream.name, stream.accountId, stream.status);

  const trimHorizon = rt.retentionCutoff(stream);
  let shards = stream.shards.filter((s) => s.index > afterIndex);
  if (filter) shards = applyFilter(shards, filter, { trimHorizon, now, streamCreatedAt: stream.createdAt });
  else shards = shards.filter((s) => s.closedAt === undefined || s.closedAt >= trimHorizon);

  const limit = Math.min(input.MaxResults ?? MAX_PAGE, MAX_PAGE);
  const page = shards.slice(0, limit);
  const hasMore = shards.length > limit;
  return {
    Shards: page.map(describeShard),
    ...(hasMore
      ? {
          NextToken: encodeNextToken(
            { s: stream.id, i: page[page.length - 1]!.index, ...(filter ? { f: filter } : {}) },
            now,
          ),
        }
      : {}),
  };
}

/**
 * The ShardFilter types (AWS ListShards API reference, ShardFilter): a shard is open at t when it was created at
 * or before t and closed at or after t (or is still open). Times before the stream existed mean its creation,
 * when its first shards were open: a young stream's trim horizon lies before its creation.
 */
function applyFilter(
  shards: ShardState[],
  filter: NonNullable<ListShardsToken['f']>,
  clock: { trimHorizon: number; now: number; streamCreatedAt: number },
): ShardState[] {
  const { trimHorizon, now, streamCreatedAt } = clock;
  const openAt = (s: ShardState, t: number): boolean =>
    s.createdAt <= t && (s.closedAt === undefined || s.closedAt >= t);
  switch (filter.Type) {
    case 'AFTER_SHARD_ID': {
      if (filter.ShardId === undefined) {
        throw kinesisError(
          'InvalidArgumentException',
          'ShardId must be provided when ShardFilter Type is AFTER_SHARD_ID.',
        );
      }
      const after = parseShardId(filter.ShardId) ?? -1;
      return shards.filter((s) => s.index > after);
    }
    case 'AT_TRIM_HORIZON': {
      // "all the shards that were open at TRIM_HORIZON" (closed ones included).
      const t = Math.max(trimHorizon, streamCreatedAt);
      return shards.filter((s) => openAt(s, t));
    }
    case 'FROM_TRIM_HORIZON':
      return shards.filter((s) => s.closedAt === undefined || s.closedAt >= trimHorizon);
    case 'AT_LATEST':
      return shards.filter((s) => s.closedAt === undefined);
    case 'AT_TIMESTAMP':
    case 'FROM_TIMESTAMP': {
      if (filter.Timestamp === undefined) {
        throw kinesisError(
          'InvalidArgumentException',
          `Timestamp must be provided when ShardFilter Type is ${filter.Type}.`,
        );
      }
      if (filter.Timestamp > now) {
        throw kinesisError('InvalidArgumentException', 'The Timestamp in ShardFilter cannot be in the future.');
      }
      const t = Math.max(filter.Timestamp, trimHorizon);
      if (filter.Type === 'AT_TIMESTAMP') {
        // "start timestamp is less than or equal to the given timestamp and end timestamp is greater than or
        // equal to the given timestamp or still open".
        const at = Math.max(t, streamCreatedAt);
        return shards.filter((s) => openAt(s, at));
      }
      // "all closed shards whose end timestamp is greater than or equal to the given timestamp and also all open
      // shards. Corrected to TRIM_HORIZON of the data stream if FROM_TIMESTAMP is less than the TRIM_HORIZON value."
      return shards.filter((s) => s.closedAt === undefined || s.closedAt >= t);
    }
    default:
      throw kinesisError('InvalidArgumentException', `Invalid ShardFilter Type ${filter.Type}.`);
  }
}
