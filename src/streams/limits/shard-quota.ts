/**
 * The account's shard quota and on-demand stream count, as CreateStream, SplitShard, UpdateShardCount,
 * on-demand scaling and DescribeLimits count them (Kinesis Data Streams quotas page).
 */
import type { RequestContext } from '../../protocol/index.js';
import type { ServiceError } from '../../protocol/index.js';
import { kinesisError } from '../errors.js';
import type { StreamsRuntime } from '../runtime.js';

export interface ShardUsage {
  openShards: number;
  onDemandStreams: number;
}

/** Open shards and on-demand streams of an account in a region (streams being deleted still count, as on AWS). */
export function accountShardUsage(rt: StreamsRuntime, accountId: string, region: string): ShardUsage {
  let openShards = 0;
  let onDemandStreams = 0;
  for (const stream of rt.catalog.list(accountId, region)) {
    for (const shard of stream.shards) if (shard.closedAt === undefined) openShards++;
    if (stream.mode === 'ON_DEMAND') onDemandStreams++;
  }
  return { openShards, onDemandStreams };
}

/** AWS's LimitExceededException text for the shard quota. */
export function shardLimitExceeded(
  rt: StreamsRuntime,
  ctx: RequestContext,
  current: number,
  additional: number,
): ServiceError {
  return kinesisError(
    'LimitExceededException',
    `This request would exceed the shard limit for the account ${ctx.accountId} in ${ctx.region}. ` +
      `Current shard count for the account: ${current}. Limit: ${rt.settings.shardLimit}. ` +
      `Number of additional shards that would have resulted from this request: ${additional}. ` +
      'Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) ' +
      'for current limits and how to request higher limits.',
  );
}
