import type { RequestContext } from '../../protocol/index.js';
import type { VideoRuntime } from '../runtime.js';
import type {
  DescribeStreamStorageConfigurationInput,
  DescribeStreamStorageConfigurationOutput,
} from '../shapes/index.js';

/**
 * DescribeStreamStorageConfiguration (API reference of that name): the stream's default storage tier (HOT unless
 * set). This server keeps all media on one tier; the setting is stored and described.
 */
export function describeStreamStorageConfiguration(
  rt: VideoRuntime,
  input: DescribeStreamStorageConfigurationInput,
  ctx: RequestContext,
): DescribeStreamStorageConfigurationOutput {
  const s = rt.requireStream(input, ctx);
  return { StreamName: s.name, StreamARN: s.arn, StreamStorageConfiguration: { DefaultStorageTier: s.storageTier } };
}
