import type { RequestContext } from '../../protocol/index.js';
import { streamNotFound, videoError } from '../errors.js';
import type { VideoRuntime } from '../runtime.js';
import type { DeleteStreamInput, DeleteStreamOutput } from '../shapes/index.js';

/**
 * DeleteStream (DeleteStream API reference):
 * 1. the stream is named by its ARN; a stream already DELETING is not found;
 * 2. with `CurrentVersion`, the stream's version must match (VersionMismatchException);
 * 3. the stream is DELETING at once (its data becomes inaccessible immediately) and gone after the configured
 *    delay.
 */
export async function deleteStream(
  rt: VideoRuntime,
  input: DeleteStreamInput,
  ctx: RequestContext,
): Promise<DeleteStreamOutput> {
  const state = rt.requireStream({ StreamARN: input.StreamARN }, ctx);
  if (state.status === 'DELETING') throw streamNotFound();
  if (input.CurrentVersion !== undefined && input.CurrentVersion !== state.version) {
    // TODO(#video-texts): AWS's text is not known.
    throw videoError('VersionMismatchException', `The stream version ${input.CurrentVersion} is not current.`);
  }
  const now = rt.now();
  const next = await rt.catalog.update(state, (d) => {
    d.status = 'DELETING';
    d.transitionAt = now + rt.settings.deleteMs;
  });
  await rt.schedule(next);
  return {};
}
