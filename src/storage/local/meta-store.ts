/**
 * {@link MetaStore} of the local backend: the whole key space in memory (values as JSON text, so
 * every `get` hands out a fresh copy), persisted as an append-only journal of checksummed batches
 * (journal-codec.ts) with group commit, compacted by write-temp + fsync + rename + fsync(dir).
 */
import { mkdir, open, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join } from 'node:path';
import type { MetaStore } from '../index.js';
import { LocalStorageError, LocalStorageErrorCode } from './errors.js';
import { fsyncDir, isNotFound, writeFully } from './fs-util.js';
import { decodeJournal, encodeJournalEntry, type JournalChange } from './journal-codec.js';

/** Tuning of the metadata store. */
export interface MetaStoreOptions {
  /** Compact when the journal exceeds max(this, 2 x its size after the last compaction). Default 4 MiB. */
  readonly compactBytes: number;
}

interface PendingBatch {
  readonly changes: readonly JournalChange[];
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
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
    const { entries, validBytes } = decodeJournal(buf);
    for (const e of entries) store.apply(e);
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
  private readonly dir: string;
  private fh: FileHandle;
  private readonly compactBytes: number;
  private readonly data = new Map<string, string>();
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

  /** Applies changes to memory. */
  apply(changes: readonly JournalChange[]): void {
    for (const [key, json] of changes) {
      if (json === undefined) {
        if (this.data.delete(key)) this.sorted = undefined;
      } else {
        if (!this.data.has(key)) this.sorted = undefined;
        this.data.set(key, json);
      }
    }
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const json = this.data.get(key);
    return json === undefined ? undefined : (JSON.parse(json) as T);
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
      out.push([keys[i]!, JSON.parse(this.data.get(keys[i]!)!) as T]);
    }
    return out;
  }

  batch(changes: ReadonlyArray<readonly [key: string, value: unknown | undefined]>): Promise<void> {
    if (this.closed) return Promise.reject(new LocalStorageError(LocalStorageErrorCode.closed, 'meta store is closed'));
    if (this.failure) return Promise.reject(this.failure);
    const encoded: JournalChange[] = [];
    for (const [key, value] of changes) {
      if (typeof key !== 'string') {
        return Promise.reject(
          new LocalStorageError(LocalStorageErrorCode.invalidArgument, 'meta keys must be strings'),
        );
      }
      if (value === undefined) {
        encoded.push([key, undefined]);
        continue;
      }
      // Serialised now, so later mutation of the caller's object cannot change what is stored.
      const json = JSON.stringify(value);
      if (json === undefined) {
        return Promise.reject(
          new LocalStorageError(LocalStorageErrorCode.invalidArgument, `value of ${key} is not JSON-serialisable`),
        );
      }
      encoded.push([key, json]);
    }
    if (encoded.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ changes: encoded, resolve, reject });
      if (!this.running) {
        this.running = true;
        this.idle = new Promise<void>((r) => (this.idleResolve = r));
        queueMicrotask(() => void this.writerLoop());
      }
    });
  }

  put(key: string, value: unknown): Promise<void> {
    return this.batch([[key, value]]);
  }

  delete(key: string): Promise<void> {
    return this.batch([[key, undefined]]);
  }

  /** Group commit: every queued batch in one write and one fdatasync; applied to memory once durable. */
  private async writerLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.queue;
        this.queue = [];
        if (this.failure) {
          for (const p of group) p.reject(this.failure);
          continue;
        }
        try {
          const buf = Buffer.concat(group.map((p) => encodeJournalEntry(p.changes)));
          await writeFully(this.fh, { buf, position: this.size });
          await this.fh.datasync();
          this.size += buf.length;
        } catch (err) {
          this.failure = new LocalStorageError(LocalStorageErrorCode.writeFailed, 'meta journal write failed', {
            cause: err,
          });
          for (const p of group) p.reject(this.failure);
          continue;
        }
        for (const p of group) this.apply(p.changes);
        for (const p of group) p.resolve();
        if (this.size > Math.max(this.compactBytes, 2 * this.compactedSize)) {
          await this.compact().catch((err: unknown) => {
            this.failure = new LocalStorageError(LocalStorageErrorCode.writeFailed, 'meta journal compaction failed', {
              cause: err,
            });
          });
        }
      }
    } finally {
      this.running = false;
      this.idleResolve?.();
    }
  }

  /** Rewrites the journal as the live key set: temp file, fsync, rename, fsync(dir). */
  private async compact(): Promise<void> {
    const keys = [...this.data.keys()].sort();
    const parts: Buffer[] = [];
    for (let i = 0; i < keys.length; i += COMPACT_KEYS_PER_ENTRY) {
      parts.push(
        encodeJournalEntry(keys.slice(i, i + COMPACT_KEYS_PER_ENTRY).map((k) => [k, this.data.get(k)] as const)),
      );
    }
    const buf = Buffer.concat(parts);
    const tmpPath = join(this.dir, `${JOURNAL}.tmp`);
    const tmp = await open(tmpPath, 'w');
    try {
      await writeFully(tmp, { buf, position: 0 });
      await tmp.sync();
    } finally {
      await tmp.close();
    }
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
