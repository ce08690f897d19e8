import type { RequestContext } from '../../protocol/index.js';
import type { VideoRuntime } from '../runtime.js';
import type {
  DescribeMappedResourceConfigurationInput,
  DescribeMappedResourceConfigurationOutput,
} from '../shapes/index.js';

/**
 * DescribeMappedResourceConfiguration (API reference of that name): the stream must exist; the list is empty, as no
 * stream is mapped to a WebRTC storage session on this server.
 */
export function describeMappedResourceConfiguration(
  rt: VideoRuntime,
  input: DescribeMappedResourceConfigurationInput,
  ctx: RequestContext,
): DescribeMappedResourceConfigurationOutput {
  rt.requireStream(input, ctx);
  return { MappedResourceConfigurationList: [] };
}
