/** Enhanced fan-out: stream consumers and SubscribeToShard. TODO(#3). */
import type { FeatureContext, StreamsFeature } from '../feature.js';

export function fanOutFeature(_ctx: FeatureContext): StreamsFeature {
  return { handlers: {} };
}
