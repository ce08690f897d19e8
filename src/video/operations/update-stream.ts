import type { RequestContext } from '../../protocol/index.js';
import { newVersion } from '../catalog.js';
import type { VideoRuntime } from '../runtime.js';
import type { UpdateStreamInput, UpdateStreamOutput } from '../shapes/index.js';
import { checkVersion } from './versions.js';

/**
 * UpdateStream (UpdateStream API reference):
 * 1. the stream must be ACTIVE and `CurrentVersion` its version (VersionMismatchException);
 * 2. `DeviceName` and `MediaType` replace the stored values when given;
 * 3. the version changes, and the stream is UPDATING for the configured delay ("an asynchronous operation").
 */
export async function updateStream(
  rt: VideoRuntime,
  input: UpdateStreamInput,
  ctx: RequestContext,
): Promise<UpdateStreamOutput> {
  const state = rt.requireStable(input, ctx);
  checkVersion('stream', state.version, input.CurrentVersion);
  const delay = rt.settings.updateMs;
  const now = rt.now();
  const next = await rt.catalog.update(state, (d) => {
    if (input.DeviceName !== undefined) d.deviceName = input.DeviceName;
    if (input.MediaType !== undefined) d.mediaType = input.MediaType;
    d.version = newVersion();
    if (delay > 0) {
      d.status = 'UPDATING';
      d.transitionAt = now + delay;
    }
  });
  if (next.transitionAt !== undefined) await rt.schedule(next);
  return {};
}
