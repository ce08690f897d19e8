import type { RequestContext } from '../../protocol/index.js';
import { channelNotFound, noDataRetention, streamNotFound, videoError } from '../errors.js';
import { newVersion } from '../catalog.js';
import type { VideoRuntime } from '../runtime.js';
import type {
  DescribeMediaStorageConfigurationInput,
  DescribeMediaStorageConfigurationOutput,
  DescribeStreamStorageConfigurationInput,
  DescribeStreamStorageConfigurationOutput,
  UpdateMediaStorageConfigurationInput,
  UpdateMediaStorageConfigurationOutput,
  UpdateStreamStorageConfigurationInput,
  UpdateStreamStorageConfigurationOutput,
} from '../shapes/index.js';
import { checkVersion } from './versions.js';

/**
 * DescribeStreamStorageConfiguration (API reference of that name): the stream's default storage tier (HOT unless
 * set). This server keeps all media on one tier; the setting is stored and described.
 */
export function describeStreamStorageConfiguration(
  rt: VideoRuntime,
  input: DescribeStreamStorageConfigurationInput,
  ctx: RequestContext,
): DescribeStreamStorageConfigurationOutput {
  const s = rt.requireStream(input, ctx);
  return { StreamName: s.name, StreamARN: s.arn, StreamStorageConfiguration: { DefaultStorageTier: s.storageTier } };
}

/** UpdateStreamStorageConfiguration: an ACTIVE stream at `CurrentVersion` takes the new tier; the version changes. */
export async function updateStreamStorageConfiguration(
  rt: VideoRuntime,
  input: UpdateStreamStorageConfigurationInput,
  ctx: RequestContext,
): Promise<UpdateStreamStorageConfigurationOutput> {
  const state = rt.requireStable(input, ctx);
  checkVersion('stream', state.version, input.CurrentVersion);
  await rt.catalog.update(state, (d) => {
    d.storageTier = input.StreamStorageConfiguration.DefaultStorageTier;
    d.version = newVersion();
  });
  return {};
}

/**
 * DescribeMediaStorageConfiguration (API reference of that name): a channel's media storage configuration,
 * DISABLED unless set.
 */
export function describeMediaStorageConfiguration(
  rt: VideoRuntime,
  input: DescribeMediaStorageConfigurationInput,
  ctx: RequestContext,
): DescribeMediaStorageConfigurationOutput {
  const c = rt.requireChannel(input, ctx);
  return { MediaStorageConfiguration: c.mediaStorage ? { ...c.mediaStorage } : { Status: 'DISABLED' } };
}

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
    // TODO(#11): AWS's text is not known.
    throw videoError('ResourceInUseException', `The signaling channel ${channel.name} is ${channel.status}.`);
  }
  const config = input.MediaStorageConfiguration;
  if (config.Status === 'ENABLED') {
    if (config.StreamARN === undefined) {
      // TODO(#11): AWS's text is not known.
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
