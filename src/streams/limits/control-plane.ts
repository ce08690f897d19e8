/**
 * AWS's control-plane rate limits (Kinesis Data Streams Developer Guide, 'Quotas and limits', and each operation's
 * page in the Amazon Kinesis Data Streams API Reference): transactions per second per operation, counted per account
 * and region or per stream.
 *
 * 1. An operation over its rate fails with LimitExceededException before it runs. AWS words it
 *    `Rate exceeded for stream <name> under account <account>.` when the request names a stream (also for
 *    account-wide quotas such as DescribeStream's) and `Rate exceeded for account <account>.` otherwise.
 * 2. GetShardIterator is limited per open shard (5 per second) and fails with
 *    ProvisionedThroughputExceededException, like the other per-shard limits.
 * 3. At most 5 streams may be CREATING at once per account and region (CreateStream → LimitExceededException).
 */
import type { OperationDefinition, RequestContext } from '../../protocol/index.js';
import { StreamStatus } from '../catalog.js';
import { kinesisError } from '../errors.js';
import type { LimitSettings } from '../feature.js';
import { parseShardId, parseStreamArn } from '../model/index.js';
import type { StreamsRuntime } from '../runtime.js';
import { TokenBucket } from './token-bucket.js';

/** Whether an operation's quota is shared by the account (in a region) or kept per stream. */
type Scope = 'account' | 'stream';

/** AWS's published TPS per operation; operations not listed are not rate-limited here. */
export const AWS_OPERATION_RATES: Readonly<Record<string, { readonly tps: number; readonly scope: Scope }>> = {
  CreateStream: { tps: 5, scope: 'account' },
  DeleteStream: { tps: 5, scope: 'account' },
  ListStreams: { tps: 5, scope: 'account' },
  DescribeStream: { tps: 10, scope: 'account' },
  DescribeStreamSummary: { tps: 20, scope: 'account' },
  DescribeLimits: { tps: 1, scope: 'account' },
  ListShards: { tps: 1000, scope: 'stream' },
  AddTagsToStream: { tps: 5, scope: 'account' },
  RemoveTagsFromStream: { tps: 5, scope: 'account' },
  ListTagsForStream: { tps: 5, scope: 'account' },
  TagResource: { tps: 5, scope: 'account' },
  UntagResource: { tps: 5, scope: 'account' },
  ListTagsForResource: { tps: 5, scope: 'account' },
  MergeShards: { tps: 5, scope: 'account' },
  SplitShard: { tps: 5, scope: 'account' },
  UpdateShardCount: { tps: 10, scope: 'account' },
  RegisterStreamConsumer: { tps: 5, scope: 'account' },
  ListStreamConsumers: { tps: 5, scope: 'stream' },
  DeregisterStreamConsumer: { tps: 5, scope: 'stream' },
  DescribeStreamConsumer: { tps: 20, scope: 'stream' },
  UpdateStreamWarmThroughput: { tps: 5, scope: 'account' },
  DescribeAccountSettings: { tps: 5, scope: 'account' },
  UpdateAccountSettings: { tps: 5, scope: 'account' },
};

interface StreamRefInput {
  StreamName?: unknown;
  StreamARN?: unknown;
  ConsumerARN?: unknown;
  ResourceARN?: unknown;
  ShardId?: unknown;
}

/** The stream a request names (by name or by a stream, consumer or resource ARN), if any. */
function streamNamed(
  input: StreamRefInput,
  ctx: RequestContext,
): { name: string; accountId: string; region: string } | undefined {
  if (typeof input.StreamName === 'string')
    return { name: input.StreamName, accountId: ctx.accountId, region: ctx.region };
  for (const candidate of [input.StreamARN, input.ConsumerARN, input.ResourceARN]) {
    if (typeof candidate !== 'string') continue;
    // A consumer ARN is the stream ARN followed by /consumer/<name>:<timestamp>.
    const arn = parseStreamArn(candidate.replace(/\/consumer\/.*$/, ''));
    if (arn) return { name: arn.streamName, accountId: arn.accountId, region: arn.region };
  }
  return undefined;
}

/** Builds the decorator that applies control-plane rates and the CREATING-streams limit. */
export function controlPlaneLimiter(
  rt: StreamsRuntime,
  limits: LimitSettings,
): (operation: string, definition: OperationDefinition) => OperationDefinition {
  const buckets = new Map<string, TokenBucket>();
  const take = (key: string, tps: number, now: number): boolean => {
    let bucket = buckets.get(key);
    if (!bucket) buckets.set(key, (bucket = new TokenBucket({ capacity: tps, ratePerSecond: tps, now })));
    return bucket.tryTake(1, now);
  };

  return (operation, definition) => {
    const handler = (input: object, ctx: RequestContext): unknown => definition.handle(input, ctx);
    const limited = (handle: (input: StreamRefInput, ctx: RequestContext) => unknown): OperationDefinition => ({
      traits: definition.traits,
      handle,
    });
    if (operation === 'GetShardIterator') {
      const tps = limits.operationsPerSecond[operation] ?? limits.getShardIteratorPerSecond;
      return limited((input, ctx) => {
        const stream = streamNamed(input, ctx);
        const shardIndex = typeof input.ShardId === 'string' ? parseShardId(input.ShardId) : undefined;
        const state = stream && rt.catalog.get(stream.accountId, stream.region, stream.name);
        const shard = state && shardIndex !== undefined ? rt.shard(state, shardIndex) : undefined;
        // Rule 2. Unknown streams and shards fall through to the operation's own errors.
        if (state && shard && !take(`GetShardIterator/${state.id}/${shard.index}`, tps, rt.now())) {
          throw kinesisError(
            'ProvisionedThroughputExceededException',
            `Rate exceeded for shard ${shard.shardId} in stream ${state.name} under account ${state.accountId}.`,
          );
        }
        return handler(input, ctx);
      });
    }
    const entry = AWS_OPERATION_RATES[operation];
    const tps = limits.operationsPerSecond[operation] ?? entry?.tps;
    if (tps === undefined && operation !== 'CreateStream') return definition;
    const scope: Scope = entry?.scope ?? 'account';
    return limited((input, ctx) => {
      const stream = streamNamed(input, ctx);
      const now = rt.now();
      if (tps !== undefined) {
        // Rule 1.
        const key =
          scope === 'stream' && stream
            ? `${operation}/${stream.accountId}/${stream.region}/${stream.name}`
            : `${operation}/${ctx.accountId}/${ctx.region}`;
        if (!take(key, tps, now)) {
          throw kinesisError(
            'LimitExceededException',
            stream
              ? `Rate exceeded for stream ${stream.name} under account ${stream.accountId}.`
              : `Rate exceeded for account ${ctx.accountId}.`,
          );
        }
      }
      if (operation === 'CreateStream') {
        // Rule 3.
        let creating = 0;
        for (const s of rt.catalog.list(ctx.accountId, ctx.region)) if (s.status === StreamStatus.CREATING) creating++;
        if (creating >= limits.creatingStreams) {
          throw kinesisError(
            'LimitExceededException',
            `This request would exceed the limit of ${limits.creatingStreams} streams in CREATING state for the account ${ctx.accountId} in ${ctx.region}. Current number of streams in CREATING state: ${creating}.`,
          );
        }
      }
      return handler(input, ctx);
    });
  };
}
