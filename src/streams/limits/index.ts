/** AWS's per-shard and control-plane limits behind the `--enforce-limits` switch. TODO(#3). */
import type { FeatureContext, StreamsFeature } from '../feature.js';

export function limitsFeature(_ctx: FeatureContext): StreamsFeature {
  return { handlers: {} };
}
