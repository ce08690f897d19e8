/**
 * Read-ahead for consumers that follow their NextShardIterator (docs/adr/0032-getrecords-read-ahead.md).
 *
 * A GetRecords consumer that is behind the tip asks for the next batch as soon as it has handled the last one,
 * and it always asks from where that batch ended, with the same Limit. While it handles a full batch, the server
 * has nothing to do for it; this module uses that time to read the next batch (storage read, checksums, record
 * objects, decryption, sequence numbers) and, when the consumer's last answer was JSON, to make the batch's JSON
 * text too (src/streams/records-json.ts), so the next call only copies bytes.
 *
 * Rules, each of which keeps an answer equal to what a direct read would return:
 * 1. A batch is read ahead only after a full batch (Limit records) that did not reach the tip, from its `next`,
 *    with the same limits. Records are immutable, so what was read stays right.
 * 2. It is served only to a call from exactly that position with exactly those limits; any other call on the
 *    shard drops it. It is dropped, not served, when retention hid records at its position (then or since), and
 *    when it reached the tip of its time while records were appended since (a direct read would return more).
 * 3. End of shard and MillisBehindLatest are decided when the call is answered (`finishShardRead`), never when
 *    the batch was read.
 * 4. Memory is bounded: at most {@link MAX_SLOTS} batches are held (each at most GetRecords' 10 MiB / 10,000
 *    records, and its JSON text: about 4/3 of that plus ~200 bytes a record), one per shard, the oldest dropped
 *    first; a batch older than {@link SLOT_TTL_MS} is not served.
 */
import type { StreamState } from './catalog.js';
import type { PathContext } from './policies.js';
import {
  finishShardRead,
  readShardBatch,
  readShardBatchJson,
  type ShardBatch,
  type ShardRead,
  shardClosedNow,
  stillRetained,
} from './read-path.js';
import { prepareRecordsJson, recordsJsonOnly, recordsWrittenAsJson } from './records-json.js';
import type { KinesisRecord } from './read-path.js';
import type { ShardHandle } from './runtime.js';

/** Batches held at once (rule 4). */
export const MAX_SLOTS = 4;
/** A batch read ahead and not asked for within this time is not served (rule 4). */
export const SLOT_TTL_MS = 10_000;

interface Slot {
  readonly from: number;
  readonly maxRecords: number;
  readonly maxBytes: number;
  /** Epoch ms (runtime clock) when the read began. */
  readonly startedAt: number;
  /**
   * Settles with the batch and the log's end taken just before it was read, or with undefined when the read
   * failed (the call then reads directly).
   */
  readonly batch: Promise<{ batch: ShardBatch; tipBefore: number } | undefined>;
}

/** Counters for tests and the benchmark. */
export interface ReadAheadStats {
  /** Batches read ahead. */
  scheduled: number;
  /** Calls answered from a batch read ahead. */
  served: number;
  /** Batches dropped by rule 2 or 4. */
  dropped: number;
  /** Batches whose JSON text was made ahead too. */
  prepared: number;
}

/** One per Data Streams service; GetRecords reads through it. */
export class ReadAhead {
  readonly #slots = new Map<ShardHandle, Slot>();
  readonly #stats: ReadAheadStats = { scheduled: 0, served: 0, dropped: 0, prepared: 0 };
  #closed = false;

  /**
   * Reads `range` of a shard like `readShardRecords`, from a batch read ahead when rule 2 allows. `json`: the answer
   * is JSON text (a JSON 1.1 request), so the records may come as that text only (`readShardBatchJson`).
   */
  async read(
    ctx: PathContext,
    source: { stream: StreamState; handle: ShardHandle },
    range: { from: number; maxRecords: number; maxBytes: number },
    json = false,
  ): Promise<ShardRead> {
    const closed = shardClosedNow(ctx, source);
    let batch = await this.#take(ctx, source, range, json);
    if (batch === undefined && json) batch = await readShardBatchJson(ctx, source, range);
    batch ??= await readShardBatch(ctx, source, range);
    const read = finishShardRead(source.handle, batch, closed);
    // Rule 1.
    if (batch.records.length === range.maxRecords && !read.atTip) {
      this.#schedule(ctx, source, { ...range, from: read.next }, read.records);
    }
    return read;
  }

  stats(): ReadAheadStats {
    return { ...this.#stats };
  }

  /** Resolves once every batch being read ahead has been read (tests, diagnostics). */
  async idle(): Promise<void> {
    await Promise.all([...this.#slots.values()].map((slot) => slot.batch));
  }

  /** Drops every batch and schedules no more (the service is closing). */
  close(): void {
    this.#closed = true;
    this.#slots.clear();
  }

  /** Rule 2 and 4: the batch read ahead for exactly this call, if it may still be served. */
  async #take(
    ctx: PathContext,
    source: { stream: StreamState; handle: ShardHandle },
    range: { from: number; maxRecords: number; maxBytes: number },
    json: boolean,
  ): Promise<ShardBatch | undefined> {
    const slot = this.#slots.get(source.handle);
    if (slot === undefined) return undefined;
    this.#slots.delete(source.handle);
    const matches =
      slot.from === range.from &&
      slot.maxRecords === range.maxRecords &&
      slot.maxBytes === range.maxBytes &&
      ctx.rt.now() - slot.startedAt <= SLOT_TTL_MS;
    // Exact when it holds Limit records, or stopped by its limits (records were left before the end it saw),
    // or nothing was appended since it reached the end.
    const ahead = matches ? await slot.batch : undefined;
    const usable =
      ahead !== undefined &&
      ahead.batch.start === range.from &&
      (json || !recordsJsonOnly(ahead.batch.records)) &&
      (await stillRetained(ctx.rt, source, range.from)) &&
      (ahead.batch.records.length === range.maxRecords ||
        ahead.batch.next < ahead.tipBefore ||
        ahead.batch.next >= source.handle.log.nextOffset);
    if (!usable) {
      this.#stats.dropped++;
      return undefined;
    }
    this.#stats.served++;
    return ahead.batch;
  }

  #schedule(
    ctx: PathContext,
    source: { stream: StreamState; handle: ShardHandle },
    range: { from: number; maxRecords: number; maxBytes: number },
    previous: readonly KinesisRecord[],
  ): void {
    if (this.#closed) return;
    // Rule 4: one batch per shard, at most MAX_SLOTS in all, the oldest dropped first.
    this.#slots.delete(source.handle);
    while (this.#slots.size >= MAX_SLOTS) {
      const oldest = this.#slots.keys().next().value as ShardHandle;
      this.#slots.delete(oldest);
      this.#stats.dropped++;
    }
    this.#stats.scheduled++;
    // The read starts after the current answer has been encoded and written (setImmediate runs after I/O
    // callbacks), so it uses time the event loop would spend waiting for the consumer's next call.
    const batch = new Promise<{ batch: ShardBatch; tipBefore: number } | undefined>((resolve) => {
      setImmediate(() => {
        const tipBefore = source.handle.log.nextOffset;
        // The answer with `previous` has been encoded by now (it was, before this read began): a consumer
        // answered in JSON is answered in JSON again, and its next batch's text can be made while it waits,
        // straight from the log where it can be (rule 2 serves such a batch to a JSON request only).
        const json = recordsWrittenAsJson(previous);
        const read = async (): Promise<ShardBatch> => {
          const text = json ? await readShardBatchJson(ctx, source, range) : undefined;
          if (text !== undefined) return text;
          const b = await readShardBatch(ctx, source, range);
          if (json) prepareRecordsJson(b.records);
          return b;
        };
        read().then(
          (b) => {
            if (json) this.#stats.prepared++;
            resolve({ batch: b, tipBefore });
          },
          () => resolve(undefined),
        );
      });
    });
    this.#slots.set(source.handle, { ...range, startedAt: ctx.rt.now(), batch });
  }
}
