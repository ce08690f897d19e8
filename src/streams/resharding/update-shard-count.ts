/**
 * UpdateShardCount (Amazon Kinesis Data Streams API Reference, UpdateShardCount; Kinesis Data Streams Developer
 * Guide, 'Quotas and limits'):
 * 1. The stream must be ACTIVE (ResourceInUseException) and provisioned ("only supported for the data
 *    streams with the provisioned capacity mode"); ScalingType is UNIFORM_SCALING (the model's enum).
 * 2. Default limits, LimitExceededException: TargetShardCount at most double and not below half the current
 *    (open) shard count; not more than 10000 shards in a stream, and a stream above 10000 only scales down
 *    below 10000; at most ten scalings per rolling 24-hour period per stream.
 * 3. "Short-lived shards count towards your total shard limit": the quota check counts the most shards the
 *    plan keeps open at once.
 * 4. The stream is UPDATING for the update delay; then the plan of plan.ts (uniformPlan) runs, ending with
 *    TargetShardCount open shards over evenly split ranges, every child with at most two parents.
 * 5. Returns StreamName, StreamARN, CurrentShardCount (open shards before) and TargetShardCount.
 */
import type { RequestContext } from '../../protocol/index.js';
import { kinesisError } from '../errors.js';
import { checkShardQuota, openShardCount, requireProvisioned, type ReshardingEnv } from './checks.js';
import type { UpdateShardCountInput, UpdateShardCountOutput } from '../shapes/index.js';
import { uniformPlan } from './plan.js';
import type { StreamState } from '../catalog.js';

/** AWS default: shards per stream. */
export const MAX_SHARDS_PER_STREAM = 10_000;
/** AWS default: UpdateShardCount calls per stream in a rolling 24 hours. */
export const SCALINGS_PER_DAY = 10;
const DAY_MS = 86_400_000;

/** The operation's handler (steps in the file header). */
export async function updateShardCount(
  env: ReshardingEnv,
  input: UpdateShardCountInput,
  ctx: RequestContext,
): Promise<UpdateShardCountOutput> {
  const { rt, resharder } = env;
  const stream = rt.resolveStream(input, ctx);
  // Step 1.
  rt.requireActive(stream);
  requireProvisioned(stream, 'UpdateShardCount');
  // Step 2.
  const current = openShardCount(stream);
  const target = input.TargetShardCount;
  const where = `stream ${stream.name} under account ${stream.accountId}`;
  if (target > current * 2) {
    throw kinesisError(
      'LimitExceededException',
      `UpdateShardCount cannot scale ${where} to more than double its current shard count: current ${current}, target ${target}.`,
    );
  }
  if (target * 2 < current) {
    throw kinesisError(
      'LimitExceededException',
      `UpdateShardCount cannot scale ${where} below half its current shard count: current ${current}, target ${target}.`,
    );
  }
  if (target > MAX_SHARDS_PER_STREAM || (current > MAX_SHARDS_PER_STREAM && target >= MAX_SHARDS_PER_STREAM)) {
    throw kinesisError(
      'LimitExceededException',
      `UpdateShardCount cannot scale ${where} to ${target} shards: a stream can have at most ${MAX_SHARDS_PER_STREAM} shards.`,
    );
  }
  const now = rt.now();
  const recentScalings = (state: StreamState): number[] => {
    const recent = (state.resharding?.scalings ?? []).filter((t) => t > now - DAY_MS);
    if (recent.length >= SCALINGS_PER_DAY) {
      throw kinesisError(
        'LimitExceededException',
        `UpdateShardCount cannot scale ${where} more than ${SCALINGS_PER_DAY} times in a rolling 24-hour period.`,
      );
    }
    return recent;
  };
  recentScalings(stream);
  // Step 3.
  const plan = uniformPlan({ shards: stream.shards, nextShardIndex: stream.nextShardIndex, at: now }, target);
  checkShardQuota(rt, { stream, ctx, additional: plan.peakOpen - current });
  // Step 4.
  await resharder.begin(
    stream,
    { kind: 'scale', at: now + rt.settings.updateStreamMs, targetShardCount: target },
    (draft) => {
      (draft.resharding ??= {}).scalings = [...recentScalings(draft), now];
    },
  );
  // Step 5.
  return { StreamName: stream.name, StreamARN: stream.arn, CurrentShardCount: current, TargetShardCount: target };
}
