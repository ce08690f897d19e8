/**
 * Kinesis Data Streams: the public door of the service. `createStreamsService` wires the catalogue,
 * the shard logs and the operations into a {@link ServiceDefinition} the server mounts.
 */
import { randomBytes } from 'node:crypto';
import { Scheduler, realClock } from '../jobs/index.js';
import type { Logger } from '../protocol/index.js';
import {
  op,
  opWith,
  type OperationDefinition,
  type RequestContext,
  type ServiceDefinition,
  type ServiceModule,
} from '../protocol/index.js';
import { ACCOUNT, FROM_ITERATOR, RESOURCE_ARN, STREAM } from './operation-traits.js';
import type { MetaStore, StorageBackend } from '../storage/index.js';
import { StreamCatalog } from './catalog.js';
import { KinesisErrors } from './errors.js';
import { ShardIteratorCodec } from './model/index.js';
import { StreamsRuntime, shardLogId, type StreamsSettings } from './runtime.js';
import { kinesisModel } from './shapes/kinesis.generated.js';
import { createStream } from './operations/create-stream.js';
import { deleteStream } from './operations/delete-stream.js';
import { describeStream } from './operations/describe-stream.js';
import { describeStreamSummary } from './operations/describe-stream-summary.js';
import { listStreams } from './operations/list-streams.js';
import { listShards } from './operations/list-shards.js';
import { putRecord, putRecords } from './operations/put-records.js';
import { getRecords } from './operations/get-records.js';
import { getShardIterator } from './operations/get-shard-iterator.js';
import { decreaseStreamRetentionPeriod, increaseStreamRetentionPeriod } from './operations/retention.js';
import {
  addTagsToStream,
  listTagsForResource,
  listTagsForStream,
  removeTagsFromStream,
  tagResource,
  untagResource,
} from './operations/tags.js';
import { describeLimits } from './operations/limits.js';
import {
  deleteResourcePolicy,
  disableEnhancedMonitoring,
  enableEnhancedMonitoring,
  getResourcePolicy,
  putResourcePolicy,
  resourceFacts,
  updateMaxRecordSize,
  updateStreamMode,
  updateStreamWarmThroughput,
} from './operations/stream-settings.js';
import { describeAccountSettings, updateAccountSettings } from './operations/account-settings.js';
import type { FeatureOptions, StreamsFeature } from './feature.js';
import { reshardingFeature } from './resharding/index.js';
import { fanOutFeature } from './fan-out/index.js';
import { encryptionFeature } from './encryption/index.js';
import { limitsFeature } from './limits/index.js';
import { metricsFeature } from './metrics.js';
import { AppendSignal, OPEN_GATE, PLAIN_SEALER, type PathContext } from './policies.js';
import { ReadAhead, type ReadAheadStats } from './read-ahead.js';
import { createStreamsApi, type StreamsApi, type StreamsApiHost } from './api.js';

export { kinesisModel } from './shapes/kinesis.generated.js';
export { KinesisErrors } from './errors.js';
export { AWS_DIFFERENCES, type AwsDifference } from './aws-differences.js';
export {
  KPL_MAGIC,
  KplFormatError,
  deaggregate,
  isAggregated,
  type DeaggregateOptions,
  type KinesisRecordLike,
  type UserRecord,
} from './kpl/index.js';
export type {
  PutInput,
  PutOutcome,
  ReadStart,
  ReaderOptions,
  RecordBatch,
  ShardInfo,
  StreamInfo,
  StreamReader,
  StreamRecord,
  StreamRef,
  StreamsApi,
} from './api.js';

/** Options of {@link createStreamsService}. */
export interface StreamsServiceOptions extends FeatureOptions {
  readonly region: string;
  readonly accountId: string;
  readonly createStreamMs: number;
  readonly deleteStreamMs: number;
  readonly updateStreamMs: number;
  readonly shardLimit: number;
  readonly logger: Logger;
  /** On-demand streams per account and region (AWS: 50). */
  readonly onDemandStreamLimit?: number;
  /** How often expired segments are reclaimed (ms). Default 60 s. */
  readonly retentionSweepMs?: number;
  /** Injectable clock (epoch ms). */
  readonly now?: () => number;
  /**
   * The service's metadata: its scope of the backend's store (the server passes `scopeMeta(backend.meta, 'kinesis/')`,
   * src/server/compose.ts). Default: `backend.meta` itself.
   */
  readonly meta?: MetaStore;
  /**
   * Where status transitions, pending resharding and encryption changes, on-demand scaling and the retention
   * sweep are scheduled. The caller starts it once every service is built, and closes it after them. Default:
   * the service's own scheduler on the metadata store and `now` (started here, closed with the service).
   */
  readonly scheduler?: Scheduler;
}

/** Scheduler job name of the retention sweep. */
export const RETENTION_SWEEP_JOB = 'streams.retention-sweep';

/** The Data Streams service module (what the server mounts) plus what other services and tests use. */
export interface StreamsService extends ServiceModule {
  readonly definition: ServiceDefinition;
  /** The in-process API other services read and write streams through. */
  readonly api: StreamsApi;
  /** Reclaims space of records past retention now (the sweeper also runs on a timer). */
  sweepRetention(): Promise<void>;
  /** GetRecords' read-ahead (src/streams/read-ahead.ts): its counters, and a wait for reads in progress. */
  readonly readAhead: { stats(): ReadAheadStats; idle(): Promise<void> };
  close(): Promise<void>;
}

const ITERATOR_SECRET_KEY = 'secrets/shard-iterator';

export async function createStreamsService(
  backend: StorageBackend,
  options: StreamsServiceOptions,
): Promise<StreamsService> {
  const now = options.now ?? Date.now;
  const logger = options.logger.child({ service: 'kinesis' });
  const meta = options.meta ?? backend.meta;
  const ownScheduler = options.scheduler === undefined;
  const scheduler =
    options.scheduler ??
    new Scheduler({ meta: backend.meta, clock: realClock(now), logger: logger.child({ area: 'jobs' }) });

  // Iterators are stateless tokens authenticated by a per-install secret kept with the metadata,
  // so they survive restarts (and, later, are shared by every node of a cluster).
  let secretText = await meta.get<string>(ITERATOR_SECRET_KEY);
  if (secretText === undefined) {
    secretText = randomBytes(32).toString('base64');
    await meta.put(ITERATOR_SECRET_KEY, secretText);
  }

  let runtime: StreamsRuntime | undefined;
  let host: StreamsApiHost | undefined;
  const catalog = await StreamCatalog.open({
    meta,
    logger,
    now,
    scheduler,
    onRefreshed: (previous, next) => {
      // Before forget: it drops the shard handles this looks at.
      if (next && runtime) void runtime.deleteLogsExpiredElsewhere(previous, next);
      runtime?.forget(previous);
      // Deleted through another node: readers of it wake and find it gone.
      if (!next) host?.streamDeleted(previous);
    },
    onDeleted: async (stream) => {
      runtime?.forget(stream);
      host?.streamDeleted(stream);
      for (const shard of stream.shards) await backend.logs.delete(shardLogId(stream, shard.index));
    },
  });
  const settings: StreamsSettings = {
    createStreamMs: options.createStreamMs,
    deleteStreamMs: options.deleteStreamMs,
    updateStreamMs: options.updateStreamMs,
    shardLimit: options.shardLimit,
    onDemandStreamLimit: options.onDemandStreamLimit ?? 50,
  };
  const rt = new StreamsRuntime({
    catalog,
    logs: backend.logs,
    iterators: new ShardIteratorCodec(Buffer.from(secretText, 'base64')),
    settings,
    logger,
    now,
  });
  runtime = rt;
  // Limits and encryption provide the record policies the read and write paths apply; the other features
  // subscribe to appends or read records themselves.
  const appends = new AppendSignal(logger);
  const featureContext = { rt, meta, logger, options, appends, scheduler };
  const limits = limitsFeature(featureContext);
  const encryption = await encryptionFeature(featureContext);
  const paths: PathContext = {
    rt,
    policies: {
      sealer: encryption.provides?.sealer ?? PLAIN_SEALER,
      gate: limits.provides?.gate ?? OPEN_GATE,
      appends,
    },
  };
  host = createStreamsApi(paths);
  // GetRecords reads ahead for consumers that follow their NextShardIterator (src/streams/read-ahead.ts).
  const reading = { ...paths, readAhead: new ReadAhead() };

  // Every operation with its traits: body cap (records), IAM resource, streamed responses.
  const operations: Record<string, OperationDefinition> = {
    CreateStream: opWith(rt, createStream, { resource: STREAM, requestTags: 'Tags' }),
    DeleteStream: opWith(rt, deleteStream, { resource: STREAM }),
    DescribeStream: opWith(rt, describeStream, { resource: STREAM }),
    DescribeStreamSummary: opWith(rt, describeStreamSummary, { resource: STREAM }),
    ListStreams: opWith(rt, listStreams, { resource: ACCOUNT }),
    ListShards: opWith(rt, listShards, { resource: STREAM }),
    PutRecord: opWith(paths, putRecord, { resource: STREAM, largeBody: true }),
    PutRecords: opWith(paths, putRecords, { resource: STREAM, largeBody: true }),
    GetShardIterator: opWith(paths, getShardIterator, { resource: STREAM }),
    GetRecords: opWith(reading, getRecords, { resource: FROM_ITERATOR }),
    IncreaseStreamRetentionPeriod: opWith(rt, increaseStreamRetentionPeriod, { resource: STREAM }),
    DecreaseStreamRetentionPeriod: opWith(rt, decreaseStreamRetentionPeriod, { resource: STREAM }),
    AddTagsToStream: opWith(rt, addTagsToStream, { resource: STREAM, requestTags: 'Tags' }),
    RemoveTagsFromStream: opWith(rt, removeTagsFromStream, { resource: STREAM, requestTags: 'TagKeys' }),
    ListTagsForStream: opWith(rt, listTagsForStream, { resource: STREAM }),
    TagResource: opWith(rt, tagResource, { resource: RESOURCE_ARN, requestTags: 'Tags' }),
    UntagResource: opWith(rt, untagResource, { resource: RESOURCE_ARN, requestTags: 'TagKeys' }),
    ListTagsForResource: opWith(rt, listTagsForResource, { resource: RESOURCE_ARN }),
    DescribeLimits: opWith(rt, describeLimits, { resource: ACCOUNT }),
    EnableEnhancedMonitoring: opWith(rt, enableEnhancedMonitoring, { resource: STREAM }),
    DisableEnhancedMonitoring: opWith(rt, disableEnhancedMonitoring, { resource: STREAM }),
    UpdateStreamMode: opWith(rt, updateStreamMode, { resource: STREAM }),
    UpdateMaxRecordSize: opWith(rt, updateMaxRecordSize, { resource: STREAM }),
    UpdateStreamWarmThroughput: opWith(rt, updateStreamWarmThroughput, { resource: STREAM }),
    PutResourcePolicy: op(
      (i: Parameters<typeof putResourcePolicy>[1], c: RequestContext) => putResourcePolicy(rt, i, meta, c),
      { resource: RESOURCE_ARN },
    ),
    GetResourcePolicy: op(
      (i: Parameters<typeof getResourcePolicy>[1], c: RequestContext) => getResourcePolicy(rt, i, meta, c),
      { resource: RESOURCE_ARN },
    ),
    DeleteResourcePolicy: op(
      (i: Parameters<typeof deleteResourcePolicy>[1], c: RequestContext) => deleteResourcePolicy(rt, i, meta, c),
      { resource: RESOURCE_ARN },
    ),
    DescribeAccountSettings: op((_i, c: RequestContext) => describeAccountSettings(meta, c, now()), {
      resource: ACCOUNT,
    }),
    UpdateAccountSettings: op(
      (i: Parameters<typeof updateAccountSettings>[1], c: RequestContext) => updateAccountSettings(meta, i, c, now()),
      {
        resource: ACCOUNT,
      },
    ),
  };

  // Features add operations (and wrap them: control-plane rate limits).
  const features: StreamsFeature[] = [
    limits,
    await reshardingFeature(featureContext),
    fanOutFeature({ ...featureContext, policies: paths.policies }),
    encryption,
    metricsFeature(featureContext),
  ];
  for (const feature of features) Object.assign(operations, feature.operations);
  for (const feature of features) {
    if (!feature.decorate) continue;
    for (const [name, operation] of Object.entries(operations)) operations[name] = feature.decorate(name, operation);
  }

  async function sweepRetention(): Promise<void> {
    for (const known of [...catalog.all()]) {
      const cutoff = rt.retentionCutoff(known);
      // Closed shards whose records all expired lose their logs (docs/adr/0042); the others are trimmed.
      const stream = await rt.expireClosedShards(known);
      for (const shard of stream.shards) {
        if (shard.expiredEnd !== undefined) continue;
        const handle = await rt.shardHandle(stream, shard);
        await handle.log.trim(cutoff);
      }
      // Where the backend expires or seals logs itself (docs/adr/0037): catches up what a failed attempt missed.
      await rt.applyLifecycle(stream);
    }
  }

  const sweeper = scheduler.every(RETENTION_SWEEP_JOB, options.retentionSweepMs ?? 60_000, () =>
    sweepRetention().catch((err) => logger.error({ err }, 'retention sweep failed')),
  );
  if (ownScheduler) await scheduler.start();

  return {
    name: 'kinesis',
    title: 'Kinesis Data Streams',
    definition: {
      name: 'kinesis',
      targetPrefix: 'Kinesis_20131202',
      model: kinesisModel,
      errors: KinesisErrors,
      operations,
      // Authorization of GetRecords: the stream is known only from the (authenticated) shard iterator.
      resourceArns: (operation, input) => {
        if (operation !== 'GetRecords' || typeof input['ShardIterator'] !== 'string') return undefined;
        const state = rt.iterators.decode(input['ShardIterator']);
        const stream = state ? catalog.getById(state.streamId) : undefined;
        return stream ? [stream.arn] : undefined;
      },
      // Authorization of every stream or consumer: its resource policy and tags (docs/adr/0014).
      resourceFacts: (arn) => resourceFacts(rt, meta, arn),
    },
    api: host.api,
    sweepRetention,
    readAhead: reading.readAhead,
    metricSamples: () => rt.metrics.samples(rt),
    async close() {
      host?.close();
      reading.readAhead.close();
      await sweeper.cancel();
      for (const feature of features) await feature.close?.();
      await catalog.close();
      if (ownScheduler) await scheduler.close();
    },
  };
}
