import { mkdtempSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { openLocalBackend } from '../../src/storage/local/index.js';
import { FrameDecoder, FrameStatus } from '../../src/storage/local/frame-codec.js';
import { decodeIndexEntries, IndexEntryKind } from '../../src/storage/local/index-codec.js';
import type { LogRecord, StorageBackend } from '../../src/storage/types.js';

const root = mkdtempSync(join(tmpdir(), 'trib-recovery-'));
after(() => rm(root, { recursive: true, force: true }));
const ALL = { maxRecords: 1_000_000, maxBytes: Number.MAX_SAFE_INTEGER };
const OPTIONS = { segmentBytes: 2048, indexIntervalBytes: 128, durability: { kind: 'none' } } as const;

/** Frame ends of the segment file: offset, end position, batch end. */
function framesOf(path: string): Array<{ offset: number; end: number; batchEnd: boolean }> {
  const buf = readFileSync(path);
  const dec = new FrameDecoder();
  dec.reset(buf);
  const out: Array<{ offset: number; end: number; batchEnd: boolean }> = [];
  while (dec.next(true) === FrameStatus.ok) out.push({ offset: dec.offset, end: dec.position, batchEnd: dec.batchEnd });
  return out;
}

/** Position of the last batch-start index point persisted for the tail segment (the recovery anchor). */
function anchorOf(idxPath: string): number {
  let anchor = 0;
  try {
    for (const e of decodeIndexEntries(readFileSync(idxPath)).entries) {
      if (e.kind === IndexEntryKind.point && e.batchStart) anchor = e.position;
    }
  } catch {
    // no index: recovery scans from the segment start
  }
  return anchor;
}

function sameRecords(actual: readonly LogRecord[], expected: readonly LogRecord[]): void {
  assert.equal(actual.length, expected.length, 'record count');
  for (let i = 0; i < actual.length; i++) {
    assert.equal(actual[i]!.offset, expected[i]!.offset);
    assert.equal(actual[i]!.key, expected[i]!.key);
    assert.equal(actual[i]!.timestamp, expected[i]!.timestamp);
    assert.ok(Buffer.from(actual[i]!.value).equals(Buffer.from(expected[i]!.value)), `value at ${i}`);
  }
}

const batchesArb = fc.array(
  fc.array(fc.record({ key: fc.string({ maxLength: 12 }), value: fc.uint8Array({ maxLength: 120 }) }), {
    minLength: 1,
    maxLength: 8,
  }),
  { minLength: 1, maxLength: 25 },
);

const damageArb = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 4 }),
    mask: fc.integer({ min: 1, max: 255 }),
  }),
);

let run = 0;

describe('local log recovery', () => {
  it('a damaged tail recovers to exactly a prefix of whole batches', async () => {
    await fc.assert(
      fc.asyncProperty(batchesArb, damageArb, async (batches, damage) => {
        const dir = join(root, `prop-${run++}`);
        let b: StorageBackend = await openLocalBackend(dir, OPTIONS);
        try {
          const log = await b.logs.open('p');
          for (let i = 0; i < batches.length; i++) await log.append(batches[i]!, 1000 + i);
          const written = await log.read(0, ALL);
          await b.close();

          const logDir = join(dir, 'logs', 'p');
          const tail = readdirSync(logDir)
            .filter((n) => n.endsWith('.log'))
            .sort()
            .at(-1)!;
          const tailPath = join(logDir, tail);
          const frames = framesOf(tailPath);
          const size = readFileSync(tailPath).length;
          // Where the damage starts: bytes before it are intact.
          let firstDamaged: number;
          if (damage.kind === 'truncate') {
            firstDamaged = Math.floor(damage.at * size);
            truncateSync(tailPath, firstDamaged);
          } else {
            // Crash damage lands in the unsynced tail, after the last persisted anchor; bytes before
            // it were fsynced and are trusted like sealed segments (read-time CRC checks cover them).
            const anchor = anchorOf(tailPath.replace(/\.log$/, '.idx'));
            const buf = readFileSync(tailPath);
            const span = size - anchor;
            if (span === 0) return;
            // Distinct positions: flipping one byte twice would undo the damage.
            const positions = [...new Set(damage.at.map((a) => anchor + Math.min(span - 1, Math.floor(a * span))))];
            for (const p of positions) buf[p]! ^= damage.mask;
            writeFileSync(tailPath, buf);
            firstDamaged = Math.min(...positions);
          }
          const base = Number(tail.slice(0, 20));
          const keptInTail = frames.filter((f) => f.end <= firstDamaged);
          let keptEnd = base;
          for (const f of keptInTail) if (f.batchEnd) keptEnd = f.offset + 1;
          const expected = written.filter((r) => r.offset < keptEnd);

          b = await openLocalBackend(dir, OPTIONS);
          const again = await b.logs.open('p');
          assert.equal(again.nextOffset, keptEnd);
          sameRecords(await again.read(0, ALL), expected);
          // Appends continue right after the last whole batch and read back.
          const r = await again.append(
            [
              { key: 'new', value: new Uint8Array([1, 2, 3]) },
              { key: 'new2', value: new Uint8Array(0) },
            ],
            5,
          );
          assert.equal(r.firstOffset, keptEnd);
          assert.ok(r.timestamp >= (expected.at(-1)?.timestamp ?? 0));
          await b.close();
          b = await openLocalBackend(dir, OPTIONS);
          const third = await b.logs.open('p');
          assert.equal(third.nextOffset, keptEnd + 2);
          const tailRecs = await third.read(keptEnd, ALL);
          assert.deepEqual(
            tailRecs.map((x) => x.key),
            ['new', 'new2'],
          );
        } finally {
          await b.close();
          await rm(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 60 },
    );
  });

  it('damage in trusted bytes is reported on read, never returned as data', async () => {
    const dir = join(root, 'trusted');
    let b = await openLocalBackend(dir, { durability: { kind: 'none' } });
    const log = await b.logs.open('t');
    for (let i = 0; i < 50; i++) await log.append([{ key: 'k', value: new Uint8Array(200).fill(i) }], i);
    await b.close();
    const path = join(dir, 'logs', 't', `${'0'.padStart(20, '0')}.log`);
    const buf = readFileSync(path);
    buf[40]! ^= 0xff; // inside the first record's key/value, before the recovery anchor
    writeFileSync(path, buf);
    b = await openLocalBackend(dir);
    try {
      const again = await b.logs.open('t');
      await assert.rejects(again.read(0, ALL), { code: 'TRIB_ERR_STORAGE_CORRUPT' });
    } finally {
      await b.close();
    }
  });

  it('survives kill -9 with every acknowledged batch intact', async () => {
    const dir = join(root, 'kill');
    const script = fileURLToPath(new URL('./fixtures/kill-writer.js', import.meta.url));
    const child = spawn(process.execPath, [script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString('utf8');
        if (out.includes('\n')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
    });
    await new Promise((r) => setTimeout(r, 1000));
    child.kill('SIGKILL');
    await exited;

    const acked = out
      .split('\n')
      .slice(0, -1) // the last piece may be a partial line
      .map((line) => {
        const [logId, first, count, tag] = line.split(' ');
        return { logId: logId!, first: Number(first), count: Number(count), tag: tag! };
      });
    assert.ok(acked.length > 0);

    const b = await openLocalBackend(dir);
    try {
      for (const logId of ['alpha', 'beta']) {
        const log = await b.logs.open(logId);
        const recs = await log.read(0, ALL);
        assert.equal(recs.length, log.nextOffset);
        const values = recs.map((r, i) => {
          assert.equal(r.offset, i, 'dense offsets');
          return Buffer.from(r.value).toString('utf8').replace(/\.+$/, '');
        });
        assert.equal(new Set(values).size, values.length, 'no duplicates');
        // Every acknowledged batch is where it was acknowledged.
        for (const a of acked.filter((x) => x.logId === logId)) {
          for (let i = 0; i < a.count; i++) assert.equal(values[a.first + i], `${a.tag}:${i}/${a.count}`);
        }
        // Every stored record belongs to a whole batch (acknowledged or not).
        for (let i = 0; i < values.length; ) {
          const m = /^(\d+:\d+):0\/(\d+)$/.exec(values[i]!);
          assert.ok(m, `batch start expected at ${i}: ${values[i]}`);
          const n = Number(m[2]);
          for (let j = 0; j < n; j++) assert.equal(values[i + j], `${m[1]}:${j}/${n}`);
          i += n;
        }
      }
    } finally {
      await b.close();
    }
  });
});
