/**
 * MergeShards (Amazon Kinesis Data Streams API Reference, MergeShards):
 * 1. The stream must be ACTIVE (ResourceInUseException) and provisioned.
 * 2. Both shards must exist (ResourceNotFoundException) and be open ("has already been merged or split").
 * 3. They must be adjacent: "the union of the hash key ranges for the two shards form a contiguous set with
 *    no gaps", with AdjacentShardToMerge directly above ShardToMerge (AWS refuses the reverse order, as
 *    kinesalite's actions/mergeShards.js recorded); otherwise "are not an adjacent pair of shards eligible for
 *    merging".
 * 4. The stream is UPDATING for the update delay; then both close and one child over the union takes over,
 *    ParentShardId = ShardToMerge, AdjacentParentShardId = AdjacentShardToMerge.
 */
import type { RequestContext } from '../../protocol/index.js';
import { kinesisError } from '../errors.js';
import type { MergeShardsInput } from '../shapes/index.js';
import { findShard, requireOpen, requireProvisioned, resolveReshardTarget, type ReshardingEnv } from './checks.js';

/** The operation's handler (steps in the file header). */
export async function mergeShards(env: ReshardingEnv, input: MergeShardsInput, ctx: RequestContext): Promise<void> {
  const { rt, resharder } = env;
  const stream = resolveReshardTarget(rt, input, ctx, [input.ShardToMerge, input.AdjacentShardToMerge]);
  // Step 1.
  rt.requireActive(stream);
  requireProvisioned(stream, 'MergeShards');
  // Step 2.
  const shard = findShard(rt, stream, input.ShardToMerge);
  const adjacent = findShard(rt, stream, input.AdjacentShardToMerge);
  requireOpen(stream, shard);
  requireOpen(stream, adjacent);
  // Step 3.
  const touches = (a: typeof shard, b: typeof shard) => BigInt(a.endingHashKey) + 1n === BigInt(b.startingHashKey);
  if (shard === adjacent || !touches(shard, adjacent)) {
    throw kinesisError(
      'InvalidArgumentException',
      `Shards ${shard.shardId} and ${adjacent.shardId} in stream ${stream.name} under account ${stream.accountId} are not an adjacent pair of shards eligible for merging`,
    );
  }
  // Step 4.
  await resharder.begin(stream, {
    kind: 'merge',
    at: rt.now() + rt.settings.updateStreamMs,
    shardIndex: shard.index,
    adjacentShardIndex: adjacent.index,
  });
}
