import type { RequestContext } from '../../protocol/index.js';
import type { VideoRuntime } from '../runtime.js';
import type {
  DescribeImageGenerationConfigurationInput,
  DescribeImageGenerationConfigurationOutput,
} from '../shapes/index.js';

/** DescribeImageGenerationConfiguration: the stored configuration, if any. */
export function describeImageGenerationConfiguration(
  rt: VideoRuntime,
  input: DescribeImageGenerationConfigurationInput,
  ctx: RequestContext,
): DescribeImageGenerationConfigurationOutput {
  const config = rt.requireStream(input, ctx).configurations.imageGeneration;
  return config === undefined ? {} : { ImageGenerationConfiguration: structuredClone(config) };
}
