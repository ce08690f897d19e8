import { mkdtempSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storageConformance } from '../../src/storage/conformance/index.js';
import { openLocalBackend, type LocalBackendOptions } from '../../src/storage/local/index.js';

const root = mkdtempSync(join(tmpdir(), 'trib-local-'));
after(() => rm(root, { recursive: true, force: true }));

/** A factory over a fixed directory with the given options and a manual clock for the leases. */
function localFactory(name: string, options: Partial<LocalBackendOptions>) {
  const dir = join(root, name);
  let time = 1_700_000_000_000;
  return {
    open: () => openLocalBackend(dir, { ...options, now: () => time }),
    reset: () => rm(dir, { recursive: true, force: true }),
    trimAllEmpties: true,
    advanceClock: (ms: number) => {
      time += ms;
    },
  };
}

// Defaults (one big segment per log), and tiny segments + dense index so that reads, time lookups
// and trims cross many segments and index points.
storageConformance('local (defaults)', localFactory('defaults', {}));
storageConformance('local (small segments)', localFactory('small', { segmentBytes: 2048, indexIntervalBytes: 128 }));
// Few open files: segments are closed by the LRU and reopened on use, under every case of the suite.
storageConformance(
  'local (4 open files)',
  localFactory('lru', { segmentBytes: 2048, indexIntervalBytes: 128, maxOpenFiles: 4 }),
);
storageConformance(
  'local (durability none)',
  localFactory('none', { durability: { kind: 'none' }, segmentBytes: 4096 }),
);

describe('local backend specifics', () => {
  it('trim deletes whole expired segments only', async () => {
    const dir = join(root, 'trim-files');
    const b = await openLocalBackend(dir, { segmentBytes: 1024, indexIntervalBytes: 64 });
    try {
      const log = await b.logs.open('s');
      // 10 batches of ~ 5 x 70 bytes at times 0..9: several segments.
      for (let t = 0; t < 10; t++) {
        await log.append(
          Array.from({ length: 5 }, () => ({ key: 'k', value: new Uint8Array(30) })),
          t * 100,
        );
      }
      const logDir = join(dir, 'logs', 's');
      const segmentsBefore = readdirSync(logDir).filter((n) => n.endsWith('.log')).length;
      assert.ok(segmentsBefore > 2, `expected several segments, got ${segmentsBefore}`);
      const start = await log.trim(450);
      const recs = await log.read(0, { maxRecords: 1000, maxBytes: 1e9 });
      assert.equal(recs[0]!.offset, start);
      // Nothing at or after 450 was dropped, and every segment still present holds a record >= 450 or is newer.
      assert.equal(recs.filter((r) => r.timestamp >= 450).length, 25);
      assert.ok(start > 0 && start <= 25, `startOffset ${start}`);
      const segmentsAfter = readdirSync(logDir).filter((n) => n.endsWith('.log')).length;
      assert.ok(segmentsAfter < segmentsBefore);
      // Segment files are named by their zero-padded base offset.
      const first = readdirSync(logDir)
        .filter((n) => n.endsWith('.log'))
        .sort()[0]!;
      assert.equal(first, `${String(start).padStart(20, '0')}.log`);
    } finally {
      await b.close();
    }
  });

  it('refuses a second open of the same directory while the first is open', async () => {
    const dir = join(root, 'locked');
    const b = await openLocalBackend(dir);
    try {
      await assert.rejects(openLocalBackend(dir), /already open/);
    } finally {
      await b.close();
    }
    const again = await openLocalBackend(dir);
    await again.close();
  });

  it('rejects invalid log ids and appends after close', async () => {
    const dir = join(root, 'invalid');
    const b = await openLocalBackend(dir);
    await assert.rejects(b.logs.open('../escape'), { code: 'TRIB_ERR_STORAGE_INVALID_ARGUMENT' });
    await assert.rejects(b.logs.open('..'), { code: 'TRIB_ERR_STORAGE_INVALID_ARGUMENT' });
    const log = await b.logs.open('ok');
    await b.close();
    await assert.rejects(log.append([{ key: 'k', value: new Uint8Array(1) }], 1), { code: 'TRIB_ERR_STORAGE_CLOSED' });
  });

  it('interval durability acknowledges and persists across restart', async () => {
    const dir = join(root, 'interval');
    let b = await openLocalBackend(dir, { durability: { kind: 'interval', intervalMs: 5 } });
    const log = await b.logs.open('i');
    for (let i = 0; i < 20; i++) await log.append([{ key: 'k', value: new Uint8Array([i]) }], i);
    await b.close();
    b = await openLocalBackend(dir);
    const again = await b.logs.open('i');
    assert.equal(again.nextOffset, 20);
    await b.close();
  });
});
