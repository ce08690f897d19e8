import type { RequestContext } from '../../protocol/index.js';
import { newVersion } from '../catalog.js';
import { channelNotFound, videoError } from '../errors.js';
import type { VideoRuntime } from '../runtime.js';
import type { UpdateSignalingChannelInput, UpdateSignalingChannelOutput } from '../shapes/index.js';
import { checkVersion } from './versions.js';

/**
 * UpdateSignalingChannel (UpdateSignalingChannel API reference): an ACTIVE channel at `CurrentVersion` takes the new
 * SingleMasterConfiguration; the version changes and the channel is UPDATING for the configured delay.
 */
export async function updateSignalingChannel(
  rt: VideoRuntime,
  input: UpdateSignalingChannelInput,
  ctx: RequestContext,
): Promise<UpdateSignalingChannelOutput> {
  const state = rt.requireChannel({ ChannelARN: input.ChannelARN }, ctx);
  if (state.status === 'DELETING') throw channelNotFound();
  if (state.status !== 'ACTIVE') {
    // TODO(#video-texts): AWS's text is not known.
    throw videoError('ResourceInUseException', `The signaling channel ${state.name} is ${state.status}.`);
  }
  checkVersion('channel', state.version, input.CurrentVersion);
  const delay = rt.settings.updateMs;
  const now = rt.now();
  const next = await rt.catalog.update(state, (d) => {
    const ttl = input.SingleMasterConfiguration?.MessageTtlSeconds;
    if (ttl !== undefined) d.messageTtlSeconds = ttl;
    d.version = newVersion();
    if (delay > 0) {
      d.status = 'UPDATING';
      d.transitionAt = now + delay;
    }
  });
  if (next.transitionAt !== undefined) await rt.schedule(next);
  return {};
}
