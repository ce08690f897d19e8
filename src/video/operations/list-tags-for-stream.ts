import type { RequestContext } from '../../protocol/index.js';
import type { VideoRuntime } from '../runtime.js';
import type { ListTagsForStreamInput, ListTagsForStreamOutput } from '../shapes/index.js';

/** ListTagsForStream (ListTagsForStream API reference): every tag in one page (at most 50 exist, so no NextToken). */
export function listTagsForStream(
  rt: VideoRuntime,
  input: ListTagsForStreamInput,
  ctx: RequestContext,
): ListTagsForStreamOutput {
  return { Tags: { ...rt.requireLive(input, ctx).tags } };
}
