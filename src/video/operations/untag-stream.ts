import type { RequestContext } from '../../protocol/index.js';
import type { VideoRuntime } from '../runtime.js';
import type { UntagStreamInput, UntagStreamOutput } from '../shapes/index.js';

/** UntagStream (UntagStream API reference): removes the listed keys; keys the stream does not have are ignored. */
export async function untagStream(
  rt: VideoRuntime,
  input: UntagStreamInput,
  ctx: RequestContext,
): Promise<UntagStreamOutput> {
  const state = rt.requireLive(input, ctx);
  await rt.catalog.update(state, (d) => {
    for (const key of input.TagKeyList) delete d.tags[key];
  });
  return {};
}
