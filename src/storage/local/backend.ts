/** The embedded local backend: shard logs + metadata journal under one directory, guarded by a lock file. */
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type DurabilityPolicy, type StorageBackend, StorageError, StorageErrorCode } from '../index.js';
import { isNotFound } from './fs-util.js';
import { DEFAULT_MAX_OPEN_FILES } from './handle-cache.js';
import { LocalLeases } from './leases.js';
import { LocalLogStore } from './log-store.js';
import { openLocalMetaStore } from './meta-store.js';

/** Options of {@link openLocalBackend}. */
export interface LocalBackendOptions {
  /** When appends become durable. Default `{ kind: 'always' }`. */
  durability: DurabilityPolicy;
  /** Size at which a segment is sealed and a new one started. Default 64 MiB. */
  segmentBytes: number;
  /** Bytes between sparse index points. Default 4096. */
  indexIntervalBytes: number;
  /** Clock of the leases, epoch ms. Default `Date.now`. */
  now: () => number;
  /**
   * Segment files kept open across all logs (an LRU; idle segments past it close and reopen on their next use;
   * ADR 0015). Default 512. At least 4.
   */
  maxOpenFiles: number;
}

/** Defaults of {@link LocalBackendOptions}. */
export const DEFAULT_LOCAL_BACKEND_OPTIONS: Readonly<LocalBackendOptions> = Object.freeze({
  durability: Object.freeze({ kind: 'always' }),
  segmentBytes: 64 * 1024 * 1024,
  indexIntervalBytes: 4096,
  now: Date.now,
  maxOpenFiles: DEFAULT_MAX_OPEN_FILES,
});

/** Directories open in this process: a second open would run two writers on the same files. */
const openDirs = new Set<string>();

/**
 * Opens (creating if needed) a local backend in `dir`. Fails when another live process (or this
 * one) has it open.
 */
export async function openLocalBackend(
  dir: string,
  options: Partial<LocalBackendOptions> = {},
): Promise<StorageBackend> {
  const opts = resolveOptions(options);
  const root = resolve(dir);
  await mkdir(root, { recursive: true });
  const releaseLock = await lock(root);
  try {
    const logs = new LocalLogStore(root, opts);
    await logs.init();
    const meta = await openLocalMetaStore(join(root, 'meta'));
    const leases = new LocalLeases({ now: opts.now });
    let closing: Promise<void> | undefined;
    return {
      logs,
      meta,
      leases,
      capabilities: logs.capabilities,
      stats: () => logs.stats(),
      close(): Promise<void> {
        closing ??= (async () => {
          try {
            leases.close();
            await Promise.all([logs.close(), meta.close()]);
          } finally {
            await releaseLock();
          }
        })();
        return closing;
      },
    };
  } catch (err) {
    await releaseLock();
    throw err;
  }
}

function resolveOptions(options: Partial<LocalBackendOptions>): LocalBackendOptions {
  const opts: LocalBackendOptions = { ...DEFAULT_LOCAL_BACKEND_OPTIONS, ...options };
  const bad = (msg: string): never => {
    throw new StorageError(StorageErrorCode.invalidArgument, msg);
  };
  const d = opts.durability;
  if (d.kind === 'interval' && !(Number.isFinite(d.intervalMs) && d.intervalMs > 0))
    bad('durability.intervalMs must be > 0');
  if (d.kind !== 'always' && d.kind !== 'interval' && d.kind !== 'none') bad(`unknown durability ${JSON.stringify(d)}`);
  // Index entries store positions as u32; 1 GiB leaves room for one oversized batch.
  if (!Number.isInteger(opts.segmentBytes) || opts.segmentBytes < 1024 || opts.segmentBytes > 1024 ** 3)
    bad('segmentBytes must be an integer in [1 KiB, 1 GiB]');
  if (!Number.isInteger(opts.indexIntervalBytes) || opts.indexIntervalBytes < 64)
    bad('indexIntervalBytes must be an integer >= 64');
  if (typeof opts.now !== 'function') bad('now must be a function');
  if (!Number.isInteger(opts.maxOpenFiles) || opts.maxOpenFiles < 4) bad('maxOpenFiles must be an integer >= 4');
  return opts;
}

/**
 * Takes `<root>/lock` holding our pid. A lock left by a dead process (crash, kill -9) is taken over;
 * one held by a live process is refused.
 */
async function lock(root: string): Promise<() => Promise<void>> {
  if (openDirs.has(root))
    throw new StorageError(StorageErrorCode.invalidArgument, `${root} is already open in this process`);
  const path = join(root, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      openDirs.add(root);
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        openDirs.delete(root);
        await unlink(path).catch(() => undefined);
      };
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') throw err;
      const pid = Number(
        (await readFile(path, 'utf8').catch((e: unknown) => (isNotFound(e) ? '' : Promise.reject(e)))).trim(),
      );
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new StorageError(StorageErrorCode.invalidArgument, `${root} is in use by process ${pid}`);
      }
      await unlink(path).catch(() => undefined);
    }
  }
  throw new StorageError(StorageErrorCode.invalidArgument, `cannot lock ${root}`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}
