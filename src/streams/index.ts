/**
 * Kinesis Data Streams: the public door of the service. `createStreamsService` wires the catalogue,
 * the shard logs and the operations into a {@link ServiceDefinition} the server mounts.
 */
import { randomBytes } from 'node:crypto';
import { Scheduler, realClock } from '../jobs/index.js';
import type { Logger } from '../protocol/index.js';
import type { OperationHandler, RequestContext, ServiceDefinition } from '../protocol/index.js';
import type { StorageBackend } from '../storage/index.js';
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
import { getRecords, getShardIterator } from './operations/iterators.js';
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

export { kinesisModel } from './shapes/kinesis.generated.js';
export { KinesisErrors } from './errors.js';
export {
  KPL_MAGIC,
  KplFormatError,
  deaggregate,
  isAggregated,
  type DeaggregateOptions,
  type KinesisRecordLike,
  type UserRecord,
} from './kpl/index.js';

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
   * Where status transitions, pending resharding and encryption changes, on-demand scaling and the retention
   * sweep are scheduled. The caller starts it once every service is built, and closes it after them. Default:
   * the service's own scheduler on the metadata store and `now` (started here, closed with the service).
   */
  readonly scheduler?: Scheduler;
}

/** Scheduler job name of the retention sweep. */
export const RETENTION_SWEEP_JOB = 'streams.retention-sweep';

/** The mounted service plus its lifecycle. */
export interface StreamsService {
  readonly definition: ServiceDefinition;
  /** Reclaims space of records past retention now (the sweeper also runs on a timer). */
  sweepRetention(): Promise<void>;
  close(): Promise<void>;
}

const ITERATOR_SECRET_KEY = 'secrets/shard-iterator';

export async function createStreamsService(
  backend: StorageBackend,
  options: StreamsServiceOptions,
): Promise<StreamsService> {
  const now = options.now ?? Date.now;
  const logger = options.logger.child({ service: 'kinesis' });
  const ownScheduler = options.scheduler === undefined;
  const scheduler =
    options.scheduler ??
    new Scheduler({ meta: backend.meta, clock: realClock(now), logger: logger.child({ area: 'jobs' }) });

  // Iterators are stateless tokens authenticated by a per-install secret kept with the metadata,
  // so they survive restarts (and, later, are shared by every node of a cluster).
  let secretText = await backend.meta.get<string>(ITERATOR_SECRET_KEY);
  if (secretText === undefined) {
    secretText = randomBytes(32).toString('base64');
    await backend.meta.put(ITERATOR_SECRET_KEY, secretText);
  }

  let runtime: StreamsRuntime | undefined;
  const catalog = await StreamCatalog.open({
    meta: backend.meta,
    logger,
    now,
    scheduler,
    onDeleted: async (stream) => {
      runtime?.forget(stream);
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
  const meta = backend.meta;

  const handlers: Record<string, OperationHandler> = {
    CreateStream: (i, c) => createStream(rt, i, c),
    DeleteStream: (i, c) => deleteStream(rt, i, c),
    DescribeStream: (i, c) => describeStream(rt, i, c),
    DescribeStreamSummary: (i, c) => describeStreamSummary(rt, i, c),
    ListStreams: (i, c) => listStreams(rt, i, c),
    ListShards: (i, c) => listShards(rt, i, c),
    PutRecord: (i, c) => putRecord(rt, i, c),
    PutRecords: (i, c) => putRecords(rt, i, c),
    GetShardIterator: (i, c) => getShardIterator(rt, i, c),
    GetRecords: (i, c) => getRecords(rt, i, c),
    IncreaseStreamRetentionPeriod: (i, c) => increaseStreamRetentionPeriod(rt, i, c),
    DecreaseStreamRetentionPeriod: (i, c) => decreaseStreamRetentionPeriod(rt, i, c),
    AddTagsToStream: (i, c) => addTagsToStream(rt, i, c),
    RemoveTagsFromStream: (i, c) => removeTagsFromStream(rt, i, c),
    ListTagsForStream: (i, c) => listTagsForStream(rt, i, c),
    TagResource: (i) => tagResource(rt, i),
    UntagResource: (i) => untagResource(rt, i),
    ListTagsForResource: (i) => listTagsForResource(rt, i),
    DescribeLimits: (i, c) => describeLimits(rt, i, c),
    EnableEnhancedMonitoring: (i, c) => enableEnhancedMonitoring(rt, i, c),
    DisableEnhancedMonitoring: (i, c) => disableEnhancedMonitoring(rt, i, c),
    UpdateStreamMode: (i, c) => updateStreamMode(rt, i, c),
    UpdateMaxRecordSize: (i, c) => updateMaxRecordSize(rt, i, c),
    UpdateStreamWarmThroughput: (i, c) => updateStreamWarmThroughput(rt, i, c),
    PutResourcePolicy: (i) => putResourcePolicy(rt, i, meta),
    GetResourcePolicy: (i) => getResourcePolicy(rt, i, meta),
    DeleteResourcePolicy: (i) => deleteResourcePolicy(rt, i, meta),
    DescribeAccountSettings: (_i, c: RequestContext) => describeAccountSettings(meta, c, now()),
    UpdateAccountSettings: (i, c: RequestContext) => updateAccountSettings(meta, i, c, now()),
  };

  // Features add operations and install runtime hooks (throughput gate, append listeners).
  const featureContext = { rt, meta, logger, options, scheduler };
  const features: StreamsFeature[] = [
    limitsFeature(featureContext),
    await reshardingFeature(featureContext),
    fanOutFeature(featureContext),
    await encryptionFeature(featureContext),
  ];
  for (const feature of features) Object.assign(handlers, feature.handlers);
  for (const feature of features) {
    if (!feature.decorate) continue;
    for (const [operation, handler] of Object.entries(handlers))
      handlers[operation] = feature.decorate(operation, handler);
  }

  async function sweepRetention(): Promise<void> {
    for (const stream of [...catalog.all()]) {
      const cutoff = rt.retentionCutoff(stream);
      for (const shard of stream.shards) {
        const handle = await rt.shardHandle(stream, shard);
        await handle.log.trim(cutoff);
      }
    }
  }

  const sweeper = scheduler.every(RETENTION_SWEEP_JOB, options.retentionSweepMs ?? 60_000, () =>
    sweepRetention().catch((err) => logger.error({ err }, 'retention sweep failed')),
  );
  if (ownScheduler) await scheduler.start();

  return {
    definition: {
      name: 'kinesis',
      targetPrefix: 'Kinesis_20131202',
      model: kinesisModel,
      errors: KinesisErrors,
      handlers,
      // Authorization of GetRecords: the stream is known only from the (authenticated) shard iterator.
      resourceArns: (operation, input) => {
        if (operation !== 'GetRecords' || typeof input['ShardIterator'] !== 'string') return undefined;
        const state = rt.iterators.decode(input['ShardIterator']);
        const stream = state ? catalog.getById(state.streamId) : undefined;
        return stream ? [stream.arn] : undefined;
      },
    },
    sweepRetention,
    async close() {
      await sweeper.cancel();
      for (const feature of features) await feature.close?.();
      await catalog.close();
      if (ownScheduler) await scheduler.close();
    },
  };
}
