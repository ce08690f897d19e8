/**
 * Micro-benchmark of the local segment log: 8 concurrent callers append 500-record batches of
 * 100-byte values across 4 logs for ~3 s under `always` durability, then one log is read back fully.
 * Usage: npm run bench -- storage-log [--seconds 3]
 */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalBackend } from '../src/storage/local/index.js';
import type { AppendEntry } from '../src/storage/types.js';
import { parseBenchArgs } from './shared/args.js';

const seconds = Number(
  parseBenchArgs(
    'npm run bench -- storage-log',
    'The local segment log alone: 8 callers append 500 × 100 B batches across 4 logs, then one log is read back.',
    { seconds: { type: 'string', default: '3' } },
  ).seconds,
);
const CALLERS = 8;
const LOGS = 4;
const BATCH = 500;
const dir = mkdtempSync(join(tmpdir(), 'trib-bench-'));

try {
  const backend = await openLocalBackend(dir, { durability: { kind: 'always' } });
  const logs = await Promise.all(Array.from({ length: LOGS }, (_, i) => backend.logs.open(`bench-${i}`)));
  const value = new Uint8Array(100).fill(7);
  const batches = Array.from({ length: CALLERS }, (_, c): AppendEntry[] =>
    Array.from({ length: BATCH }, (_, i) => ({ key: `pk-${c}-${i % 50}`, value })),
  );
  let appended = 0;
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: CALLERS }, async (_, c) => {
      const log = logs[c % LOGS]!;
      while (performance.now() < deadline) {
        const t0 = performance.now();
        await log.append(batches[c]!, Date.now());
        latencies.push(performance.now() - t0);
        appended += BATCH;
      }
    }),
  );
  const appendSecs = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const p = (q: number): string =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(2);

  const log = logs[0]!;
  const readStart = performance.now();
  let read = 0;
  let bytes = 0;
  for (let from = log.startOffset; from < log.nextOffset; ) {
    const recs = await log.read(from, { maxRecords: 10_000, maxBytes: 10 * 1024 * 1024 });
    if (recs.length === 0) break;
    read += recs.length;
    for (const r of recs) bytes += r.value.length;
    from = recs[recs.length - 1]!.offset + 1;
  }
  const readSecs = (performance.now() - readStart) / 1000;
  await backend.close();

  console.log(
    `append: ${appended} records in ${appendSecs.toFixed(2)} s = ${Math.round(appended / appendSecs)} records/s ` +
      `(${((appended * 100) / appendSecs / 1e6).toFixed(1)} MB/s of values; batch latency p50 ${p(0.5)} ms, p99 ${p(0.99)} ms)`,
  );
  console.log(
    `read:   ${read} records (${bytes} value bytes) in ${readSecs.toFixed(2)} s = ${Math.round(read / readSecs)} records/s`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
