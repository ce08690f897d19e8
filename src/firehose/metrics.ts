/**
 * Firehose's CloudWatch metrics (namespace `AWS/Firehose`, dimension `DeliveryStreamName`; "Monitor Amazon Data
 * Firehose with CloudWatch metrics"), counted in the process so a metrics endpoint can expose them under AWS's
 * names. Counters only grow; a snapshot derives the ratios and gauges:
 * - Ingest (per PutRecord / PutRecordBatch call, never per record): IncomingBytes, IncomingRecords,
 *   IncomingPutRequests, PutRecord.{Bytes,Latency,Requests}, PutRecordBatch.{Bytes,Latency,Records,Requests},
 *   ThrottledRecords (records refused by the per-stream put limits), and, when put limits are configured,
 *   BytesPerSecondLimit, RecordsPerSecondLimit and PutRequestsPerSecondLimit ("the current maximum … before
 *   throttling"). `*.Latency` is the average time in milliseconds from a call's arrival to its durable
 *   acknowledgement, on the service clock.
 * - Kinesis source: DataReadFromKinesisStream.{Bytes,Records} (records as the stream reader returns them, KPL
 *   aggregates already split) and KinesisMillisBehindLatest (how far the last read lagged behind the stream's
 *   newest record, from the reader's batch).
 * - Delivery: DeliveryToS3.{Bytes,Records,ObjectCount,Success,DataFreshness} for S3 destinations,
 *   DeliveryToHttpEndpoint.{Bytes,Records,Success,DataFreshness,ProcessedBytes,ProcessedRecords} for HTTP
 *   endpoints, BackupToS3.{Bytes,Records,Success,DataFreshness} for a backup bucket (an HTTP endpoint's AllData
 *   copies and `http-endpoint-failed` error records, an Extended S3 destination's source record backup). `*.Records` / `*.Bytes` count what was delivered, while
 *   DeliveryToHttpEndpoint.Processed{Records,Bytes} count every attempt, retries included (AWS: "the number of
 *   attempted records including retries"). `*.Success` is successful attempts ÷ attempts (AWS: "the sum of
 *   successful … commands over the sum of all … commands"); DataFreshness is the age in seconds of the oldest
 *   record of the last delivery, at delivery.
 * ThrottledDescribeStream, ThrottledGetRecords and ThrottledGetShardIterator are not counted: the Kinesis source
 * is read in process, where nothing throttles it.
 */
import type { PutLimits } from './put-limits.js';
import type { DeliveryEvent } from './delivery.js';

/** Where a delivery event went, as the metric prefix names it. */
export type MetricDestination = 'DeliveryToS3' | 'DeliveryToHttpEndpoint' | 'BackupToS3';

/** The metrics of one delivery stream: AWS metric name → value. */
export interface StreamMetrics {
  readonly accountId: string;
  readonly region: string;
  readonly deliveryStreamName: string;
  readonly metrics: Readonly<Record<string, number>>;
}

interface Counters {
  readonly accountId: string;
  readonly region: string;
  readonly name: string;
  readonly values: Map<string, number>;
}

/** The registry (see this file's header). */
export class FirehoseMetrics {
  readonly #streams = new Map<string, Counters>();
  readonly #now: () => number;
  readonly #limits: PutLimits | undefined;

  /** `limits`: the put limits in force (src/firehose/put-limits.ts), reported as the `*PerSecondLimit` gauges. */
  constructor(now: () => number, limits?: PutLimits) {
    this.#now = now;
    this.#limits = limits;
  }

  #counters(accountId: string, region: string, name: string): Counters {
    const key = `${accountId}/${region}/${name}`;
    let c = this.#streams.get(key);
    if (!c) {
      c = { accountId, region, name, values: new Map() };
      this.#streams.set(key, c);
    }
    return c;
  }

  #add(c: Counters, metric: string, by: number): void {
    c.values.set(metric, (c.values.get(metric) ?? 0) + by);
  }

  /** One accepted PutRecord or PutRecordBatch call, acknowledged `latencyMs` after it arrived. */
  put(
    accountId: string,
    region: string,
    name: string,
    operation: 'PutRecord' | 'PutRecordBatch',
    records: number,
    bytes: number,
    latencyMs: number,
  ): void {
    const c = this.#counters(accountId, region, name);
    this.#add(c, 'IncomingPutRequests', 1);
    this.#add(c, 'IncomingRecords', records);
    this.#add(c, 'IncomingBytes', bytes);
    this.#add(c, `${operation}.Requests`, 1);
    this.#add(c, `${operation}.Bytes`, bytes);
    this.#add(c, `${operation}.LatencySum`, latencyMs);
    if (operation === 'PutRecordBatch') this.#add(c, 'PutRecordBatch.Records', records);
    this.#setLimits(c);
  }

  /** Records refused by a put limit. */
  throttled(accountId: string, region: string, name: string, records: number): void {
    const c = this.#counters(accountId, region, name);
    this.#add(c, 'ThrottledRecords', records);
    this.#setLimits(c);
  }

  #setLimits(c: Counters): void {
    const l = this.#limits;
    if (!l) return;
    if (l.bytesPerSecond > 0) c.values.set('BytesPerSecondLimit', l.bytesPerSecond);
    if (l.recordsPerSecond > 0) c.values.set('RecordsPerSecondLimit', l.recordsPerSecond);
    if (l.requestsPerSecond > 0) c.values.set('PutRequestsPerSecondLimit', l.requestsPerSecond);
  }

  /** One batch a KinesisStreamAsSource stream read from its Kinesis stream. */
  kinesisRead(
    accountId: string,
    region: string,
    name: string,
    records: number,
    bytes: number,
    millisBehindLatest: number,
  ): void {
    const c = this.#counters(accountId, region, name);
    this.#add(c, 'DataReadFromKinesisStream.Records', records);
    this.#add(c, 'DataReadFromKinesisStream.Bytes', bytes);
    c.values.set('KinesisMillisBehindLatest', millisBehindLatest);
  }

  /** A delivery worker's event; `http` says the stream's destination is an HTTP endpoint. */
  delivery(accountId: string, region: string, event: DeliveryEvent, http: boolean): void {
    const c = this.#counters(accountId, region, event.stream);
    switch (event.type) {
      case 'delivered': {
        const prefix: MetricDestination = http || event.backup ? 'BackupToS3' : 'DeliveryToS3';
        this.#add(c, `${prefix}.Records`, event.records);
        this.#add(c, `${prefix}.Bytes`, event.bytes);
        this.#add(c, `${prefix}.Attempts`, 1);
        this.#add(c, `${prefix}.Successes`, 1);
        if (prefix === 'DeliveryToS3') this.#add(c, 'DeliveryToS3.ObjectCount', 1);
        if (event.oldestArrivedAt !== undefined)
          c.values.set(`${prefix}.DataFreshness`, Math.max(0, (this.#now() - event.oldestArrivedAt) / 1000));
        return;
      }
      case 'posted':
        this.#add(c, 'DeliveryToHttpEndpoint.Records', event.records);
        this.#add(c, 'DeliveryToHttpEndpoint.Bytes', event.bytes);
        this.#add(c, 'DeliveryToHttpEndpoint.ProcessedRecords', event.records);
        this.#add(c, 'DeliveryToHttpEndpoint.ProcessedBytes', event.bytes);
        this.#add(c, 'DeliveryToHttpEndpoint.Attempts', 1); // the failed ones came as `retry` events
        this.#add(c, 'DeliveryToHttpEndpoint.Successes', 1);
        if (event.oldestArrivedAt !== undefined)
          c.values.set(
            'DeliveryToHttpEndpoint.DataFreshness',
            Math.max(0, (this.#now() - event.oldestArrivedAt) / 1000),
          );
        return;
      case 'retry':
      case 'discarded':
      case 'failed': {
        // One failed attempt each: a retried one, the last one before data is discarded (S3) or refused for good
        // (HTTP 413), or the last one of an HTTP retry duration.
        const prefix: MetricDestination =
          event.destination === 'HttpEndpoint'
            ? 'DeliveryToHttpEndpoint'
            : http || event.backup
              ? 'BackupToS3'
              : 'DeliveryToS3';
        this.#add(c, `${prefix}.Attempts`, 1);
        if (prefix === 'DeliveryToHttpEndpoint') {
          this.#add(c, 'DeliveryToHttpEndpoint.ProcessedRecords', event.records);
          this.#add(c, 'DeliveryToHttpEndpoint.ProcessedBytes', event.bytes);
        }
        return;
      }
      default:
        return;
    }
  }

  /** Every stream's metrics under AWS's names (`*.Success` only once there was an attempt). */
  snapshot(): StreamMetrics[] {
    const out: StreamMetrics[] = [];
    for (const c of this.#streams.values()) {
      const metrics: Record<string, number> = {};
      for (const [k, v] of c.values) {
        if (k.endsWith('.Attempts') || k.endsWith('.Successes') || k.endsWith('.LatencySum')) continue;
        metrics[k] = v;
      }
      for (const operation of ['PutRecord', 'PutRecordBatch'] as const) {
        const requests = c.values.get(`${operation}.Requests`) ?? 0;
        if (requests > 0) metrics[`${operation}.Latency`] = (c.values.get(`${operation}.LatencySum`) ?? 0) / requests;
      }
      for (const prefix of ['DeliveryToS3', 'DeliveryToHttpEndpoint', 'BackupToS3'] as const) {
        const attempts = c.values.get(`${prefix}.Attempts`) ?? 0;
        if (attempts > 0) metrics[`${prefix}.Success`] = (c.values.get(`${prefix}.Successes`) ?? 0) / attempts;
      }
      out.push({ accountId: c.accountId, region: c.region, deliveryStreamName: c.name, metrics });
    }
    return out;
  }

  /** Forgets a deleted stream. */
  remove(accountId: string, region: string, name: string): void {
    this.#streams.delete(`${accountId}/${region}/${name}`);
  }
}
