/** {@link LogStore} of the local backend: one directory per log under `<dir>/logs/`. */
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  COMMIT_RECORDS_BOUNDS,
  type Capabilities,
  type LogStore,
  type ShardLog,
  StatsHistogram,
  StorageError,
  StorageErrorCode,
  type StorageStats,
  SYNC_SECONDS_BOUNDS,
} from '../index.js';
import { fsyncDir, isNotFound } from './fs-util.js';
import { DEFAULT_MAX_OPEN_FILES, HandleCache } from './handle-cache.js';
import { LocalShardLog, type LocalWriteStats, type ShardLogOptions } from './shard-log.js';
import { parseSegmentName } from './segment.js';

/** Log ids per the storage contract: [A-Za-z0-9._-], 1..200 chars; `.` and `..` would escape the directory. */
const LOG_ID = /^[A-Za-z0-9._-]{1,200}$/;

/** Whether `id` is a valid log id. */
export function isValidLogId(id: string): boolean {
  return LOG_ID.test(id) && id !== '.' && id !== '..';
}

/** Logs stored under one directory. */
export class LocalLogStore implements LogStore {
  readonly capabilities: Capabilities;
  private readonly logsDir: string;
  private readonly trashDir: string;
  private readonly opts: ShardLogOptions;
  private readonly logs = new Map<string, Promise<LocalShardLog>>();
  private closed = false;

  /** Open segment files of every log of this store (ADR 0015). */
  readonly handles: HandleCache;
  /** fdatasync durations and records per group of every log of this store. */
  readonly #writeStats: LocalWriteStats = {
    syncSeconds: new StatsHistogram(SYNC_SECONDS_BOUNDS),
    commitRecords: new StatsHistogram(COMMIT_RECORDS_BOUNDS),
  };

  /**
   * `root`: the backend directory (logs go to `root/logs`, deletions pass through `root/trash`); `maxOpenFiles`
   * bounds the segment files kept open across all logs.
   */
  constructor(root: string, opts: ShardLogOptions & { maxOpenFiles?: number }) {
    this.logsDir = join(root, 'logs');
    this.trashDir = join(root, 'trash');
    this.handles = opts.handles ?? new HandleCache(opts.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES);
    this.opts = {
      durability: opts.durability,
      segmentBytes: opts.segmentBytes,
      indexIntervalBytes: opts.indexIntervalBytes,
      handles: this.handles,
      stats: this.#writeStats,
    };
    this.capabilities = Object.freeze({
      backend: 'local',
      durableAcks: opts.durability.kind === 'always',
      replicated: false,
    });
  }

  /** Creates the directories and finishes deletions interrupted by a crash. */
  async init(): Promise<void> {
    await mkdir(this.logsDir, { recursive: true });
    await rm(this.trashDir, { recursive: true, force: true });
    await mkdir(this.trashDir, { recursive: true });
  }

  open(logId: string): Promise<ShardLog> {
    if (this.closed) return Promise.reject(new StorageError(StorageErrorCode.closed, 'log store is closed'));
    if (!isValidLogId(logId)) {
      return Promise.reject(
        new StorageError(StorageErrorCode.invalidArgument, `invalid log id ${JSON.stringify(logId)}`),
      );
    }
    let p = this.logs.get(logId);
    if (!p) {
      p = LocalShardLog.open(logId, { ...this.opts, dir: join(this.logsDir, logId) });
      this.logs.set(logId, p);
      p.catch(() => {
        if (this.logs.get(logId) === p) this.logs.delete(logId);
      });
    }
    return p;
  }

  /**
   * Closes the log if open, then renames its directory into the trash (atomic, so a crash never
   * leaves half a log) and removes it.
   */
  async delete(logId: string): Promise<void> {
    if (!isValidLogId(logId)) return;
    const p = this.logs.get(logId);
    if (p) {
      this.logs.delete(logId);
      await (await p.catch(() => undefined))?.close();
    }
    const target = join(this.trashDir, `${logId}.${randomUUID()}`);
    try {
      await rename(join(this.logsDir, logId), target);
    } catch (err) {
      if ((err as { code?: string }).code === 'ENOENT') return;
      throw err;
    }
    if (this.opts.durability.kind !== 'none') await fsyncDir(this.logsDir);
    await rm(target, { recursive: true, force: true });
  }

  async list(): Promise<string[]> {
    const entries = await readdir(this.logsDir, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory() && isValidLogId(e.name))
      .map((e) => e.name)
      .sort();
  }

  /**
   * The write-path histograms, and the logs' files as they are on disk (one `readdir` per log and one `stat` per
   * file: a scrape every few seconds, never on the record path). A log deleted meanwhile is skipped.
   */
  async stats(): Promise<StorageStats> {
    let logs = 0;
    let segments = 0;
    let bytes = 0;
    for (const logId of await this.list()) {
      const dir = join(this.logsDir, logId);
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (err) {
        if (isNotFound(err)) continue;
        throw err;
      }
      logs++;
      for (const name of names) {
        if (parseSegmentName(name) !== undefined) segments++;
        try {
          bytes += (await stat(join(dir, name))).size;
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
    }
    return {
      backend: this.capabilities.backend,
      syncSeconds: this.#writeStats.syncSeconds.snapshot(),
      commitRecords: this.#writeStats.commitRecords.snapshot(),
      logs,
      segments,
      bytes,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.logs.values()];
    this.logs.clear();
    await Promise.all(all.map(async (p) => (await p.catch(() => undefined))?.close()));
  }
}
