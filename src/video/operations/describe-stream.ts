import type { RequestContext } from '../../protocol/index.js';
import type { VideoRuntime } from '../runtime.js';
import type { DescribeStreamInput, DescribeStreamOutput } from '../shapes/index.js';
import { streamInfo } from './stream-info.js';

/** DescribeStream (DescribeStream API reference): the stream's StreamInfo, in any status until it is gone. */
export function describeStream(
  rt: VideoRuntime,
  input: DescribeStreamInput,
  ctx: RequestContext,
): DescribeStreamOutput {
  return { StreamInfo: streamInfo(rt.requireStream(input, ctx)) };
}
