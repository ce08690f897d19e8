/**
 * Start-up of one node at scale (ADR 0015): creates `--shards` logs (default 10,000) of `--segments` segments
 * each (default 10; 1 KiB segments, one ~900-byte record per segment, durability `none`, written directly
 * through the local backend), closes them, then in a fresh process measures:
 * - re-open: opening the backend and every log (seconds), RSS after it, open file descriptors (/proc/self/fd);
 * - reading one record at a random offset from `--reads` random logs (default 1,000): seconds and fds after.
 * Usage: npm run bench -- scale [--shards N] [--segments S] [--reads R] [--max-open-files F] [--dir D] [--keep]
 * With `--dir` an existing data set there is measured again (it is created when the directory is empty).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openLocalBackend, type LocalBackendOptions } from '../src/storage/local/index.js';
import { parseBenchArgs } from './shared/args.js';

const args = process.argv.slice(2);
const values = parseBenchArgs(
  'npm run bench -- scale',
  'Start-up of one node at scale: re-opening many shard logs of several segments, then random reads (see bench/scale.ts).',
  {
    shards: { type: 'string', default: '10000' },
    segments: { type: 'string', default: '10' },
    reads: { type: 'string', default: '1000' },
    'max-open-files': { type: 'string', default: '0' },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
    /** Internal: the child process that measures the data set in this directory. */
    measure: { type: 'string' },
  },
  args,
);
const SHARDS = Number(values.shards);
const SEGMENTS = Number(values.segments);
const READS = Number(values.reads);
const MAX_OPEN = Number(values['max-open-files']);
const SEGMENT_BYTES = 1024;
/** Logs opened at once while re-opening (a server opens them as requests arrive). */
const CONCURRENCY = 32;
const BATCH_OPEN = 500;

const logId = (i: number) => `stream-${String(i).padStart(6, '0')}`;
const fds = () => readdirSync('/proc/self/fd').length;
const mib = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;

function options(): Partial<LocalBackendOptions> {
  const base: Partial<LocalBackendOptions> = { durability: { kind: 'none' }, segmentBytes: SEGMENT_BYTES };
  // Older builds ignore the option; this one defaults to 512.
  return MAX_OPEN > 0 ? ({ ...base, maxOpenFiles: MAX_OPEN } as Partial<LocalBackendOptions>) : base;
}

/** Writes the data set: every append is one ~900-byte record, so each gets a segment of its own. */
async function create(dir: string): Promise<number> {
  const t0 = performance.now();
  const value = new Uint8Array(900).fill(7);
  for (let from = 0; from < SHARDS; from += BATCH_OPEN) {
    // Backends are closed per batch of logs, so creating never needs more files than one batch holds.
    const b = await openLocalBackend(dir, options());
    const to = Math.min(SHARDS, from + BATCH_OPEN);
    await runLimited(to - from, CONCURRENCY, async (k) => {
      const log = await b.logs.open(logId(from + k));
      for (let s = 0; s < SEGMENTS; s++) await log.append([{ key: 'k', value }], 1_700_000_000_000 + s);
    });
    await b.close();
  }
  return (performance.now() - t0) / 1000;
}

/** Runs in a fresh process: re-open, then random reads. Prints one JSON line. */
async function measure(dir: string): Promise<void> {
  const fdsBefore = fds();
  const t0 = performance.now();
  const b = await openLocalBackend(dir, options());
  let opened = 0;
  let openError: string | undefined;
  try {
    await runLimited(SHARDS, CONCURRENCY, async (i) => {
      await b.logs.open(logId(i));
      opened++;
    });
  } catch (err) {
    openError = String((err as { cause?: unknown }).cause ?? err);
  }
  const openSeconds = (performance.now() - t0) / 1000;
  const rssAfterOpen = process.memoryUsage().rss;
  const fdsAfterOpen = fds();
  let seed = 42;
  const random = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  const t1 = performance.now();
  let read = 0;
  let readError: string | undefined;
  try {
    for (let r = 0; r < READS && openError === undefined; r++) {
      const log = await b.logs.open(logId(random(SHARDS)));
      const recs = await log.read(random(SEGMENTS), { maxRecords: 1, maxBytes: 1 });
      if (recs.length === 1) read++;
    }
  } catch (err) {
    readError = String(err);
  }
  const readSeconds = (performance.now() - t1) / 1000;
  const out = {
    shards: SHARDS,
    segments: SEGMENTS,
    opened,
    openError,
    openSeconds,
    rssAfterOpenMiB: mib(rssAfterOpen),
    fdsBefore,
    fdsAfterOpen,
    reads: read,
    readError,
    readSeconds,
    fdsAfterReads: fds(),
    rssAfterReadsMiB: mib(process.memoryUsage().rss),
  };
  await b.close().catch(() => undefined);
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

async function runLimited(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

if (values.measure !== undefined) {
  await measure(values.measure);
} else {
  const given = values.dir;
  const dir = given ?? mkdtempSync(join(tmpdir(), 'trib-scale-'));
  try {
    const logsDir = join(dir, 'logs');
    if (!existsSync(logsDir) || readdirSync(logsDir).length === 0) {
      const seconds = await create(dir);
      console.log(`created ${SHARDS} logs x ${SEGMENTS} segments in ${seconds.toFixed(1)} s (${dir})`);
    }
    const self = fileURLToPath(import.meta.url);
    const child = spawnSync(process.execPath, [self, '--measure', dir, ...args], { encoding: 'utf8' });
    if (child.status !== 0) throw new Error(`measurement failed: ${child.stderr}`);
    const m = JSON.parse(child.stdout.trim().split('\n').at(-1)!);
    console.log(
      `re-open ${m.opened}/${m.shards} logs: ${m.openSeconds.toFixed(2)} s, RSS ${m.rssAfterOpenMiB} MiB, ` +
        `fds ${m.fdsAfterOpen} (${m.fdsBefore} before)${m.openError ? `, FAILED: ${m.openError}` : ''}`,
    );
    console.log(
      `read 1 record from ${m.reads} random logs: ${m.readSeconds.toFixed(2)} s, fds ${m.fdsAfterReads}, ` +
        `RSS ${m.rssAfterReadsMiB} MiB${m.readError ? `, FAILED: ${m.readError}` : ''}`,
    );
  } finally {
    if (!given && !values.keep) await rm(dir, { recursive: true, force: true });
  }
}
