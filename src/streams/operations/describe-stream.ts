/** DescribeStream: the stream and a page of its shards (Limit default and cap 100). */
import type { RequestContext } from '../../protocol/index.js';
import { StreamStatus } from '../catalog.js';
import { parseShardId } from '../model/index.js';
import type { StreamsRuntime } from '../runtime.js';
import type { DescribeStreamInput, DescribeStreamOutput, Shard } from '../shapes/index.js';
import { describeShard, enhancedMonitoring } from '../model/shard-view.js';

/** AWS returns at most 100 shards per DescribeStream call whatever Limit says. */
const MAX_SHARDS_PER_PAGE = 100;

export function describeStream(
  rt: StreamsRuntime,
  input: DescribeStreamInput,
  ctx: RequestContext,
): DescribeStreamOutput {
  const stream = rt.resolveStream(input, ctx);
  const limit = Math.min(input.Limit ?? MAX_SHARDS_PER_PAGE, MAX_SHARDS_PER_PAGE);
  // While CREATING, AWS shows no shards yet.
  let shards = stream.status === StreamStatus.CREATING ? [] : stream.shards;
  if (input.ExclusiveStartShardId !== undefined) {
    const after = parseShardId(input.ExclusiveStartShardId) ?? -1;
    shards = shards.filter((s) => s.index > after);
  }
  const page: Shard[] = shards.slice(0, limit).map(describeShard);
  return {
    StreamDescription: {
      StreamName: stream.name,
      StreamARN: stream.arn,
      StreamStatus: stream.status,
      StreamModeDetails: { StreamMode: stream.mode },
      Shards: page,
      HasMoreShards: shards.length > limit,
      RetentionPeriodHours: stream.retentionHours,
      StreamCreationTimestamp: new Date(stream.createdAt),
      EnhancedMonitoring: enhancedMonitoring(stream),
      EncryptionType: stream.encryptionType,
      ...(stream.keyId !== undefined ? { KeyId: stream.keyId } : {}),
    },
  };
}
