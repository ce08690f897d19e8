/**
 * The local backend on a full disk (ADR 0015): the whole conformance suite on a 16 MiB tmpfs, whose full-disk
 * case fills it with a filler file. Needs root to mount (CI runs as root); elsewhere it skips with a message.
 */
import { after, describe, it } from 'node:test';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { storageConformance } from '../../src/storage/conformance/index.js';
import { openLocalBackend } from '../../src/storage/local/index.js';
import { mountSmallFs } from '../helpers/small-fs.js';

const fs = mountSmallFs(16);

if (typeof fs === 'string') {
  describe('local backend on a full disk', () => {
    it('runs on a small tmpfs', { skip: fs }, () => undefined);
  });
} else {
  after(() => fs.unmount());
  const dir = join(fs.dir, 'data');
  let time = 1_700_000_000_000;
  // Small segments, so that rolls (new segment files, sealed indexes) also meet the full disk.
  storageConformance('local (16 MiB tmpfs)', {
    open: () => openLocalBackend(dir, { segmentBytes: 64 * 1024, indexIntervalBytes: 512, now: () => time }),
    reset: () => rm(dir, { recursive: true, force: true }),
    trimAllEmpties: true,
    advanceClock: (ms: number) => {
      time += ms;
    },
    fullDisk: { fill: () => fs.fill(512 * 1024), free: () => fs.free() },
  });
}
