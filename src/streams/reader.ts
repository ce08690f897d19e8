/**
 * The in-process stream reader: a whole stream as one `AsyncIterable` of record batches, with an opaque
 * checkpoint to resume from (docs/adr/0010-stream-reader-and-checkpoints.md explains the choices).
 *
 * Rules:
 * 1. Every shard of the stream is read, shards created while the reader runs included.
 * 2. A shard is read only once all its parents were read to their end (AWS's resharding guidance, as the KCL
 *    applies it: "process all data from the parent shards before processing data from the child shards"), so
 *    the records of one partition key arrive in order and exactly once across splits and merges. A parent is at
 *    its end when it is closed and drained (resharding closes a shard only after every append to it settled).
 * 3. Shards take turns: one read of at most `maxRecords` / `maxBytes` per shard and pass.
 * 4. When no shard has records, the reader waits for the service's append signal (which also tells it that
 *    resharding closed a shard), with a fallback poll every `pollIntervalMs`; it never spins.
 * 5. It ends when closed or aborted; a deleted stream ends it with ResourceNotFoundException.
 * 6. Records past the stream's retention are skipped, as GetRecords skips them.
 * 7. Reads are in-process work of the server itself: they are not charged to the shard's GetRecords limits
 *    (the throughput gate), as enhanced fan-out reads are not either.
 *
 * Checkpoint (version 1): `base64url(JSON)` of
 * `{ v: 1, stream: <stream incarnation id>, start, pos: { <shard index>: <sequence number> }, done: [<shard index>] }`.
 * - `pos`: for each shard being read, the sequence number of the last record delivered (for a shard nothing
 *   was delivered from yet but whose position is fixed, as LATEST fixes it, the sequence number standing for
 *   that position: the record before it, or the shard's StartingSequenceNumber).
 * - `done`: shards read to their end. Ancestors of a shard in `pos` or `done` are finished too (rule 2) and are
 *   left out, so a checkpoint stays about as large as the set of open shards.
 * - `start`: where shards in neither list start: `{ type: 'TRIM_HORIZON' }` or `{ type: 'AT_TIMESTAMP', at }`.
 *
 * A checkpoint that is not one (bad encoding, unknown version, another stream incarnation, a shard or sequence
 * number that does not belong to the stream) is refused with InvalidArgumentException, as AWS refuses a bad
 * shard iterator.
 */
import { StreamStatus, type ShardState, type StreamState } from './catalog.js';
import { kinesisError, streamNotFound } from './errors.js';
import { KplFormatError, deaggregate, isAggregated } from './kpl/index.js';
import { decodeSequenceNumber } from './model/index.js';
import type { PathContext } from './policies.js';
import {
  GET_RECORDS_MAX_BYTES,
  GET_RECORDS_MAX_RECORDS,
  type KinesisRecord,
  millisBehindLatest,
  positionSequenceNumber,
  readShardRecords,
  resolveStartOffset,
} from './read-path.js';
import type { ShardHandle } from './runtime.js';

/** Where a new reader starts in every shard: a position type, a timestamp, or a checkpoint of an earlier reader. */
export type ReadStart = 'TRIM_HORIZON' | 'LATEST' | { readonly atTimestamp: Date } | { readonly checkpoint: string };

/** Options of {@link StreamReader}s. */
export interface ReaderOptions {
  /** Default `'TRIM_HORIZON'`. */
  readonly start: ReadStart;
  /**
   * Split records aggregated by the Kinesis Producer Library into their user records (src/streams/kpl), which
   * keep the carrier's sequence number and get a `subSequenceNumber`. Default false. A record that only looks
   * aggregated (bad checksum or malformed) is delivered as it is.
   */
  readonly deaggregate: boolean;
  /** Kinesis records per batch, 1–10,000 (before de-aggregation). Default 10,000. */
  readonly maxRecords: number;
  /** Data + partition key bytes per batch (a batch always holds at least one record). Default 10 MiB. */
  readonly maxBytes: number;
  /** Fallback poll while idle, in ms (appends wake the reader at once). Default 1,000. */
  readonly pollIntervalMs: number;
  /** Aborting ends the reader like {@link StreamReader.close}. */
  readonly signal: AbortSignal;
}

/** One record in domain form. */
export interface StreamRecord {
  readonly shardId: string;
  readonly sequenceNumber: string;
  /** Position within a KPL aggregate (de-aggregated records only). */
  readonly subSequenceNumber?: number;
  readonly partitionKey: string;
  /** The explicit hash key a KPL user record carried. */
  readonly explicitHashKey?: string;
  /** The plaintext (records of encrypted streams are decrypted). */
  readonly data: Uint8Array;
  /** When the stream accepted the record (ApproximateArrivalTimestamp). */
  readonly arrivedAt: Date;
  /** `'KMS'` when the record was stored encrypted. */
  readonly encryptionType?: 'KMS';
}

/** Records read from one shard in one go. */
export interface RecordBatch {
  readonly shardId: string;
  readonly records: readonly StreamRecord[];
  /** Resumes right after this batch's last record (and everything delivered before it). */
  readonly checkpoint: string;
  /** 0 when the batch reached the shard's newest record, else how far its last record lags behind now. */
  readonly millisBehindLatest: number;
}

/** A whole-stream reader: iterate it (once) with `for await`; keep {@link checkpoint} to resume later. */
export interface StreamReader extends AsyncIterable<RecordBatch> {
  /** Resumes right after the last record delivered so far. */
  readonly checkpoint: string;
  /** Ends the iteration (a pending `next()` resolves done); idempotent. */
  close(): void;
}

/** A reader as the service holds it: it can be woken (stream deleted) and tells when it closes. */
export interface HostedStreamReader extends StreamReader {
  /** The incarnation id of the stream read. */
  readonly streamId: string;
  /** Makes an idle reader look at the stream again now. */
  wake(): void;
  /** Runs `f` once the reader is closed (at once when it already is). */
  onClose(f: () => void): void;
}

const CHECKPOINT_VERSION = 1;
const DEFAULT_POLL_MS = 1_000;

type StoredStart = { readonly type: 'TRIM_HORIZON' } | { readonly type: 'AT_TIMESTAMP'; readonly at: number };

interface CheckpointV1 {
  readonly v: 1;
  readonly stream: string;
  readonly start: StoredStart;
  readonly pos: Readonly<Record<string, string>>;
  readonly done: readonly number[];
}

/** Reading state of one shard. */
interface Cursor {
  readonly shard: ShardState;
  /** Next log offset to read; undefined until the shard is first read. */
  next: number | undefined;
  /** Sequence number standing for the position (last record delivered); undefined while nothing fixed it. */
  last: string | undefined;
  done: boolean;
}

function invalidCheckpoint(reason: string): Error {
  return kinesisError('InvalidArgumentException', `Invalid checkpoint: ${reason}.`);
}

/** Parses a checkpoint's envelope (rule: "Checkpoint" in this file's header); the stream checks come later. */
function decodeCheckpoint(text: string): CheckpointV1 {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalidCheckpoint('not a stream reader checkpoint');
  }
  const c = parsed as Partial<CheckpointV1> | null;
  if (typeof c !== 'object' || c === null) throw invalidCheckpoint('not a stream reader checkpoint');
  if (c.v !== CHECKPOINT_VERSION) throw invalidCheckpoint(`unsupported version ${String(c.v)}`);
  const start = c.start as Partial<{ type: string; at: unknown }> | undefined;
  const startOk = start?.type === 'TRIM_HORIZON' || (start?.type === 'AT_TIMESTAMP' && Number.isSafeInteger(start.at));
  const posOk =
    typeof c.pos === 'object' &&
    c.pos !== null &&
    Object.entries(c.pos).every(([k, v]) => /^\d{1,10}$/.test(k) && typeof v === 'string');
  const doneOk = Array.isArray(c.done) && c.done.every((i) => Number.isSafeInteger(i) && i >= 0);
  if (typeof c.stream !== 'string' || !startOk || !posOk || !doneOk) throw invalidCheckpoint('malformed');
  return c as CheckpointV1;
}

/** Opens a reader on `stream` (validating options and checkpoint first). */
export async function openStreamReader(
  ctx: PathContext,
  stream: StreamState,
  options: Partial<ReaderOptions> = {},
): Promise<HostedStreamReader> {
  const maxRecords = options.maxRecords ?? GET_RECORDS_MAX_RECORDS;
  if (!Number.isSafeInteger(maxRecords) || maxRecords < 1 || maxRecords > GET_RECORDS_MAX_RECORDS) {
    throw kinesisError('InvalidArgumentException', `maxRecords must be an integer in [1, ${GET_RECORDS_MAX_RECORDS}].`);
  }
  const maxBytes = options.maxBytes ?? GET_RECORDS_MAX_BYTES;
  if (!(maxBytes >= 1)) throw kinesisError('InvalidArgumentException', 'maxBytes must be at least 1.');
  const reader = new StreamReaderImpl(ctx, stream, {
    deaggregate: options.deaggregate ?? false,
    maxRecords,
    maxBytes,
    pollIntervalMs: options.pollIntervalMs ?? DEFAULT_POLL_MS,
  });
  await reader.start(options.start ?? 'TRIM_HORIZON');
  const signal = options.signal;
  if (signal) {
    if (signal.aborted) reader.close();
    else {
      const onAbort = (): void => reader.close();
      signal.addEventListener('abort', onAbort, { once: true });
      reader.onClose(() => signal.removeEventListener('abort', onAbort));
    }
  }
  return reader;
}

class StreamReaderImpl implements HostedStreamReader {
  readonly #ctx: PathContext;
  /** The stream as last seen (states are replaced on every change: {@link #stream} reads the current one). */
  #seen: StreamState;
  readonly #settings: Pick<ReaderOptions, 'deaggregate' | 'maxRecords' | 'maxBytes' | 'pollIntervalMs'>;
  readonly #cursors = new Map<number, Cursor>();
  #start: StoredStart = { type: 'TRIM_HORIZON' };
  #closed = false;
  /** An append (or shard close) on the stream since the last pass began. */
  #pending = false;
  #wake: (() => void) | undefined;
  #iterator: AsyncGenerator<RecordBatch> | undefined;
  readonly #onClose: Array<() => void> = [];

  constructor(
    ctx: PathContext,
    stream: StreamState,
    settings: Pick<ReaderOptions, 'deaggregate' | 'maxRecords' | 'maxBytes' | 'pollIntervalMs'>,
  ) {
    this.#ctx = ctx;
    this.#seen = stream;
    this.#settings = settings;
    const unsubscribe = ctx.policies.appends.subscribe((s) => {
      if (s.id === stream.id) this.#notify();
    });
    this.#onClose.push(unsubscribe);
  }

  /** The stream's current state (its last seen one once it is gone). */
  get #stream(): StreamState {
    const current = this.#ctx.rt.catalog.getById(this.#seen.id);
    if (current) this.#seen = current;
    return this.#seen;
  }

  /** Fixes the starting positions (LATEST: every existing shard's end now) or restores a checkpoint. */
  async start(start: ReadStart): Promise<void> {
    const { rt } = this.#ctx;
    const stream = this.#stream;
    try {
      if (start === 'TRIM_HORIZON') return;
      if (start === 'LATEST') {
        for (const shard of stream.shards) {
          const handle = await rt.shardHandle(stream, shard);
          const cursor = this.#cursor(shard);
          cursor.next = handle.log.nextOffset;
          cursor.last = await positionSequenceNumber(rt, { shard, handle }, cursor.next);
        }
        return;
      }
      if ('atTimestamp' in start) {
        const at = start.atTimestamp.getTime();
        if (!Number.isFinite(at) || at > rt.now()) {
          throw kinesisError('InvalidArgumentException', 'atTimestamp must be a valid time no later than now.');
        }
        this.#start = { type: 'AT_TIMESTAMP', at };
        return;
      }
      this.#restore(decodeCheckpoint(start.checkpoint));
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** Applies a decoded checkpoint: positions are checked when each shard is first read. */
  #restore(checkpoint: CheckpointV1): void {
    const stream = this.#stream;
    if (checkpoint.stream !== stream.id) throw invalidCheckpoint(`it belongs to another stream than ${stream.name}`);
    this.#start = checkpoint.start;
    const known = (index: number): ShardState => {
      const shard = this.#ctx.rt.shard(stream, index);
      if (!shard) throw invalidCheckpoint(`stream ${stream.name} has no shard with index ${index}`);
      return shard;
    };
    for (const [key, sequenceNumber] of Object.entries(checkpoint.pos)) {
      const shard = known(Number(key));
      const parts = decodeSequenceNumber(sequenceNumber);
      if (
        !parts ||
        parts.shardIndex !== shard.index ||
        parts.shardCreatedSeconds !== Math.floor(shard.createdAt / 1000)
      ) {
        throw invalidCheckpoint(`sequence number ${sequenceNumber} does not belong to ${shard.shardId}`);
      }
      this.#cursor(shard).last = sequenceNumber;
      this.#finishAncestors(shard);
    }
    for (const index of checkpoint.done) {
      const shard = known(index);
      if (shard.closedAt === undefined) throw invalidCheckpoint(`${shard.shardId} is open, it cannot be finished`);
      this.#cursor(shard).done = true;
      this.#finishAncestors(shard);
    }
  }

  /** Rule 2: a shard was read from, so its parents (and theirs) were read to their end. */
  #finishAncestors(shard: ShardState): void {
    for (const parentId of [shard.parentShardId, shard.adjacentParentShardId]) {
      const parent = parentId === undefined ? undefined : this.#stream.shards.find((s) => s.shardId === parentId);
      if (!parent) continue;
      const cursor = this.#cursor(parent);
      if (cursor.done) continue;
      cursor.done = true;
      this.#finishAncestors(parent);
    }
  }

  #cursor(shard: ShardState): Cursor {
    let cursor = this.#cursors.get(shard.index);
    if (!cursor) this.#cursors.set(shard.index, (cursor = { shard, next: undefined, last: undefined, done: false }));
    return cursor;
  }

  get checkpoint(): string {
    const pos: Record<string, string> = {};
    const done: number[] = [];
    // Shards whose state implies their ancestors' (left out: see the header).
    const reached = new Set<string>();
    for (const c of this.#cursors.values()) if (c.done || c.last !== undefined) reached.add(c.shard.shardId);
    const hasReachedChild = (shard: ShardState): boolean =>
      this.#stream.shards.some(
        (s) =>
          (s.parentShardId === shard.shardId || s.adjacentParentShardId === shard.shardId) && reached.has(s.shardId),
      );
    for (const c of this.#cursors.values()) {
      if (c.done) {
        if (!hasReachedChild(c.shard)) done.push(c.shard.index);
      } else if (c.last !== undefined) pos[c.shard.index] = c.last;
    }
    const body: CheckpointV1 = { v: CHECKPOINT_VERSION, stream: this.#stream.id, start: this.#start, pos, done };
    return Buffer.from(JSON.stringify(body)).toString('base64url');
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#notify();
    for (const f of this.#onClose.splice(0)) f();
    // A generator suspended at `yield` runs its cleanup now; one that is running ends at its next check.
    void this.#iterator?.return(undefined);
  }

  get streamId(): string {
    return this.#stream.id;
  }

  wake(): void {
    this.#notify();
  }

  onClose(f: () => void): void {
    if (this.#closed) f();
    else this.#onClose.push(f);
  }

  [Symbol.asyncIterator](): AsyncGenerator<RecordBatch> {
    this.#iterator ??= this.#run();
    return this.#iterator;
  }

  #notify(): void {
    this.#pending = true;
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Rule 4: until notified, closed, or the fallback poll interval passed. */
  #idle(): Promise<void> {
    if (this.#pending || this.#closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, this.#settings.pollIntervalMs);
      const self = this;
      function done(): void {
        clearTimeout(timer);
        if (self.#wake === done) self.#wake = undefined;
        resolve();
      }
      this.#wake = done;
    });
  }

  /** Rule 5: throws ResourceNotFoundException once the stream is being deleted or gone. */
  #checkAlive(): void {
    const current = this.#ctx.rt.catalog.getById(this.#seen.id);
    if (!current || current.status === StreamStatus.DELETING) {
      throw streamNotFound(this.#seen.name, this.#seen.accountId);
    }
  }

  /** Rules 1–2: shards not yet at their end whose parents are. */
  #eligible(): Cursor[] {
    const out: Cursor[] = [];
    const finished = (shardId: string | undefined): boolean => {
      if (shardId === undefined) return true;
      const parent = this.#stream.shards.find((s) => s.shardId === shardId);
      return parent === undefined || this.#cursors.get(parent.index)?.done === true;
    };
    for (const shard of this.#stream.shards) {
      const cursor = this.#cursor(shard);
      if (!cursor.done && finished(shard.parentShardId) && finished(shard.adjacentParentShardId)) out.push(cursor);
    }
    return out;
  }

  async *#run(): AsyncGenerator<RecordBatch> {
    try {
      while (!this.#closed) {
        this.#checkAlive();
        this.#pending = false;
        let progressed = false;
        // Rule 3.
        for (const cursor of this.#eligible()) {
          const batch = await this.#read(cursor);
          if (this.#closed) return;
          if (cursor.done) progressed = true;
          if (batch) {
            progressed = true;
            yield batch;
            if (this.#closed) return;
          }
        }
        if (!progressed) await this.#idle();
      }
    } finally {
      this.close();
    }
  }

  /** One read of a shard; undefined when it had no records. */
  async #read(cursor: Cursor): Promise<RecordBatch | undefined> {
    const { rt } = this.#ctx;
    const stream = this.#stream;
    const shard = cursor.shard;
    let handle: ShardHandle;
    let read: Awaited<ReturnType<typeof readShardRecords>>;
    try {
      handle = await rt.shardHandle(stream, shard);
      if (cursor.next === undefined) cursor.next = await this.#position(cursor, handle);
      read = await readShardRecords(
        this.#ctx,
        { stream, handle },
        { from: cursor.next, maxRecords: this.#settings.maxRecords, maxBytes: this.#settings.maxBytes },
      );
    } catch (err) {
      // A stream deleted meanwhile takes its logs with it: report the deletion, not the storage error.
      this.#checkAlive();
      throw err;
    }
    cursor.next = read.next;
    if (read.ended) cursor.done = true;
    const n = read.records.length;
    if (n === 0) return undefined;
    cursor.last = read.records[n - 1]!.SequenceNumber;
    return {
      shardId: shard.shardId,
      records: this.#domain(shard.shardId, read.records),
      checkpoint: this.checkpoint,
      millisBehindLatest: millisBehindLatest(read, rt.now()),
    };
  }

  /** The offset a shard's reading starts at: after its checkpointed record, or the reader's start. */
  async #position(cursor: Cursor, handle: ShardHandle): Promise<number> {
    const { rt } = this.#ctx;
    const target = { stream: this.#stream, shard: cursor.shard, log: handle.log };
    const now = rt.now();
    if (cursor.last !== undefined) {
      try {
        return await resolveStartOffset(rt, target, {
          type: 'AFTER_SEQUENCE_NUMBER',
          sequenceNumber: cursor.last,
          operation: 'StreamReader',
          now,
        });
      } catch (err) {
        throw invalidCheckpoint((err as Error).message.replace(/\.$/, ''));
      }
    }
    const start = this.#start;
    return start.type === 'AT_TIMESTAMP'
      ? resolveStartOffset(rt, target, {
          type: 'AT_TIMESTAMP',
          timestamp: new Date(start.at),
          operation: 'StreamReader',
          now,
        })
      : resolveStartOffset(rt, target, { type: 'TRIM_HORIZON', operation: 'StreamReader', now });
  }

  /** Kinesis records → domain records (de-aggregated when asked). */
  #domain(shardId: string, records: readonly KinesisRecord[]): StreamRecord[] {
    const out: StreamRecord[] = [];
    for (const r of records) {
      if (this.#settings.deaggregate && isAggregated(r.Data)) {
        let users: ReturnType<typeof deaggregate> | undefined;
        try {
          users = deaggregate(r);
        } catch (err) {
          if (!(err instanceof KplFormatError)) throw err;
        }
        if (users) {
          for (const u of users) {
            out.push({
              shardId,
              sequenceNumber: r.SequenceNumber,
              ...(u.Aggregated ? { subSequenceNumber: u.SubSequenceNumber } : {}),
              partitionKey: u.PartitionKey ?? r.PartitionKey,
              ...(u.ExplicitHashKey !== undefined ? { explicitHashKey: u.ExplicitHashKey } : {}),
              data: u.Data,
              arrivedAt: r.ApproximateArrivalTimestamp,
              ...(r.EncryptionType ? { encryptionType: r.EncryptionType } : {}),
            });
          }
          continue;
        }
      }
      out.push(
        r.EncryptionType
          ? {
              shardId,
              sequenceNumber: r.SequenceNumber,
              partitionKey: r.PartitionKey,
              data: r.Data,
              arrivedAt: r.ApproximateArrivalTimestamp,
              encryptionType: r.EncryptionType,
            }
          : {
              shardId,
              sequenceNumber: r.SequenceNumber,
              partitionKey: r.PartitionKey,
              data: r.Data,
              arrivedAt: r.ApproximateArrivalTimestamp,
            },
      );
    }
    return out;
  }
}
