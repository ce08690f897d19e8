/**
 * Storage contracts. Services depend on these interfaces only; a concrete backend
 * (`storage/local`, later `storage/nats`) is chosen in `src/server` alone.
 *
 * Two stores:
 * - {@link LogStore}: many independent append-only logs (one per shard), each a sequence of
 *   {@link LogRecord}s with dense, increasing offsets starting at 0.
 * - {@link MetaStore}: a small durable key/value store for metadata (streams, shards, tags, secrets).
 */
import type { StorageStats } from './stats.js';

/**
 * A record's value as handed to {@link ShardLog.append}: its bytes, or its bytes in parts, in order (stored and
 * read back as one value). Parts spare a caller whose record is scattered over received chunks a copy into one
 * buffer before the log copies it again into its own (docs/adr/0051-record-values-in-parts.md).
 */
export type AppendValue = Uint8Array | readonly Uint8Array[];

/** A record as handed to {@link ShardLog.append}. */
export interface AppendEntry {
  /** Application key (the Kinesis partition key). UTF-8, at most 64 KiB. */
  readonly key: string;
  /** Payload bytes, whole or in parts. The log keeps its own copy (or writes it before the promise resolves). */
  readonly value: AppendValue;
  /**
   * Application flags stored with the record, an integer 0–255 (e.g. "value is encrypted"). Opaque to the
   * store: kept out of band so they can never be confused with value bytes. Absent means 0.
   */
  readonly attributes?: number;
}

/** A record as stored. */
export interface LogRecord {
  /** Position in its log: dense, starting at 0, +1 per record. Never reused, even after a crash. */
  readonly offset: number;
  /** Commit time in epoch milliseconds; non-decreasing along the log. */
  readonly timestamp: number;
  readonly key: string;
  readonly value: Uint8Array;
  /** The entry's {@link AppendEntry.attributes}; absent when they were 0. */
  readonly attributes?: number;
}

/** What {@link ShardLog.append} resolves with once the batch is durable under the store's policy. */
export interface AppendResult {
  /** Offset given to the first entry; entry i has `firstOffset + i`. */
  readonly firstOffset: number;
  /** Commit timestamp shared by every entry of the batch (epoch ms, non-decreasing per log). */
  readonly timestamp: number;
}

/** Limits for one read. A read returns at least one record when one is available, even if it alone exceeds maxBytes. */
export interface ReadOptions {
  /** At most this many records. */
  readonly maxRecords: number;
  /** Stop before the total of key + value bytes would exceed this (the first record is always returned). */
  readonly maxBytes: number;
}

/** One log, read-only view. */
export interface ReadableShardLog {
  /** Offset of the oldest record still kept (records below were trimmed); equals `nextOffset` when empty. */
  readonly startOffset: number;
  /** Offset the next appended record will get. */
  readonly nextOffset: number;
  /** Timestamp of the newest record, or undefined when the log has never held a record. */
  readonly lastTimestamp: number | undefined;
  /** Records with offset >= `fromOffset` (clamped to `startOffset`), in order, within the limits. */
  read(fromOffset: number, options: ReadOptions): Promise<LogRecord[]>;
  /**
   * The first offset whose record has timestamp >= `timestamp`, or `nextOffset` when none has.
   * O(log n) through a sparse time index, not a scan.
   */
  offsetForTimestamp(timestamp: number): Promise<number>;
  /**
   * The same records as {@link read} with the same arguments, handed one at a time to `visitor` as views into the
   * store's own bytes instead of as {@link LogRecord} objects: no string, view or object per record. For readers
   * that turn many records straight into bytes (GetRecords' JSON answer; docs/adr/0053-record-scan.md). The view is
   * valid only during the call. `visitor.visit` returning false stops the scan before that record, which is then not
   * counted. Optional: a backend without it is read with {@link read}.
   */
  scan?(fromOffset: number, options: ReadOptions, visitor: RecordVisitor): Promise<ScanResult>;
}

/**
 * One record during {@link ReadableShardLog.scan}: its fields, and where its key (UTF-8) and value lie in
 * {@link bytes}. The same object is reused for every record of a scan.
 */
export interface RecordView {
  readonly offset: number;
  readonly timestamp: number;
  /** The entry's {@link AppendEntry.attributes} (0 when none). */
  readonly attributes: number;
  readonly bytes: Uint8Array;
  readonly keyStart: number;
  readonly keyLength: number;
  readonly valueStart: number;
  readonly valueLength: number;
}

/**
 * Receives each record of a {@link ReadableShardLog.scan}. An object with a method rather than a function: a hot
 * loop calls it, and one class's method is optimised once where a closure made per scan would be compiled anew.
 */
export interface RecordVisitor {
  /** Takes one record; false stops the scan before it. */
  visit(record: RecordView): boolean;
}

/** What a {@link ReadableShardLog.scan} visited. */
export interface ScanResult {
  /** Records visited and accepted (`visit` returned true). */
  readonly count: number;
  /** Key + value bytes of those records. */
  readonly bytes: number;
  /** Offset after the last accepted record, or the (clamped) start when none was. */
  readonly next: number;
  /** The scan ended because `visit` returned false. */
  readonly stopped: boolean;
}

/** One log: append-only, trimmed from the front. */
export interface ShardLog extends ReadableShardLog {
  /**
   * Appends a batch atomically (all or none after a crash) and resolves once it is durable under
   * the store's {@link DurabilityPolicy}. Concurrent calls are group-committed (one fsync serves many).
   * `now` is the wall clock in ms; the commit timestamp is max(now, lastTimestamp).
   */
  append(entries: readonly AppendEntry[], now: number): Promise<AppendResult>;
  /**
   * Drops records with timestamp < `before` where it can reclaim space: whole segments whose newest
   * record is older are deleted. Readers must still filter by time themselves (records in a kept
   * segment may be older). Returns the new `startOffset`.
   */
  trim(before: number): Promise<number>;
  /**
   * Closes the log for writing for good (a shard closed by resharding): waits for appends already accepted, then
   * every later append, from any node, rejects with `TRIB_ERR_STORAGE_SEALED` and stores nothing. Reads go on.
   * Resolves with the end (`nextOffset`, the offset after the last record). Idempotent. Present where
   * `capabilities.sealing` is true: a clustered backend needs it, because a node with an outdated shard map could
   * still write to a closed shard; on one node the shard map alone stops writes (docs/adr/0037).
   */
  seal?(): Promise<number>;
  /**
   * Lets the store drop records older than `maxAgeMs` by itself (the stream's retention period), in addition
   * to {@link trim}. Present where `capabilities.maxAge` is true. Idempotent; no effect on a sealed log whose
   * store cannot expire sealed records (docs/adr/0037).
   */
  setRetention?(maxAgeMs: number): Promise<void>;
}

/** How appends become durable. */
export type DurabilityPolicy =
  /** fsync before the append resolves; concurrent appends share one fsync (group commit). */
  | { readonly kind: 'always' }
  /** write before resolving, fsync at most `intervalMs` later: a crash of the machine (not the process) loses up to that window. */
  | { readonly kind: 'interval'; readonly intervalMs: number }
  /** write before resolving, never fsync explicitly: the OS decides. */
  | { readonly kind: 'none' };

/** The set of logs of one server. Log ids are opaque strings of [A-Za-z0-9._-], at most 200 chars. */
export interface LogStore {
  /** Opens (creating if absent) a log. Opening the same id twice returns the same instance. */
  open(logId: string): Promise<ShardLog>;
  /** Deletes a log and its data. Unknown ids are ignored. */
  delete(logId: string): Promise<void>;
  /** Ids of every existing log. */
  list(): Promise<string[]>;
  /** Flushes and closes every open log. */
  close(): Promise<void>;
  readonly capabilities: Capabilities;
}

/**
 * A value with its revision. Revisions are positive integers that grow with every write of the key
 * (a delete and re-create continues from a higher revision, never reuses one). On a clustered backend
 * they come from the cluster (a KV sequence), so they order writes from every node.
 */
export interface Versioned<T> {
  readonly value: T;
  readonly revision: number;
}

/** Expected state of a key for a compare-and-set write. */
export type ExpectedRevision =
  /** The key must not exist (create). */
  | 0
  /** The key must exist with exactly this revision. */
  | number;

/** Options of a {@link MetaStore} write. */
export interface MetaWriteOptions {
  /**
   * Compare-and-set: write only if the key's current revision equals this (0 = absent). Otherwise the
   * write does nothing and rejects with a `StorageError` (src/storage/errors.ts) of code `TRIB_ERR_STORAGE_CONFLICT`.
   */
  readonly expectedRevision?: ExpectedRevision;
}

/**
 * One change of a {@link MetaStore.batch}: a value sets the key, `undefined` deletes it; an optional
 * `expectedRevision` makes the whole batch conditional on the key's current revision.
 */
export type MetaChange = readonly [key: string, value: unknown | undefined, expectedRevision?: ExpectedRevision];

/**
 * A change another node wrote to the metadata, as a {@link MetaStore.watchRemote} listener receives it (ADR 0036).
 * `value` is undefined when the key was deleted; `revision` is the key's new revision (the deletion's, for a delete).
 */
export interface RemoteMetaChange {
  readonly key: string;
  readonly value: unknown;
  readonly revision: number;
}

/** Read-only view of a {@link MetaStore}. */
export interface ReadableMetaStore {
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** The value with its current revision, or undefined when the key does not exist. */
  getVersioned<T = unknown>(key: string): Promise<Versioned<T> | undefined>;
  /** Every key starting with `prefix`, in key order, with its value. */
  list<T = unknown>(prefix: string): Promise<Array<[string, T]>>;
}

/**
 * A durable key/value store for metadata, with atomic, crash-safe single-key and batch writes and optimistic
 * concurrency: every write gives the key a new revision ({@link Versioned}), and a write may name the revision
 * it expects ({@link MetaWriteOptions.expectedRevision}). A rejected expectation writes nothing and rejects
 * with a `StorageError` of code `TRIB_ERR_STORAGE_CONFLICT` (retriable: re-read, then try again).
 */
export interface MetaStore extends ReadableMetaStore {
  /**
   * Writes (or with `undefined` deletes) several keys atomically; resolves once durable. Values are
   * JSON-serialisable. Each change takes the next revision in order (a deletion takes one too). Expectations
   * are checked against the state before the batch, at the moment it is applied: the batch is written only
   * when every one holds, otherwise nothing is written and it rejects with `TRIB_ERR_STORAGE_CONFLICT`.
   */
  batch(changes: ReadonlyArray<MetaChange>): Promise<void>;
  /** Sets one key; resolves with its new revision once durable. */
  put(key: string, value: unknown, options?: MetaWriteOptions): Promise<number>;
  /** Deletes one key (absent keys are fine unless an expected revision says otherwise). */
  delete(key: string, options?: MetaWriteOptions): Promise<void>;
  /**
   * The change feed (ADR 0036): calls `listener` for every change of a key starting with `prefix` that another
   * instance of the store (another node of a cluster) wrote, in the order the store applied them, shortly after
   * it is durable. Changes written through this instance are never reported: its caller already knows them.
   * Changes written before the call are not reported either, so a cache subscribes first, then loads, and treats
   * a reported revision at or below the one it loaded as already seen. A backend that keeps a bounded number of
   * revisions per key may leave out the older changes of a key changed more often than that while this node's feed
   * was cut off (the NATS backend keeps 16); a key's newest change is always reported. A backend with a single node
   * (the embedded log) has no other writer and never calls the listener. Returns the function that unsubscribes.
   */
  watchRemote(prefix: string, listener: (change: RemoteMetaChange) => void): () => void;
  /** Waits for writes in flight, then closes; later writes reject with `TRIB_ERR_STORAGE_CLOSED`. */
  close(): Promise<void>;
}

/**
 * Time-bounded ownership of a named piece of work ("the delivery worker of stream X"), so that on a cluster
 * each worker runs on exactly one node. A lease is held by one holder until it expires or is released;
 * holders renew well before `ttlMs` runs out. On the embedded backend there is one node and leases are
 * local bookkeeping; a clustered backend keeps them in the cluster. Lease names follow the metadata key rules
 * (any non-empty string); `ttlMs` is a positive number.
 */
export interface Leases {
  /**
   * Takes the lease for `holder` if it is free, expired, or already held by `holder` (then it is renewed).
   * Resolves with the lease when held, undefined when another holder has it.
   */
  acquire(name: string, holder: string, ttlMs: number): Promise<Lease | undefined>;
  /** Who holds the lease now, if anyone (expired leases are free). */
  holder(name: string): Promise<string | undefined>;
}

/** A held lease. */
export interface Lease {
  readonly name: string;
  readonly holder: string;
  /** Epoch ms when it lapses unless renewed. */
  readonly expiresAt: number;
  /**
   * The fencing token of this holding: it grows with every acquisition of the name, cluster-wide (on NATS the KV
   * revision of the acquiring write), so a write stamped with it can be refused once a newer holder has written
   * (`fencedPut`, ADR 0036). A holder paused past its ttl cannot know it lost the lease; the store can.
   */
  readonly fencingToken: number;
  /**
   * Extends the lease by its ttl; rejects with `TRIB_ERR_LEASE_LOST` when another holder took it meanwhile, or
   * when it lapsed or was released (the holder must stop the work and acquire again).
   */
  renew(): Promise<void>;
  /** Gives the lease up at once (idempotent). */
  release(): Promise<void>;
}

/** What a backend can do; tests and services consult it instead of probing. */
export interface Capabilities {
  /** Name of the backend, for logs and `doctor`. */
  readonly backend: string;
  /** Appends survive a process kill once acknowledged. */
  readonly durableAcks: boolean;
  /** Survives the loss of a node (clustered backends). */
  readonly replicated: boolean;
  /**
   * Several gateway nodes may serve the same data (the NATS backend, whatever its replica count): per-node
   * observations such as the writes a node served are only a share of the cluster's (ADR 0047).
   */
  readonly shared?: boolean;
  /** Logs have {@link ShardLog.seal}. */
  readonly sealing?: boolean;
  /** Logs have {@link ShardLog.setRetention}. */
  readonly maxAge?: boolean;
}

/** A backend: its stores, created together and closed together. */
export interface StorageBackend {
  readonly logs: LogStore;
  readonly meta: MetaStore;
  readonly leases: Leases;
  /** The same record as `logs.capabilities`. */
  readonly capabilities: Capabilities;
  /**
   * The backend's write-path and footprint figures (./stats.ts), read by the server once per `/metrics` scrape.
   * Optional: decorators and test backends may leave it out.
   */
  stats?(): Promise<StorageStats>;
  close(): Promise<void>;
}
