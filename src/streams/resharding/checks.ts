/** Checks shared by SplitShard, MergeShards and UpdateShardCount, with AWS's error types (docs/errors.md) and texts. */
import type { RequestContext, ServiceError } from '../../protocol/index.js';
import type { ShardState, StreamState } from '../catalog.js';
import { kinesisError, shardNotFound, streamNotFound } from '../errors.js';
import { formatShardId, parseShardId } from '../model/index.js';
import { accountShardUsage, shardLimitExceeded } from '../limits/shard-quota.js';
import type { StreamsRuntime } from '../runtime.js';
import type { Resharder } from './reshard.js';

/** What the resharding operations work with: the runtime and the feature's {@link Resharder}. */
export interface ReshardingEnv {
  readonly rt: StreamsRuntime;
  readonly resharder: Resharder;
}

/** AWS API reference (SplitShard, MergeShards, UpdateShardCount): "only supported for the data streams with the provisioned capacity mode". */
export function requireProvisioned(stream: StreamState, operation: string): void {
  if (stream.mode !== 'PROVISIONED') {
    throw kinesisError(
      'ValidationException',
      `${operation} is not supported for stream ${stream.name} under account ${stream.accountId} because it is in ON_DEMAND capacity mode.`,
    );
  }
}

/**
 * The stream a SplitShard or MergeShards call addresses. Shard ids that name no possible shard (not digits, or past
 * 2^31 − 1) are refused first, even for an unknown stream, with the "Could not find shard" text.
 */
export function resolveReshardTarget(
  rt: StreamsRuntime,
  input: { StreamName?: string; StreamARN?: string },
  ctx: RequestContext,
  shardIds: readonly string[],
): StreamState {
  const { name, accountId, stream } = rt.locateStream(input, ctx);
  for (const id of shardIds) if (parseShardId(id) === undefined) throw shardNotFound(id, name, accountId);
  if (!stream) throw streamNotFound(name, accountId);
  return stream;
}

/** The shard an operation names; AWS: `Could not find shard <id> in stream <name> under account <account>.` */
export function findShard(rt: StreamsRuntime, stream: StreamState, shardId: string): ShardState {
  const index = parseShardId(shardId);
  const shard = index === undefined ? undefined : rt.shard(stream, index);
  if (!shard) {
    throw shardNotFound(index === undefined ? shardId : formatShardId(index), stream.name, stream.accountId);
  }
  return shard;
}

/** AWS: a closed shard "has already been merged or split, and thus is not eligible for merging or splitting." */
export function requireOpen(stream: StreamState, shard: ShardState): void {
  if (shard.closedAt !== undefined) {
    throw kinesisError(
      'InvalidArgumentException',
      `Shard ${shard.shardId} in stream ${stream.name} under account ${stream.accountId} has already been merged or split, and thus is not eligible for merging or splitting.`,
    );
  }
}

/**
 * Open shards that pending operations of the stream's account will add (the quota counts them already, so two
 * concurrent splits cannot both take the last free shard).
 */
function pendingAdditions(rt: StreamsRuntime, stream: StreamState): number {
  let extra = 0;
  for (const other of rt.catalog.list(stream.accountId, stream.region)) {
    const pending = other.resharding?.pending;
    if (!pending) continue;
    if (pending.kind === 'split') extra += 1;
    else if (pending.kind === 'scale') {
      const open = other.shards.filter((s) => s.closedAt === undefined).length;
      extra += Math.max(0, pending.targetShardCount - open);
    }
  }
  return extra;
}

/**
 * The account's shard quota (AWS: LimitExceededException "This request would exceed the shard limit for the
 * account …"), counting `additional` more open shards for this request.
 */
export function checkShardQuota(
  rt: StreamsRuntime,
  request: { stream: StreamState; ctx: RequestContext; additional: number },
): void {
  const { stream, ctx, additional } = request;
  if (additional <= 0) return;
  const current = accountShardUsage(rt, stream.accountId, stream.region).openShards + pendingAdditions(rt, stream);
  if (current + additional > rt.settings.shardLimit) {
    throw quotaError(rt, stream, ctx, { current, additional });
  }
}

function quotaError(
  rt: StreamsRuntime,
  stream: StreamState,
  ctx: RequestContext,
  counts: { current: number; additional: number },
): ServiceError {
  return shardLimitExceeded(
    rt,
    { ...ctx, accountId: stream.accountId, region: stream.region },
    counts.current,
    counts.additional,
  );
}

/** Open shards of a stream. */
export function openShardCount(stream: StreamState): number {
  let n = 0;
  for (const s of stream.shards) if (s.closedAt === undefined) n++;
  return n;
}
