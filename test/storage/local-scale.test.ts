/**
 * The local backend at scale (ADR 0015): sealed segments are not read at open, only on their first use, and the
 * segment files kept open across all logs stay within `maxOpenFiles` while every log keeps working.
 */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { HandleCache } from '../../src/storage/local/handle-cache.js';
import { openLocalBackend } from '../../src/storage/local/index.js';
import type { StorageBackend } from '../../src/storage/index.js';

const root = mkdtempSync(join(tmpdir(), 'trib-scale-'));
after(() => rm(root, { recursive: true, force: true }));

const ALL = { maxRecords: 1_000_000, maxBytes: Number.MAX_SAFE_INTEGER } as const;
const value = (log: number, i: number) => Buffer.from(`${log}:${i}:`.padEnd(300, '.'));
const handlesOf = (b: StorageBackend) => (b.logs as unknown as { handles: HandleCache }).handles;

describe('local backend at scale', () => {
  it('loads a sealed segment index on first read, not at open', async () => {
    const dir = join(root, 'lazy');
    let b = await openLocalBackend(dir, { segmentBytes: 1024, indexIntervalBytes: 64 });
    const log = await b.logs.open('s');
    for (let i = 0; i < 20; i++) await log.append([{ key: 'k', value: value(0, i) }], 1000 + i);
    await b.close();
    const logDir = join(dir, 'logs', 's');
    const first = readdirSync(logDir)
      .filter((n) => n.endsWith('.idx'))
      .sort()[0]!;
    await unlink(join(logDir, first));

    b = await openLocalBackend(dir, { segmentBytes: 1024, indexIntervalBytes: 64 });
    try {
      const again = await b.logs.open('s');
      assert.equal(again.nextOffset, 20);
      assert.equal(existsSync(join(logDir, first)), false, 'the sealed index was not read (nor rebuilt) at open');
      const recs = await again.read(0, ALL);
      assert.deepEqual(
        recs.map((r) => Buffer.from(r.value).toString()),
        Array.from({ length: 20 }, (_, i) => value(0, i).toString()),
      );
      assert.equal(existsSync(join(logDir, first)), true, 'the first read rebuilt it');
      assert.equal(await again.offsetForTimestamp(1005), 5);
    } finally {
      await b.close();
    }
  });

  it('keeps at most maxOpenFiles segment files open across logs, and every log keeps working', async () => {
    const dir = join(root, 'lru');
    const options = { segmentBytes: 1024, indexIntervalBytes: 64, maxOpenFiles: 6 };
    let b = await openLocalBackend(dir, options);
    const logs = 30;
    try {
      await Promise.all(
        Array.from({ length: logs }, async (_, l) => {
          const log = await b.logs.open(`l${l}`);
          for (let i = 0; i < 8; i++) await log.append([{ key: 'k', value: value(l, i) }], 1000 + i);
        }),
      );
      const handles = handlesOf(b);
      // Appends resolve before their segment's index points are written and the segment unpinned: the bound
      // holds once that settles (a bounded wait, no timing assertion).
      const settled = async (): Promise<void> => {
        for (let i = 0; i < 500 && handles.openFiles > 6; i++) await new Promise((r) => setTimeout(r, 10));
      };
      await settled();
      assert.ok(handles.openFiles <= 6, `open files ${handles.openFiles}`);
      assert.ok(handles.evicted > 0, 'idle segments were closed');
      for (let l = 0; l < logs; l++) {
        const log = await b.logs.open(`l${l}`);
        await log.append([{ key: 'k', value: value(l, 8) }], 2000);
        const recs = await log.read(0, ALL);
        assert.deepEqual(
          recs.map((r) => Buffer.from(r.value).toString()),
          Array.from({ length: 9 }, (_, i) => value(l, i).toString()),
        );
        await settled();
        assert.ok(handles.openFiles <= 6, `open files ${handles.openFiles}`);
      }
      await b.close();
      b = await openLocalBackend(dir, options);
      for (let l = 0; l < logs; l++) {
        const log = await b.logs.open(`l${l}`);
        assert.equal(log.nextOffset, 9);
        assert.equal((await log.read(4, ALL)).length, 5);
      }
      assert.ok(handlesOf(b).openFiles <= 6, `open files ${handlesOf(b).openFiles}`);
    } finally {
      await b.close();
    }
  });
});
