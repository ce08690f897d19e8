/**
 * The stream catalogue: every stream's metadata (status, shards, tags, settings), kept in memory and
 * written through to the {@link MetaStore} on each change, plus the timed status transitions
 * (CREATING → ACTIVE, UPDATING → ACTIVE, DELETING → gone) that AWS shows for a while.
 */
import { randomBytes } from 'node:crypto';
import type { Scheduler } from '../jobs/index.js';
import type { MetaStore } from '../storage/index.js';
import type { Logger } from '../protocol/index.js';

export const StreamStatus = {
  CREATING: 'CREATING',
  ACTIVE: 'ACTIVE',
  UPDATING: 'UPDATING',
  DELETING: 'DELETING',
} as const;
export type StreamStatus = (typeof StreamStatus)[keyof typeof StreamStatus];

export type StreamMode = 'PROVISIONED' | 'ON_DEMAND';

/** One shard's metadata. Hash keys are decimal strings (128-bit values do not fit JSON numbers). */
export interface ShardState {
  readonly index: number;
  readonly shardId: string;
  readonly parentShardId?: string;
  readonly adjacentParentShardId?: string;
  readonly startingHashKey: string;
  readonly endingHashKey: string;
  /**
   * Creation time, epoch ms: whole seconds for a stream's first shards; for resharding children the
   * instant their parents closed (so shards open at a time tile the key space). Sequence numbers carry its seconds.
   */
  readonly createdAt: number;
  /** Close time, epoch ms, once the shard was split or merged away. */
  closedAt?: number;
}

/** One stream's metadata, persisted as JSON. */
export interface StreamState {
  /** Unique per incarnation: a deleted and re-created stream gets a new id, so old iterators fail. */
  readonly id: string;
  readonly name: string;
  readonly accountId: string;
  readonly region: string;
  readonly arn: string;
  status: StreamStatus;
  mode: StreamMode;
  /** Epoch ms, whole seconds as AWS reports. */
  readonly createdAt: number;
  retentionHours: number;
  shards: ShardState[];
  nextShardIndex: number;
  /** Tags in insertion order. */
  tags: Record<string, string>;
  shardLevelMetrics: string[];
  encryptionType: 'NONE' | 'KMS';
  keyId?: string;
  maxRecordSizeKiB: number;
  warmThroughputMiBps?: number;
  /** When the current transitional status ends (epoch ms). */
  transitionAt?: number;
  /** Resharding bookkeeping (src/streams/resharding), absent until the stream is first resharded. */
  resharding?: ReshardingState;
}

/** Persisted resharding state of a stream. */
export interface ReshardingState {
  /** The operation applied when its UPDATING period ends (resumed after a restart). */
  pending?: PendingReshard;
  /** Epoch ms of the UpdateShardCount calls of the last 24 h (AWS allows 10 per rolling 24 h). */
  scalings?: number[];
}

/** A SplitShard, MergeShards or UpdateShardCount waiting for the end of its UPDATING period at `at` (epoch ms). */
export type PendingReshard =
  | { readonly kind: 'split'; readonly at: number; readonly shardIndex: number; readonly newStartingHashKey: string }
  | { readonly kind: 'merge'; readonly at: number; readonly shardIndex: number; readonly adjacentShardIndex: number }
  | { readonly kind: 'scale'; readonly at: number; readonly targetShardCount: number };

const KEY_PREFIX = 'streams/';

function catalogKey(accountId: string, region: string, name: string): string {
  return `${KEY_PREFIX}${accountId}/${region}/${name}`;
}

/** A StreamId as AWS shapes it: 20 lowercase alphanumerics, '-', 3 more (model pattern). */
export function newStreamId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(23);
  let out = '';
  for (let i = 0; i < 23; i++) {
    if (i === 20) out += '-';
    out += alphabet[bytes[i]! % alphabet.length];
  }
  return out;
}

export interface CatalogOptions {
  readonly meta: MetaStore;
  readonly logger: Logger;
  /** Called when a stream's DELETING period ends: drop its logs. */
  readonly onDeleted: (stream: StreamState) => Promise<void>;
  readonly now: () => number;
  /** Runs the status transitions (timer kind {@link STATUS_TIMER}, keyed by stream id). */
  readonly scheduler: Scheduler;
}

/** Scheduler timer kind of the status transitions. */
export const STATUS_TIMER = 'streams.status';

/** In-memory view of all streams with write-through persistence and status timers. */
export class StreamCatalog {
  readonly #byKey = new Map<string, StreamState>();
  readonly #byId = new Map<string, StreamState>();
  readonly #options: CatalogOptions;
  #unhandle: (() => Promise<void>) | undefined;
  /** Serialises metadata writes so the store sees them in order. */
  #writeChain: Promise<void> = Promise.resolve();
  #closed = false;

  private constructor(options: CatalogOptions) {
    this.#options = options;
  }

  /** Loads every stream and resumes pending transitions (a transition due while the server was down completes now). */
  static async open(options: CatalogOptions): Promise<StreamCatalog> {
    const catalog = new StreamCatalog(options);
    catalog.#unhandle = options.scheduler.handle(STATUS_TIMER, async (timer) => {
      const stream = catalog.#byId.get(timer.key);
      if (stream) await catalog.#complete(stream);
    });
    for (const [, stream] of await options.meta.list<StreamState>(KEY_PREFIX)) catalog.#index(stream);
    // The stream state is the source of truth: its due transitions are (re-)declared to the scheduler.
    for (const stream of catalog.#byId.values()) if (stream.transitionAt !== undefined) await catalog.#schedule(stream);
    return catalog;
  }

  get(accountId: string, region: string, name: string): StreamState | undefined {
    return this.#byKey.get(catalogKey(accountId, region, name));
  }

  getById(id: string): StreamState | undefined {
    return this.#byId.get(id);
  }

  /** Streams of one account and region, sorted by name. */
  list(accountId: string, region: string): StreamState[] {
    const prefix = `${KEY_PREFIX}${accountId}/${region}/`;
    const out: StreamState[] = [];
    for (const [key, s] of this.#byKey) if (key.startsWith(prefix)) out.push(s);
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Every stream (all accounts): for retention sweeps and limits. */
  all(): IterableIterator<StreamState> {
    return this.#byKey.values();
  }

  /** Adds a new stream and persists it. */
  async add(stream: StreamState): Promise<void> {
    this.#index(stream);
    await this.save(stream);
    if (stream.transitionAt !== undefined) await this.#schedule(stream);
  }

  /** Persists the current state of a stream (call after mutating it). */
  save(stream: StreamState): Promise<void> {
    const key = catalogKey(stream.accountId, stream.region, stream.name);
    const snapshot = structuredClone(stream);
    const write = this.#writeChain.then(() => this.#options.meta.put(key, snapshot).then(() => {}));
    this.#writeChain = write.catch(() => {});
    return write;
  }

  /**
   * Puts a stream into a transitional status for `delayMs`, then into `ACTIVE` (or, for DELETING, removes it).
   * A delay of 0 completes before this resolves.
   */
  async transition(stream: StreamState, status: StreamStatus, delayMs: number): Promise<void> {
    if (delayMs <= 0) {
      if (status === StreamStatus.DELETING) {
        stream.status = status;
        await this.#finishDelete(stream);
      } else {
        stream.status = StreamStatus.ACTIVE;
        delete stream.transitionAt;
        await this.save(stream);
      }
      return;
    }
    stream.status = status;
    stream.transitionAt = this.#options.now() + delayMs;
    await this.save(stream);
    await this.#schedule(stream);
  }

  #index(stream: StreamState): void {
    this.#byKey.set(catalogKey(stream.accountId, stream.region, stream.name), stream);
    this.#byId.set(stream.id, stream);
  }

  /** Arms (or re-arms) the end of the stream's transitional status at `transitionAt`. */
  #schedule(stream: StreamState): Promise<void> {
    return this.#options.scheduler.at(STATUS_TIMER, stream.id, stream.transitionAt ?? this.#options.now());
  }

  async #complete(stream: StreamState): Promise<void> {
    if (this.#closed || this.#byId.get(stream.id) !== stream) return;
    if (stream.status === StreamStatus.DELETING) {
      await this.#finishDelete(stream);
      return;
    }
    stream.status = StreamStatus.ACTIVE;
    delete stream.transitionAt;
    await this.save(stream);
  }

  async #finishDelete(stream: StreamState): Promise<void> {
    const key = catalogKey(stream.accountId, stream.region, stream.name);
    if (this.#byKey.get(key) === stream) this.#byKey.delete(key);
    this.#byId.delete(stream.id);
    await this.#options.scheduler.cancel(STATUS_TIMER, stream.id);
    const write = this.#writeChain.then(() => this.#options.meta.delete(key));
    this.#writeChain = write.catch(() => {});
    await write;
    await this.#options.onDeleted(stream);
  }

  /** Stops handling transitions (waiting for one under way) and waits for pending writes. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#unhandle?.();
    await this.#writeChain;
  }
}
