/**
 * `node dist/bench/append-parts.js`: what a record value given in parts saves on the video archive's write path
 * (docs/adr/0051-record-values-in-parts.md). A fragment arrives as views on the upload's chunks (the MKV reader
 * copies nothing); before, FragmentArchive joined them with `Buffer.concat` and the log copied the joined buffer
 * into its group-commit write; now the log copies the parts straight into that write. Both ways run here against
 * the same local logs, alternately, in rounds: 100 logs (one per stream), fragments of `--fragment-kb` (default
 * 1000, a 2 s fragment of a 4 Mbit/s camera) in 64 KiB views of larger chunks, as the reader hands them over.
 * Prints, per GB, the main thread's CPU time (user + system, from /proc: the JS side, where the copies happen; the
 * writes themselves run on libuv's pool threads), the whole process's CPU time and the wall time, for each way and
 * round.
 * `--durability none` (default) keeps the device out of the figures; `always` adds the flushes.
 * Options: --rounds <n> (default 5), --mb <n> per way and round (default 1000), --fragment-kb, --durability.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalBackend } from '../src/storage/local/index.js';
import type { AppendEntry, ShardLog } from '../src/storage/index.js';
import { parseBenchArgs } from './shared/args.js';

const values = parseBenchArgs(
  'npm run bench -- append-parts',
  "What a record value given in parts saves on the video archive's write path (docs/adr/0051-record-values-in-parts.md).",
  {
    rounds: { type: 'string', default: '5' },
    mb: { type: 'string', default: '1000' },
    'fragment-kb': { type: 'string', default: '1000' },
    durability: { type: 'string', default: 'none' },
  },
);
const ROUNDS = Number(values.rounds);
const BYTES_PER_WAY = Number(values.mb) * 1_000_000;
const FRAGMENT_BYTES = Number(values['fragment-kb']) * 1000;
const STREAMS = 100;
const VIEW_BYTES = 64 * 1024;
const durability = values.durability === 'always' ? { kind: 'always' as const } : { kind: 'none' as const };

/** A fragment as the reader hands it over: a ~400-byte session header and the payload in 64 KiB views. */
function fragmentParts(seed: number): Buffer[] {
  // Chunks larger than the views, as network reads are, so the views share memory the way the reader's do.
  const chunk = Buffer.alloc(FRAGMENT_BYTES, seed & 255);
  const parts = [Buffer.alloc(400, 1)];
  for (let at = 0; at < FRAGMENT_BYTES; at += VIEW_BYTES) parts.push(chunk.subarray(at, at + VIEW_BYTES));
  return parts;
}

/** The main thread's CPU time so far, ms (utime + stime of /proc/<pid>/task/<pid>/stat, 10 ms ticks). */
function mainThreadCpuMs(): number {
  const stat = readFileSync(`/proc/${process.pid}/task/${process.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat(5), counted from the state field (3).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface Figures {
  readonly mainMs: number;
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly bytes: number;
}

async function way(logs: ShardLog[], joined: boolean): Promise<Figures> {
  const fragments = Math.ceil(BYTES_PER_WAY / FRAGMENT_BYTES);
  const main = mainThreadCpuMs();
  const cpu = process.cpuUsage();
  const started = performance.now();
  let bytes = 0;
  // Every stream appends its fragment of the step at once, as 100 cameras' fragments end close together.
  for (let sent = 0; sent < fragments; sent += STREAMS) {
    await Promise.all(
      logs.map((log, i) => {
        const parts = fragmentParts(sent + i);
        const length = parts.reduce((n, p) => n + p.length, 0);
        bytes += length;
        const entry: AppendEntry = { key: 'f', value: joined ? Buffer.concat(parts, length) : parts };
        return log.append([entry], Date.now());
      }),
    );
  }
  const used = process.cpuUsage(cpu);
  return {
    mainMs: mainThreadCpuMs() - main,
    cpuMs: (used.user + used.system) / 1000,
    wallMs: performance.now() - started,
    bytes,
  };
}

const dir = await mkdtemp(join(tmpdir(), 'trib-bench-parts-'));
try {
  const backend = await openLocalBackend(dir, { durability });
  const logs = await Promise.all(Array.from({ length: STREAMS }, (_, i) => backend.logs.open(`stream-${i}`)));
  console.log(
    `append-parts: ${STREAMS} logs, ${FRAGMENT_BYTES / 1000} kB fragments in 64 KiB views, ${BYTES_PER_WAY / 1e6} MB per way and round, durability ${durability.kind}`,
  );
  const perGb = { joined: [] as number[], parts: [] as number[] };
  // One warm-up of each way, not reported.
  await way(logs, true);
  await way(logs, false);
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternate which way goes first, so neither always runs on a warmer (or more fragmented) page cache.
    const order = round % 2 === 1 ? [true, false] : [false, true];
    for (const joined of order) {
      const r = await way(logs, joined);
      const gb = r.bytes / 1e9;
      const name = joined ? 'joined' : 'parts';
      perGb[name].push(r.mainMs / gb);
      console.log(
        `  round ${round} ${name.padEnd(6)}: main thread CPU ${(r.mainMs / gb).toFixed(0)} ms/GB, process CPU ${(r.cpuMs / gb).toFixed(0)} ms/GB, wall ${(r.wallMs / gb).toFixed(0)} ms/GB`,
      );
    }
    for (const log of logs) await log.trim(Number.MAX_SAFE_INTEGER);
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    `  median main thread CPU: joined ${median(perGb.joined).toFixed(0)} ms/GB, parts ${median(perGb.parts).toFixed(0)} ms/GB`,
  );
  await backend.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
