/**
 * `npm run bench:disk-pattern` — the video archive's write pattern without the server (docs/adr/0043): paced
 * appends of a fragment's size to many files, each made durable before it counts, the way `npm run bench:video`
 * drives the local backend (one log per stream, one write and one fdatasync per fragment, both through libuv's
 * thread pool). It prints, per window, the appends completed, their latency from the moment they were due (so a
 * backlog shows), the device's written MB/s and cache flushes per second (/proc/diskstats) and the kernel's Dirty
 * and Writeback pages (/proc/meminfo), so that variants of the pattern can be compared on the same disk:
 *
 *   --files N          files written round-robin (default 100; 1 = one file taking every stream's appends)
 *   --write-kb K       bytes per append (default 1000: a 2 s fragment of a 4 Mbit/s camera)
 *   --interval-ms M    each file's append period (default 2000)
 *   --seconds S        run time (default 30), --window-s W (default 5)
 *   --sync datasync|fsync|dsync|none   how an append is made durable (dsync: the file opened with O_DSYNC)
 *   --prealloc none|fallocate|zero     before the run, give each file its final size: `fallocate` (unwritten
 *                      extents, the util-linux tool), `zero` (written zeros, so appends overwrite allocated blocks)
 *   --index            after each durable append, also append 24 bytes to a per-file `.idx` without syncing it
 *                      (the sparse index of ADR 0008)
 *   --group            one writer per file that takes every append queued meanwhile as one write + one sync (with
 *                      --files 1: a shared log with group commit)
 *   --dir D            where the files go (default: a new directory under the OS temp dir; removed at the end)
 *
 * Latency figures are printed, never asserted. The device figures are machine-wide: other processes' writes count.
 */
import { execFileSync } from 'node:child_process';
import { constants, readFileSync, statSync } from 'node:fs';
import { type FileHandle, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBenchArgs } from './shared/args.js';

const args = parseBenchArgs(
  'npm run bench:disk-pattern --',
  "The video archive's write pattern without the server: paced durable appends to many files (docs/adr/0043).",
  {
    files: { type: 'string', default: '100' },
    'write-kb': { type: 'string', default: '1000' },
    'interval-ms': { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '30' },
    'window-s': { type: 'string', default: '5' },
    sync: { type: 'string', default: 'datasync' },
    prealloc: { type: 'string', default: 'none' },
    index: { type: 'boolean', default: false },
    group: { type: 'boolean', default: false },
    dir: { type: 'string' },
  },
);

const files = Number(args.files);
const writeBytes = Number(args['write-kb']) * 1000;
const intervalMs = Number(args['interval-ms']);
const seconds = Number(args.seconds);
const windowMs = Number(args['window-s']) * 1000;
const sync = args.sync as 'datasync' | 'fsync' | 'dsync' | 'none';
const prealloc = args.prealloc as 'none' | 'fallocate' | 'zero';
/** Appends each stream makes during the run. */
const appendsPerStream = Math.ceil((seconds * 1000) / intervalMs);
/** Streams the appends come from: with one file, every stream's appends go to it. */
const streams = files === 1 ? 100 : files;
const fileBytes = (appendsPerStream * streams * writeBytes) / files;

/** Device counters of the disk holding `dir` (/proc/diskstats: sectors written, flushes completed). */
function diskCounters(dir: string): () => { bytes: number; flushes: number } {
  const dev = statSync(dir).dev;
  const major = (dev >> 8) & 0xfff;
  const minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
  return () => {
    for (const row of readFileSync('/proc/diskstats', 'utf8').split('\n')) {
      const f = row.trim().split(/\s+/);
      if (Number(f[0]) === major && Number(f[1]) === minor) {
        return { bytes: Number(f[9]) * 512, flushes: Number(f[18] ?? Number.NaN) };
      }
    }
    return { bytes: Number.NaN, flushes: Number.NaN };
  };
}

/** Dirty and Writeback from /proc/meminfo, in MB. */
function memPages(): { dirtyMb: number; writebackMb: number } {
  const text = readFileSync('/proc/meminfo', 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { dirtyMb: kb('Dirty') / 1024, writebackMb: kb('Writeback') / 1024 };
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Target {
  readonly fh: FileHandle;
  readonly idx: FileHandle | undefined;
  size: number;
  idxSize: number;
  /** Appends waiting for the file's writer (with --group), with the time each was due. */
  readonly queue: number[];
  busy: boolean;
}

async function main(): Promise<void> {
  const dir = args.dir ?? (await mkdtemp(join(tmpdir(), 'disk-pattern-')));
  const counters = diskCounters(dir);
  const flags = constants.O_RDWR | constants.O_CREAT | (sync === 'dsync' ? constants.O_DSYNC : 0);
  const targets: Target[] = [];
  for (let i = 0; i < files; i++) {
    const path = join(dir, `seg-${i}.log`);
    const fh = await open(path, flags, 0o644);
    if (prealloc === 'fallocate') execFileSync('fallocate', ['-l', String(fileBytes), path]);
    if (prealloc === 'zero') {
      const zeros = Buffer.alloc(4 << 20);
      for (let at = 0; at < fileBytes; at += zeros.length) {
        await fh.write(zeros, 0, Math.min(zeros.length, fileBytes - at), at);
      }
    }
    if (prealloc !== 'none') await fh.sync();
    const idx = args.index ? await open(join(dir, `seg-${i}.idx`), 'w') : undefined;
    targets.push({ fh, idx, size: 0, idxSize: 0, queue: [], busy: false });
  }
  if (prealloc !== 'none') execFileSync('sync', ['-f', dir]);
  const payload = Buffer.alloc(writeBytes, 0x5a);
  const indexEntry = Buffer.alloc(24, 1);

  let latencies: number[] = [];
  let completed = 0;
  let totalCompleted = 0;
  const allLatencies: number[] = [];
  let inFlight = 0;

  const durable = async (t: Target): Promise<void> => {
    if (sync === 'datasync') await t.fh.datasync();
    else if (sync === 'fsync') await t.fh.sync();
  };
  const record = (due: number): void => {
    const ms = performance.now() - due;
    latencies.push(ms);
    allLatencies.push(ms);
    completed++;
    totalCompleted++;
  };

  /** One append (or, with --group, every append queued on the file) made durable. */
  const drain = async (t: Target): Promise<void> => {
    if (t.busy) return;
    t.busy = true;
    try {
      while (t.queue.length > 0) {
        const due = args.group ? t.queue.splice(0) : [t.queue.shift()!];
        const buf = due.length === 1 ? payload : Buffer.concat(due.map(() => payload));
        inFlight += due.length;
        await t.fh.write(buf, 0, buf.length, t.size);
        t.size += buf.length;
        await durable(t);
        if (t.idx !== undefined) {
          await t.idx.write(indexEntry, 0, indexEntry.length, t.idxSize);
          t.idxSize += indexEntry.length;
        }
        inFlight -= due.length;
        for (const d of due) record(d);
      }
    } finally {
      t.busy = false;
    }
  };

  const started = performance.now();
  const timers: NodeJS.Timeout[] = [];
  for (let s = 0; s < streams; s++) {
    const t = targets[s % files]!;
    const offset = (s * intervalMs) / streams;
    let n = 0;
    const tick = (): void => {
      if (n >= appendsPerStream) return;
      const due = started + offset + n * intervalMs;
      n++;
      t.queue.push(due);
      void drain(t);
      timers.push(setTimeout(tick, Math.max(0, started + offset + n * intervalMs - performance.now())));
    };
    timers.push(setTimeout(tick, offset));
  }

  console.log(
    `files=${files} streams=${streams} write=${writeBytes / 1000} kB every ${intervalMs} ms per stream ` +
      `(${((streams * writeBytes) / intervalMs / 1000).toFixed(1)} MB/s offered) sync=${sync} prealloc=${prealloc} ` +
      `index=${args.index} group=${args.group} dir=${dir}`,
  );
  console.log('window  appends  MB/s   p50 ms   p99 ms  max ms | device MB/s  flushes/s | Dirty MB  Writeback MB');
  let last = counters();
  let lastAt = performance.now();
  const expected = appendsPerStream * streams;
  for (let w = 1; ; w++) {
    await new Promise((r) => setTimeout(r, windowMs));
    const now = performance.now();
    const c = counters();
    const sec = (now - lastAt) / 1000;
    const sorted = latencies.sort((a, b) => a - b);
    const mem = memPages();
    console.log(
      `${String(w * (windowMs / 1000)).padStart(4)} s ${String(completed).padStart(7)}  ` +
        `${((completed * writeBytes) / 1e6 / sec).toFixed(1).padStart(5)} ${percentile(sorted, 50).toFixed(0).padStart(8)} ` +
        `${percentile(sorted, 99).toFixed(0).padStart(8)} ${(sorted.at(-1) ?? Number.NaN).toFixed(0).padStart(7)} | ` +
        `${((c.bytes - last.bytes) / 1e6 / sec).toFixed(1).padStart(11)} ${((c.flushes - last.flushes) / sec).toFixed(1).padStart(10)} | ` +
        `${mem.dirtyMb.toFixed(0).padStart(8)} ${mem.writebackMb.toFixed(0).padStart(13)}`,
    );
    latencies = [];
    completed = 0;
    last = c;
    lastAt = now;
    if (totalCompleted >= expected && inFlight === 0) break;
    if (now - started > seconds * 1000 * 4) {
      console.log(`gave up waiting: ${totalCompleted} of ${expected} appends durable`);
      break;
    }
  }
  for (const t of timers) clearTimeout(t);
  const sorted = allLatencies.sort((a, b) => a - b);
  console.log(
    `total: ${totalCompleted}/${expected} appends, p50 ${percentile(sorted, 50).toFixed(0)} ms, p99 ` +
      `${percentile(sorted, 99).toFixed(0)} ms, max ${(sorted.at(-1) ?? Number.NaN).toFixed(0)} ms, ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  for (const t of targets) {
    await t.fh.close();
    await t.idx?.close();
  }
  if (args.dir === undefined) await rm(dir, { recursive: true, force: true });
}

await main();
