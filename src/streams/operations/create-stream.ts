/** CreateStream: a new stream in CREATING, ACTIVE after the configured delay. */
import type { RequestContext } from '../../protocol/index.js';
import { CommonErrors } from '../../protocol/index.js';
import { ServiceError } from '../../protocol/index.js';
import { StreamStatus, newStreamId, type Draft, type StreamMode, type StreamState } from '../catalog.js';
import type { CreateStreamInput } from '../shapes/index.js';
import { kinesisError } from '../errors.js';
import { formatShardId, splitHashKeySpace, streamArn } from '../model/index.js';
import type { StreamsRuntime } from '../runtime.js';
import { checkTags } from '../model/tags.js';
import { accountShardUsage, shardLimitExceeded } from '../limits/shard-quota.js';

/** AWS: on-demand streams start with 4 shards. */
export const ON_DEMAND_INITIAL_SHARDS = 4;

export async function createStream(rt: StreamsRuntime, input: CreateStreamInput, ctx: RequestContext): Promise<void> {
  const mode: StreamMode = input.StreamModeDetails?.StreamMode ?? 'PROVISIONED';
  let shardCount: number;
  if (mode === 'ON_DEMAND') {
    shardCount = ON_DEMAND_INITIAL_SHARDS;
  } else {
    if (input.ShardCount === undefined) {
      // The provisioned mode needs a shard count (AWS CreateStream docs: "you must specify the number of shards").
      throw new ServiceError(
        CommonErrors.ValidationException,
        "1 validation error detected: Value null at 'shardCount' failed to satisfy constraint: Member must not be null",
      );
    }
    shardCount = input.ShardCount;
  }
  if (input.Tags) checkTags(Object.keys(input.Tags), Object.values(input.Tags));

  if (rt.catalog.get(ctx.accountId, ctx.region, input.StreamName)) {
    throw kinesisError(
      'ResourceInUseException',
      `Stream ${input.StreamName} under account ${ctx.accountId} already exists.`,
    );
  }
  const usage = accountShardUsage(rt, ctx.accountId, ctx.region);
  if (usage.openShards + shardCount > rt.settings.shardLimit) {
    throw shardLimitExceeded(rt, ctx, usage.openShards, shardCount);
  }
  if (mode === 'ON_DEMAND' && usage.onDemandStreams + 1 > rt.settings.onDemandStreamLimit) {
    throw kinesisError(
      'LimitExceededException',
      `This request would exceed the on-demand stream count limit for the account ${ctx.accountId} in ${ctx.region}. ` +
        `Current on-demand stream count: ${usage.onDemandStreams}. Limit: ${rt.settings.onDemandStreamLimit}.`,
    );
  }

  const createdAt = Math.floor(rt.now() / 1000) * 1000;
  const stream: Draft<StreamState> = {
    id: newStreamId(),
    name: input.StreamName,
    accountId: ctx.accountId,
    region: ctx.region,
    arn: streamArn({ region: ctx.region, accountId: ctx.accountId, streamName: input.StreamName }),
    status: StreamStatus.CREATING,
    mode,
    createdAt,
    retentionHours: 24,
    shards: splitHashKeySpace(shardCount).map((range, index) => ({
      index,
      shardId: formatShardId(index),
      startingHashKey: range.start.toString(),
      endingHashKey: range.end.toString(),
      createdAt,
    })),
    nextShardIndex: shardCount,
    tags: { ...(input.Tags ?? {}) },
    shardLevelMetrics: [],
    encryptionType: 'NONE',
    maxRecordSizeKiB: input.MaxRecordSizeInKiB ?? 1024,
    ...(input.WarmThroughputMiBps !== undefined ? { warmThroughputMiBps: input.WarmThroughputMiBps } : {}),
  };
  const delay = rt.settings.createStreamMs;
  if (delay > 0) stream.transitionAt = rt.now() + delay;
  else stream.status = StreamStatus.ACTIVE;
  await rt.catalog.add(stream);
}
