/** DescribeStreamSummary: the stream without its shard list. */
import type { RequestContext } from '../../protocol/index.js';
import type { StreamsRuntime } from '../runtime.js';
import { consumerRegistry } from '../fan-out/consumers.js';
import type { DescribeStreamSummaryInput, DescribeStreamSummaryOutput } from '../shapes/index.js';
import { enhancedMonitoring } from '../model/shard-view.js';

export function describeStreamSummary(
  rt: StreamsRuntime,
  input: DescribeStreamSummaryInput,
  ctx: RequestContext,
): DescribeStreamSummaryOutput {
  const stream = rt.resolveStream(input, ctx);
  const openShards = stream.shards.filter((s) => s.closedAt === undefined).length;
  return {
    StreamDescriptionSummary: {
      StreamName: stream.name,
      StreamARN: stream.arn,
      StreamId: stream.id,
      StreamStatus: stream.status,
      StreamModeDetails: { StreamMode: stream.mode },
      RetentionPeriodHours: stream.retentionHours,
      StreamCreationTimestamp: new Date(stream.createdAt),
      EnhancedMonitoring: enhancedMonitoring(stream),
      EncryptionType: stream.encryptionType,
      ...(stream.keyId !== undefined ? { KeyId: stream.keyId } : {}),
      OpenShardCount: openShards,
      ConsumerCount: consumerRegistry(rt)?.count(stream) ?? 0,
      MaxRecordSizeInKiB: stream.maxRecordSizeKiB,
      ...(stream.mode === 'ON_DEMAND' && stream.warmThroughputMiBps !== undefined
        ? { WarmThroughput: { TargetMiBps: stream.warmThroughputMiBps, CurrentMiBps: stream.warmThroughputMiBps } }
        : {}),
    },
  };
}
