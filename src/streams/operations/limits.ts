/** DescribeLimits: the account's shard quota and on-demand stream count in the caller's region. */
import type { RequestContext } from '../../protocol/index.js';
import { accountShardUsage } from '../limits/shard-quota.js';
import type { StreamsRuntime } from '../runtime.js';
import type { DescribeLimitsInput, DescribeLimitsOutput } from '../shapes/index.js';

export function describeLimits(
  rt: StreamsRuntime,
  _input: DescribeLimitsInput,
  ctx: RequestContext,
): DescribeLimitsOutput {
  const usage = accountShardUsage(rt, ctx.accountId, ctx.region);
  return {
    ShardLimit: rt.settings.shardLimit,
    OpenShardCount: usage.openShards,
    OnDemandStreamCount: usage.onDemandStreams,
    OnDemandStreamCountLimit: rt.settings.onDemandStreamLimit,
  };
}
