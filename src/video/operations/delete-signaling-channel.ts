import type { RequestContext } from '../../protocol/index.js';
import { channelNotFound } from '../errors.js';
import type { VideoRuntime } from '../runtime.js';
import type { DeleteSignalingChannelInput, DeleteSignalingChannelOutput } from '../shapes/index.js';
import { checkVersion } from './versions.js';

/**
 * DeleteSignalingChannel (DeleteSignalingChannel API reference): by ARN, at `CurrentVersion` when given
 * (VersionMismatchException); the channel is DELETING, then gone after the configured delay.
 */
export async function deleteSignalingChannel(
  rt: VideoRuntime,
  input: DeleteSignalingChannelInput,
  ctx: RequestContext,
): Promise<DeleteSignalingChannelOutput> {
  const state = rt.requireChannel({ ChannelARN: input.ChannelARN }, ctx);
  if (state.status === 'DELETING') throw channelNotFound();
  checkVersion('channel', state.version, input.CurrentVersion);
  const now = rt.now();
  const next = await rt.catalog.update(state, (d) => {
    d.status = 'DELETING';
    d.transitionAt = now + rt.settings.deleteMs;
  });
  await rt.schedule(next);
  return {};
}
