import type { RequestContext } from '../../protocol/index.js';
import type { VideoRuntime } from '../runtime.js';
import type { ListTagsForResourceInput, ListTagsForResourceOutput } from '../shapes/index.js';

/** ListTagsForResource (ListTagsForResource API reference): every tag of a stream or channel, in one page. */
export function listTagsForResource(
  rt: VideoRuntime,
  input: ListTagsForResourceInput,
  ctx: RequestContext,
): ListTagsForResourceOutput {
  return { Tags: { ...rt.requireResource(input.ResourceARN, ctx).tags } };
}
