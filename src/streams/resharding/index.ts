/** Resharding: SplitShard, MergeShards, UpdateShardCount and on-demand scaling. TODO(#3). */
import type { FeatureContext, StreamsFeature } from '../feature.js';

export function reshardingFeature(_ctx: FeatureContext): StreamsFeature {
  return { handlers: {} };
}
