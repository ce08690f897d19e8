import type { RequestContext } from '../../protocol/index.js';
import type { VideoRuntime } from '../runtime.js';
import type { UntagResourceInput, UntagResourceOutput } from '../shapes/index.js';

/** UntagResource (UntagResource API reference): UntagStream's rules for any stream or channel named by ARN. */
export async function untagResource(
  rt: VideoRuntime,
  input: UntagResourceInput,
  ctx: RequestContext,
): Promise<UntagResourceOutput> {
  const state = rt.requireResource(input.ResourceARN, ctx);
  await rt.catalog.update(state, (d) => {
    for (const key of input.TagKeyList) delete d.tags[key];
  });
  return {};
}
