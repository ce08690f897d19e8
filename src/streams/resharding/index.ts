/**
 * Resharding: SplitShard, MergeShards, UpdateShardCount (UNIFORM_SCALING) and the automatic scaling of
 * on-demand streams. Plans are computed in plan.ts and applied by reshard.ts, which documents when the shard
 * map switches; on-demand.ts documents the scaling rule.
 */
import { op } from '../../protocol/index.js';
import type { FeatureContext, StreamsFeature } from '../feature.js';
import { STREAM } from '../operation-traits.js';
import type { MergeShardsInput, SplitShardInput, UpdateShardCountInput } from '../shapes/index.js';
import { mergeShards } from './merge-shards.js';
import { OnDemandScaler } from './on-demand.js';
import { Resharder } from './reshard.js';
import { splitShard } from './split-shard.js';
import { updateShardCount } from './update-shard-count.js';

export { uniformPlan, splitPlan, mergePlan, type ReshardPlan, type PlanBase } from './plan.js';
export { wantedShards, ON_DEMAND_MIN_SHARDS } from './on-demand.js';

/** Resharding settings, read from the service options when present. */
export interface ReshardingOptions {
  /** How often on-demand streams are re-evaluated, in ms of the service clock. Default 60,000. */
  readonly onDemandScalingIntervalMs?: number;
}

/** Default evaluation interval of on-demand scaling (ms). */
export const ON_DEMAND_SCALING_INTERVAL_MS = 60_000;

/** The resharding feature: its three operations, pending resharding resumed at start, and on-demand scaling. */
export async function reshardingFeature(ctx: FeatureContext, options: ReshardingOptions = {}): Promise<StreamsFeature> {
  const { rt, logger, scheduler, appends, meta } = ctx;
  const settings = ctx.options;
  const resharder = new Resharder(rt, { scheduler, appends });
  await resharder.resume();
  const scaler = new OnDemandScaler(rt, resharder, {
    intervalMs:
      options.onDemandScalingIntervalMs ?? settings.onDemandScalingIntervalMs ?? ON_DEMAND_SCALING_INTERVAL_MS,
    logger,
    scheduler,
    appends,
    meta,
  });
  await scaler.restore();
  const env = { rt, resharder };
  return {
    operations: {
      SplitShard: op((input: SplitShardInput, c) => splitShard(env, input, c), { resource: STREAM }),
      MergeShards: op((input: MergeShardsInput, c) => mergeShards(env, input, c), { resource: STREAM }),
      UpdateShardCount: op((input: UpdateShardCountInput, c) => updateShardCount(env, input, c), { resource: STREAM }),
    },
    async close() {
      await scaler.close();
      await resharder.close();
    },
  };
}
