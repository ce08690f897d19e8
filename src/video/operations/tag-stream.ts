import type { RequestContext } from '../../protocol/index.js';
import type { VideoRuntime } from '../runtime.js';
import type { TagStreamInput, TagStreamOutput } from '../shapes/index.js';
import { mergeTags } from './tags.js';

/** TagStream (TagStream API reference): adds or replaces tags; at most 50 per stream (TagsPerResourceExceededLimitException). */
export async function tagStream(
  rt: VideoRuntime,
  input: TagStreamInput,
  ctx: RequestContext,
): Promise<TagStreamOutput> {
  const state = rt.requireLive(input, ctx);
  const tags = mergeTags(state.tags, input.Tags);
  await rt.catalog.update(state, (d) => {
    d.tags = tags;
  });
  return {};
}
