/**
 * Resharding: SplitShard, MergeShards, UpdateShardCount (UNIFORM_SCALING) and the automatic scaling of
 * on-demand streams. Plans are computed in plan.ts and applied by reshard.ts, which documents when the shard
 * map switches; on-demand.ts documents the scaling rule.
 */
import type { FeatureContext, StreamsFeature } from '../feature.js';
import { mergeShards, type MergeShardsInput } from './merge-shards.js';
import { OnDemandScaler } from './on-demand.js';
import { Resharder } from './reshard.js';
import { splitShard, type SplitShardInput } from './split-shard.js';
import { updateShardCount, type UpdateShardCountInput } from './update-shard-count.js';

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
export function reshardingFeature(ctx: FeatureContext, options: ReshardingOptions = {}): StreamsFeature {
  const { rt, logger, appends } = ctx;
  const settings = ctx.options;
  const resharder = new Resharder(rt, { logger, appends });
  resharder.resume();
  const scaler = new OnDemandScaler(rt, resharder, {
    intervalMs:
      options.onDemandScalingIntervalMs ?? settings.onDemandScalingIntervalMs ?? ON_DEMAND_SCALING_INTERVAL_MS,
    logger,
    appends,
  });
  const env = { rt, resharder };
  return {
    handlers: {
      SplitShard: (input: SplitShardInput, c) => splitShard(env, input, c),
      MergeShards: (input: MergeShardsInput, c) => mergeShards(env, input, c),
      UpdateShardCount: (input: UpdateShardCountInput, c) => updateShardCount(env, input, c),
    },
    async close() {
      await scaler.close();
      await resharder.close();
    },
  };
}
