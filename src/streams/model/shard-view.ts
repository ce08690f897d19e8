/**
 * API views of the catalogue shared by DescribeStream(Summary), ListShards, ListStreams and
 * ListStreamConsumers: the `Shard` shape, `EnhancedMonitoring`, and pagination tokens.
 */
import type { ShardState, StreamState } from '../catalog.js';
import { kinesisError } from '../errors.js';
import { shardEndingSequenceNumber, shardStartingSequenceNumber } from './sequence-number.js';
import type { EnhancedMetrics, MetricsName, Shard } from '../shapes/index.js';

/** The `Shard` shape of the API for one shard. */
export function describeShard(shard: ShardState): Shard {
  const createdSeconds = Math.floor(shard.createdAt / 1000);
  return {
    ShardId: shard.shardId,
    ...(shard.parentShardId !== undefined ? { ParentShardId: shard.parentShardId } : {}),
    ...(shard.adjacentParentShardId !== undefined ? { AdjacentParentShardId: shard.adjacentParentShardId } : {}),
    HashKeyRange: { StartingHashKey: shard.startingHashKey, EndingHashKey: shard.endingHashKey },
    SequenceNumberRange: {
      StartingSequenceNumber: shardStartingSequenceNumber(createdSeconds, shard.index),
      ...(shard.closedAt !== undefined
        ? {
            EndingSequenceNumber: shardEndingSequenceNumber(
              createdSeconds,
              shard.index,
              Math.floor(shard.closedAt / 1000),
            ),
          }
        : {}),
    },
  };
}

/** `EnhancedMonitoring` as AWS lists it: one entry holding the enabled shard-level metrics. */
export function enhancedMonitoring(stream: StreamState): EnhancedMetrics[] {
  return [{ ShardLevelMetrics: shardLevelMetrics(stream) }];
}

/** A copy of the stream's enabled shard-level metrics. */
export function shardLevelMetrics(stream: StreamState): MetricsName[] {
  // The catalogue holds only names Enable/DisableEnhancedMonitoring accepted: the model validated them
  // against the MetricsName enum (and `ALL` was expanded).
  return [...stream.shardLevelMetrics] as MetricsName[];
}

/** Pagination tokens: opaque base64url JSON with the issue time; AWS lets them live 300 s. */
export const NEXT_TOKEN_TTL_MS = 300_000;

export function encodeNextToken(payload: Record<string, unknown>, now: number): string {
  return Buffer.from(JSON.stringify({ ...payload, t: now })).toString('base64url');
}

export function decodeNextToken<T extends Record<string, unknown>>(token: string, now: number): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { t?: unknown }).t !== 'number') {
    throw kinesisError('InvalidArgumentException', `Invalid NextToken ${token}.`);
  }
  if (now - (parsed as { t: number }).t > NEXT_TOKEN_TTL_MS) {
    throw kinesisError('ExpiredNextTokenException', `The NextToken ${token} has expired.`);
  }
  return parsed as T;
}
