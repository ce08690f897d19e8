import type { RequestContext } from '../../protocol/index.js';
import type { VideoRuntime } from '../runtime.js';
import type { TagResourceInput, TagResourceOutput } from '../shapes/index.js';
import { mergeTags } from './tags.js';

/**
 * TagResource (TagResource API reference): TagStream's rules for any stream or signaling channel named by ARN,
 * with the tags as a list of `{Key, Value}`.
 */
export async function tagResource(
  rt: VideoRuntime,
  input: TagResourceInput,
  ctx: RequestContext,
): Promise<TagResourceOutput> {
  const state = rt.requireResource(input.ResourceARN, ctx);
  const tags = mergeTags(state.tags, Object.fromEntries(input.Tags.map((t) => [t.Key, t.Value])));
  await rt.catalog.update(state, (d) => {
    d.tags = tags;
  });
  return {};
}
