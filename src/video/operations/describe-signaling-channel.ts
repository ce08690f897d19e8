import type { RequestContext } from '../../protocol/index.js';
import type { VideoRuntime } from '../runtime.js';
import type { DescribeSignalingChannelInput, DescribeSignalingChannelOutput } from '../shapes/index.js';
import { channelInfo } from './channel-info.js';

/** DescribeSignalingChannel (DescribeSignalingChannel API reference): by name or ARN, in any status until gone. */
export function describeSignalingChannel(
  rt: VideoRuntime,
  input: DescribeSignalingChannelInput,
  ctx: RequestContext,
): DescribeSignalingChannelOutput {
  return { ChannelInfo: channelInfo(rt.requireChannel(input, ctx)) };
}
