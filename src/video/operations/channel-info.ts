import type { ChannelState } from '../catalog.js';
import type { ChannelInfo } from '../shapes/index.js';

/** A channel as DescribeSignalingChannel and ListSignalingChannels show it (ChannelInfo in the API reference). */
export function channelInfo(c: ChannelState): ChannelInfo {
  return {
    ChannelName: c.name,
    ChannelARN: c.arn,
    ChannelType: c.type,
    ChannelStatus: c.status,
    CreationTime: new Date(c.creationMs),
    SingleMasterConfiguration: { MessageTtlSeconds: c.messageTtlSeconds },
    Version: c.version,
  };
}
