/** The fragment archive (src/video/archive) on the local backend. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openLocalBackend } from '../../src/storage/local/index.js';
import type { StorageBackend } from '../../src/storage/index.js';
import {
  FRAGMENT_NUMBER_DIGITS,
  FragmentArchive,
  type NewFragment,
  fragmentNumber,
  fragmentSeq,
} from '../../src/video/archive/index.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trib-video-archive-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function fragment(seq: number, serverMs: number, bytes: number): NewFragment {
  const payload = Buffer.alloc(bytes, seq % 251);
  return {
    seq,
    producerMs: 1_000 * seq + 0.5,
    serverMs,
    durationMs: 2000,
    timecode: 2000 * seq,
    ebmlHeader: Buffer.from('EBML'),
    info: Buffer.from('INFO'),
    tracks: Buffer.from('TRACKS'),
    tags: seq % 2 ? Buffer.from('TAGS') : Buffer.alloc(0),
    payload: [payload.subarray(0, 3), payload.subarray(3)],
    payloadLength: bytes,
  };
}

describe('FragmentArchive', () => {
  it('stores fragments as received, rebuilds its index after a restart, and keeps sequences increasing', async () => {
    const path = join(dir, 'a');
    let backend: StorageBackend = await openLocalBackend(path);
    let archive = await FragmentArchive.open(backend.logs, 'video.s1');
    const seqs = [archive.reserve(), archive.reserve(), archive.reserve()];
    assert.deepEqual(seqs, [0, 1, 2]);
    // Sequence 1 is burned (a rejected fragment): 0 and 2 are stored.
    const added = await archive.append([fragment(0, 10, 100), fragment(2, 20, 50)], 1000);
    assert.deepEqual(
      added.map((e) => [e.seq, e.offset, e.sizeBytes]),
      [
        [0, 0, 112],
        [2, 1, 62],
      ],
    );
    const stored = await archive.read(added[1]!);
    assert.ok(stored);
    assert.equal(stored.ebmlHeader.toString(), 'EBML');
    assert.equal(stored.infoAndTracks.toString(), 'INFOTRACKS');
    assert.equal(stored.tags.toString(), '');
    assert.deepEqual(stored.payload, Buffer.alloc(50, 2));
    await backend.close();

    backend = await openLocalBackend(path);
    archive = await FragmentArchive.open(backend.logs, 'video.s1');
    assert.deepEqual(archive.entries, added);
    assert.equal(archive.reserve(), 3, 'sequences continue after the highest stored one');
    assert.equal(archive.entryFor(1), undefined);
    assert.equal(archive.entryFor(2)?.offset, 1);
    assert.equal(archive.bytes, 174);
    await backend.close();
  });

  it('drops fragments older than the retention period, then the oldest beyond the byte cap', async () => {
    const backend = await openLocalBackend(join(dir, 'b'));
    const archive = await FragmentArchive.open(backend.logs, 'video.s2');
    for (let i = 0; i < 6; i++) await archive.append([fragment(archive.reserve(), 100 * i, 1000)], 100 * i);
    let seen = 0;
    const stop = archive.subscribe((entries) => (seen += entries.length));
    await archive.append([fragment(archive.reserve(), 600, 1000)], 600);
    stop();
    await archive.append([fragment(archive.reserve(), 700, 1000)], 700);
    assert.equal(seen, 1);
    assert.equal(await archive.enforceRetention(250), 3);
    assert.deepEqual(
      archive.entries.map((e) => e.seq),
      [3, 4, 5, 6, 7],
    );
    assert.equal(await archive.enforceRetention(0, 2 * 1012), 3);
    assert.deepEqual(
      archive.entries.map((e) => e.seq),
      [6, 7],
    );
    assert.equal(await archive.read({ ...archive.entries[0]!, seq: 5, offset: 5 }), undefined);
    assert.ok(await archive.read(archive.entries[0]!));
    await backend.close();
  });

  it('numbers fragments with 47 digits that name their stream incarnation and compare like AWS numbers', () => {
    const a = fragmentNumber(1_700_000_000_000, 9);
    const b = fragmentNumber(1_700_000_000_000, 10);
    assert.equal(a.length, FRAGMENT_NUMBER_DIGITS);
    assert.equal(FRAGMENT_NUMBER_DIGITS, 47);
    assert.ok(BigInt(a) < BigInt(b) && a < b);
    assert.equal(fragmentSeq(1_700_000_000_000, b), 10);
    assert.equal(fragmentSeq(1_700_000_000_001, b), undefined, 'a number of another incarnation');
    assert.equal(fragmentSeq(1_700_000_000_000, `${b}0`), undefined);
    assert.equal(fragmentSeq(1_700_000_000_000, 'x'.repeat(47)), undefined);
  });
});
