import type { RequestContext } from '../../protocol/index.js';
import type { VideoRuntime } from '../runtime.js';
import type {
  DescribeMediaStorageConfigurationInput,
  DescribeMediaStorageConfigurationOutput,
} from '../shapes/index.js';

/**
 * DescribeMediaStorageConfiguration (API reference of that name): a channel's media storage configuration,
 * DISABLED unless set.
 */
export function describeMediaStorageConfiguration(
  rt: VideoRuntime,
  input: DescribeMediaStorageConfigurationInput,
  ctx: RequestContext,
): DescribeMediaStorageConfigurationOutput {
  const c = rt.requireChannel(input, ctx);
  return { MediaStorageConfiguration: c.mediaStorage ? { ...c.mediaStorage } : { Status: 'DISABLED' } };
}
