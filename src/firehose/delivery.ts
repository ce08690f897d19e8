/**
 * The delivery worker of one delivery stream (one {@link Worker} on the server's worker host, leased by its name
 * `firehose/delivery/<account>/<region>/<name>`). Its stages, in order, so later parts slot in between:
 * source → buffer → (processing, format conversion: later) → object building (compression, key) → destination.
 *
 * Rules ("Configure buffering hints" and "Handle data delivery failure", Amazon Data Firehose Developer Guide):
 * 1. Records are buffered until SizeInMBs (measured before compression) or IntervalInSeconds is reached,
 *    whichever comes first; the interval counts from the first record in the buffer. IntervalInSeconds 0 delivers
 *    each batch as soon as it is read. An object holds at most SizeInMBs of records.
 * 2. Record bytes are concatenated as they are (Firehose adds no delimiters).
 * 3. The durable source position moves only after every object of a flush was written: a crash re-delivers
 *    (at-least-once), never loses.
 * 4. A failed S3 write is retried (every 5 s by default) until the retry window, counted from the arrival of the
 *    object's oldest record, runs out (24 h by default: "Handle data delivery failure", "Troubleshoot errors in
 *    Amazon Data Firehose": if the destination is Amazon S3, Firehose keeps retrying until the retention period
 *    ends); then the data is discarded, as Firehose discards it, and logged. AWS writes no error output for a
 *    failed S3 delivery (the error output prefix receives processing, conversion and HTTP endpoint failures) and
 *    reports it in CloudWatch, not in DescribeDeliveryStream; here it is the `retry` / `discarded` events and the
 *    log lines, with AWS's `S3.<code>` error code when S3 answered.
 * 5. `flush()` delivers everything acknowledged before the call now, whatever the hints (tests, operators).
 * 6. An HTTP endpoint destination (src/firehose/http-endpoint.ts) takes the destination stage's place: requests
 *    instead of objects, its own retries, and the S3 backup bucket written through the same object writer.
 * 7. An Extended S3 destination with S3BackupMode Enabled (src/firehose/destination.ts rule 6) writes each object's
 *    records a second time, to the backup bucket with the backup's prefix and compression (UTC, no FileExtension),
 *    through the same object writer and its retries; the source position moves once both are written.
 */
import { ABORTED, backoffDelay, type BackoffOptions, type Clock, unlessAborted } from '../jobs/index.js';
import type { Logger, Worker, WorkerTenure } from '../protocol/index.js';
import type { DeliveryStreamState } from './catalog.js';
import { compress } from './compression.js';
import { bucketOf, defaultExtension } from './destination.js';
import {
  HTTP_ERROR_OUTPUT_TYPE,
  errorRecords,
  newRequestId,
  postBatch,
  requestBatches,
  retryDelay,
} from './http-endpoint.js';
import { type ObjectStore, s3ErrorCode } from './object-store.js';
import { evaluatePrefix, keyLayout, objectName } from './prefix.js';
import type { S3DestinationDescription } from './shapes/index.js';
import type { BufferedRecord, RecordSource, SourcePosition } from './sources.js';

const MIB = 1024 * 1024;

/** What a worker reports (tests and metrics observe deliveries through it). */
export type DeliveryEvent =
  | { readonly type: 'buffered'; readonly stream: string; readonly records: number; readonly bytes: number }
  | {
      readonly type: 'delivered';
      readonly stream: string;
      readonly bucket: string;
      readonly key: string;
      readonly records: number;
      readonly bytes: number;
      /** Arrival of the object's oldest record, epoch ms. */
      readonly oldestArrivedAt: number;
      /** The copy in an Extended S3 destination's backup bucket (rule 7). */
      readonly backup?: true;
    }
  | {
      readonly type: 'posted';
      readonly stream: string;
      readonly url: string;
      readonly requestId: string;
      readonly records: number;
      readonly bytes: number;
      readonly attempts: number;
      /** Arrival of the batch's oldest record, epoch ms. */
      readonly oldestArrivedAt: number;
    }
  | {
      readonly type: 'retry';
      readonly stream: string;
      /** The destination the failed attempt wrote to. */
      readonly destination: 'S3' | 'HttpEndpoint';
      readonly attempt: number;
      /** The records and bytes of the failed attempt. */
      readonly records: number;
      readonly bytes: number;
      /** The attempt wrote an Extended S3 destination's backup copy (rule 7). */
      readonly backup?: true;
      readonly error: string;
      /** For an S3 write the server refused: `S3.<S3 error code>` (object-store.ts, `s3ErrorCode`). */
      readonly errorCode?: string;
    }
  | {
      readonly type: 'discarded';
      readonly stream: string;
      readonly destination: 'S3' | 'HttpEndpoint';
      readonly records: number;
      readonly bytes: number;
      /** The discarded object was an Extended S3 destination's backup copy (rule 7). */
      readonly backup?: true;
      readonly error: string;
      readonly errorCode?: string;
    }
  | {
      /** An HTTP endpoint batch whose retry duration ran out (it goes to the S3 error output). */
      readonly type: 'failed';
      readonly stream: string;
      readonly destination: 'HttpEndpoint';
      readonly records: number;
      readonly bytes: number;
      readonly error: string;
    };

/** What a worker needs from its service. */
export interface DeliveryContext {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly objects: ObjectStore;
  /** Delays between S3 retries. */
  readonly retry: BackoffOptions;
  /** How long a failing object is retried before it is discarded, ms. */
  readonly retryWindowMs: number;
  state(id: string): DeliveryStreamState | undefined;
  /** `fencingToken`: the lease of the run, stamped on the source's checkpoint writes (a stale holder's are refused). */
  openSource(state: DeliveryStreamState, signal: AbortSignal, fencingToken: number): Promise<RecordSource>;
  /** Log offset up to which records are acknowledged now (DirectPut), for `flush`. */
  flushTarget(state: DeliveryStreamState): number | undefined;
  emit(event: DeliveryEvent): void;
}

interface FlushWaiter {
  readonly target: number | undefined;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/** Resolves when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/**
 * What a running worker holds (rule 1's buffer): records read from the source and not yet delivered and committed,
 * their bytes before compression, and when the first of them entered the buffer (the interval counts from it).
 */
export interface BufferFill {
  readonly records: number;
  readonly bytes: number;
  /** Epoch ms on the service clock; 0 when the buffer is empty. */
  readonly since: number;
}

const EMPTY_FILL: BufferFill = { records: 0, bytes: 0, since: 0 };

/** The worker (see this file's header). */
export class DeliveryWorker implements Worker {
  readonly name: string;
  readonly #id: string;
  readonly #ctx: DeliveryContext;
  /** Undefined while the worker does not run here (another node holds its lease, or it stopped). */
  #fill: BufferFill | undefined;
  #flushes: FlushWaiter[] = [];
  #wake: (() => void) | undefined;
  #woken = false;

  constructor(name: string, id: string, ctx: DeliveryContext) {
    this.name = name;
    this.#id = id;
    this.#ctx = ctx;
  }

  /** Makes the worker look at its configuration and flush requests again now. */
  wake(): void {
    this.#woken = true;
    this.#wake?.();
  }

  /** Rule 5. */
  flush(): Promise<void> {
    const state = this.#ctx.state(this.#id);
    if (!state) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#flushes.push({ target: this.#ctx.flushTarget(state), resolve, reject });
      this.wake();
    });
  }

  /**
   * The buffer now, while this node runs the worker; undefined otherwise. Records being delivered count until their
   * objects are written and the source position committed (rule 3): they are not delivered before that.
   */
  bufferFill(): BufferFill | undefined {
    return this.#fill;
  }

  /** Fails pending flushes (the worker stopped for good). */
  abandon(err: unknown): void {
    for (const f of this.#flushes.splice(0)) f.reject(err);
  }

  async run(signal: AbortSignal, tenure: WorkerTenure): Promise<void> {
    const first = this.#ctx.state(this.#id);
    if (!first) return aborted(signal);
    const source = await this.#ctx.openSource(first, signal, tenure.fencingToken);
    this.#fill = EMPTY_FILL;
    try {
      await this.#loop(source, signal);
    } finally {
      this.#fill = undefined;
      source.close();
    }
  }

  async #loop(source: RecordSource, signal: AbortSignal): Promise<void> {
    const { clock } = this.#ctx;
    let buffer: BufferedRecord[] = [];
    let bytes = 0;
    let firstAt = 0;
    let position: SourcePosition | undefined;
    let pending: Promise<{ kind: 'batch'; batch: Awaited<ReturnType<RecordSource['next']>> }> | undefined;
    while (!signal.aborted) {
      const state = this.#ctx.state(this.#id);
      if (state?.status !== 'ACTIVE') {
        await aborted(signal);
        break;
      }
      const hints = state.destination.http?.description.BufferingHints ?? state.destination.s3.BufferingHints;
      const sizeBytes = (hints.SizeInMBs ?? 5) * MIB;
      const intervalMs = (hints.IntervalInSeconds ?? 300) * 1000;
      const flushing = this.#flushes.length > 0 && this.#flushes.every((f) => source.reached(f.target));
      if (
        buffer.length > 0 &&
        (flushing || intervalMs === 0 || bytes >= sizeBytes || clock.now() - firstAt >= intervalMs)
      ) {
        const records = buffer;
        buffer = [];
        bytes = 0;
        await this.#deliver(state, records, sizeBytes, signal);
        if (signal.aborted) break;
        await source.commit(position!, records[records.length - 1]!.arrivedAt);
        this.#fill = EMPTY_FILL;
        this.#settleFlushes(source);
        continue;
      }
      if (flushing) {
        this.#settleFlushes(source);
        continue;
      }
      pending ??= source.next(signal).then((batch) => ({ kind: 'batch' as const, batch }));
      this.#woken = false;
      const woke = new Promise<{ kind: 'wake' }>((resolve) => {
        this.#wake = () => resolve({ kind: 'wake' });
        if (this.#woken) resolve({ kind: 'wake' });
      });
      let timer: unknown;
      const due =
        buffer.length > 0
          ? new Promise<{ kind: 'due' }>((resolve) => {
              timer = clock.setTimeout(() => resolve({ kind: 'due' }), firstAt + intervalMs - clock.now());
            })
          : undefined;
      // Not Promise.race with a promise settled at the abort: its reactions would keep every batch until then
      // (src/jobs/abort.ts).
      const event = await unlessAborted(Promise.race([pending, woke, ...(due ? [due] : [])]), signal);
      this.#wake = undefined;
      if (timer !== undefined) clock.clearTimeout(timer);
      if (event === ABORTED || event.kind !== 'batch') continue;
      pending = undefined;
      const batch = event.batch;
      if (!batch) continue;
      if (buffer.length === 0) firstAt = clock.now();
      let added = 0;
      for (const r of batch.records) {
        buffer.push(r);
        added += r.data.length;
      }
      bytes += added;
      position = batch.position;
      if (batch.records.length > 0) this.#fill = { records: buffer.length, bytes, since: firstAt };
      if (batch.records.length > 0)
        this.#ctx.emit({ type: 'buffered', stream: state.name, records: batch.records.length, bytes: added });
      else if (buffer.length === 0) {
        // Nothing buffered, but the position moved (a drained parent shard): keep it.
        await source.commit(position, clock.now());
      }
    }
  }

  #settleFlushes(source: RecordSource): void {
    const keep: FlushWaiter[] = [];
    for (const f of this.#flushes) {
      if (source.reached(f.target)) f.resolve();
      else keep.push(f);
    }
    this.#flushes = keep;
  }

  /** Rules 1–4: builds the objects of one flush and writes them. */
  async #deliver(
    state: DeliveryStreamState,
    records: readonly BufferedRecord[],
    sizeBytes: number,
    signal: AbortSignal,
  ): Promise<void> {
    if (state.destination.http) return this.#deliverHttp(state, records, signal);
    let start = 0;
    while (start < records.length) {
      let end = start;
      let size = 0;
      do {
        size += records[end]!.data.length;
        end++;
      } while (end < records.length && size + records[end]!.data.length <= sizeBytes);
      const batch = records.slice(start, end);
      await this.#writeObject(state, batch, size, signal);
      if (signal.aborted) return;
      const s3 = state.destination.s3;
      if (s3.S3BackupMode === 'Enabled' && s3.S3BackupDescription) {
        await this.#writeObject(state, batch, size, signal, undefined, s3.S3BackupDescription);
        if (signal.aborted) return;
      }
      start = end;
    }
  }

  /** Rules 4–5 of src/firehose/http-endpoint.ts: one request per batch, retried; AllData and failures to S3. */
  async #deliverHttp(
    state: DeliveryStreamState,
    records: readonly BufferedRecord[],
    signal: AbortSignal,
  ): Promise<void> {
    const { clock, logger } = this.#ctx;
    const sizeMb = state.destination.http?.description.BufferingHints?.SizeInMBs ?? 5;
    for (const batch of requestBatches(records, sizeMb)) {
      const size = batch.reduce((a, r) => a + r.data.length, 0);
      const first = this.#ctx.state(this.#id) ?? state;
      if (first.destination.http?.description.S3BackupMode === 'AllData') {
        await this.#writeObject(first, batch, size, signal);
        if (signal.aborted) return;
      }
      const requestId = newRequestId();
      const started = clock.now();
      for (let attempt = 1; ; attempt++) {
        const current = this.#ctx.state(this.#id) ?? state;
        const http = current.destination.http;
        if (!http) return;
        const result = await postBatch(current, http, batch, requestId, clock, signal);
        if (signal.aborted) return;
        const url = http.description.EndpointConfiguration?.Url ?? '';
        if (result.kind === 'ok') {
          this.#ctx.emit({
            type: 'posted',
            stream: current.name,
            url,
            requestId,
            records: batch.length,
            bytes: size,
            attempts: attempt,
            oldestArrivedAt: batch[0]!.arrivedAt,
          });
          break;
        }
        if (result.kind === 'permanent') {
          logger.error(
            { deliveryStream: current.name, url, requestId, records: batch.length, error: result.message },
            'HTTP endpoint refused the request for good; data not delivered',
          );
          this.#ctx.emit({
            type: 'discarded',
            stream: current.name,
            destination: 'HttpEndpoint',
            records: batch.length,
            bytes: size,
            error: result.message,
          });
          break;
        }
        const delay = retryDelay(attempt);
        const windowMs = (http.description.RetryOptions?.DurationInSeconds ?? 300) * 1000;
        if (clock.now() + delay - started > windowMs) {
          logger.warn(
            { deliveryStream: current.name, url, requestId, attempts: attempt, error: result.message },
            'HTTP endpoint delivery failed for the whole retry duration; batch written to the S3 error output',
          );
          this.#ctx.emit({
            type: 'failed',
            stream: current.name,
            destination: 'HttpEndpoint',
            records: batch.length,
            bytes: size,
            error: result.message,
          });
          const body = errorRecords(batch, requestId, attempt, result.message, clock.now());
          await this.#writeObject(current, batch, size, signal, { errorType: HTTP_ERROR_OUTPUT_TYPE, body });
          break;
        }
        this.#ctx.emit({
          type: 'retry',
          stream: current.name,
          destination: 'HttpEndpoint',
          attempt,
          records: batch.length,
          bytes: size,
          error: result.message,
        });
        await this.#sleep(delay, signal);
        if (signal.aborted) return;
      }
    }
  }

  async #writeObject(
    state: DeliveryStreamState,
    records: readonly BufferedRecord[],
    size: number,
    signal: AbortSignal,
    error?: { readonly errorType: string; readonly body: Buffer },
    backup?: S3DestinationDescription,
  ): Promise<void> {
    const main = backup ? undefined : state.destination.s3;
    const s3 = backup ?? state.destination.s3;
    const timeZone = main?.CustomTimeZone;
    const layout = keyLayout(s3.Prefix, s3.ErrorOutputPrefix);
    const oldest = records[0]!.arrivedAt;
    const format = s3.CompressionFormat;
    const extension = main?.FileExtension ?? defaultExtension(format);
    const name = objectName(state.name, state.versionId, oldest, timeZone, extension);
    const key = error
      ? evaluatePrefix(layout.errorPrefix, oldest, timeZone, error.errorType) + name
      : evaluatePrefix(layout.prefix, oldest, timeZone) + name;
    const copy = backup ? { backup: true as const } : {};
    const bucket = bucketOf(s3.BucketARN);
    const body = compress(
      format,
      error ? error.body : Buffer.concat(records.map((r) => r.data)),
      extension ? name.slice(0, -extension.length) : name,
    );
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#ctx.objects.put(bucket, key, body);
        this.#ctx.emit({
          type: 'delivered',
          stream: state.name,
          bucket,
          key,
          records: records.length,
          bytes: size,
          oldestArrivedAt: oldest,
          ...copy,
        });
        return;
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        const code = s3ErrorCode(err);
        const errorCode = code !== undefined ? { errorCode: code } : {};
        if (this.#ctx.clock.now() - oldest >= this.#ctx.retryWindowMs) {
          this.#ctx.logger.error(
            { err, errorCode: code, deliveryStream: state.name, bucket, key, records: records.length },
            'S3 delivery failed until the retention period ended; data discarded',
          );
          this.#ctx.emit({
            type: 'discarded',
            stream: state.name,
            destination: 'S3',
            records: records.length,
            bytes: size,
            error,
            ...errorCode,
            ...copy,
          });
          return;
        }
        this.#ctx.logger.warn(
          { err, errorCode: code, deliveryStream: state.name, bucket, key, attempt },
          'S3 delivery failed; retrying',
        );
        this.#ctx.emit({
          type: 'retry',
          stream: state.name,
          destination: 'S3',
          attempt,
          records: records.length,
          bytes: size,
          error,
          ...errorCode,
          ...copy,
        });
        await this.#sleep(backoffDelay(attempt, this.#ctx.retry), signal);
        if (signal.aborted) return;
      }
    }
  }

  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    const { clock } = this.#ctx;
    return new Promise((resolve) => {
      const handle = clock.setTimeout(done, ms);
      function done(): void {
        clock.clearTimeout(handle);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
