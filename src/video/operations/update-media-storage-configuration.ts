import type { RequestContext } from '../../protocol/index.js';
import { channelNotFound, noDataRetention, streamNotFound, videoError } from '../errors.js';
import type { VideoRuntime } from '../runtime.js';
import type { UpdateMediaStorageConfigurationInput, UpdateMediaStorageConfigurationOutput } from '../shapes/index.js';

/**
 * UpdateMediaStorageConfiguration (API reference of that name): links an ACTIVE channel to an existing stream
 * (ResourceNotFoundException otherwise) or unlinks it. WebRTC ingestion itself is not served (ADR 0022).
 */
export async function updateMediaStorageConfiguration(
  rt: VideoRuntime,
  input: UpdateMediaStorageConfigurationInput,
  ctx: RequestContext,
): Promise<UpdateMediaStorageConfigurationOutput> {
  const channel = rt.requireChannel({ ChannelARN: input.ChannelARN }, ctx);
  if (channel.status === 'DELETING') throw channelNotFound();
  if (channel.status !== 'ACTIVE') {
    // TODO(#video-texts): AWS's text is not known.
    throw videoError('ResourceInUseException', `The signaling channel ${channel.name} is ${channel.status}.`);
  }
  const config = input.MediaStorageConfiguration;
  if (config.Status === 'ENABLED') {
    if (config.StreamARN === undefined) {
      // TODO(#video-texts): AWS's text is not known.
      throw videoError('InvalidArgumentException', 'StreamARN is required when the media storage is ENABLED.');
    }
    const stream = rt.findStream({ StreamARN: config.StreamARN }, ctx);
    if (stream === undefined || stream.status === 'DELETING') throw streamNotFound();
    if (stream.dataRetentionInHours === 0) {
      throw noDataRetention();
    }
  }
  await rt.catalog.update(channel, (d) => {
    d.mediaStorage = { ...config };
  });
  return {};
}
