/** Server-side encryption: StartStreamEncryption / StopStreamEncryption and records encrypted at rest. TODO(#3). */
import type { FeatureContext, StreamsFeature } from '../feature.js';

export function encryptionFeature(_ctx: FeatureContext): StreamsFeature {
  return { handlers: {} };
}
