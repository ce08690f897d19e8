/**
 * What every Data Streams operation shares: the catalogue, the shard logs, the iterator codec,
 * configuration and the per-stream routing tables. Operations receive it as their first argument; the
 * read and write paths receive it with the service's record policies (src/streams/policies.ts).
 */
import { interceptAppend, type LogStore, type ShardLog, StorageError, StorageErrorCode } from '../storage/index.js';
import type { Logger } from '../protocol/index.js';
import type { RequestContext } from '../protocol/index.js';
import { type StreamCatalog, StreamStatus, type ShardState, type StreamState } from './catalog.js';
import { kinesisError, streamNotActive, streamNotFound } from './errors.js';
import {
  type ShardIteratorCodec,
  createSequenceNumberEncoder,
  createSequenceNumberWriter,
  hashKeyToText,
  parseStreamArn,
} from './model/index.js';
import { StreamsMetrics } from './metrics.js';

/** Settings of the Data Streams service. */
export interface StreamsSettings {
  readonly createStreamMs: number;
  readonly deleteStreamMs: number;
  readonly updateStreamMs: number;
  /** Open shards allowed per account and region (AWS's default account limit is configurable here). */
  readonly shardLimit: number;
  /** On-demand streams allowed per account and region (AWS: 50). */
  readonly onDemandStreamLimit: number;
}

/** A shard's log plus its sequence-number encoder, cached per stream incarnation. */
export interface ShardHandle {
  readonly shard: ShardState;
  readonly log: ShardLog;
  /** Sequence number of the record at log offset `offset` that arrived at `arrivalMs`. */
  readonly sequenceNumber: (offset: number, arrivalMs: number) => string;
  /** The same number's {@link SEQUENCE_NUMBER_DIGITS} ASCII digits, written into `out` at `at`. */
  readonly writeSequenceNumber: (offset: number, arrivalMs: number, out: Uint8Array, at: number) => void;
}

/** Open shards sorted by starting hash key, with their starts as 16-char latin1 keys (model `hashKeyToText`). */
interface RoutingTable {
  readonly starts: string[];
  readonly shards: ShardState[];
}

/** The log id of a shard: stream incarnation id + shard index. */
export function shardLogId(stream: StreamState, shardIndex: number): string {
  return `${stream.id}.${shardIndex}`;
}

export class StreamsRuntime {
  readonly catalog: StreamCatalog;
  readonly logs: LogStore;
  readonly iterators: ShardIteratorCodec;
  readonly settings: StreamsSettings;
  readonly logger: Logger;
  readonly now: () => number;
  /** The service's CloudWatch metrics (./metrics.ts). */
  readonly metrics = new StreamsMetrics();
  readonly #handles = new Map<string, Promise<ShardHandle>>();
  readonly #routing = new Map<string, RoutingTable>();
  /** Log ids of shards resharding is closing: no longer routed to, `closedAt` not yet set. */
  readonly #closing = new Set<string>();
  /** Appends started and not yet settled, by log id (resharding waits for them before sealing a parent). */
  readonly #appending = new Map<string, Set<Promise<unknown>>>();
  /** Logs of expired closed shards this process deleted (see {@link expireClosedShards}). */
  readonly #expiredLogsDeleted = new Set<string>();

  constructor(options: {
    catalog: StreamCatalog;
    logs: LogStore;
    iterators: ShardIteratorCodec;
    settings: StreamsSettings;
    logger: Logger;
    now: () => number;
  }) {
    this.catalog = options.catalog;
    this.logs = options.logs;
    this.iterators = options.iterators;
    this.settings = options.settings;
    this.logger = options.logger;
    this.now = options.now;
  }

  /**
   * Finds the stream an operation addresses. AWS accepts StreamName, StreamARN or both (they must agree);
   * the ARN's account and region select the namespace, otherwise the caller's.
   */
  resolveStream(input: { StreamName?: string; StreamARN?: string }, ctx: RequestContext): StreamState {
    const found = this.locateStream(input, ctx);
    if (!found.stream) throw streamNotFound(found.name, found.accountId);
    return found.stream;
  }

  /**
   * The stream an operation addresses, and the name and account it was looked up under; `stream` is undefined
   * when there is none (for operations whose "not found" message names something else, such as a shard).
   */
  locateStream(
    input: { StreamName?: string; StreamARN?: string },
    ctx: RequestContext,
  ): { name: string; accountId: string; stream: StreamState | undefined } {
    let { accountId, region } = ctx;
    let name = input.StreamName;
    if (input.StreamARN !== undefined) {
      const arn = parseStreamArn(input.StreamARN);
      if (!arn) throw kinesisError('InvalidArgumentException', `Invalid StreamARN ${input.StreamARN}.`);
      if (name !== undefined && name !== arn.streamName) {
        throw kinesisError(
          'InvalidArgumentException',
          `StreamARN ${input.StreamARN} and StreamName ${name} do not refer to the same stream.`,
        );
      }
      name = arn.streamName;
      accountId = arn.accountId;
      region = arn.region;
    }
    if (name === undefined) {
      throw kinesisError('InvalidArgumentException', 'Either StreamName or StreamARN should be provided.');
    }
    return { name, accountId, stream: this.catalog.get(accountId, region, name) };
  }

  /** AWS: data-plane writes need ACTIVE or UPDATING; CREATING and DELETING streams are "not found". */
  requireWritable(stream: StreamState): void {
    if (stream.status !== StreamStatus.ACTIVE && stream.status !== StreamStatus.UPDATING) {
      throw streamNotFound(stream.name, stream.accountId);
    }
  }

  /** AWS: control-plane changes need ACTIVE. */
  requireActive(stream: StreamState): void {
    if (stream.status !== StreamStatus.ACTIVE) throw streamNotActive(stream.name, stream.accountId, stream.status);
  }

  /** The shard with this index, if the stream has it. */
  shard(stream: StreamState, shardIndex: number): ShardState | undefined {
    // Shards are appended in index order, so the array position usually equals the index.
    const direct = stream.shards[shardIndex];
    if (direct?.index === shardIndex) return direct;
    return stream.shards.find((s) => s.index === shardIndex);
  }

  /** Opens (once) the log of a shard. */
  shardHandle(stream: StreamState, shard: ShardState): Promise<ShardHandle> {
    const id = shardLogId(stream, shard.index);
    let handle = this.#handles.get(id);
    if (!handle) {
      // The shard as the stream is now (states are replaced, not edited: the caller's may predate a close).
      const current = this.catalog.getById(stream.id);
      shard = (current && this.shard(current, shard.index)) ?? shard;
      const encode = createSequenceNumberEncoder(Math.floor(shard.createdAt / 1000), shard.index);
      const retentionMs = (current ?? stream).retentionHours * 3_600_000;
      const write = createSequenceNumberWriter(Math.floor(shard.createdAt / 1000), shard.index);
      // Record counters start at 1: counter 0 is the shard's StartingSequenceNumber.
      const sequenceNumber = (offset: number, arrivalMs: number) => encode(offset + 1, Math.floor(arrivalMs / 1000));
      const writeSequenceNumber = (offset: number, arrivalMs: number, out: Uint8Array, at: number) =>
        write(offset + 1, Math.floor(arrivalMs / 1000), out, at);
      if (shard.expiredEnd !== undefined) {
        // Its log was deleted once all its records had expired: nothing to open (docs/adr/0042).
        const expired: ShardHandle = {
          shard,
          log: expiredLog(id, shard.expiredEnd),
          sequenceNumber,
          writeSequenceNumber,
        };
        handle = Promise.resolve(expired);
        this.#handles.set(id, handle);
        return handle;
      }
      handle = this.logs.open(id).then(async (log) => ({
        shard,
        log: this.#trackAppends(id, await this.#withLifecycle(log, shard, retentionMs)),
        sequenceNumber,
        writeSequenceNumber,
      }));
      handle.catch(() => this.#handles.delete(id));
      this.#handles.set(id, handle);
    }
    return handle;
  }

  /** The open shard whose hash-key range holds `hashKey` (16 bytes, big-endian). */
  route(stream: StreamState, hashKey: string): ShardState {
    let table = this.#routing.get(stream.id);
    if (!table) {
      // Built from the current state: the caller's may predate a shard map switch.
      const current = this.catalog.getById(stream.id) ?? stream;
      const open = current.shards
        .filter((s) => s.closedAt === undefined && !this.#closing.has(shardLogId(stream, s.index)))
        .sort((a, b) => (BigInt(a.startingHashKey) < BigInt(b.startingHashKey) ? -1 : 1));
      table = {
        shards: open,
        starts: open.map((s) => hashKeyToText(BigInt(s.startingHashKey))),
      };
      this.#routing.set(stream.id, table);
    }
    // Binary search for the last shard whose start <= key; open shards tile the whole key space.
    let lo = 0;
    let hi = table.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (table.starts[mid]! <= hashKey) lo = mid;
      else hi = mid - 1;
    }
    return table.shards[lo]!;
  }

  /** Drops cached routing and handles of a stream (after resharding or deletion). */
  forget(stream: StreamState): void {
    this.#routing.delete(stream.id);
    for (const shard of stream.shards) {
      this.#handles.delete(shardLogId(stream, shard.index));
      this.#closing.delete(shardLogId(stream, shard.index));
    }
  }

  /**
   * Resharding, first step of closing parents: writes stop being routed to `shards` (their children must
   * already be in `stream.shards`). `closedAt` is set only once {@link appendsSettled}, so a reader that
   * sees a closed shard knows no record can still land in it. {@link forget} ends the hold.
   */
  stopRouting(stream: StreamState, shards: readonly ShardState[]): void {
    for (const shard of shards) this.#closing.add(shardLogId(stream, shard.index));
    this.#routing.delete(stream.id);
  }

  /** Resolves once every append to the shard's log started so far has settled (succeeded or failed). */
  async appendsSettled(stream: StreamState, shard: ShardState): Promise<void> {
    const pending = this.#appending.get(shardLogId(stream, shard.index));
    if (pending) await Promise.allSettled([...pending]);
  }

  /** The log with its appends counted in flight (see {@link appendsSettled}); everything else passes through. */
  #trackAppends(id: string, log: ShardLog): ShardLog {
    const inflight = this.#appending;
    return interceptAppend(log, (entries, now, next) => {
      const appended = next(entries, now);
      let set = inflight.get(id);
      if (!set) inflight.set(id, (set = new Set()));
      const pending = set;
      pending.add(appended);
      const settle = (): void => {
        pending.delete(appended);
        if (pending.size === 0 && inflight.get(id) === pending) inflight.delete(id);
      };
      appended.then(settle, settle);
      return appended;
    });
  }

  /**
   * Where the backend expires records itself, the log gets the stream's retention as its maximum age; where it can
   * seal logs, a closed shard's log is sealed (after a restart, or when another node closed it). Neither is needed
   * for correctness on one node (the shard map stops writes, readers filter by time), so a failure is logged and
   * the retention sweep tries again (docs/adr/0037).
   */
  async #withLifecycle(log: ShardLog, shard: ShardState, retentionMs: number): Promise<ShardLog> {
    try {
      if (shard.closedAt !== undefined) await log.seal?.();
      else await log.setRetention?.(retentionMs);
    } catch (err) {
      this.logger.warn({ err, shard: shard.index }, 'could not apply the shard lifecycle to its log');
    }
    return log;
  }

  /**
   * Retention of closed shards (Kinesis Data Streams developer guide, "Resharding a stream": a closed shard's data
   * stays readable for the retention period, after which the shard is no longer listed; docs/adr/0042): a closed
   * shard whose newest record is past the retention period gets `expiredEnd` (one compare-and-set of the stream),
   * then its log is deleted. This reclaims a sealed JetStream stream, which expires and purges nothing
   * (docs/adr/0037), and on the embedded log the newest record a trim always keeps. Called by the retention sweep
   * (one node of a cluster runs it); idempotent: a deletion that failed is tried again at the next sweep.
   */
  async expireClosedShards(stream: StreamState): Promise<StreamState> {
    // A stream being deleted loses every log anyway.
    if (stream.status === StreamStatus.DELETING) return stream;
    const cutoff = this.retentionCutoff(stream);
    const due = new Map<number, number>();
    for (const shard of stream.shards) {
      if (shard.closedAt === undefined || shard.expiredEnd !== undefined || shard.closedAt >= cutoff) continue;
      const { log } = await this.shardHandle(stream, shard);
      const end = (await log.seal?.()) ?? log.nextOffset;
      // Resharding closes a shard after its appends settled, so its records are older than closedAt; a record
      // stamped later by a node whose clock ran ahead is waited for.
      if (log.lastTimestamp !== undefined && log.lastTimestamp >= cutoff) continue;
      due.set(shard.index, end);
    }
    let current = stream;
    if (due.size > 0) {
      current = await this.catalog.update(stream, (draft) => {
        let changed = false;
        draft.shards = draft.shards.map((s) => {
          const end = due.get(s.index);
          if (end === undefined || s.closedAt === undefined || s.expiredEnd !== undefined) return s;
          changed = true;
          return { ...s, expiredEnd: end };
        });
        if (!changed) return false;
      });
    }
    for (const shard of current.shards) {
      if (shard.expiredEnd === undefined) continue;
      const id = shardLogId(current, shard.index);
      if (this.#expiredLogsDeleted.has(id)) continue;
      // The handle over the log goes first: later opens get the empty view.
      const cached = this.#handles.get(id);
      if (cached) {
        this.#handles.delete(id);
        await cached.then((h) => h.log.seal?.()).catch(() => undefined);
      }
      await this.logs.delete(id);
      this.#expiredLogsDeleted.add(id);
    }
    return current;
  }

  /**
   * Another node expired closed shards of this stream (`next` has an `expiredEnd` that `previous` lacked, docs/adr/0047):
   * the log of each such shard that this node had opened is deleted here too. This node may have opened it after
   * the sweeping node deleted it and before hearing of the expiry, which on NATS re-creates an empty JetStream stream
   * (sealed, as the shard is closed) that nobody else would delete; deleting a log that is already gone does nothing.
   * Call before {@link forget} (which drops the handles this looks at); failures are logged (DeleteStream still
   * deletes every log of the stream).
   */
  async deleteLogsExpiredElsewhere(previous: StreamState, next: StreamState): Promise<void> {
    const opened: Array<[string, Promise<ShardHandle>]> = [];
    for (const shard of next.shards) {
      if (shard.expiredEnd === undefined || this.shard(previous, shard.index)?.expiredEnd !== undefined) continue;
      const id = shardLogId(next, shard.index);
      const cached = this.#handles.get(id);
      if (cached) opened.push([id, cached]);
    }
    for (const [id, cached] of opened) {
      // An open still under way would create the stream after the deletion: wait for it first.
      await cached.catch(() => undefined);
      await this.logs
        .delete(id)
        .catch((err: unknown) => this.logger.warn({ err, log: id }, 'could not delete the log of an expired shard'));
    }
  }

  /**
   * Applies the stream's retention period to the logs of its open shards, and seals the logs of its closed ones,
   * where the backend supports it (NATS JetStream: `max_age` and sealed streams, docs/adr/0037). Idempotent.
   */
  async applyLifecycle(stream: StreamState): Promise<void> {
    const retentionMs = stream.retentionHours * 3_600_000;
    for (const shard of stream.shards) {
      const { log } = await this.shardHandle(stream, shard);
      if (shard.expiredEnd !== undefined) continue;
      if (shard.closedAt !== undefined) await log.seal?.();
      else await log.setRetention?.(retentionMs);
    }
  }

  /**
   * A closed shard whose records are all past the retention period (closed before the retention cutoff, or expired
   * by the sweep): AWS's EXPIRED shard, which ListShards no longer lists and GetShardIterator answers as a shard that
   * does not exist (docs/adr/0047).
   */
  shardExpired(stream: StreamState, shard: ShardState): boolean {
    return (
      shard.expiredEnd !== undefined || (shard.closedAt !== undefined && shard.closedAt < this.retentionCutoff(stream))
    );
  }

  /** Records older than this (epoch ms) are past the stream's retention. */
  retentionCutoff(stream: StreamState): number {
    return this.now() - stream.retentionHours * 3_600_000;
  }
}

/**
 * The log of a closed shard whose records all expired and whose stored log was deleted (docs/adr/0042): empty,
 * ended at `end`, refusing appends like a sealed log.
 */
function expiredLog(id: string, end: number): ShardLog {
  return {
    startOffset: end,
    nextOffset: end,
    lastTimestamp: undefined,
    read: async () => [],
    offsetForTimestamp: async () => end,
    append: async () => {
      throw new StorageError(StorageErrorCode.sealed, `append to ${id}: the closed shard's records expired`);
    },
    trim: async () => end,
    seal: async () => end,
  };
}
