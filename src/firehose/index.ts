/**
 * Amazon Data Firehose: `createFirehoseService` builds the module the server mounts (target prefix
 * `Firehose_20150804`, IAM actions `firehose:<Operation>` on `arn:aws:firehose:<region>:<account>:deliverystream/<name>`).
 *
 * Shape of the service (docs/adr/0017-firehose-delivery-pipeline.md):
 * - the catalogue (catalog.ts) is the sole writer of delivery stream state, kept in the service's metadata scope;
 * - DirectPut records are acknowledged once durable in a log per delivery stream (sources.ts);
 * - one delivery worker per ACTIVE delivery stream on the worker host (delivery.ts) buffers, builds objects and
 *   writes them to the S3 destination (object-store.ts), then moves its durable checkpoint;
 * - CREATING → ACTIVE and DELETING → gone run on the scheduler's persisted timers.
 */
import { join } from 'node:path';
import { DEFAULT_BACKOFF, Scheduler, WorkerHost, realClock, type BackoffOptions, type Clock } from '../jobs/index.js';
import {
  type Logger,
  type MetricSample,
  type OperationDefinition,
  type ResourceRule,
  type ServiceDefinition,
  type ServiceModule,
  opWith,
} from '../protocol/index.js';
import type { MetaStore, StorageBackend } from '../storage/index.js';
import type { StreamsApi } from '../streams/index.js';
import { DeliveryStreamCatalog } from './catalog.js';
import type { DeliveryEvent } from './delivery.js';
import { FirehoseErrors, deliveryStreamNotFound } from './errors.js';
import { type ObjectStore, directoryObjectStore, s3ObjectStore } from './object-store.js';
import type { StreamMetrics } from './metrics.js';
import type { PutLimits } from './put-limits.js';
import { createDeliveryStream } from './operations/create-delivery-stream.js';
import { deleteDeliveryStream } from './operations/delete-delivery-stream.js';
import { describeDeliveryStream } from './operations/describe-delivery-stream.js';
import { listDeliveryStreams } from './operations/list-delivery-streams.js';
import { listTagsForDeliveryStream } from './operations/list-tags-for-delivery-stream.js';
import { putRecord } from './operations/put-record.js';
import { putRecordBatch } from './operations/put-record-batch.js';
import { startDeliveryStreamEncryption } from './operations/start-delivery-stream-encryption.js';
import { stopDeliveryStreamEncryption } from './operations/stop-delivery-stream-encryption.js';
import { tagDeliveryStream } from './operations/tag-delivery-stream.js';
import { untagDeliveryStream } from './operations/untag-delivery-stream.js';
import { updateDestination } from './operations/update-destination.js';
import type { DeliveryStreamState } from './catalog.js';
import { type IncomingOptions, type IncomingReader, releaseHold } from './incoming.js';
import { FirehoseRuntime, SSE_TIMER, STATUS_TIMER, type FirehoseSettings } from './runtime.js';
import { firehoseModel } from './shapes/index.js';

export { FirehoseErrors } from './errors.js';
export { firehoseModel } from './shapes/index.js';
export type { DeliveryEvent } from './delivery.js';
export type { StreamMetrics } from './metrics.js';
export type { PutLimits } from './put-limits.js';
export type { FirehoseOperations } from './shapes/index.js';
export type { IncomingBatch, IncomingOptions, IncomingReader, IncomingRecord, IncomingStart } from './incoming.js';

/** Options of {@link createFirehoseService}. */
export interface FirehoseServiceOptions {
  readonly region: string;
  readonly accountId: string;
  readonly logger: Logger;
  /** The service's metadata scope (the server passes `scopeMeta(backend.meta, 'firehose/')`). Default `backend.meta`. */
  readonly meta?: MetaStore;
  /** Data Streams' in-process API, for KinesisStreamAsSource. */
  readonly streams?: StreamsApi;
  /** Shared scheduler (started by the caller). Default: the service's own, on `clock`. */
  readonly scheduler?: Scheduler;
  /** Shared worker host (started by the caller). Default: the service's own, started here. */
  readonly workers?: WorkerHost;
  /** Time source of buffering intervals and retries. Default: the system clock. */
  readonly clock?: Clock;
  /** Where S3 objects go without `s3`: `<dir>/<bucket>/<key>`. */
  readonly objectDir: string;
  /** An S3-compatible endpoint; objects go there instead of `objectDir`. */
  readonly s3?: { readonly endpoint: string; readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Or any object store (tests). */
  readonly objects?: ObjectStore;
  /** Default 500 ms. */
  readonly createMs?: number;
  /** Default 500 ms. */
  readonly deleteMs?: number;
  /** Default 1 GiB. */
  readonly bufferCapBytes?: number;
  /** Default 5,000. */
  readonly streamLimit?: number;
  /** How long encryption stays ENABLING / DISABLING, ms. Default 500. */
  readonly sseMs?: number;
  /** Start/StopDeliveryStreamEncryption calls per delivery stream per 24 hours (AWS: 25). Default 0, no limit. */
  readonly sseCallsPerDay?: number;
  /** DirectPut quotas per delivery stream (AWS: 2,000 requests/s, 500,000 records/s, 5 MiB/s in large regions). Default off. */
  readonly putLimits?: Partial<PutLimits>;
  /**
   * Delays between S3 retries. Default every 5 s ("Handle data delivery failure": Firehose retries a failed
   * delivery to Amazon S3 every 5 seconds).
   */
  readonly retry?: Partial<BackoffOptions>;
  /** How long after a record's arrival a failing S3 delivery is retried before the data is discarded. Default 24 h. */
  readonly retryWindowMs?: number;
  /** Observes buffering and delivery (tests, metrics). */
  readonly onEvent?: (event: DeliveryEvent) => void;
}

/** The Firehose module plus what tests and operators use. */
export interface FirehoseService extends ServiceModule {
  readonly definition: ServiceDefinition;
  /** Delivers everything a delivery stream acknowledged so far, now (ResourceNotFoundException if unknown). */
  flush(accountId: string, region: string, name: string): Promise<void>;
  /** The AWS/Firehose metrics counted so far, per delivery stream (src/firehose/metrics.ts), for a metrics endpoint. */
  metrics(): StreamMetrics[];
  /**
   * Reads what the delivery stream `arn` receives, from `options.start` (src/firehose/incoming.ts, the seam other
   * services read delivery streams through); ResourceNotFoundException when there is no such delivery stream.
   */
  readIncoming(arn: string, options: IncomingOptions): Promise<IncomingReader>;
  /** Drops the hold of `holder` on the delivery stream `arn` (incoming.ts rule 3); nothing when either is unknown. */
  releaseIncoming(arn: string, holder: string): Promise<void>;
  /** Whether the delivery stream `arn` exists. */
  hasDeliveryStream(arn: string): boolean;
}

/** `arn:<partition>:firehose:<region>:<account>:deliverystream/<name>` → its parts. */
function parseDeliveryStreamArn(arn: string): { region: string; accountId: string; name: string } | undefined {
  const m = /^arn:[^:]+:firehose:([^:]+):(\d{12}):deliverystream\/(.+)$/.exec(arn);
  return m ? { region: m[1]!, accountId: m[2]!, name: m[3]! } : undefined;
}

/**
 * The model the service validates against: AWS's, except that an HTTP endpoint URL may also be `http://` (AWS
 * requires `https://`; a local server receives on plain HTTP, see src/firehose/http-endpoint.ts rule 2).
 */
const servedModel = {
  ...firehoseModel,
  shapes: {
    ...firehoseModel.shapes,
    HttpEndpointUrl: { ...firehoseModel.shapes.HttpEndpointUrl!, pattern: 'https?://.*' },
  },
} as typeof firehoseModel;

/** Firehose metrics that are current values (ratios, ages, averages, quotas); the others count up. */
const FIREHOSE_GAUGE = /(\.Success|\.DataFreshness|\.Latency|PerSecondLimit|MillisBehindLatest)$/;

const DELIVERY_STREAM: ResourceRule = { kind: 'named', type: 'deliverystream', member: 'DeliveryStreamName' };
const ACCOUNT: ResourceRule = { kind: 'account' };

export async function createFirehoseService(
  backend: StorageBackend,
  options: FirehoseServiceOptions,
): Promise<FirehoseService> {
  const logger = options.logger.child({ service: 'firehose' });
  const meta = options.meta ?? backend.meta;
  const clock = options.clock ?? realClock();
  const ownScheduler = options.scheduler === undefined;
  const scheduler =
    options.scheduler ?? new Scheduler({ meta: backend.meta, clock, logger: logger.child({ area: 'jobs' }) });
  const ownHost = options.workers === undefined;
  const host = options.workers ?? new WorkerHost({ leases: backend.leases, clock, logger });
  const objects =
    options.objects ??
    (options.s3 ? s3ObjectStore({ ...options.s3, region: options.region }) : directoryObjectStore(options.objectDir));
  const settings: FirehoseSettings = {
    createMs: options.createMs ?? 500,
    deleteMs: options.deleteMs ?? 500,
    bufferCapBytes: options.bufferCapBytes ?? 1024 * 1024 * 1024,
    streamLimit: options.streamLimit ?? 5_000,
    sseMs: options.sseMs ?? 500,
    sseCallsPerDay: options.sseCallsPerDay ?? 0,
    putLimits: { requestsPerSecond: 0, recordsPerSecond: 0, bytesPerSecond: 0, ...options.putLimits },
    retry: { ...DEFAULT_BACKOFF, initialMs: 5_000, maxMs: 5_000, factor: 1, jitter: 0, ...options.retry },
    retryWindowMs: options.retryWindowMs ?? 24 * 3600 * 1000,
  };
  const catalog = await DeliveryStreamCatalog.open(meta, logger);
  const rt = new FirehoseRuntime({
    catalog,
    logs: backend.logs,
    meta,
    settings,
    clock,
    scheduler,
    host,
    objects,
    logger,
    streams: options.streams,
    onEvent: options.onEvent,
  });
  await rt.loadPending();

  // The end of a transitional status: CREATING → ACTIVE (the worker starts), DELETING → gone.
  const unhandle = scheduler.handle(STATUS_TIMER, async (timer) => {
    const state = catalog.getById(timer.key);
    if (!state) return;
    if (state.status === 'DELETING') {
      await rt.purge(state.id);
      return;
    }
    const next = await catalog.update(state.id, (d) => {
      if (d.status !== 'CREATING') return false;
      d.status = 'ACTIVE';
      delete d.transitionAt;
    });
    if (next.status === 'ACTIVE') rt.startWorker(next);
  });
  // The end of an encryption transition: ENABLING → ENABLED, DISABLING → DISABLED (StartDeliveryStreamEncryption
  // and StopDeliveryStreamEncryption API references: the operations are asynchronous).
  const unhandleSse = scheduler.handle(SSE_TIMER, async (timer) => {
    const state = catalog.getById(timer.key);
    if (!state) return;
    await catalog.update(state.id, (d) => {
      const e = d.encryption;
      if (e.status === 'ENABLING') e.status = 'ENABLED';
      else if (e.status === 'DISABLING') d.encryption = { status: 'DISABLED', ...(e.calls ? { calls: e.calls } : {}) };
      else return false;
      delete d.encryption.transitionAt;
    });
  });
  // Every node hosts a worker for every ACTIVE delivery stream, including those created through other nodes (the
  // catalogue hears of them through the change feed, ADR 0036); the worker's lease lets one node deliver at a time.
  catalog.onChange((next, id) => {
    if (next?.status === 'ACTIVE') rt.startWorker(next);
    else if (next === undefined || next.status === 'DELETING')
      void rt.stopWorker(id).catch((err: unknown) => logger.warn({ err }, 'delivery worker did not stop'));
  });
  for (const state of catalog.all()) {
    if (state.status === 'ACTIVE') rt.startWorker(state);
    else if (state.transitionAt !== undefined) await rt.schedule(state);
    if (state.encryption.transitionAt !== undefined) await rt.scheduleEncryption(state);
  }

  const operations: Record<string, OperationDefinition> = {
    CreateDeliveryStream: opWith(rt, createDeliveryStream, { resource: DELIVERY_STREAM }),
    DeleteDeliveryStream: opWith(rt, deleteDeliveryStream, { resource: DELIVERY_STREAM }),
    DescribeDeliveryStream: opWith(rt, describeDeliveryStream, { resource: DELIVERY_STREAM }),
    ListDeliveryStreams: opWith(rt, listDeliveryStreams, { resource: ACCOUNT }),
    PutRecord: opWith(rt, putRecord, { resource: DELIVERY_STREAM, largeBody: true }),
    PutRecordBatch: opWith(rt, putRecordBatch, { resource: DELIVERY_STREAM, largeBody: true }),
    UpdateDestination: opWith(rt, updateDestination, { resource: DELIVERY_STREAM }),
    StartDeliveryStreamEncryption: opWith(rt, startDeliveryStreamEncryption, { resource: DELIVERY_STREAM }),
    StopDeliveryStreamEncryption: opWith(rt, stopDeliveryStreamEncryption, { resource: DELIVERY_STREAM }),
    TagDeliveryStream: opWith(rt, tagDeliveryStream, { resource: DELIVERY_STREAM }),
    UntagDeliveryStream: opWith(rt, untagDeliveryStream, { resource: DELIVERY_STREAM }),
    ListTagsForDeliveryStream: opWith(rt, listTagsForDeliveryStream, { resource: DELIVERY_STREAM }),
  };

  if (ownScheduler) await scheduler.start();
  if (ownHost) host.start();
  const byArn = (arn: string): DeliveryStreamState | undefined => {
    const p = parseDeliveryStreamArn(arn);
    return p ? catalog.get(p.accountId, p.region, p.name) : undefined;
  };

  return {
    name: 'firehose',
    title: 'Amazon Data Firehose',
    definition: {
      name: 'firehose',
      targetPrefix: 'Firehose_20150804',
      model: servedModel,
      errors: FirehoseErrors,
      operations,
    },
    metrics() {
      return rt.metrics.snapshot();
    },
    async readIncoming(arn, incomingOptions) {
      const state = byArn(arn);
      if (!state) throw deliveryStreamNotFound(parseDeliveryStreamArn(arn)?.name ?? arn, options.accountId);
      return rt.incoming(state, incomingOptions);
    },
    async releaseIncoming(arn, holder) {
      const state = byArn(arn);
      if (state) await releaseHold(meta, state.id, holder);
    },
    hasDeliveryStream(arn) {
      return byArn(arn) !== undefined;
    },
    metricSamples() {
      // The same registry as CloudWatch samples for the server's /metrics (docs/adr/0031).
      const samples: MetricSample[] = rt.metrics.snapshot().flatMap((s) =>
        Object.entries(s.metrics).map(([metric, value]) => ({
          namespace: 'AWS/Firehose',
          metric,
          kind: FIREHOSE_GAUGE.test(metric) ? ('gauge' as const) : ('counter' as const),
          accountId: s.accountId,
          region: s.region,
          dimensions: { DeliveryStreamName: s.deliveryStreamName },
          value,
        })),
      );
      // The delivery buffers this node holds now (ADR 0044): AWS has no metric for them, hence Tributary/Firehose.
      const now = clock.now();
      for (const state of catalog.all()) {
        const fill = rt.bufferFill(state.id);
        if (fill === undefined) continue;
        const gauge = (metric: string, value: number): MetricSample => ({
          namespace: 'Tributary/Firehose',
          metric,
          kind: 'gauge',
          accountId: state.accountId,
          region: state.region,
          dimensions: { DeliveryStreamName: state.name },
          value,
        });
        samples.push(
          gauge('BufferedRecords', fill.records),
          gauge('BufferedBytes', fill.bytes),
          gauge('BufferAgeSeconds', fill.records === 0 ? 0 : Math.max(0, now - fill.since) / 1000),
        );
      }
      return samples;
    },
    async flush(accountId, region, name) {
      const state = catalog.get(accountId, region, name);
      if (!state) throw deliveryStreamNotFound(name, accountId);
      await rt.flush(state);
    },
    async close() {
      catalog.stopWatching();
      await rt.close();
      await unhandle();
      await unhandleSse();
      if (ownHost) await host.close();
      if (ownScheduler) await scheduler.close();
      objects.close();
    },
  };
}

/** `<data-dir>/s3`: where objects go without an S3 endpoint. */
export function embeddedObjectDir(dataDir: string): string {
  return join(dataDir, 's3');
}
