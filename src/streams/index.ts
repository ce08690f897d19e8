/**
 * Kinesis Data Streams: the public door of the service. `createStreamsService` wires the catalogue,
 * the shard logs and the operations into a {@link ServiceDefinition} the server mounts.
 */
import { randomBytes } from 'node:crypto';
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
import { AppendSignal, OPEN_GATE, PLAIN_SEALER, type PathContext } from './policies.js';
import { createStreamsApi, type StreamsApi, type StreamsApiHost } from './api.js';

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
}

/** The mounted service plus its lifecycle. */
export interface StreamsService {
  readonly definition: ServiceDefinition;
  /** The in-process API other services read and write streams through. */
  readonly api: StreamsApi;
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

  // Iterators are stateless tokens authenticated by a per-install secret kept with the metadata,
  // so they survive restarts (and, later, are shared by every node of a cluster).
  let secretText = await backend.meta.get<string>(ITERATOR_SECRET_KEY);
  if (secretText === undefined) {
    secretText = randomBytes(32).toString('base64');
    await backend.meta.put(ITERATOR_SECRET_KEY, secretText);
  }

  let runtime: StreamsRuntime | undefined;
  let host: StreamsApiHost | undefined;
  const catalog = await StreamCatalog.open({
    meta: backend.meta,
    logger,
    now,
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
  const meta = backend.meta;
  // Limits and encryption provide the record policies the read and write paths apply; the other features
  // subscribe to appends or read records themselves.
  const appends = new AppendSignal(logger);
  const featureContext = { rt, meta, logger, options, appends };
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

  const handlers: Record<string, OperationHandler> = {
    CreateStream: (i, c) => createStream(rt, i, c),
    DeleteStream: (i, c) => deleteStream(rt, i, c),
    DescribeStream: (i, c) => describeStream(rt, i, c),
    DescribeStreamSummary: (i, c) => describeStreamSummary(rt, i, c),
    ListStreams: (i, c) => listStreams(rt, i, c),
    ListShards: (i, c) => listShards(rt, i, c),
    PutRecord: (i, c) => putRecord(paths, i, c),
    PutRecords: (i, c) => putRecords(paths, i, c),
    GetShardIterator: (i, c) => getShardIterator(paths, i, c),
    GetRecords: (i, c) => getRecords(paths, i, c),
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

  // Features add operations (and wrap them: control-plane rate limits).
  const features: StreamsFeature[] = [
    limits,
    reshardingFeature(featureContext),
    fanOutFeature({ ...featureContext, policies: paths.policies }),
    encryption,
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

  let sweeping: Promise<void> | undefined;
  const sweeper = setInterval(() => {
    if (sweeping) return;
    sweeping = sweepRetention()
      .catch((err) => logger.error({ err }, 'retention sweep failed'))
      .finally(() => (sweeping = undefined));
  }, options.retentionSweepMs ?? 60_000);
  sweeper.unref();

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
    api: host.api,
    sweepRetention,
    async close() {
      host?.close();
      clearInterval(sweeper);
      await sweeping;
      for (const feature of features) await feature.close?.();
      await catalog.close();
    },
  };
}
