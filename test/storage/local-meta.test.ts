import { mkdtempSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from 'node:zlib';
import { StorageError, StorageErrorCode, isConflict, isRetriableStorageCode } from '../../src/storage/index.js';
import { decodeJournal, encodeJournalEntry } from '../../src/storage/local/journal-codec.js';
import { openLocalMetaStore } from '../../src/storage/local/meta-store.js';

const root = mkdtempSync(join(tmpdir(), 'trib-meta-'));
after(() => rm(root, { recursive: true, force: true }));

/** One journal entry in the first (pre-revision) layout: a JSON array of changes. */
function v1Entry(changes: unknown[]): Buffer {
  const payload = Buffer.from(JSON.stringify(changes), 'utf8');
  const head = Buffer.alloc(8);
  head.writeUInt32LE(payload.length, 0);
  head.writeUInt32LE(crc32(payload), 4);
  return Buffer.concat([head, payload]);
}

describe('StorageError', () => {
  it('retriable follows the code: unavailable, conflict and no space only', () => {
    const expected: Record<string, boolean> = {
      [StorageErrorCode.closed]: false,
      [StorageErrorCode.corrupt]: false,
      [StorageErrorCode.writeFailed]: false,
      [StorageErrorCode.noSpace]: true,
      [StorageErrorCode.invalidArgument]: false,
      [StorageErrorCode.conflict]: true,
      [StorageErrorCode.unavailable]: true,
      [StorageErrorCode.sealed]: false,
      [StorageErrorCode.leaseLost]: false,
    };
    for (const code of Object.values(StorageErrorCode)) {
      const err = new StorageError(code, 'x', { cause: new Error('inner') });
      assert.equal(err.retriable, expected[code], code);
      assert.equal(isRetriableStorageCode(code), expected[code]);
      assert.equal(err.name, 'StorageError');
      assert.ok(err instanceof StorageError && err instanceof Error);
      assert.equal((err.cause as Error).message, 'inner');
    }
    assert.ok(isConflict(new StorageError(StorageErrorCode.conflict, 'c')));
    assert.ok(!isConflict(new StorageError(StorageErrorCode.closed, 'c')));
    assert.ok(!isConflict(new Error('plain')));
  });
});

describe('metadata journal codec', () => {
  it('round-trips revisions and the compaction counter', () => {
    const buf = Buffer.concat([
      encodeJournalEntry([['a', '1']], [1]),
      encodeJournalEntry(
        [
          ['b', '{"x":[1]}'],
          ['a', undefined],
        ],
        [2, 3],
      ),
      encodeJournalEntry([['b', '2']], [9], 12),
    ]);
    const { entries, counter, validBytes } = decodeJournal(buf);
    assert.equal(validBytes, buf.length);
    assert.equal(counter, 12);
    assert.deepEqual(
      entries.map((e) => [e.changes, e.revisions, e.counter]),
      [
        [[['a', '1']], [1], 0],
        [
          [
            ['b', '{"x":[1]}'],
            ['a', undefined],
          ],
          [2, 3],
          0,
        ],
        [[['b', '2']], [9], 12],
      ],
    );
  });

  it('reads v1 entries, deriving revisions from replay order, and continues above them', () => {
    const buf = Buffer.concat([
      v1Entry([
        ['a', 1],
        ['b', { y: 2 }],
      ]),
      v1Entry([['a']]),
      encodeJournalEntry([['c', '3']], [4]),
      v1Entry([['d', 4]]),
    ]);
    const { entries, counter } = decodeJournal(buf);
    assert.deepEqual(
      entries.map((e) => e.revisions),
      [[1, 2], [3], [4], [5]],
    );
    assert.equal(counter, 5);
  });

  it('stops at a torn or malformed entry', () => {
    const good = encodeJournalEntry([['a', '1']], [1]);
    const bad = Buffer.from(good);
    bad[bad.length - 2] ^= 0xff;
    assert.equal(decodeJournal(Buffer.concat([good, bad])).validBytes, good.length);
    assert.equal(decodeJournal(Buffer.concat([good, good.subarray(0, 10)])).validBytes, good.length);
    const mismatched = Buffer.from('{"revs":[1,2],"changes":[["a",1]]}', 'utf8');
    const head = Buffer.alloc(8);
    head.writeUInt32LE(mismatched.length, 0);
    head.writeUInt32LE(crc32(mismatched), 4);
    assert.equal(decodeJournal(Buffer.concat([good, head, mismatched])).entries.length, 1);
  });
});

describe('local meta store revisions', () => {
  it('a journal written before revisions existed loads, with revisions in replay order', async () => {
    const dir = join(root, 'v1');
    const first = await openLocalMetaStore(dir);
    await first.close();
    await writeFile(
      join(dir, 'journal'),
      Buffer.concat([
        v1Entry([['a', 'x']]),
        v1Entry([
          ['b', 'y'],
          ['a', 'z'],
        ]),
      ]),
    );
    const store = await openLocalMetaStore(dir);
    try {
      assert.deepEqual(await store.getVersioned('a'), { value: 'z', revision: 3 });
      assert.deepEqual(await store.getVersioned('b'), { value: 'y', revision: 2 });
      assert.equal(await store.put('a', 'new', { expectedRevision: 3 }), 4);
    } finally {
      await store.close();
    }
  });

  it('revisions and the counter survive compaction and restart, even when the newest key was deleted', async () => {
    const dir = join(root, 'compact');
    const journalSize = async (): Promise<number> => (await readFile(join(dir, 'journal'))).length;
    let store = await openLocalMetaStore(dir, { compactBytes: 1024 });
    try {
      const keep = await store.put('keep', 'v');
      for (let i = 0; i < 50; i++) await store.put(`churn/${i % 5}`, 'x'.repeat(50));
      for (let i = 0; i < 5; i++) await store.delete(`churn/${i}`);
      const tick = await store.put('tick', 'y');
      // One batch larger than the compaction threshold whose last changes delete every key it touched: the
      // compaction that follows it keeps no key with these revisions, only the counter.
      await store.batch([
        ['big', 'z'.repeat(4096)],
        ['big', undefined],
        ['tick', undefined],
      ]);
      await store.close();
      assert.ok((await journalSize()) < 1024, 'the journal was compacted');
      store = await openLocalMetaStore(dir, { compactBytes: 1024 });
      assert.deepEqual(await store.getVersioned('keep'), { value: 'v', revision: keep });
      assert.equal((await store.list('churn/')).length, 0);
      const again = await store.put('tick', 'back', { expectedRevision: 0 });
      assert.ok(again > tick + 3, `re-created at ${again}, deleted at ${tick + 3}`);
    } finally {
      await store.close();
    }
  });

  it('an invalid expected revision is an invalid argument', async () => {
    const store = await openLocalMetaStore(join(root, 'invalid'));
    try {
      for (const expectedRevision of [-1, 1.5, Number.NaN]) {
        await assert.rejects(store.put('k', 1, { expectedRevision }), { code: StorageErrorCode.invalidArgument });
      }
      assert.equal(await store.get('k'), undefined);
    } finally {
      await store.close();
    }
  });
});
