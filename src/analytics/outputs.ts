/**
 * Delivery of an application's output rows (Developer Guide, "Configuring Application Output", "Delivery Model
 * for Persisting Application Output to an External Destination"):
 * 1. each output reads one in-application stream (its Name, case-sensitive) and writes each row as one record,
 *    encoded per DestinationSchema (JSON or CSV) by the engine's row encoder (src/analytics/engine, output.ts);
 * 2. a Kinesis stream destination gets the rows through the Data Streams in-process API, up to 500 per call,
 *    each with a random partition key; records the stream refuses (throttled) are sent again; a Firehose delivery
 *    stream through the Firehose module's PutRecordBatch; a Lambda function through a Lambda-compatible endpoint;
 * 3. delivery is at-least-once: the application moves its input checkpoint only after the rows that input
 *    produced were delivered ({@link OutputSet.drain}); a failing destination is retried with backoff until it
 *    takes the rows or the application stops.
 */
import { randomUUID } from 'node:crypto';
import { backoffDelay, type BackoffOptions, type Clock, DEFAULT_BACKOFF } from '../jobs/index.js';
import type { Logger, RequestContext, ServiceModule } from '../protocol/index.js';
import type { StreamsApi } from '../streams/index.js';
import type { OutputState } from './application.js';
import type { FlowCounters } from './metrics.js';
import { createRowEncoder, type RowEncoder } from './engine/index.js';
import type { SqlValue, TypedColumn } from './sql/index.js';

const MAX_PUT_RECORDS = 500;
const MAX_PUT_BYTES = 4 * 1024 * 1024;

/**
 * Splits `items` into consecutive batches of at most `maxRecords` items and `maxBytes` bytes (by `size`); an item
 * larger than `maxBytes` travels alone, so the destination refuses it by its own rule.
 */
export function* sizedBatches<T>(
  items: readonly T[],
  limits: { readonly maxRecords: number; readonly maxBytes: number },
  size: (item: T) => number,
): Generator<T[]> {
  let i = 0;
  while (i < items.length) {
    const batch: T[] = [items[i]!];
    let bytes = size(items[i++]!);
    while (i < items.length && batch.length < limits.maxRecords && bytes + size(items[i]!) <= limits.maxBytes) {
      bytes += size(items[i]!);
      batch.push(items[i++]!);
    }
    yield batch;
  }
}

const byteLength = (b: Buffer): number => b.length;

/** Writes encoded records to one destination; resolves with the records it could not take (to send again). */
export interface Destination {
  write(records: readonly Buffer[]): Promise<Buffer[]>;
}

/** Rule 2. */
export function kinesisDestination(streams: StreamsApi, arn: string): Destination {
  return {
    async write(records) {
      const failed: Buffer[] = [];
      for (const chunk of sizedBatches(records, { maxRecords: MAX_PUT_RECORDS, maxBytes: MAX_PUT_BYTES }, byteLength)) {
        const out = await streams.put(
          { arn },
          chunk.map((data) => ({ partitionKey: randomUUID(), data })),
        );
        out.forEach((r, j) => {
          if ('errorCode' in r) failed.push(chunk[j]!);
        });
      }
      return failed;
    },
  };
}

/** One output's queue of encoded rows. */
class OutputQueue {
  readonly name: string;
  readonly #destination: Destination;
  /** Made on the first row: every row of one in-application stream has the same columns. */
  #encode: RowEncoder | undefined;
  #queue: Buffer[] = [];
  #running: Promise<void> | undefined;
  #attempt = 0;
  /** AWS/KinesisAnalytics Records, Bytes and Success of this output (./metrics.ts). */
  readonly #counters: FlowCounters | undefined;

  constructor(
    readonly output: OutputState,
    destination: Destination,
    private readonly parts: {
      clock: Clock;
      logger: Logger;
      signal: AbortSignal;
      retry: BackoffOptions;
      counters?: (output: OutputState) => FlowCounters;
    },
  ) {
    this.#counters = parts.counters?.(output);
    this.name = output.name;
    this.#destination = destination;
  }

  enqueue(columns: readonly TypedColumn[], values: readonly SqlValue[]): void {
    this.#encode ??= createRowEncoder(this.output.format, [...columns]);
    this.#queue.push(Buffer.from(this.#encode(values), 'utf8'));
    this.#running ??= this.#run();
  }

  /** Resolves once every record queued so far was delivered (or the application stopped). */
  async drain(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #run(): Promise<void> {
    try {
      while (this.#queue.length > 0 && !this.parts.signal.aborted) {
        const batch = this.#queue;
        this.#queue = [];
        let failed: Buffer[];
        try {
          failed = await this.#destination.write(batch);
        } catch (err) {
          this.parts.logger.warn({ err, output: this.name }, 'application output failed; retrying');
          failed = batch;
        }
        this.#count(batch, failed);
        if (failed.length > 0) {
          this.#queue = failed.concat(this.#queue);
          await this.#sleep(backoffDelay(this.#attempt++, this.parts.retry));
        } else {
          this.#attempt = 0;
        }
      }
    } finally {
      this.#running = undefined;
    }
  }

  /** Records, Bytes and Success of one delivery call: what `batch` delivered, `failed` being refused. */
  #count(batch: readonly Buffer[], failed: readonly Buffer[]): void {
    const c = this.#counters;
    if (c === undefined) return;
    let bytes = 0;
    for (const b of batch) bytes += b.length;
    for (const b of failed) bytes -= b.length;
    c.records += batch.length - failed.length;
    c.bytes += bytes;
    if (failed.length === 0) c.success++;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const signal = this.parts.signal;
      if (signal.aborted) return resolve();
      const done = (): void => {
        this.parts.clock.clearTimeout(handle);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const handle = this.parts.clock.setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** Every output of a running application, by in-application stream. */
export class OutputSet {
  readonly #byStream = new Map<string, OutputQueue[]>();
  readonly #all: OutputQueue[] = [];

  constructor(
    outputs: readonly { output: OutputState; destination: Destination }[],
    parts: {
      clock: Clock;
      logger: Logger;
      signal: AbortSignal;
      retry?: BackoffOptions;
      /** The counters of an output (AWS/KinesisAnalytics, Flow Output). */
      counters?: (output: OutputState) => FlowCounters;
    },
  ) {
    const retry = parts.retry ?? { ...DEFAULT_BACKOFF, initialMs: 200, maxMs: 10_000 };
    for (const { output, destination } of outputs) {
      const q = new OutputQueue(output, destination, { ...parts, retry });
      this.#all.push(q);
      const list = this.#byStream.get(output.name) ?? [];
      list.push(q);
      this.#byStream.set(output.name, list);
    }
  }

  /** Whether some output reads this in-application stream. */
  reads(stream: string): boolean {
    return this.#byStream.has(stream);
  }

  /** Queues a row of `stream` on each output that reads it, encoded per output. */
  row(stream: string, columns: readonly TypedColumn[], values: readonly SqlValue[]): void {
    const list = this.#byStream.get(stream);
    if (!list) return;
    for (const q of list) q.enqueue(columns, values);
  }

  /** Resolves once every row queued so far reached its destinations (rule 3). */
  async drain(): Promise<void> {
    await Promise.all(this.#all.map((q) => q.drain()));
  }
}

const LAMBDA_MAX_RECORDS = 500;
const LAMBDA_MAX_BYTES = 5 * 1024 * 1024;

/** The function name of a Lambda ARN (`arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`). */
export function lambdaFunctionName(arn: string): string {
  const m = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/.exec(arn);
  return m ? m[1]! : arn;
}

/**
 * A Lambda output through a Lambda-compatible HTTP endpoint (Developer Guide, "Using a Lambda Function as
 * Output"): each batch is POSTed to `<endpoint>/2015-03-31/functions/<name>/invocations` (the Lambda Invoke path,
 * served by the Lambda Runtime Interface Emulator and `sam local start-lambda`) as
 * `{invocationId, applicationArn, records: [{recordId, lambdaDeliveryRecordMetadata: {retryHint}, data}]}`; the
 * reply lists `{recordId, result: "Ok" | "DeliveryFailed"}`. DeliveryFailed records, records the reply leaves out
 * and whole batches answered with a non-2xx status are sent again, with retryHint counting the attempts.
 */
export function lambdaDestination(endpoint: string, functionArn: string, applicationArn: string): Destination {
  const url = `${endpoint.replace(/\/+$/, '')}/2015-03-31/functions/${encodeURIComponent(lambdaFunctionName(functionArn))}/invocations`;
  const retries = new WeakMap<Buffer, number>();
  return {
    async write(records) {
      const failed: Buffer[] = [];
      const limits = { maxRecords: LAMBDA_MAX_RECORDS, maxBytes: LAMBDA_MAX_BYTES };
      for (const chunk of sizedBatches(records, limits, byteLength)) {
        const ids = chunk.map(() => randomUUID());
        const body = JSON.stringify({
          invocationId: randomUUID(),
          applicationArn,
          records: chunk.map((data, j) => ({
            recordId: ids[j],
            lambdaDeliveryRecordMetadata: { retryHint: retries.get(data) ?? 0 },
            data: data.toString('base64'),
          })),
        });
        let ok = new Set<string>();
        try {
          const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
          const text = await res.text();
          if (res.ok) {
            const reply = JSON.parse(text) as { records?: { recordId?: string; result?: string }[] };
            ok = new Set((reply.records ?? []).filter((r) => r.result === 'Ok').map((r) => r.recordId ?? ''));
          }
        } catch {
          // Unreachable endpoint or an unreadable reply: the whole batch is sent again.
        }
        chunk.forEach((data, j) => {
          if (ok.has(ids[j]!)) return;
          retries.set(data, (retries.get(data) ?? 0) + 1);
          failed.push(data);
        });
      }
      return failed;
    },
  };
}

const FIREHOSE_MAX_RECORDS = 500;
const FIREHOSE_MAX_BYTES = 4 * 1024 * 1024;

/** `arn:aws:firehose:<region>:<account>:deliverystream/<name>` → its parts. */
export function parseDeliveryStreamArn(arn: string): { region: string; accountId: string; name: string } | undefined {
  const m = /^arn:[^:]+:firehose:([^:]+):(\d{12}):deliverystream\/(.+)$/.exec(arn);
  return m ? { region: m[1]!, accountId: m[2]!, name: m[3]! } : undefined;
}

/**
 * A Firehose delivery stream destination, through the Firehose module's own PutRecordBatch operation (its public
 * contract: the same checks, limits, durability and metrics as a client's call). Records a batch reports as
 * failed (ServiceUnavailableException "Slow down.") are sent again; a refused call (stream missing or not
 * ACTIVE) retries the whole batch.
 */
export function firehoseDestination(firehose: ServiceModule, arn: string): Destination {
  const target = parseDeliveryStreamArn(arn);
  const putRecordBatch = firehose.definition?.operations.PutRecordBatch;
  return {
    async write(records) {
      if (!target || !putRecordBatch) throw new Error(`cannot write to delivery stream ${arn}`);
      const failed: Buffer[] = [];
      const limits = { maxRecords: FIREHOSE_MAX_RECORDS, maxBytes: FIREHOSE_MAX_BYTES };
      for (const chunk of sizedBatches(records, limits, byteLength)) {
        const ctx: RequestContext = {
          requestId: randomUUID(),
          region: target.region,
          accountId: target.accountId,
          receivedAt: Date.now(),
          signal: new AbortController().signal,
        };
        const out = (await putRecordBatch.handle(
          { DeliveryStreamName: target.name, Records: chunk.map((Data) => ({ Data })) },
          ctx,
        )) as { RequestResponses?: { ErrorCode?: string }[] };
        (out.RequestResponses ?? []).forEach((r, j) => {
          if (r.ErrorCode) failed.push(chunk[j]!);
        });
      }
      return failed;
    },
  };
}
