/**
 * {@link MetaStore} of the local backend: the whole key space in memory (values as JSON text, so
 * every `get` hands out a fresh copy), persisted as an append-only journal of checksummed batches
 * (journal-codec.ts) with group commit, compacted by write-temp + fsync + rename + fsync(dir).
 * Revisions come from one store-wide counter and are kept in the journal, so they survive restarts and
 * compactions; compare-and-set expectations are checked by the single writer loop.
 *
 * Write failures (ADR 0015): a journal write refused for lack of space (ENOSPC, EDQUOT) is cut off again
 * (truncate + fdatasync) and its batches reject with `TRIB_ERR_STORAGE_NO_SPACE` (retriable; memory unchanged);
 * a compaction without space keeps the current journal. Any other failed write, and every failed fsync, stops
 * the store with `TRIB_ERR_STORAGE_WRITE_FAILED` until the server is restarted.
 */
import { mkdir, open, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join } from 'node:path';
import {
  isNoSpaceErrno,
  type MetaChange,
  type MetaStore,
  type MetaWriteOptions,
  type RemoteMetaChange,
  StorageError,
  StorageErrorCode,
  type Versioned,
} from '../index.js';
import { fsyncDir, isNotFound, writeFully } from './fs-util.js';
import { decodeJournal, encodeJournalEntry, type JournalChange } from './journal-codec.js';

/** Tuning of the metadata store. */
export interface MetaStoreOptions {
  /** Compact when the journal exceeds max(this, 2 x its size after the last compaction). Default 4 MiB. */
  readonly compactBytes: number;
}

interface PendingBatch {
  readonly changes: readonly JournalChange[];
  /** Compare-and-set expectations: [key, expected revision (0 = absent)]. */
  readonly expectations: ReadonlyArray<readonly [string, number]>;
  /** Called with the revision of each change once the batch is durable and applied. */
  readonly resolve: (revisions: readonly number[]) => void;
  readonly reject: (e: unknown) => void;
}

/** A stored value: JSON text (so every read hands out a fresh copy) and its revision. */
interface Stored {
  readonly json: string;
  readonly revision: number;
}

const JOURNAL = 'journal';
/** Keys per entry when compacting, so no single entry grows unbounded. */
const COMPACT_KEYS_PER_ENTRY = 1000;

/** Opens the store in `dir` (created if missing), replaying its journal and cutting a torn tail. */
export async function openLocalMetaStore(dir: string, options: Partial<MetaStoreOptions> = {}): Promise<MetaStore> {
  await mkdir(dir, { recursive: true });
  await unlink(join(dir, `${JOURNAL}.tmp`)).catch((err: unknown) => {
    if (!isNotFound(err)) throw err;
  });
  const path = join(dir, JOURNAL);
  const buf = await readFile(path).catch((err: unknown) => {
    if (isNotFound(err)) return undefined;
    throw err;
  });
  const fh = await open(path, constants.O_RDWR | constants.O_CREAT);
  if (!buf) await fsyncDir(dir);
  const store = new LocalMetaStore(dir, { fh, compactBytes: options.compactBytes ?? 4 * 1024 * 1024 });
  if (buf) {
    const { entries, counter, validBytes } = decodeJournal(buf);
    for (const e of entries) store.apply(e.changes, e.revisions);
    store.counter = counter;
    if (validBytes < buf.length) {
      await fh.truncate(validBytes);
      await fh.datasync();
    }
    store.size = validBytes;
  }
  store.compactedSize = store.size;
  return store;
}

class LocalMetaStore implements MetaStore {
  size = 0;
  compactedSize = 0;
  /** The store-wide revision counter: the revision of the latest applied change (0 = none yet). */
  counter = 0;
  private readonly dir: string;
  private fh: FileHandle;
  private readonly compactBytes: number;
  private readonly data = new Map<string, Stored>();
  private sorted: string[] | undefined;
  private queue: PendingBatch[] = [];
  private running = false;
  private closed = false;
  private failure: Error | undefined;
  private idle: Promise<void> = Promise.resolve();
  private idleResolve: (() => void) | undefined;

  constructor(dir: string, opts: { fh: FileHandle; compactBytes: number }) {
    this.dir = dir;
    this.fh = opts.fh;
    this.compactBytes = opts.compactBytes;
  }

  /** Applies changes with their revisions to memory. */
  apply(changes: readonly JournalChange[], revisions: readonly number[]): void {
    for (const [i, [key, json]] of changes.entries()) {
      if (json === undefined) {
        if (this.data.delete(key)) this.sorted = undefined;
      } else {
        if (!this.data.has(key)) this.sorted = undefined;
        this.data.set(key, { json, revision: revisions[i]! });
      }
    }
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const stored = this.data.get(key);
    return stored === undefined ? undefined : (JSON.parse(stored.json) as T);
  }

  async getVersioned<T = unknown>(key: string): Promise<Versioned<T> | undefined> {
    const stored = this.data.get(key);
    return stored === undefined ? undefined : { value: JSON.parse(stored.json) as T, revision: stored.revision };
  }

  async list<T = unknown>(prefix: string): Promise<Array<[string, T]>> {
    this.sorted ??= [...this.data.keys()].sort();
    const keys = this.sorted;
    // Binary search for the first key >= prefix; matches are contiguous from there.
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    const out: Array<[string, T]> = [];
    for (let i = lo; i < keys.length && keys[i]!.startsWith(prefix); i++) {
      out.push([keys[i]!, JSON.parse(this.data.get(keys[i]!)!.json) as T]);
    }
    return out;
  }

  /** One node, one writer: no other instance can change this store, so nothing is ever reported (ADR 0036). */
  watchRemote(_prefix: string, _listener: (change: RemoteMetaChange) => void): () => void {
    return () => {};
  }

  batch(changes: ReadonlyArray<MetaChange>): Promise<void> {
    return this.enqueue(changes).then(() => undefined);
  }

  put(key: string, value: unknown, options?: MetaWriteOptions): Promise<number> {
    return this.enqueue([[key, value, options?.expectedRevision]]).then((revisions) => revisions[0]!);
  }

  delete(key: string, options?: MetaWriteOptions): Promise<void> {
    return this.enqueue([[key, undefined, options?.expectedRevision]]).then(() => undefined);
  }

  /** Validates and serialises `changes`, queues them for the writer loop; resolves with their revisions. */
  private enqueue(changes: ReadonlyArray<MetaChange>): Promise<readonly number[]> {
    if (this.closed) return Promise.reject(new StorageError(StorageErrorCode.closed, 'meta store is closed'));
    if (this.failure) return Promise.reject(this.failure);
    const invalid = (msg: string) => Promise.reject(new StorageError(StorageErrorCode.invalidArgument, msg));
    const encoded: JournalChange[] = [];
    const expectations: Array<readonly [string, number]> = [];
    for (const [key, value, expected] of changes) {
      if (typeof key !== 'string') return invalid('meta keys must be strings');
      if (expected !== undefined) {
        if (!Number.isSafeInteger(expected) || expected < 0)
          return invalid(`expected revision of ${key} must be an integer >= 0, got ${expected}`);
        expectations.push([key, expected]);
      }
      if (value === undefined) {
        encoded.push([key, undefined]);
        continue;
      }
      // Serialised now, so later mutation of the caller's object cannot change what is stored.
      const json = JSON.stringify(value);
      if (json === undefined) return invalid(`value of ${key} is not JSON-serialisable`);
      encoded.push([key, json]);
    }
    if (encoded.length === 0) return Promise.resolve([]);
    return new Promise<readonly number[]>((resolve, reject) => {
      this.queue.push({ changes: encoded, expectations, resolve, reject });
      if (!this.running) {
        this.running = true;
        this.idle = new Promise<void>((r) => (this.idleResolve = r));
        queueMicrotask(() => void this.writerLoop());
      }
    });
  }

  /**
   * Group commit: every queued batch in one write and one fdatasync; applied to memory once durable.
   * Compare-and-set expectations are checked here, in queue order, against the state each batch will be
   * applied to (what is stored plus the batches accepted before it in the same group), so of two writers
   * racing with the same expectation exactly one wins.
   */
  private async writerLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.queue;
        this.queue = [];
        if (this.failure) {
          for (const p of group) p.reject(this.failure);
          continue;
        }
        const accepted: Array<{ readonly p: PendingBatch; readonly revisions: number[] }> = [];
        const conflicts: Array<{ readonly p: PendingBatch; readonly error: StorageError }> = [];
        /** Revision each key will have once the accepted batches are applied (0 = absent). */
        const pending = new Map<string, number>();
        let counter = this.counter;
        for (const p of group) {
          let error: StorageError | undefined;
          for (const [key, expected] of p.expectations) {
            const current = pending.get(key) ?? this.data.get(key)?.revision ?? 0;
            if (current !== expected) {
              error = new StorageError(
                StorageErrorCode.conflict,
                `revision conflict on ${JSON.stringify(key)}: expected ${expected}, found ${current}`,
              );
              break;
            }
          }
          if (error) {
            conflicts.push({ p, error });
            continue;
          }
          const revisions = p.changes.map(() => ++counter);
          for (const [i, [key, json]] of p.changes.entries()) pending.set(key, json === undefined ? 0 : revisions[i]!);
          accepted.push({ p, revisions });
        }
        if (accepted.length > 0) {
          const buf = Buffer.concat(accepted.map((a) => encodeJournalEntry(a.p.changes, a.revisions)));
          const error = await this.append(buf);
          if (error) {
            for (const a of accepted) a.p.reject(error);
            for (const c of conflicts) c.p.reject(c.error);
            continue;
          }
          this.size += buf.length;
          this.counter = counter;
          for (const a of accepted) this.apply(a.p.changes, a.revisions);
        }
        for (const a of accepted) a.p.resolve(a.revisions);
        for (const c of conflicts) c.p.reject(c.error);
        if (this.size > Math.max(this.compactBytes, 2 * this.compactedSize)) {
          await this.compact().catch((err: unknown) => {
            // Without space the current journal stays as it is; the next attempt waits until it doubles again.
            if (isNoSpaceErrno(err)) this.compactedSize = this.size;
            else this.fail(err, 'meta journal compaction failed');
          });
        }
      }
    } finally {
      this.running = false;
      this.idleResolve?.();
    }
  }

  /**
   * Writes `buf` at the end of the journal and fsyncs it. Resolves with the error the batches reject with, or
   * undefined when durable: a lack of space is undone (the journal is cut back to its durable end); anything
   * else stops the store.
   */
  private async append(buf: Buffer): Promise<StorageError | undefined> {
    try {
      await writeFully(this.fh, { buf, position: this.size });
    } catch (err) {
      if (!isNoSpaceErrno(err)) return this.fail(err, 'meta journal write failed');
      try {
        await this.fh.truncate(this.size);
        await this.fh.datasync();
      } catch (undo) {
        return this.fail(undo, 'meta journal truncation after a full disk failed');
      }
      return new StorageError(
        StorageErrorCode.noSpace,
        `meta journal: no space left on the device (${(err as { code?: string }).code}); nothing of this write ` +
          'was kept, and it may be retried once space is freed',
        { cause: err },
      );
    }
    try {
      await this.fh.datasync();
    } catch (err) {
      return this.fail(err, 'meta journal fsync failed');
    }
    return undefined;
  }

  /** Stops the store: every later write rejects with the returned error until the server is restarted. */
  private fail(err: unknown, what: string): StorageError {
    this.failure ??= new StorageError(
      StorageErrorCode.writeFailed,
      `${what}; the journal's last write is in an unknown state, so the store takes no more writes until the ` +
        'server is restarted',
      { cause: err },
    );
    return this.failure as StorageError;
  }

  /** Rewrites the journal as the live key set: temp file, fsync, rename, fsync(dir). */
  private async compact(): Promise<void> {
    const keys = [...this.data.keys()].sort();
    const parts: Buffer[] = [];
    // Every chunk records the counter, so it survives even when the key that last used it is gone.
    for (let i = 0; i === 0 || i < keys.length; i += COMPACT_KEYS_PER_ENTRY) {
      const chunk = keys.slice(i, i + COMPACT_KEYS_PER_ENTRY);
      const stored = chunk.map((k) => this.data.get(k)!);
      parts.push(
        encodeJournalEntry(
          chunk.map((k, j) => [k, stored[j]!.json] as const),
          stored.map((v) => v.revision),
          this.counter,
        ),
      );
    }
    const buf = Buffer.concat(parts);
    const tmpPath = join(this.dir, `${JOURNAL}.tmp`);
    const tmp = await open(tmpPath, 'w');
    try {
      await writeFully(tmp, { buf, position: 0 });
      await tmp.sync();
    } catch (err) {
      await tmp.close().catch(() => undefined);
      await unlink(tmpPath).catch(() => undefined);
      throw err;
    }
    await tmp.close();
    await rename(tmpPath, join(this.dir, JOURNAL));
    await fsyncDir(this.dir);
    const old = this.fh;
    this.fh = await open(join(this.dir, JOURNAL), 'r+');
    await old.close();
    this.size = buf.length;
    this.compactedSize = buf.length;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.idle;
    await this.fh.close();
  }
}
