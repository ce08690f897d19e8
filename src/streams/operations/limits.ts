/** DescribeLimits: the account's shard quota and on-demand stream count in the caller's region. */
import type { RequestContext } from '../../protocol/index.js';
import { accountShardUsage } from '../limits/shard-quota.js';
import type { StreamsRuntime } from '../runtime.js';

export interface DescribeLimitsOutput {
  ShardLimit: number;
  OpenShardCount: number;
  OnDemandStreamCount: number;
  OnDemandStreamCountLimit: number;
}

export function describeLimits(rt: StreamsRuntime, _input: unknown, ctx: RequestContext): DescribeLimitsOutput {
  const usage = accountShardUsage(rt, ctx.accountId, ctx.region);
  return {
    ShardLimit: rt.settings.shardLimit,
    OpenShardCount: usage.openShards,
    OnDemandStreamCount: usage.onDemandStreams,
    OnDemandStreamCountLimit: rt.settings.onDemandStreamLimit,
  };
}
