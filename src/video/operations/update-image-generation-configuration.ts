import type { RequestContext } from '../../protocol/index.js';
import { noDataRetention } from '../errors.js';
import type { VideoRuntime } from '../runtime.js';
import type {
  UpdateImageGenerationConfigurationInput,
  UpdateImageGenerationConfigurationOutput,
} from '../shapes/index.js';

/**
 * UpdateImageGenerationConfiguration (UpdateImageGenerationConfiguration API reference):
 * 1. the stream must be ACTIVE;
 * 2. an ENABLED configuration needs a stream that keeps its media (NoDataRetentionException at 0 hours);
 * 3. the configuration is stored as given and replaces the previous one; without one, it is removed.
 * Images are not delivered to the S3 destination by this server; the configuration is stored and described.
 */
export async function updateImageGenerationConfiguration(
  rt: VideoRuntime,
  input: UpdateImageGenerationConfigurationInput,
  ctx: RequestContext,
): Promise<UpdateImageGenerationConfigurationOutput> {
  const state = rt.requireStable(input, ctx);
  const config = input.ImageGenerationConfiguration;
  if (config?.Status === 'ENABLED' && state.dataRetentionInHours === 0) {
    throw noDataRetention();
  }
  await rt.catalog.update(state, (d) => {
    if (config === undefined) delete d.configurations.imageGeneration;
    else d.configurations.imageGeneration = structuredClone(config) as typeof d.configurations.imageGeneration;
  });
  return {};
}
