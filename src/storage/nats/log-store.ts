/**
 * {@link LogStore} on NATS JetStream (ADR 0028): one JetStream stream per log (per Kinesis shard), one message
 * per record, offset = JetStream sequence − 1. Appends are pipelined, every message expecting the stream's last
 * sequence to be the one before its own, so a message is stored where this writer put it or not at all, alike on
 * every replica (ADR 0049), and every message carries a `Nats-Msg-Id` reused on retry, so a retried publish is
 * stored once (ADR 0028). Reads use direct gets, served by any replica, with the
 * leader asked where a replica may lag.
 */
import { randomBytes } from 'node:crypto';
import { nanos } from '@nats-io/transport-node';
import {
  DiscardPolicy,
  type JetStreamClient,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StoredMsg,
} from '@nats-io/jetstream';
import {
  COMMIT_RECORDS_BOUNDS,
  StatsHistogram,
  type StorageStats,
  SYNC_SECONDS_BOUNDS,
  type AppendEntry,
  type AppendResult,
  type Capabilities,
  isAppendValue,
  type LogRecord,
  type LogStore,
  type ReadOptions,
  type ShardLog,
  StorageError,
  StorageErrorCode,
} from '../index.js';
import {
  STREAM_NOT_FOUND,
  STREAM_SEALED,
  WRONG_LAST_SEQUENCE,
  apiCode,
  isTransient,
  isTransientRead,
  retryDelay,
  retryTransient,
  toStorageError,
} from './errors.js';
import { logIdToken } from './names.js';
import type { NatsPublisher } from './publish-acks.js';
import { decodeRecord, encodeRecord, recordTimestamp } from './record-codec.js';

const LOG_ID = /^[A-Za-z0-9._-]{1,200}$/;
const MAX_KEY_BYTES = 64 * 1024;
/** Publishes in flight per log: beyond ~256 throughput no longer grows (ADR 0028). */
const PUBLISH_WINDOW = 256;
/** How long opening a log retries creating its stream (a new Raft group on a busy cluster). */
const SETUP_DEADLINE_MS = 30_000;
/** Shortest interval between two refreshes of a log's end started by readers of `nextOffset`. */
const VIEW_REFRESH_MS = 100;
/** Direct gets in flight per read. */
const READ_WINDOW = 64;
/** Duplicate window of a shard stream: longer than any retry horizon of an append (ADR 0028). */
const DUPLICATE_WINDOW_MS = 120_000;

/** What the logs of one backend share. */
export interface NatsLogContext {
  readonly js: JetStreamClient;
  /** Where appends publish and read their acknowledgements (publish-acks.ts). */
  readonly acks: NatsPublisher;
  readonly jsm: JetStreamManager;
  /** Prefix of every stream name and subject of this backend (`[A-Za-z0-9]+`). */
  readonly prefix: string;
  /** JetStream replicas of a new shard stream (1 or 3). */
  readonly replicas: number;
  /** Timeout of one publish attempt. */
  readonly attemptTimeoutMs: number;
  /** Overall time an append keeps retrying transient failures before it rejects as `unavailable`. */
  readonly appendDeadlineMs: number;
  /**
   * Overall time a read (and a time lookup) keeps retrying transient failures — an election's "no responders" or
   * timeouts — before it rejects as `unavailable` (retriable: the AWS answer is a 500 the SDKs retry).
   */
  readonly readDeadlineMs: number;
  readonly capabilities: Capabilities;
  /** Where logs count the acknowledgement wait and records of each commit group (../stats.ts). */
  readonly writeStats?: NatsWriteStats;
}

/** The write-path histograms a {@link NatsLogStore} shares with its logs. */
export interface NatsWriteStats {
  readonly syncSeconds: StatsHistogram;
  readonly commitRecords: StatsHistogram;
}

interface PendingAppend {
  readonly entries: readonly AppendEntry[];
  readonly now: number;
  readonly resolve: (r: AppendResult) => void;
  readonly reject: (err: unknown) => void;
}

/** One message of a commit group. */
interface Outgoing {
  readonly batch: number;
  readonly entry: AppendEntry;
  readonly msgId: string;
  payload: Uint8Array;
}

/** Unique per process, so message ids from two gateway nodes never collide inside the duplicate window. */
const writerId = randomBytes(6).toString('base64url');
let msgCounter = 0;

/** The logs of one backend. */
export class NatsLogStore implements LogStore {
  readonly capabilities: Capabilities;
  readonly #ctx: NatsLogContext;
  readonly #logs = new Map<string, Promise<NatsShardLog>>();
  #closed = false;

  constructor(ctx: NatsLogContext) {
    this.#ctx = {
      ...ctx,
      writeStats: ctx.writeStats ?? {
        syncSeconds: new StatsHistogram(SYNC_SECONDS_BOUNDS),
        commitRecords: new StatsHistogram(COMMIT_RECORDS_BOUNDS),
      },
    };
    this.capabilities = ctx.capabilities;
  }

  /**
   * The write-path histograms, and the log streams of this prefix as JetStream reports them (one stream listing
   * per scrape). JetStream does not expose its message blocks, so there is no segment count.
   */
  async stats(): Promise<StorageStats> {
    let logs = 0;
    let bytes = 0;
    try {
      for await (const info of this.#ctx.jsm.streams.list()) {
        if (!info.config.name.startsWith(`${this.#ctx.prefix}_L_`)) continue;
        logs++;
        bytes += info.state.bytes;
      }
    } catch (err) {
      throw toStorageError(err, 'list logs');
    }
    const stats = this.#ctx.writeStats!;
    return {
      backend: this.capabilities.backend,
      syncSeconds: stats.syncSeconds.snapshot(),
      commitRecords: stats.commitRecords.snapshot(),
      logs,
      bytes,
    };
  }

  /** JetStream stream name of a log. */
  streamName(logId: string): string {
    return `${this.#ctx.prefix}_L_${logIdToken(logId)}`;
  }

  open(logId: string): Promise<ShardLog> {
    if (this.#closed) return Promise.reject(new StorageError(StorageErrorCode.closed, 'log store is closed'));
    if (!LOG_ID.test(logId) || logId === '.' || logId === '..')
      return Promise.reject(
        new StorageError(StorageErrorCode.invalidArgument, `invalid log id ${JSON.stringify(logId)}`),
      );
    let p = this.#logs.get(logId);
    if (!p) {
      p = this.#openStream(logId);
      this.#logs.set(logId, p);
      p.catch(() => {
        if (this.#logs.get(logId) === p) this.#logs.delete(logId);
      });
    }
    return p;
  }

  async #openStream(logId: string): Promise<NatsShardLog> {
    const name = this.streamName(logId);
    const subject = `${this.#ctx.prefix}.l.${logIdToken(logId)}`;
    try {
      await retryTransient(async () => {
        try {
          await this.#ctx.jsm.streams.info(name);
        } catch (err) {
          if (apiCode(err) !== STREAM_NOT_FOUND) throw err;
          await this.#ctx.jsm.streams
            .add({
              name,
              subjects: [subject],
              description: logId,
              storage: StorageType.File,
              retention: RetentionPolicy.Limits,
              num_replicas: this.#ctx.replicas,
              discard: DiscardPolicy.Old,
              duplicate_window: nanos(DUPLICATE_WINDOW_MS),
              // Direct gets time out on a stream without it (ADR 0028).
              allow_direct: true,
            })
            .catch(async (addErr: unknown) => {
              // Another node (or an attempt whose answer timed out) created it first: use that one.
              await this.#ctx.jsm.streams.info(name).catch(() => Promise.reject(addErr));
            });
        }
      }, SETUP_DEADLINE_MS);
      const log = new NatsShardLog(this.#ctx, logId, name, subject);
      await retryTransient(() => log.refresh(), SETUP_DEADLINE_MS);
      return log;
    } catch (err) {
      throw toStorageError(err, `open log ${logId}`);
    }
  }

  async delete(logId: string): Promise<void> {
    if (this.#closed) throw new StorageError(StorageErrorCode.closed, 'log store is closed');
    if (!LOG_ID.test(logId)) return;
    const open = this.#logs.get(logId);
    this.#logs.delete(logId);
    if (open) await open.then((l) => l.settle()).catch(() => undefined);
    try {
      await this.#ctx.jsm.streams.delete(this.streamName(logId));
    } catch (err) {
      if (apiCode(err) !== STREAM_NOT_FOUND) throw toStorageError(err, `delete log ${logId}`);
    }
  }

  async list(): Promise<string[]> {
    if (this.#closed) throw new StorageError(StorageErrorCode.closed, 'log store is closed');
    const ids: string[] = [];
    try {
      for await (const info of this.#ctx.jsm.streams.list()) {
        if (info.config.name.startsWith(`${this.#ctx.prefix}_L_`) && info.config.description)
          ids.push(info.config.description);
      }
    } catch (err) {
      throw toStorageError(err, 'list logs');
    }
    return ids.sort();
  }

  /** Waits for every append already accepted, then refuses new calls. */
  async close(): Promise<void> {
    this.#closed = true;
    const logs = await Promise.allSettled([...this.#logs.values()]);
    await Promise.all(logs.map((r) => (r.status === 'fulfilled' ? r.value.close() : undefined)));
  }
}

/** One shard log on one JetStream stream. State fields are this node's view, refreshed on every append. */
export class NatsShardLog implements ShardLog {
  readonly #ctx: NatsLogContext;
  readonly #id: string;
  readonly #stream: string;
  readonly #subject: string;
  #startOffset = 0;
  #nextOffset = 0;
  #lastTimestamp: number | undefined;
  /** Set when a failed append may have stored messages this node has not accounted for. */
  #stale = false;
  #lastRefresh = 0;
  #refreshing: Promise<void> | undefined;
  #queue: PendingAppend[] = [];
  #writing: Promise<void> | undefined;
  #closed = false;
  /** The stream is sealed (seen in its configuration or in a refused publish): appends fail at once. */
  #sealed = false;
  /** The stream's `max_age` in nanoseconds as last seen or set (0: none). */
  #maxAgeNs = 0;

  constructor(ctx: NatsLogContext, id: string, stream: string, subject: string) {
    this.#ctx = ctx;
    this.#id = id;
    this.#stream = stream;
    this.#subject = subject;
  }

  get startOffset(): number {
    return this.#startOffset;
  }
  /**
   * This node's view of the end. Another node's appends are not pushed here: reading the property starts a
   * refresh from the stream (at most one per {@link VIEW_REFRESH_MS}), so a reader polling the tip sees them on
   * its next poll.
   */
  get nextOffset(): number {
    this.#refreshSoon();
    return this.#nextOffset;
  }
  get lastTimestamp(): number | undefined {
    return this.#lastTimestamp;
  }

  /** Reloads first/last sequence (and the newest record's time) from the stream; the view only moves forward. */
  async refresh(): Promise<void> {
    this.#lastRefresh = Date.now();
    const { state, config } = await this.#ctx.jsm.streams.info(this.#stream);
    if (config.sealed === true) this.#sealed = true;
    this.#maxAgeNs = config.max_age ?? 0;
    const last = state.last_seq;
    const first = state.first_seq > 0 ? Math.min(state.first_seq - 1, last) : last;
    if (first > this.#startOffset) this.#startOffset = first;
    if (last > this.#nextOffset || (this.#lastTimestamp === undefined && state.messages > 0)) {
      const m = await this.#leaderGet(last);
      if (m) this.#lastTimestamp = Math.max(this.#lastTimestamp ?? 0, recordTimestamp(m.data, this.#where(last)));
      if (last > this.#nextOffset) this.#nextOffset = last;
    }
    this.#stale = false;
  }

  #refreshSoon(): void {
    if (this.#closed || this.#refreshing || Date.now() - this.#lastRefresh < VIEW_REFRESH_MS) return;
    this.#refreshing = this.refresh()
      .catch(() => undefined)
      .finally(() => {
        this.#refreshing = undefined;
      });
  }

  append(entries: readonly AppendEntry[], now: number): Promise<AppendResult> {
    if (this.#closed) return Promise.reject(new StorageError(StorageErrorCode.closed, `log ${this.#id} is closed`));
    if (this.#sealed) return Promise.reject(sealedError(this.#id));
    if (!Number.isFinite(now))
      return Promise.reject(
        new StorageError(StorageErrorCode.invalidArgument, `now must be a finite number, got ${now}`),
      );
    for (const e of entries) {
      if (typeof e.key !== 'string' || !isAppendValue(e.value))
        return Promise.reject(
          new StorageError(
            StorageErrorCode.invalidArgument,
            'entries need a string key and a Uint8Array value (or an array of them)',
          ),
        );
      if (e.attributes !== undefined && !(Number.isInteger(e.attributes) && e.attributes >= 0 && e.attributes <= 255))
        return Promise.reject(
          new StorageError(
            StorageErrorCode.invalidArgument,
            `attributes must be an integer from 0 to 255, got ${e.attributes}`,
          ),
        );
      if (e.key.length > MAX_KEY_BYTES / 3 && Buffer.byteLength(e.key, 'utf8') > MAX_KEY_BYTES)
        return Promise.reject(new StorageError(StorageErrorCode.invalidArgument, `key exceeds ${MAX_KEY_BYTES} bytes`));
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.#queue.push({ entries, now: Math.max(0, Math.floor(now)), resolve, reject });
      this.#kick();
    });
  }

  /** Starts the writer loop unless it runs: everything queued meanwhile is committed as one pipelined group. */
  #kick(): void {
    if (this.#writing) return;
    this.#writing = (async () => {
      while (this.#queue.length > 0) {
        const group = this.#queue;
        this.#queue = [];
        await this.#commit(group);
      }
    })().finally(() => {
      this.#writing = undefined;
      if (this.#queue.length > 0) this.#kick();
    });
  }

  async #commit(group: PendingAppend[]): Promise<void> {
    try {
      // Through an election or a reconnect like the publishes themselves (ADR 0028).
      if (this.#stale) await retryTransient(() => this.refresh(), this.#ctx.appendDeadlineMs);
    } catch (err) {
      for (const p of group) p.reject(toStorageError(err, `append to ${this.#id}`));
      return;
    }
    const out: Outgoing[] = [];
    const times: number[] = [];
    for (const [b, p] of group.entries()) {
      times.push(p.now);
      for (const entry of p.entries)
        out.push({ batch: b, entry, msgId: `${writerId}-${++msgCounter}`, payload: EMPTY });
    }
    this.#stamp(group, times, out, 0);
    if (out.length === 0) {
      for (const [b, p] of group.entries()) p.resolve({ firstOffset: this.#nextOffset, timestamp: times[b]! });
      return;
    }
    let seqs: number[];
    try {
      const started = process.hrtime.bigint();
      seqs = await this.#publishChained(group, times, out);
      const stats = this.#ctx.writeStats;
      if (stats !== undefined) {
        stats.syncSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
        stats.commitRecords.observe(out.length);
      }
    } catch (err) {
      this.#stale = true;
      // Another node sealed the stream (this node's shard map is outdated): nothing more can be stored here.
      if (apiCode(err) === STREAM_SEALED) this.#sealed = true;
      for (const p of group) p.reject(toStorageError(err, `append to ${this.#id}`));
      return;
    }
    // Resolve each batch; a batch split by another node's write (possible only after a retry) is not one run of
    // consecutive sequences in its order.
    let i = 0;
    for (const [b, p] of group.entries()) {
      const n = p.entries.length;
      if (n === 0) {
        p.resolve({ firstOffset: this.#nextOffset, timestamp: times[b]! });
        continue;
      }
      const first = seqs[i]!;
      let consecutive = true;
      for (let j = 1; j < n; j++) if (seqs[i + j] !== first + j) consecutive = false;
      i += n;
      if (!consecutive)
        // Not a failed write of this node's disk (`writeFailed` stops a local log): the request failed and may be
        // sent again, its records stored once already (PutRecords API reference: a retried request may store
        // records twice).
        p.reject(
          new StorageError(
            StorageErrorCode.unavailable,
            `append to ${this.#id}: another writer's records came between this batch's during a retry; its records are stored at sequences ${seqs.slice(i - n, i).join(',')}`,
          ),
        );
      else p.resolve({ firstOffset: first - 1, timestamp: times[b]! });
    }
  }

  /**
   * Gives the batches whose first message is at index `from` or later their commit time max(now, newest time)
   * and encodes their messages.
   */
  #stamp(group: PendingAppend[], times: number[], out: Outgoing[], from: number): void {
    let last = this.#lastTimestamp ?? 0;
    const firstBatch = from < out.length ? out[from]!.batch : group.length;
    for (let b = 0; b < firstBatch; b++) last = Math.max(last, times[b]!);
    for (let b = firstBatch; b < group.length; b++) {
      times[b] = Math.max(group[b]!.now, last);
      last = times[b]!;
    }
    for (let i = from; i < out.length; i++) {
      const o = out[i]!;
      o.payload = encodeRecord(o.entry.key, o.entry.value, o.entry.attributes ?? 0, times[o.batch]!);
    }
  }

  /**
   * Publishes `out` in order with at most {@link PUBLISH_WINDOW} in flight, each message expecting the stream's last
   * sequence to be the one just before its own (`Nats-Expected-Last-Sequence`): message k is stored at the sequence
   * this writer assigned it or not at all. On failure, waits for the window and sends the unacknowledged messages
   * again with the same message ids and expectations (a message stored before its ack was lost comes back as a
   * duplicate with its sequence); when the first of them finds another record in its place, assigns the
   * unacknowledged messages the sequences after the stream's real end. Returns each message's sequence.
   *
   * Never `Nats-Expected-Last-Msg-Id` (ADR 0049): each replica judges it on a last message id of its own, which a
   * replica that caught up from a snapshot has not restored, so a late publish of a failed append was stored by that
   * replica alone at the sequence the others gave an acknowledged record. A stream's last sequence is replicated
   * state, judged alike by every replica.
   */
  async #publishChained(group: PendingAppend[], times: number[], out: Outgoing[]): Promise<number[]> {
    const seqs: number[] = new Array(out.length);
    /** The last sequence each message expects: assigned once, reassigned only after the stream's end moved. */
    const expected: number[] = new Array(out.length);
    const assign = (from: number, base: number): void => {
      let last = base;
      // A message acknowledged already (stored before an earlier one of this group was refused) keeps its place.
      for (let i = from; i < out.length; i++) if (seqs[i] === undefined) expected[i] = last++;
    };
    const deadline = Date.now() + this.#ctx.appendDeadlineMs;
    let next = 0;
    let attempt = 0;
    assign(0, this.#nextOffset);
    while (next < out.length) {
      const passStarted = Date.now();
      let failedAt = out.length;
      let failure: unknown;
      const inflight = new Set<Promise<void>>();
      for (let i = next; i < out.length && i < failedAt; i++) {
        if (seqs[i] !== undefined) continue;
        while (inflight.size >= PUBLISH_WINDOW) await Promise.race(inflight);
        if (i >= failedAt) break;
        const o = out[i]!;
        const expect = { lastSequence: expected[i]! };
        const p = this.#ctx.acks
          .publish(this.#subject, o.payload, o.msgId, expect, this.#ctx.attemptTimeoutMs)
          .then(
            (ack) => {
              seqs[i] = ack.seq;
            },
            (err: unknown) => {
              if (i < failedAt) {
                failedAt = i;
                failure = err;
              }
            },
          )
          .finally(() => inflight.delete(p));
        inflight.add(p);
        // The first message of a pass goes alone: until it is stored the stream's end is a guess (another node may
        // have appended), and messages pipelined behind a wrong guess would be stored after another writer's
        // records in place of this one, out of order.
        if (i === next) await p;
      }
      await Promise.all(inflight);
      while (next < out.length && seqs[next] !== undefined) next++;
      if (next === out.length) break;
      if (apiCode(failure) === WRONG_LAST_SEQUENCE && failedAt === next) {
        // Another writer appended (another gateway node, a late publish, or this node's view was stale): continue
        // after the stream's real end, re-stamping unsent batches so that commit times never run backwards.
        await this.refresh();
        assign(next, this.#nextOffset);
        this.#stamp(group, times, out, next);
      } else if (!isTransient(failure)) {
        throw failure;
      } else {
        if (Date.now() >= deadline) throw failure;
        // Elections fail publishes for seconds (ADR 0028): back off 100 ms × 2^attempt, capped at 1 s, counted from
        // the pass's start (a pass that waited out a publish timeout is sent again at once, ADR 0055).
        const delay = retryDelay(attempt++, passStarted);
        if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      }
      if (Date.now() >= deadline)
        throw new StorageError(StorageErrorCode.unavailable, `append to ${this.#id}: no progress before the deadline`);
    }
    for (const seq of seqs) if (seq > this.#nextOffset) this.#nextOffset = seq;
    this.#lastTimestamp = Math.max(this.#lastTimestamp ?? 0, times[group.length - 1]!);
    return seqs;
  }

  /**
   * Reads go to replicas (direct gets) and, past the known end or for records a replica has not applied yet, to the
   * stream leader; while a leader is elected (ADR 0028: 4–9 s) those answer "no responders" or time out. A read is
   * retried with backoff within `readDeadlineMs`, like appends, then rejects as `unavailable`.
   */
  async read(fromOffset: number, options: ReadOptions): Promise<LogRecord[]> {
    this.#checkOpen();
    const maxRecords = Math.floor(options.maxRecords);
    if (!(maxRecords > 0)) return [];
    try {
      return await retryTransient(
        () => this.#readOnce(fromOffset, maxRecords, options.maxBytes),
        this.#ctx.readDeadlineMs,
        isTransientRead,
      );
    } catch (err) {
      throw toStorageError(err, `read ${this.#id}`);
    }
  }

  async #readOnce(fromOffset: number, maxRecords: number, maxBytes: number): Promise<LogRecord[]> {
    // Not before what this node knows was trimmed: a lagging replica may still hold purged records.
    const start = Math.max(0, Math.floor(fromOffset), this.#startOffset);
    // The first record at or after the offset (skips what retention or trim removed).
    let first = await this.#ctx.jsm.direct.getMessage(this.#stream, {
      seq: start + 1,
      next_by_subj: this.#subject,
    });
    if (!first) {
      // A replica may answer before it has applied the newest writes: ask the leader before saying "nothing".
      await this.refresh();
      if (start >= this.#nextOffset) return [];
      first = await this.#leaderGet(Math.max(start, this.#startOffset) + 1);
      if (!first) return [];
    }
    const out: LogRecord[] = [];
    let bytes = 0;
    const take = (m: StoredMsg): boolean => {
      const rec = decodeRecord(m.data, this.#where(m.seq));
      const size = rec.keyBytes + rec.value.length;
      if (out.length > 0 && bytes + size > maxBytes) return false;
      bytes += size;
      out.push(
        rec.attributes === 0
          ? { offset: m.seq - 1, timestamp: rec.timestamp, key: rec.key, value: rec.value }
          : {
              offset: m.seq - 1,
              timestamp: rec.timestamp,
              key: rec.key,
              value: rec.value,
              attributes: rec.attributes,
            },
      );
      return true;
    };
    take(first);
    let seq = first.seq + 1;
    let more = true;
    while (more && out.length < maxRecords && bytes < maxBytes) {
      // Within what this node knows to exist read a window at once; past it probe one (another node may have
      // written), and refresh the view when the probe finds records.
      const known = this.#nextOffset - (seq - 1);
      const n = Math.min(READ_WINDOW, maxRecords - out.length, Math.max(1, known));
      const window = await Promise.all(Array.from({ length: n }, (_, i) => this.#get(seq + i)));
      for (const m of window) {
        if (!m || !take(m)) {
          more = false;
          break;
        }
      }
      seq += n;
      if (more && known <= 0) await this.refresh();
    }
    const newest = out[out.length - 1]!;
    if (newest.offset >= this.#nextOffset) {
      this.#nextOffset = newest.offset + 1;
      this.#lastTimestamp = newest.timestamp;
    }
    return out;
  }

  /**
   * Seals the stream (JetStream's `sealed`, set by a stream update; 2.9.10 has it): the server refuses every later
   * publish with "invalid operation on sealed stream", from any node, while direct gets go on. Sealing also
   * clears the stream's `max_age` and forbids purges, so a sealed stream keeps its records until it is deleted
   * (docs/adr/0037).
   */
  async seal(): Promise<number> {
    this.#checkOpen();
    if (this.#sealed) return this.#nextOffset;
    await this.settle();
    try {
      await retryTransient(async () => {
        const { config } = await this.#ctx.jsm.streams.info(this.#stream);
        // `sealed` is part of the stream configuration the server takes on update, though the client's update
        // type leaves it out (it only reports it).
        const sealed: typeof config = { ...config, sealed: true };
        if (config.sealed !== true) await this.#ctx.jsm.streams.update(this.#stream, sealed);
      }, SETUP_DEADLINE_MS);
      this.#sealed = true;
      await retryTransient(() => this.refresh(), SETUP_DEADLINE_MS);
    } catch (err) {
      throw toStorageError(err, `seal ${this.#id}`);
    }
    return this.#nextOffset;
  }

  /**
   * Sets the stream's `max_age`, so JetStream drops records past the retention period by itself (the sweep's
   * `trim` then finds nothing left to purge). A sealed stream keeps no `max_age` (see {@link seal}).
   */
  async setRetention(maxAgeMs: number): Promise<void> {
    this.#checkOpen();
    // JetStream refuses a duplicate window longer than max_age.
    if (!(Number.isFinite(maxAgeMs) && maxAgeMs >= DUPLICATE_WINDOW_MS))
      throw new StorageError(
        StorageErrorCode.invalidArgument,
        `retention must be at least ${DUPLICATE_WINDOW_MS} ms (the duplicate window), got ${maxAgeMs}`,
      );
    const wanted = nanos(Math.floor(maxAgeMs));
    if (this.#sealed || this.#maxAgeNs === wanted) return;
    try {
      await retryTransient(async () => {
        const { config } = await this.#ctx.jsm.streams.info(this.#stream);
        if (config.sealed === true) {
          this.#sealed = true;
          return;
        }
        if (config.max_age !== wanted) await this.#ctx.jsm.streams.update(this.#stream, { ...config, max_age: wanted });
        this.#maxAgeNs = wanted;
      }, SETUP_DEADLINE_MS);
    } catch (err) {
      throw toStorageError(err, `set the retention of ${this.#id}`);
    }
  }

  async offsetForTimestamp(timestamp: number): Promise<number> {
    this.#checkOpen();
    try {
      return await retryTransient(
        () => this.#offsetForTimestampOnce(timestamp),
        this.#ctx.readDeadlineMs,
        isTransientRead,
      );
    } catch (err) {
      throw toStorageError(err, `time lookup in ${this.#id}`);
    }
  }

  async #offsetForTimestampOnce(timestamp: number): Promise<number> {
    await this.refresh();
    // Binary search over sequences: commit times never decrease along the log.
    let lo = this.#startOffset + 1;
    let hi = this.#nextOffset + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const m = await this.#leaderGet(mid);
      if (!m) {
        // Trimmed meanwhile: everything up to here is gone.
        lo = mid + 1;
        continue;
      }
      if (recordTimestamp(m.data, this.#where(m.seq)) >= timestamp) hi = mid;
      else lo = m.seq + 1;
    }
    return lo - 1;
  }

  /**
   * Purges the records older than `before`, but always keeps the newest record: its time is the floor of the
   * next commit time, and a stream keeps no time of its own once empty.
   */
  async trim(before: number): Promise<number> {
    this.#checkOpen();
    // A sealed stream refuses purges: its records stay until the stream is deleted (see seal()).
    if (this.#sealed) return this.#startOffset;
    const offset = await this.offsetForTimestamp(before);
    const keepFrom = Math.min(offset, this.#nextOffset - 1);
    if (keepFrom > this.#startOffset) {
      try {
        // Purging to a sequence keeps that sequence and everything after it.
        await this.#ctx.jsm.streams.purge(this.#stream, { seq: keepFrom + 1 });
      } catch (err) {
        if (apiCode(err) === STREAM_SEALED) {
          this.#sealed = true;
          return this.#startOffset;
        }
        throw toStorageError(err, `trim ${this.#id}`);
      }
      this.#startOffset = keepFrom;
    }
    return this.#startOffset;
  }

  /** Resolves once every accepted append has settled. */
  async settle(): Promise<void> {
    while (this.#writing) await this.#writing.catch(() => undefined);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.settle();
    await this.#refreshing;
  }

  /**
   * Message `seq`: within the known end from any replica (direct get), falling back to the leader when the replica
   * has not applied it yet; past the known end from the leader, so a probe for other nodes' writes is exact.
   */
  async #get(seq: number): Promise<StoredMsg | null> {
    if (seq > this.#nextOffset) return this.#leaderGet(seq);
    return (await this.#ctx.jsm.direct.getMessage(this.#stream, { seq })) ?? this.#leaderGet(seq);
  }

  /** Message `seq` as the stream leader has it (null when it does not exist or was trimmed). */
  #leaderGet(seq: number): Promise<StoredMsg | null> {
    return this.#ctx.jsm.streams.getMessage(this.#stream, { seq });
  }

  #checkOpen(): void {
    if (this.#closed) throw new StorageError(StorageErrorCode.closed, `log ${this.#id} is closed`);
  }

  #where(seq: number): string {
    return `log ${this.#id} sequence ${seq}`;
  }
}

const EMPTY = new Uint8Array(0);

function sealedError(id: string): StorageError {
  return new StorageError(StorageErrorCode.sealed, `append to ${id}: the log is sealed`);
}
