/**
 * The shared state of the Firehose service that operations and workers use: the catalogue, the durable buffers
 * of DirectPut streams, the delivery workers and the settings.
 */
import { createHash } from 'node:crypto';
import type { BackoffOptions, Clock, Scheduler, WorkerHost } from '../jobs/index.js';
import type { Logger } from '../protocol/index.js';
import type { LogStore, MetaStore, ShardLog } from '../storage/index.js';
import type { StreamsApi } from '../streams/index.js';
import type { DeliveryStreamCatalog, DeliveryStreamState } from './catalog.js';
import { type BufferFill, DeliveryWorker, type DeliveryEvent } from './delivery.js';
import { deliveryStreamNotFound, firehoseError, slowDown } from './errors.js';
import { FirehoseMetrics } from './metrics.js';
import type { ObjectStore } from './object-store.js';
import { type PutLimits, PutLimiter } from './put-limits.js';
import {
  dropHolds,
  type IncomingOptions,
  type IncomingReader,
  openKinesisIncoming,
  openLogIncoming,
  trimBefore,
} from './incoming.js';
import {
  AppendNotifier,
  checkpointKey,
  openKinesisSource,
  openLogSource,
  undeliveredBytes,
  type RecordSource,
} from './sources.js';

/** Settings of the service (server flags). */
export interface FirehoseSettings {
  /** How long a new delivery stream stays CREATING, ms. */
  readonly createMs: number;
  /** How long a deleted delivery stream stays DELETING, ms. */
  readonly deleteMs: number;
  /** Undelivered DirectPut bytes (all streams) above which puts answer ServiceUnavailableException. */
  readonly bufferCapBytes: number;
  /** Delivery streams per account and region (LimitExceededException above). */
  readonly streamLimit: number;
  /** How long encryption stays ENABLING / DISABLING, ms. */
  readonly sseMs: number;
  /** Start/StopDeliveryStreamEncryption calls per delivery stream per 24 hours (LimitExceededException above); 0 = no limit. */
  readonly sseCallsPerDay: number;
  /** DirectPut quotas per delivery stream (src/firehose/put-limits.ts); all 0 = off. */
  readonly putLimits: PutLimits;
  readonly retry: BackoffOptions;
  readonly retryWindowMs: number;
}

/** Scheduler timer kind of the status transitions (keyed by incarnation id). */
export const STATUS_TIMER = 'firehose.status';
/** Scheduler timer kind of the encryption transitions ENABLING → ENABLED, DISABLING → DISABLED (keyed by incarnation id). */
export const SSE_TIMER = 'firehose.sse';

export interface RuntimeParts {
  readonly catalog: DeliveryStreamCatalog;
  readonly logs: LogStore;
  readonly meta: MetaStore;
  readonly settings: FirehoseSettings;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly host: WorkerHost;
  readonly objects: ObjectStore;
  readonly logger: Logger;
  readonly streams: StreamsApi | undefined;
  readonly onEvent: ((event: DeliveryEvent) => void) | undefined;
}

function logId(id: string): string {
  return `firehose-${id}`;
}

/** The service's shared state (see this file's header). */
export class FirehoseRuntime {
  readonly catalog: DeliveryStreamCatalog;
  readonly settings: FirehoseSettings;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly streams: StreamsApi | undefined;
  /** AWS/Firehose metrics of every stream (src/firehose/metrics.ts). */
  readonly metrics: FirehoseMetrics;
  readonly #limiter: PutLimiter;
  readonly #parts: RuntimeParts;
  readonly #workers = new Map<string, DeliveryWorker>();
  readonly #notifiers = new Map<string, AppendNotifier>();
  /** Undelivered DirectPut bytes by stream id. */
  readonly #pending = new Map<string, number>();

  constructor(parts: RuntimeParts) {
    this.#parts = parts;
    this.catalog = parts.catalog;
    this.settings = parts.settings;
    this.clock = parts.clock;
    this.logger = parts.logger;
    this.streams = parts.streams;
    this.metrics = new FirehoseMetrics(() => parts.clock.now(), parts.settings.putLimits);
    this.#limiter = new PutLimiter(parts.settings.putLimits);
  }

  now(): number {
    return this.clock.now();
  }

  /** The log of a DirectPut stream. */
  log(state: DeliveryStreamState): Promise<ShardLog> {
    return this.#parts.logs.open(logId(state.id));
  }

  /** Start-up: counts what every DirectPut stream still has to deliver. */
  async loadPending(): Promise<void> {
    for (const state of this.catalog.all()) {
      if (state.type !== 'DirectPut') continue;
      this.#pending.set(state.id, await undeliveredBytes(await this.log(state), this.#parts.meta, state.id));
    }
  }

  #notifier(id: string): AppendNotifier {
    let n = this.#notifiers.get(id);
    if (!n) {
      n = new AppendNotifier();
      this.#notifiers.set(id, n);
    }
    return n;
  }

  readonly #ids = new Map<string, RecordIds>();

  #recordIds(id: string): RecordIds {
    let ids = this.#ids.get(id);
    if (!ids) {
      ids = new RecordIds(id);
      this.#ids.set(id, ids);
    }
    return ids;
  }

  #undelivered(): number {
    let total = 0;
    for (const v of this.#pending.values()) total += v;
    return total;
  }

  /**
   * The stream's put limits (src/firehose/put-limits.ts): how many leading `records` of a call fit; the others
   * count as ThrottledRecords.
   */
  admitted(state: DeliveryStreamState, records: readonly Uint8Array[]): number {
    if (!this.#limiter.enabled) return records.length;
    const n = this.#limiter.take(state.id, this.now(), records);
    if (n < records.length) this.metrics.throttled(state.accountId, state.region, state.name, records.length - n);
    return n;
  }

  /**
   * Appends records to a DirectPut stream's durable buffer; resolves with their record ids once durable
   * (PutRecord and PutRecordBatch API references: a record id is returned for each record put).
   */
  async append(
    state: DeliveryStreamState,
    records: readonly Uint8Array[],
    operation: 'PutRecord' | 'PutRecordBatch',
    arrivedAt: number = this.now(),
  ): Promise<string[]> {
    let bytes = 0;
    for (const r of records) bytes += r.length;
    if (this.#undelivered() + bytes > this.settings.bufferCapBytes) throw slowDown();
    const log = await this.log(state);
    this.#pending.set(state.id, (this.#pending.get(state.id) ?? 0) + bytes);
    let first: number;
    try {
      ({ firstOffset: first } = await log.append(
        records.map((value) => ({ key: '', value })),
        this.now(),
      ));
    } catch (err) {
      this.#pending.set(state.id, (this.#pending.get(state.id) ?? bytes) - bytes);
      throw err;
    }
    this.#notifier(state.id).notify();
    this.metrics.put(
      state.accountId,
      state.region,
      state.name,
      operation,
      records.length,
      bytes,
      this.now() - arrivedAt,
    );
    const ids = this.#recordIds(state.id);
    const out = new Array<string>(records.length);
    for (let i = 0; i < records.length; i++) out[i] = ids.id(first + i);
    return out;
  }

  /** The buffer of the stream's delivery worker while it runs on this node (src/firehose/delivery.ts). */
  bufferFill(id: string): BufferFill | undefined {
    return this.#workers.get(id)?.bufferFill();
  }

  /** Starts the delivery worker of an ACTIVE stream (idempotent). */
  startWorker(state: DeliveryStreamState): void {
    if (this.#workers.has(state.id)) {
      this.#workers.get(state.id)!.wake();
      return;
    }
    const worker = new DeliveryWorker(`firehose/delivery/${state.accountId}/${state.region}/${state.name}`, state.id, {
      clock: this.clock,
      logger: this.logger,
      objects: this.#parts.objects,
      retry: this.settings.retry,
      retryWindowMs: this.settings.retryWindowMs,
      state: (id) => this.catalog.getById(id),
      openSource: (s, signal, fencingToken) => this.#openSource(s, signal, fencingToken),
      flushTarget: (s) => (s.type === 'DirectPut' ? this.#logNext.get(s.id) : undefined),
      emit: (event) => {
        const http = this.catalog.getById(state.id)?.destination.kind === 'httpEndpoint';
        this.metrics.delivery(state.accountId, state.region, event, http);
        this.#parts.onEvent?.(event);
      },
    });
    this.#workers.set(state.id, worker);
    this.#parts.host.add(worker);
  }

  /** Last known `nextOffset` of each DirectPut log (flush targets). */
  readonly #logNext = new Map<string, number>();

  async #openSource(state: DeliveryStreamState, signal: AbortSignal, fencingToken: number): Promise<RecordSource> {
    if (state.type === 'KinesisStreamAsSource') {
      if (!this.streams || !state.kinesisSource)
        throw new Error(`delivery stream ${state.name}: no Kinesis stream to read`);
      return openKinesisSource(
        this.streams,
        state.kinesisSource.streamArn,
        this.#parts.meta,
        state.id,
        signal,
        (records, bytes, millisBehindLatest) =>
          this.metrics.kinesisRead(state.accountId, state.region, state.name, records, bytes, millisBehindLatest),
        fencingToken,
      );
    }
    const log = await this.log(state);
    return openLogSource(
      log,
      this.#parts.meta,
      state.id,
      this.#notifier(state.id),
      (bytes) => this.#pending.set(state.id, Math.max(0, (this.#pending.get(state.id) ?? 0) - bytes)),
      (deliveredUpTo) => trimBefore(this.#parts.meta, state.id, deliveredUpTo, this.now()),
      fencingToken,
    );
  }

  /** A reader of what a delivery stream receives (incoming.ts). */
  async incoming(state: DeliveryStreamState, options: IncomingOptions): Promise<IncomingReader> {
    if (state.type === 'KinesisStreamAsSource') {
      if (!this.streams || !state.kinesisSource)
        throw new Error(`delivery stream ${state.name}: no Kinesis stream to read`);
      return openKinesisIncoming(this.streams, state.kinesisSource.streamArn, options);
    }
    const id = state.id;
    const check = (): void => {
      if (!this.catalog.getById(id)) throw deliveryStreamNotFound(state.name, state.accountId);
    };
    return openLogIncoming(await this.log(state), this.#parts.meta, id, this.#notifier(id), check, this.now(), options);
  }

  /** Wakes a stream's worker (its configuration changed). */
  wake(id: string): void {
    this.#workers.get(id)?.wake();
  }

  /** Delivers everything the stream acknowledged so far (delivery.ts rule 5). */
  async flush(state: DeliveryStreamState): Promise<void> {
    const worker = this.#workers.get(state.id);
    if (!worker) return;
    if (state.type === 'DirectPut') this.#logNext.set(state.id, (await this.log(state)).nextOffset);
    await worker.flush();
  }

  /** Stops a stream's worker and waits for it. */
  async stopWorker(id: string): Promise<void> {
    const worker = this.#workers.get(id);
    if (!worker) return;
    this.#workers.delete(id);
    await this.#parts.host.remove(worker.name);
    worker.abandon(firehoseError('ResourceNotFoundException', 'The delivery stream is being deleted.'));
  }

  /** The end of DELETING: the state, the buffer and the checkpoint go. */
  async purge(id: string): Promise<void> {
    const state = this.catalog.getById(id);
    if (state) this.metrics.remove(state.accountId, state.region, state.name);
    await this.stopWorker(id);
    await this.catalog.remove(id);
    await this.#parts.logs.delete(logId(id));
    await this.#parts.meta.delete(checkpointKey(id));
    await dropHolds(this.#parts.meta, id);
    this.#pending.delete(id);
    // Incoming readers waiting for records look again and find the stream gone.
    this.#notifiers.get(id)?.notify();
    this.#notifiers.delete(id);
    this.#logNext.delete(id);
    this.#ids.delete(id);
    this.#limiter.forget(id);
  }

  /** Arms the end of a transitional status. */
  schedule(state: DeliveryStreamState): Promise<void> {
    return this.#parts.scheduler.at(STATUS_TIMER, state.id, state.transitionAt ?? this.now());
  }

  /** Arms the end of an encryption transition (ENABLING / DISABLING). */
  scheduleEncryption(state: DeliveryStreamState): Promise<void> {
    return this.#parts.scheduler.at(SSE_TIMER, state.id, state.encryption.transitionAt ?? this.now());
  }

  async close(): Promise<void> {
    for (const id of [...this.#workers.keys()]) await this.stopWorker(id);
  }
}

/**
 * Record ids of one stream incarnation: opaque, unique per incarnation and record (PutRecord API reference:
 * "The ID of the record"). 48 bytes as base64: 39 bytes derived once from the incarnation id, then one more such
 * byte and the record's log offset (big-endian u64). The constant part is base64 text made once (39 bytes = 52
 * characters, a whole number of base64 groups), so a record costs one 9-byte encode instead of two SHA-256 digests.
 */
class RecordIds {
  readonly #prefix: string;
  readonly #tail = Buffer.alloc(9);

  constructor(streamId: string) {
    const digest = createHash('sha512').update(streamId).digest();
    this.#prefix = digest.subarray(0, 39).toString('base64');
    this.#tail[0] = digest[39]!;
  }

  /** The id of the record at log offset `offset`. */
  id(offset: number): string {
    const tail = this.#tail;
    const high = Math.floor(offset / 0x1_0000_0000);
    tail.writeUInt32BE(high, 1);
    tail.writeUInt32BE(offset - high * 0x1_0000_0000, 5);
    return this.#prefix + tail.toString('base64');
  }
}
