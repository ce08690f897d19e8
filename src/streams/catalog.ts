/**
 * The stream catalogue: every stream's metadata (status, shards, tags, settings), kept in memory and
 * written through to the {@link MetaStore} on each change, plus the timed status transitions
 * (CREATING → ACTIVE, UPDATING → ACTIVE, DELETING → gone) that AWS shows for a while.
 *
 * The catalogue is the only writer of stream state. A {@link StreamState} is immutable (frozen): a change is a
 * mutator applied by {@link StreamCatalog.update} to a copy, written with compare-and-set, and swapped in only
 * once durable. Code that keeps a state across an await sees that moment's snapshot; where the current state
 * matters it looks the stream up again by id.
 *
 * On a cluster other nodes write streams too. Their changes arrive through the metadata store's change feed
 * (`watchRemote`, ADR 0036) and take the same per-stream turn as local changes: a state whose revision is newer
 * than the one this node knows replaces it (caches derived from the old one are dropped through `onRefreshed`),
 * a deletion forgets the stream. The node that wrote a transitional status runs its timer; the others follow
 * its writes.
 */
import { randomBytes } from 'node:crypto';
import type { Scheduler } from '../jobs/index.js';
import { isConflict, type MetaStore, type RemoteMetaChange } from '../storage/index.js';
import type { Logger } from '../protocol/index.js';
import { kinesisError, streamNotFound } from './errors.js';

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
  readonly closedAt?: number;
  /**
   * Set once every record of a closed shard was past the stream's retention and its log was deleted (the retention
   * sweep, docs/adr/0042): the offset after its last record. The shard reads as empty and ended there, and no log is
   * opened for it again.
   */
  readonly expiredEnd?: number;
}

/** One stream's metadata, persisted as JSON. */
export interface StreamState {
  /** Unique per incarnation: a deleted and re-created stream gets a new id, so old iterators fail. */
  readonly id: string;
  readonly name: string;
  readonly accountId: string;
  readonly region: string;
  readonly arn: string;
  readonly status: StreamStatus;
  readonly mode: StreamMode;
  /** Epoch ms, whole seconds as AWS reports. */
  readonly createdAt: number;
  readonly retentionHours: number;
  readonly shards: readonly ShardState[];
  readonly nextShardIndex: number;
  /** Tags in insertion order. */
  readonly tags: Readonly<Record<string, string>>;
  readonly shardLevelMetrics: readonly string[];
  readonly encryptionType: 'NONE' | 'KMS';
  readonly keyId?: string;
  readonly maxRecordSizeKiB: number;
  readonly warmThroughputMiBps?: number;
  /** When the current transitional status ends (epoch ms). */
  readonly transitionAt?: number;
  /** Resharding bookkeeping (src/streams/resharding), absent until the stream is first resharded. */
  readonly resharding?: ReshardingState;
}

/** Persisted resharding state of a stream. */
export interface ReshardingState {
  /** The operation applied when its UPDATING period ends (resumed after a restart). */
  readonly pending?: PendingReshard;
  /** Epoch ms of the UpdateShardCount calls of the last 24 h (AWS allows 10 per rolling 24 h). */
  readonly scalings?: readonly number[];
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

/**
 * A mutable deep copy of a state (what a mutator edits). Arrays and nested records lose their `readonly` too.
 */
export type Draft<T> =
  T extends ReadonlyArray<infer U> ? Draft<U>[] : T extends object ? { -readonly [K in keyof T]: Draft<T[K]> } : T;

/** Fields that identify a stream incarnation: a mutator cannot change them. */
type StreamIdentity = 'id' | 'name' | 'accountId' | 'region' | 'arn' | 'createdAt';

/** The copy of a {@link StreamState} a mutator edits (identity fields stay read-only). */
export type StreamDraft = Draft<Omit<StreamState, StreamIdentity>> & Pick<StreamState, StreamIdentity>;

/**
 * A change of one stream: edits `draft` (a copy of the current state) in place. Throwing (a ServiceError such as
 * ResourceInUseException) aborts the change; returning `false` means "nothing to change": neither aborts write anything.
 * It may run more than once (after a compare-and-set conflict, on the refreshed state), so it must not have side effects
 * beyond the draft.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: most mutators return nothing; `false` is the one value that counts.
export type StreamMutator = (draft: StreamDraft) => void | false;

/** Options of {@link StreamCatalog.update}. */
export interface UpdateOptions {
  /**
   * Publishes the change in stages (resharding's shard map switch): runs once the new state `next` is durable and
   * before it replaces `previous` in memory, still holding the stream's turn. `show(view)` makes an interim view
   * current (it must contain nothing that is not durable: parts of `previous` and of `next`). `next` becomes
   * current when the returned promise settles, whether it resolves or rejects.
   */
  readonly stage?: (next: StreamState, show: (view: StreamState) => void, previous: StreamState) => Promise<void>;
}

/**
 * Attempts of one {@link StreamCatalog.update} when its compare-and-set write conflicts (another writer changed the
 * stream: on a cluster, another node). Each conflict re-reads the stored state, makes it current, and runs the
 * mutator again on it; after the last attempt the conflict is thrown (a retriable storage error).
 */
export const UPDATE_ATTEMPTS = 5;

export interface CatalogOptions {
  readonly meta: MetaStore;
  readonly logger: Logger;
  /** Called when a stream's DELETING period ends: drop its logs. */
  readonly onDeleted: (stream: StreamState) => Promise<void>;
  /**
   * Called when another writer changed (`next`) or removed (undefined) a stream, found by a compare-and-set conflict
   * or reported by the change feed: caches derived from `previous` (routing tables, shard handles) must be dropped.
   */
  readonly onRefreshed?: (previous: StreamState, next: StreamState | undefined) => void;
  readonly now: () => number;
  /** Runs the status transitions (timer kind {@link STATUS_TIMER}, keyed by stream id). */
  readonly scheduler: Scheduler;
}

/** Scheduler timer kind of the status transitions. */
export const STATUS_TIMER = 'streams.status';

/** Freezes a state and everything in it (the in-memory states are never edited in place). */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function keyOf(stream: StreamState): string {
  return catalogKey(stream.accountId, stream.region, stream.name);
}

/**
 * In-memory view of all streams, and their only writer: changes are serialised per stream, written with
 * compare-and-set against the revision last written or read, and become visible once durable.
 */
export class StreamCatalog {
  readonly #byKey = new Map<string, StreamState>();
  readonly #byId = new Map<string, StreamState>();
  /** Revision of each stream's key as last written or read, by stream id. */
  readonly #revisions = new Map<string, number>();
  /** Tail of each stream's queue of changes, by stream id. */
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #options: CatalogOptions;
  #unhandle: (() => Promise<void>) | undefined;
  #unwatch: (() => void) | undefined;
  /** Changes from other nodes that arrived while the stored streams were loading; applied after the load. */
  #early: RemoteMetaChange[] | undefined = [];
  #closed = false;

  private constructor(options: CatalogOptions) {
    this.#options = options;
  }

  /** Loads every stream and resumes pending transitions (a transition due while the server was down completes now). */
  static async open(options: CatalogOptions): Promise<StreamCatalog> {
    const catalog = new StreamCatalog(options);
    catalog.#unhandle = options.scheduler.handle(STATUS_TIMER, (timer) => catalog.#complete(timer.key));
    // Subscribed before loading, so that no change of another node falls between the load and the feed.
    catalog.#unwatch = options.meta.watchRemote(KEY_PREFIX, (change) => catalog.#remote(change));
    for (const [key] of await options.meta.list<StreamState>(KEY_PREFIX)) {
      const stored = await options.meta.getVersioned<StreamState>(key);
      if (!stored) continue;
      catalog.#revisions.set(stored.value.id, stored.revision);
      catalog.#index(deepFreeze(stored.value));
    }
    const early = catalog.#early ?? [];
    catalog.#early = undefined;
    for (const change of early) catalog.#remote(change);
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

  /**
   * The id of the stream stored under this name in the metadata store now (not this node's cache), or undefined.
   * On a cluster the store may already hold a stream another node created whose change has not reached this
   * node's cache yet (ADR 0036): a load that judges other keys by their stream asks the store before dropping them.
   */
  async storedId(accountId: string, region: string, name: string): Promise<string | undefined> {
    return (await this.#options.meta.get<StreamState>(catalogKey(accountId, region, name)))?.id;
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

  /**
   * Adds a new stream once it is durable (its key must not exist: a concurrent CreateStream of the same name, here
   * or on another node, gets ResourceInUseException), and arms its transition.
   */
  add(stream: StreamState): Promise<StreamState> {
    return this.#exclusive(stream.id, async () => {
      let revision: number;
      try {
        revision = await this.#options.meta.put(keyOf(stream), stream, { expectedRevision: 0 });
      } catch (err) {
        if (!isConflict(err)) throw err;
        throw kinesisError(
          'ResourceInUseException',
          `Stream ${stream.name} under account ${stream.accountId} already exists.`,
        );
      }
      const added = deepFreeze(structuredClone(stream));
      this.#revisions.set(added.id, revision);
      this.#index(added);
      if (added.transitionAt !== undefined) await this.#schedule(added);
      return added;
    });
  }

  /**
   * Changes a stream: after the changes queued before it, applies `mutate` to a copy of the current state, writes the
   * copy with compare-and-set, then makes it current and resolves with it. Nothing is written and memory is unchanged
   * when the mutator throws or returns false (then this resolves with the current state) or the write fails.
   * A conflict (another writer) refreshes the state from the store and runs the mutator again, up to
   * {@link UPDATE_ATTEMPTS} times. Rejects with ResourceNotFoundException when the stream no longer exists.
   */
  update(stream: StreamState, mutate: StreamMutator, options: UpdateOptions = {}): Promise<StreamState> {
    return this.#exclusive(stream.id, () => this.#update(stream, mutate, options));
  }

  /**
   * Puts a stream into a transitional status for `delayMs`, then into `ACTIVE` (or, for DELETING, removes it),
   * together with the change of `mutate` (one write). A delay of 0 completes before this resolves. Resolves with
   * the new state, undefined once the stream is gone.
   */
  async transition(
    stream: StreamState,
    status: StreamStatus,
    delayMs: number,
    mutate?: StreamMutator,
  ): Promise<StreamState | undefined> {
    if (delayMs <= 0 && status === StreamStatus.DELETING) {
      return this.#exclusive(stream.id, async () => {
        const current = this.#byId.get(stream.id);
        if (!current) return undefined;
        if (mutate?.(structuredClone(current) as StreamDraft) === false) return current;
        await this.#remove(current);
        return undefined;
      });
    }
    const next = await this.update(stream, (draft) => {
      if (mutate?.(draft) === false) return false;
      if (delayMs <= 0) {
        draft.status = StreamStatus.ACTIVE;
        delete draft.transitionAt;
      } else {
        draft.status = status;
        draft.transitionAt = this.#options.now() + delayMs;
      }
    });
    if (delayMs > 0 && next.transitionAt !== undefined) await this.#schedule(next);
    return next;
  }

  async #update(stream: StreamState, mutate: StreamMutator, options: UpdateOptions): Promise<StreamState> {
    const meta = this.#options.meta;
    for (let attempt = 1; ; attempt++) {
      const current = this.#byId.get(stream.id);
      if (!current) throw streamNotFound(stream.name, stream.accountId);
      const draft = structuredClone(current) as StreamDraft;
      if (mutate(draft) === false) return current;
      const next: StreamState = draft;
      if (next.id !== current.id || keyOf(next) !== keyOf(current))
        throw new Error('a mutator changed the identity of a stream');
      let revision: number;
      try {
        revision = await meta.put(keyOf(next), next, { expectedRevision: this.#revisions.get(current.id) ?? 0 });
      } catch (err) {
        if (!isConflict(err) || attempt >= UPDATE_ATTEMPTS) throw err;
        this.#options.logger.warn({ stream: current.name, attempt }, 'stream changed by another writer, retrying');
        await this.#refresh(current);
        continue;
      }
      this.#revisions.set(current.id, revision);
      deepFreeze(next);
      if (!options.stage) {
        this.#index(next);
        return next;
      }
      try {
        await options.stage(next, (view) => this.#index(deepFreeze(view)), current);
      } finally {
        this.#index(next);
      }
      return next;
    }
  }

  /** A change another node wrote (the change feed): applied in the stream's turn, after the changes queued before it. */
  #remote(change: RemoteMetaChange): void {
    if (this.#closed) return;
    if (this.#early) {
      this.#early.push(change);
      return;
    }
    const next = change.value as StreamState | undefined;
    // A deletion names the incarnation stored under the key when it arrived (a re-created stream has a new id).
    const id = next?.id ?? this.#byKey.get(change.key)?.id;
    if (id === undefined) return;
    void this.#exclusive(id, async () => this.#applyRemote(change.key, id, next, change.revision)).catch((err) =>
      this.#options.logger.warn({ err, key: change.key }, "another node's change of a stream was not applied"),
    );
  }

  #applyRemote(key: string, id: string, next: StreamState | undefined, revision: number): void {
    if (this.#closed) return;
    const known = this.#revisions.get(id);
    // Already seen: this node's own write, a conflict's re-read, or the load.
    if (known !== undefined && revision <= known) return;
    const previous = this.#byId.get(id);
    if (!next) {
      if (!previous) return;
      this.#unindex(previous);
      this.#options.onRefreshed?.(previous, undefined);
      return;
    }
    // The name now belongs to a new incarnation: the old one is gone.
    const replaced = this.#byKey.get(key);
    if (replaced && replaced.id !== id) {
      this.#unindex(replaced);
      this.#options.onRefreshed?.(replaced, undefined);
    }
    const state = deepFreeze(next);
    this.#revisions.set(id, revision);
    this.#index(state);
    if (previous) this.#options.onRefreshed?.(previous, state);
  }

  /** After a conflict: the stored state becomes current (or the stream is dropped when it is gone or re-created). */
  async #refresh(current: StreamState): Promise<void> {
    const stored = await this.#options.meta.getVersioned<StreamState>(keyOf(current));
    if (!stored || stored.value.id !== current.id) {
      this.#unindex(current);
      this.#options.onRefreshed?.(current, undefined);
      return;
    }
    const next = deepFreeze(stored.value);
    this.#revisions.set(current.id, stored.revision);
    this.#index(next);
    this.#options.onRefreshed?.(current, next);
  }

  #index(stream: StreamState): void {
    this.#byKey.set(keyOf(stream), stream);
    this.#byId.set(stream.id, stream);
  }

  #unindex(stream: StreamState): void {
    const key = keyOf(stream);
    if (this.#byKey.get(key)?.id === stream.id) this.#byKey.delete(key);
    this.#byId.delete(stream.id);
    this.#revisions.delete(stream.id);
  }

  /** Arms (or re-arms) the end of the stream's transitional status at `transitionAt`. */
  #schedule(stream: StreamState): Promise<void> {
    return this.#options.scheduler.at(STATUS_TIMER, stream.id, stream.transitionAt ?? this.#options.now());
  }

  /** The end of a transitional status (timer handler). */
  #complete(id: string): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return this.#exclusive(id, async () => {
      const stream = this.#byId.get(id);
      if (this.#closed || !stream) return;
      if (stream.status === StreamStatus.DELETING) {
        await this.#remove(stream);
        return;
      }
      await this.#update(
        stream,
        (draft) => {
          if (draft.status === StreamStatus.ACTIVE && draft.transitionAt === undefined) return false;
          draft.status = StreamStatus.ACTIVE;
          delete draft.transitionAt;
        },
        {},
      );
    });
  }

  /** Deletes the stream's key (compare-and-set, retried like updates), then forgets it and drops its logs. */
  async #remove(stream: StreamState): Promise<void> {
    const meta = this.#options.meta;
    let current: StreamState | undefined = stream;
    for (let attempt = 1; current; attempt++) {
      try {
        await meta.delete(keyOf(current), { expectedRevision: this.#revisions.get(current.id) ?? 0 });
        break;
      } catch (err) {
        if (!isConflict(err) || attempt >= UPDATE_ATTEMPTS) throw err;
        await this.#refresh(current);
        current = this.#byId.get(stream.id);
      }
    }
    if (!current) return;
    this.#unindex(current);
    await this.#options.scheduler.cancel(STATUS_TIMER, current.id);
    await this.#options.onDeleted(current);
  }

  /** Runs `task` after every change of the stream queued before it. */
  #exclusive<T>(id: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(id) ?? Promise.resolve();
    const run = previous.then(task, task);
    const tail = run.catch(() => {});
    this.#queues.set(id, tail);
    void tail.then(() => {
      if (this.#queues.get(id) === tail) this.#queues.delete(id);
    });
    return run;
  }

  /** Stops handling transitions (waiting for one under way) and waits for pending changes. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#unwatch?.();
    await this.#unhandle?.();
    await Promise.allSettled([...this.#queues.values()]);
  }
}
