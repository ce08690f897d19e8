/**
 * SplitShard (Amazon Kinesis Data Streams API Reference, SplitShard):
 * 1. The stream must be ACTIVE (ResourceInUseException) and provisioned.
 * 2. ShardToSplit must exist (ResourceNotFoundException) and be open ("has already been merged or split").
 * 3. NewStartingHashKey must be greater than StartingHashKey + 1 and less than EndingHashKey of the shard.
 * 4. The two children add one open shard to the account's quota (LimitExceededException).
 * 5. The stream is UPDATING for the update delay; then the parent closes and the children
 *    `[start, key − 1]` and `[key, end]` take over (see reshard.ts for the switch).
 */
import type { RequestContext } from '../../protocol/index.js';
import { kinesisError } from '../errors.js';
import type { SplitShardInput } from '../shapes/index.js';
import {
  checkShardQuota,
  findShard,
  requireOpen,
  requireProvisioned,
  resolveReshardTarget,
  type ReshardingEnv,
} from './checks.js';

/** The operation's handler (steps in the file header). */
export async function splitShard(env: ReshardingEnv, input: SplitShardInput, ctx: RequestContext): Promise<void> {
  const { rt, resharder } = env;
  const stream = resolveReshardTarget(rt, input, ctx, [input.ShardToSplit]);
  // Step 1.
  rt.requireActive(stream);
  requireProvisioned(stream, 'SplitShard');
  // Step 2.
  const shard = findShard(rt, stream, input.ShardToSplit);
  requireOpen(stream, shard);
  // Step 3.
  const key = BigInt(input.NewStartingHashKey);
  const start = BigInt(shard.startingHashKey);
  const end = BigInt(shard.endingHashKey);
  if (!(key > start + 1n && key < end)) {
    throw kinesisError(
      'InvalidArgumentException',
      `NewStartingHashKey ${input.NewStartingHashKey} used in SplitShard() on shard ${shard.shardId} in stream ${stream.name} under account ${stream.accountId} is not both greater than one plus the shard's StartingHashKey ${shard.startingHashKey} and less than the shard's EndingHashKey ${shard.endingHashKey}.`,
    );
  }
  // Step 4.
  checkShardQuota(rt, { stream, ctx, additional: 1 });
  // Step 5.
  await resharder.begin(stream, {
    kind: 'split',
    at: rt.now() + rt.settings.updateStreamMs,
    shardIndex: shard.index,
    newStartingHashKey: key.toString(),
  });
}
