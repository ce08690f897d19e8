/**
 * Data Streams' CloudWatch metrics (namespace `AWS/Kinesis`; "Monitoring the Amazon Kinesis Data Streams Service
 * with Amazon CloudWatch"), counted in the process for the server's `/metrics` endpoint (docs/adr/0031).
 *
 * Stream level (dimension `StreamName`), always:
 * - IncomingBytes, IncomingRecords: what durable appends stored (PutRecord, PutRecords and in-process writers such as
 *   Firehose's sources), counted from the service's append signal once per shard batch. Bytes are data plus
 *   partition key, the size AWS counts against a shard's write limit.
 * - PutRecord.{Bytes,Success}, PutRecords.{Bytes,Success,TotalRecords,SuccessfulRecords,FailedRecords,
 *   ThrottledRecords}, WriteProvisionedThroughputExceeded: per call, from its input and outcome. `*.Success` is the
 *   number of successful calls (CloudWatch's Sum; its Average is the ratio a dashboard shows).
 * - GetRecords.{Bytes,Records,Success,IteratorAgeMilliseconds}, ReadProvisionedThroughputExceeded: per call, by the
 *   GetRecords handler (only it knows the stream behind an iterator without decoding it twice). The iterator age is
 *   the largest MillisBehindLatest since the previous scrape (CloudWatch's Maximum over the period).
 * Consumer level (dimensions `StreamName`, `ConsumerName`), for enhanced fan-out:
 * - SubscribeToShard.{Success,RateExceeded}: admitted subscriptions, and those refused because the consumer already
 *   had an active subscription to the shard (the ResourceInUseException of the 5-second rule);
 * - SubscribeToShardEvent.{Success,Records,Bytes,MillisBehindLatest}: events pushed, their records and bytes, and the
 *   largest MillisBehindLatest since the previous scrape.
 * Shard level (dimensions `StreamName`, `ShardId`), only for the metrics EnableEnhancedMonitoring switched on (its
 * ShardLevelMetrics drive the series, "ALL" every one): IncomingBytes, IncomingRecords, OutgoingBytes,
 * OutgoingRecords, IteratorAgeMilliseconds, ReadProvisionedThroughputExceeded, WriteProvisionedThroughputExceeded
 * (records the write limit refused, counted by the write path, which routed them to the shard).
 *
 * Latency metrics (`PutRecords.Latency`, …) are the server's per-operation request histogram. Counting is a few
 * integer additions per call or shard batch: no allocation on the hot path once a stream's counters exist.
 */
import type { MetricSample, OperationDefinition, RequestContext } from '../protocol/index.js';
import type { ShardState, StreamState } from './catalog.js';
import type { FeatureContext, StreamsFeature } from './feature.js';
import type { StreamsRuntime } from './runtime.js';

const NAMESPACE = 'AWS/Kinesis';

/** Counters of one shard (enhanced monitoring). */
class ShardCounters {
  incomingBytes = 0;
  incomingRecords = 0;
  outgoingBytes = 0;
  outgoingRecords = 0;
  iteratorAgeMs = 0;
  readThrottled = 0;
  writeThrottled = 0;
  constructor(readonly shardId: string) {}
}

/** Counters of one enhanced fan-out consumer of a stream. */
class ConsumerCounters {
  subscribeSuccess = 0;
  subscribeRateExceeded = 0;
  eventSuccess = 0;
  eventRecords = 0;
  eventBytes = 0;
  millisBehindLatest = 0;
}

/** Counters of one stream incarnation (a re-created stream starts at zero, as its CloudWatch series would). */
class StreamCounters {
  incomingBytes = 0;
  incomingRecords = 0;
  putRecordBytes = 0;
  putRecordSuccess = 0;
  putRecordsBytes = 0;
  putRecordsSuccess = 0;
  putRecordsTotal = 0;
  putRecordsSuccessful = 0;
  putRecordsFailed = 0;
  putRecordsThrottled = 0;
  writeThrottled = 0;
  getRecordsBytes = 0;
  getRecordsRecords = 0;
  getRecordsSuccess = 0;
  iteratorAgeMs = 0;
  readThrottled = 0;
  readonly shards = new Map<number, ShardCounters>();
  readonly consumers = new Map<string, ConsumerCounters>();

  consumer(name: string): ConsumerCounters {
    let c = this.consumers.get(name);
    if (c === undefined) {
      c = new ConsumerCounters();
      this.consumers.set(name, c);
    }
    return c;
  }

  shard(shard: ShardState): ShardCounters {
    let c = this.shards.get(shard.index);
    if (c === undefined) {
      c = new ShardCounters(shard.shardId);
      this.shards.set(shard.index, c);
    }
    return c;
  }
}

/** The registry (see this file's header). One per service, on the runtime. */
export class StreamsMetrics {
  readonly #streams = new Map<string, StreamCounters>();

  #of(stream: StreamState): StreamCounters {
    let c = this.#streams.get(stream.id);
    if (c === undefined) {
      c = new StreamCounters();
      this.#streams.set(stream.id, c);
    }
    return c;
  }

  /** A durable append of `records` records and `bytes` bytes to one shard. */
  appended(stream: StreamState, shard: ShardState, records: number, bytes: number): void {
    const c = this.#of(stream);
    c.incomingRecords += records;
    c.incomingBytes += bytes;
    const s = c.shard(shard);
    s.incomingRecords += records;
    s.incomingBytes += bytes;
  }

  /** A PutRecord call that stored its record (`bytes`: data plus key), or one refused by the write limit. */
  putRecord(stream: StreamState, bytes: number, throttled: boolean): void {
    const c = this.#of(stream);
    if (throttled) {
      c.writeThrottled++;
      return;
    }
    c.putRecordSuccess++;
    c.putRecordBytes += bytes;
  }

  /** A PutRecords call that answered: `total` records, `throttled` and `failed` (other errors) of them refused. */
  putRecords(stream: StreamState, total: number, bytes: number, throttled: number, failed: number): void {
    const c = this.#of(stream);
    c.putRecordsSuccess++;
    c.putRecordsTotal += total;
    c.putRecordsSuccessful += total - throttled - failed;
    c.putRecordsThrottled += throttled;
    c.putRecordsFailed += failed;
    c.putRecordsBytes += bytes;
    c.writeThrottled += throttled;
  }

  /** A GetRecords call that answered `records` records of `bytes` bytes, `ageMs` behind the tip. */
  read(stream: StreamState, shard: ShardState, records: number, bytes: number, ageMs: number): void {
    const c = this.#of(stream);
    c.getRecordsSuccess++;
    c.getRecordsRecords += records;
    c.getRecordsBytes += bytes;
    if (ageMs > c.iteratorAgeMs) c.iteratorAgeMs = ageMs;
    const s = c.shard(shard);
    s.outgoingRecords += records;
    s.outgoingBytes += bytes;
    if (ageMs > s.iteratorAgeMs) s.iteratorAgeMs = ageMs;
  }

  /** A record of a PutRecord(s) call refused by `shard`'s write limit (the shard-level series). */
  writeThrottled(stream: StreamState, shard: ShardState): void {
    this.#of(stream).shard(shard).writeThrottled++;
  }

  /** A SubscribeToShard call admitted (`rateExceeded` false) or refused by the one-subscription rule. */
  subscribe(stream: StreamState, consumerName: string, rateExceeded: boolean): void {
    const c = this.#of(stream).consumer(consumerName);
    if (rateExceeded) c.subscribeRateExceeded++;
    else c.subscribeSuccess++;
  }

  /** A SubscribeToShardEvent pushed to a consumer: `records` records of `bytes` bytes, `ageMs` behind the tip. */
  subscribeEvent(stream: StreamState, consumerName: string, records: number, bytes: number, ageMs: number): void {
    const c = this.#of(stream).consumer(consumerName);
    c.eventSuccess++;
    c.eventRecords += records;
    c.eventBytes += bytes;
    if (ageMs > c.millisBehindLatest) c.millisBehindLatest = ageMs;
  }

  /** A GetRecords call refused by the shard's read limit. */
  readThrottled(stream: StreamState, shard: ShardState): void {
    const c = this.#of(stream);
    c.readThrottled++;
    c.shard(shard).readThrottled++;
  }

  /**
   * Every live stream's metrics as CloudWatch names them; streams the catalogue no longer has are forgotten. The
   * iterator ages restart at zero for the next period.
   */
  samples(rt: Pick<StreamsRuntime, 'catalog'>): MetricSample[] {
    const out: MetricSample[] = [];
    for (const [id, c] of this.#streams) {
      const stream = rt.catalog.getById(id);
      if (stream === undefined) {
        this.#streams.delete(id);
        continue;
      }
      const base = { namespace: NAMESPACE, accountId: stream.accountId, region: stream.region };
      const dimensions = { StreamName: stream.name };
      const counter = (metric: string, value: number): void => {
        out.push({ ...base, metric, kind: 'counter', dimensions, value });
      };
      counter('IncomingBytes', c.incomingBytes);
      counter('IncomingRecords', c.incomingRecords);
      counter('PutRecord.Bytes', c.putRecordBytes);
      counter('PutRecord.Success', c.putRecordSuccess);
      counter('PutRecords.Bytes', c.putRecordsBytes);
      counter('PutRecords.Success', c.putRecordsSuccess);
      counter('PutRecords.TotalRecords', c.putRecordsTotal);
      counter('PutRecords.SuccessfulRecords', c.putRecordsSuccessful);
      counter('PutRecords.FailedRecords', c.putRecordsFailed);
      counter('PutRecords.ThrottledRecords', c.putRecordsThrottled);
      counter('WriteProvisionedThroughputExceeded', c.writeThrottled);
      counter('GetRecords.Bytes', c.getRecordsBytes);
      counter('GetRecords.Records', c.getRecordsRecords);
      counter('GetRecords.Success', c.getRecordsSuccess);
      counter('ReadProvisionedThroughputExceeded', c.readThrottled);
      out.push({
        ...base,
        metric: 'GetRecords.IteratorAgeMilliseconds',
        kind: 'gauge',
        dimensions,
        value: c.iteratorAgeMs,
      });
      c.iteratorAgeMs = 0;
      for (const [consumerName, f] of c.consumers) {
        const consumerDimensions = { StreamName: stream.name, ConsumerName: consumerName };
        const consumer = (metric: string, kind: 'counter' | 'gauge', value: number): void => {
          out.push({ ...base, metric, kind, dimensions: consumerDimensions, value });
        };
        consumer('SubscribeToShard.Success', 'counter', f.subscribeSuccess);
        consumer('SubscribeToShard.RateExceeded', 'counter', f.subscribeRateExceeded);
        consumer('SubscribeToShardEvent.Success', 'counter', f.eventSuccess);
        consumer('SubscribeToShardEvent.Records', 'counter', f.eventRecords);
        consumer('SubscribeToShardEvent.Bytes', 'counter', f.eventBytes);
        consumer('SubscribeToShardEvent.MillisBehindLatest', 'gauge', f.millisBehindLatest);
        f.millisBehindLatest = 0;
      }
      const enabled = new Set(stream.shardLevelMetrics);
      const all = enabled.has('ALL');
      for (const s of c.shards.values()) {
        const shardDimensions = { StreamName: stream.name, ShardId: s.shardId };
        const shard = (metric: string, kind: 'counter' | 'gauge', value: number): void => {
          if (all || enabled.has(metric)) out.push({ ...base, metric, kind, dimensions: shardDimensions, value });
        };
        shard('IncomingBytes', 'counter', s.incomingBytes);
        shard('IncomingRecords', 'counter', s.incomingRecords);
        shard('OutgoingBytes', 'counter', s.outgoingBytes);
        shard('OutgoingRecords', 'counter', s.outgoingRecords);
        shard('ReadProvisionedThroughputExceeded', 'counter', s.readThrottled);
        shard('WriteProvisionedThroughputExceeded', 'counter', s.writeThrottled);
        shard('IteratorAgeMilliseconds', 'gauge', s.iteratorAgeMs);
        s.iteratorAgeMs = 0;
      }
    }
    return out;
  }
}

interface PutRecordsEntry {
  readonly Data: Uint8Array;
  readonly PartitionKey: string;
}

/** The size AWS counts for a record: data plus the partition key's UTF-8 bytes. */
function recordBytes(entry: PutRecordsEntry): number {
  return entry.Data.byteLength + Buffer.byteLength(entry.PartitionKey, 'utf8');
}

/** Whether a handler's error is AWS's throughput refusal. */
export function isThrottleError(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === 'ProvisionedThroughputExceededException';
}

/**
 * The metrics feature: counts appends from the append signal and wraps PutRecord and PutRecords to count their
 * outcomes (GetRecords counts itself, see the header).
 */
export function metricsFeature(ctx: FeatureContext): StreamsFeature {
  const { rt } = ctx;
  const metrics = rt.metrics;
  const unsubscribe = ctx.appends.subscribe((stream, shard, records, bytes) => {
    metrics.appended(stream, shard, records, bytes);
  });
  return {
    operations: {},
    decorate(operation: string, definition: OperationDefinition): OperationDefinition {
      if (operation === 'PutRecord') {
        const handle = definition.handle;
        return {
          traits: definition.traits,
          async handle(input: object, req: RequestContext) {
            const entry = input as PutRecordsEntry & { StreamName?: string; StreamARN?: string };
            try {
              const out = await handle(input, req);
              const stream = rt.locateStream(entry, req).stream;
              if (stream) metrics.putRecord(stream, recordBytes(entry), false);
              return out;
            } catch (e) {
              if (isThrottleError(e)) {
                const stream = rt.locateStream(entry, req).stream;
                if (stream) metrics.putRecord(stream, 0, true);
              }
              throw e;
            }
          },
        };
      }
      if (operation === 'PutRecords') {
        const handle = definition.handle;
        return {
          traits: definition.traits,
          async handle(input: object, req: RequestContext) {
            const out = (await handle(input, req)) as {
              FailedRecordCount?: number;
              Records: ReadonlyArray<{ ErrorCode?: string }>;
            };
            const request = input as { Records: readonly PutRecordsEntry[]; StreamName?: string; StreamARN?: string };
            const stream = rt.locateStream(request, req).stream;
            if (stream) {
              let bytes = 0;
              let throttled = 0;
              let failed = 0;
              const failedCount = out.FailedRecordCount ?? 0;
              for (let i = 0; i < request.Records.length; i++) {
                const code = failedCount === 0 ? undefined : out.Records[i]?.ErrorCode;
                if (code === undefined) bytes += recordBytes(request.Records[i]!);
                else if (code === 'ProvisionedThroughputExceededException') throttled++;
                else failed++;
              }
              metrics.putRecords(stream, request.Records.length, bytes, throttled, failed);
            }
            return out;
          },
        };
      }
      return definition;
    },
    async close() {
      unsubscribe();
    },
  };
}
