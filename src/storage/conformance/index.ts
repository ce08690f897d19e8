/**
 * The storage conformance suite: behaviour every backend must show, written only against the
 * interfaces in `../types.ts`. A backend's test file calls {@link storageConformance} with a
 * factory; the suite registers `node:test` cases.
 *
 * ```ts
 * storageConformance('local', { open: () => openLocalBackend(dir), reset: () => rm(dir, ...) });
 * ```
 *
 * Errors are checked by class and code only (`StorageError`, `TRIB_ERR_*`), never by message text.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { scopeLeases, scopeMeta } from '../decorators/scoped-meta.js';
import { StorageError, StorageErrorCode } from '../errors.js';
import { fencedPut } from '../fencing.js';
import type { LogRecord, RecordView, RecordVisitor, ShardLog, StorageBackend } from '../types.js';

/** How the suite obtains backends. */
export interface ConformanceFactory {
  /**
   * Opens a backend on the current data. The suite calls it again after closing the previous
   * instance to check that everything survives a restart, so it must reopen the same data.
   */
  open(): Promise<StorageBackend>;
  /** Discards all data so the next {@link open} starts empty. Called before every case, never while a backend is open. */
  reset(): Promise<void>;
  /**
   * Whether `trim(before)` with `before` above every record's timestamp always leaves the log empty
   * (`startOffset === nextOffset`). The contract only promises trimming where space can be reclaimed;
   * backends that trim exactly set this to get the stronger checks. Default false.
   */
  readonly trimAllEmpties?: boolean;
  /** Called once after every case has run (remove temp dirs, stop servers). */
  dispose?(): Promise<void>;
  /**
   * Moves the clock of the backends this factory opens (the leases' clock) forward by `ms`. Backends that run
   * on real time leave it out; the cases that need a lease to expire are then skipped (the suite never waits
   * for time to pass or asserts on durations).
   */
  advanceClock?(ms: number): void;
  /**
   * Takes most of the backend's space and gives it back (for example a filler file on a small file system), for
   * the full-disk case: after `fill` the suite writes until a write is refused, then calls `free`. Backends that
   * cannot be filled leave it out, and the case is skipped.
   */
  readonly fullDisk?: { fill(): Promise<void>; free(): Promise<void> };
  /**
   * Whether a second {@link open} while one backend is open gives another node on the same data (a clustered
   * backend). The change-feed cases then write through one and watch through the other; otherwise they only check
   * that a store never reports its own writes.
   */
  readonly concurrentOpen?: boolean;
}

/** How long a change-feed case waits for a change another node wrote before it fails (never a timing assertion). */
const FEED_DEADLINE_MS = 20_000;

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (v: Uint8Array): string => new TextDecoder().decode(v);
const ALL = { maxRecords: 1_000_000, maxBytes: Number.MAX_SAFE_INTEGER } as const;

/** Registers the conformance cases for one backend under `describe(name)`. */
export function storageConformance(name: string, factory: ConformanceFactory): void {
  /** Runs `fn` on a fresh backend and closes it afterwards. */
  const fresh = async (fn: (b: StorageBackend) => Promise<void>): Promise<void> => {
    await factory.reset();
    const b = await factory.open();
    try {
      await fn(b);
    } finally {
      await b.close();
    }
  };
  /** Closes `b` and opens the same data again. */
  const restart = async (b: StorageBackend): Promise<StorageBackend> => {
    await b.close();
    return factory.open();
  };

  describe(`storage conformance: ${name}`, () => {
    after(async () => {
      await factory.dispose?.();
    });

    describe('logs', () => {
      it('a new log is empty', () =>
        fresh(async (b) => {
          const log = await b.logs.open('empty');
          assert.equal(log.startOffset, 0);
          assert.equal(log.nextOffset, 0);
          assert.equal(log.lastTimestamp, undefined);
          assert.deepEqual(await log.read(0, ALL), []);
          assert.equal(await log.offsetForTimestamp(0), 0);
        }));

      it('appends get dense offsets per batch and read back in order', () =>
        fresh(async (b) => {
          const log = await b.logs.open('order');
          const r1 = await log.append([{ key: 'a', value: enc('one') }], 1000);
          const r2 = await log.append(
            [
              { key: 'b', value: enc('two') },
              { key: 'ключ-🔑', value: new Uint8Array([0, 255, 1, 254]) },
              { key: '', value: new Uint8Array(0) },
            ],
            1001,
          );
          const r3 = await log.append([{ key: 'c', value: enc('three') }], 1002);
          assert.deepEqual([r1.firstOffset, r2.firstOffset, r3.firstOffset], [0, 1, 4]);
          assert.equal(log.nextOffset, 5);
          assert.equal(log.lastTimestamp, 1002);
          const recs = await log.read(0, ALL);
          assert.deepEqual(
            recs.map((r) => r.offset),
            [0, 1, 2, 3, 4],
          );
          assert.deepEqual(
            recs.map((r) => r.key),
            ['a', 'b', 'ключ-🔑', '', 'c'],
          );
          assert.deepEqual(
            recs.map((r) => Array.from(r.value)),
            [Array.from(enc('one')), Array.from(enc('two')), [0, 255, 1, 254], [], Array.from(enc('three'))],
          );
          assert.deepEqual(
            recs.map((r) => r.timestamp),
            [1000, 1001, 1001, 1001, 1002],
          );
          assert.ok(recs.every((r) => r.value instanceof Uint8Array));
        }));

      it('scan, where a backend has it, visits exactly what read returns within the same limits, and stops where the visitor refuses', async (t) => {
        await factory.reset();
        const b = await factory.open();
        try {
          const log = await b.logs.open('scan');
          if (!log.scan) {
            t.skip(`${b.capabilities.backend} has no scan`);
            return;
          }
          await log.append(
            [
              { key: 'a', value: enc('one') },
              { key: 'ключ-🔑', value: new Uint8Array([0, 255, 1, 254]), attributes: 7 },
              { key: '', value: new Uint8Array(0) },
            ],
            1000,
          );
          // Records larger than a first read chunk, so a scan crosses chunk boundaries as a read does.
          await log.append(
            Array.from({ length: 40 }, (_, i) => ({ key: `k${i}`, value: new Uint8Array(9_000 + i).fill(i) })),
            1001,
          );
          await log.append([{ key: 'z', value: enc('last') }], 1002);
          /** Copies what a scan shows, in the shape read returns. */
          class Copier implements RecordVisitor {
            readonly seen: LogRecord[] = [];
            constructor(private readonly refuseAt = -1) {}
            visit(r: RecordView): boolean {
              if (r.offset === this.refuseAt) return false;
              const bytes = Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength);
              this.seen.push({
                offset: r.offset,
                timestamp: r.timestamp,
                key: bytes.toString('utf8', r.keyStart, r.keyStart + r.keyLength),
                value: new Uint8Array(bytes.subarray(r.valueStart, r.valueStart + r.valueLength)),
                ...(r.attributes !== 0 ? { attributes: r.attributes } : {}),
              });
              return true;
            }
          }
          const plain = (recs: readonly LogRecord[]) => recs.map((r) => ({ ...r, value: Array.from(r.value) }));
          for (const [from, limits] of [
            [0, ALL],
            [1, { maxRecords: 2, maxBytes: 1 << 30 }],
            [2, { maxRecords: 100, maxBytes: 50_000 }],
            [3, { maxRecords: 100, maxBytes: 1 }],
            [-4, { maxRecords: 5, maxBytes: 1 << 30 }],
            [43, ALL],
            [44, ALL],
          ] as const) {
            const read = await log.read(from, limits);
            const copier = new Copier();
            const scan = await log.scan(from, limits, copier);
            assert.deepEqual(plain(copier.seen), plain(read), `from ${from}`);
            assert.equal(scan.count, read.length);
            assert.equal(scan.stopped, false);
            assert.equal(
              scan.bytes,
              read.reduce((n, r) => n + Buffer.byteLength(r.key) + r.value.length, 0),
            );
            if (read.length > 0) assert.equal(scan.next, read[read.length - 1]!.offset + 1);
          }
          const refusing = new Copier(5);
          const stopped = await log.scan(0, ALL, refusing);
          assert.deepEqual(
            refusing.seen.map((r) => r.offset),
            [0, 1, 2, 3, 4],
          );
          assert.deepEqual(
            { count: stopped.count, next: stopped.next, stopped: stopped.stopped },
            { count: 5, next: 5, stopped: true },
          );
        } finally {
          await b.close();
        }
      });

      it('commit timestamp is max(now, lastTimestamp)', () =>
        fresh(async (b) => {
          const log = await b.logs.open('time');
          assert.equal((await log.append([{ key: 'k', value: enc('1') }], 5000)).timestamp, 5000);
          assert.equal((await log.append([{ key: 'k', value: enc('2') }], 4000)).timestamp, 5000);
          assert.equal((await log.append([{ key: 'k', value: enc('3') }], 6000)).timestamp, 6000);
          assert.equal(log.lastTimestamp, 6000);
          assert.deepEqual(
            (await log.read(0, ALL)).map((r) => r.timestamp),
            [5000, 5000, 6000],
          );
        }));

      it('reads from an offset, clamped to startOffset, empty at the end', () =>
        fresh(async (b) => {
          const log = await b.logs.open('from');
          await appendNumbered(log, { count: 20, now: 1 });
          assert.deepEqual(
            (await log.read(15, ALL)).map((r) => r.offset),
            [15, 16, 17, 18, 19],
          );
          assert.equal((await log.read(-5, ALL))[0]?.offset, 0);
          assert.deepEqual(await log.read(20, ALL), []);
          assert.deepEqual(await log.read(1000, ALL), []);
        }));

      it('read honours maxRecords and maxBytes, and always returns a first record', () =>
        fresh(async (b) => {
          const log = await b.logs.open('limits');
          // key 'kk' (2 bytes) + 8-byte value = 10 bytes per record; the last record is big.
          for (let i = 0; i < 10; i++) await log.append([{ key: 'kk', value: enc(`value-0${i}`) }], 1);
          await log.append([{ key: 'é', value: new Uint8Array(1000) }], 1); // 'é' is 2 UTF-8 bytes
          assert.equal((await log.read(0, { maxRecords: 3, maxBytes: 1e9 })).length, 3);
          assert.equal(
            (await log.read(0, { maxRecords: 100, maxBytes: 30 })).length,
            3,
            'exactly at the budget is kept',
          );
          assert.equal((await log.read(0, { maxRecords: 100, maxBytes: 29 })).length, 2, 'stops before exceeding');
          assert.equal(
            (await log.read(0, { maxRecords: 100, maxBytes: 1 })).length,
            1,
            'first record despite maxBytes',
          );
          const big = await log.read(10, { maxRecords: 100, maxBytes: 5 });
          assert.deepEqual(
            big.map((r) => [r.offset, r.value.length]),
            [[10, 1000]],
          );
          assert.equal(
            (await log.read(9, { maxRecords: 100, maxBytes: 1011 })).length,
            1,
            'key counts its UTF-8 bytes',
          );
          assert.equal((await log.read(9, { maxRecords: 100, maxBytes: 1012 })).length, 2);
        }));

      it('paging with nextOffset visits every record exactly once', () =>
        fresh(async (b) => {
          const log = await b.logs.open('paging');
          await appendNumbered(log, { count: 600, now: 10, batch: 37 });
          const seen: number[] = [];
          let from = 0;
          for (;;) {
            const page = await log.read(from, { maxRecords: 50, maxBytes: 700 });
            if (page.length === 0) break;
            for (const r of page) seen.push(r.offset);
            from = page[page.length - 1]!.offset + 1;
          }
          assert.deepEqual(
            seen,
            Array.from({ length: 600 }, (_, i) => i),
          );
        }));

      it('offsetForTimestamp finds the first record at or after a time', () =>
        fresh(async (b) => {
          const log = await b.logs.open('ts');
          // offsets 0-1 @100, 2-3 @200 (3 asked for 150), 4-5 @300, 6..205 @400..599
          await log.append(
            [
              { key: 'a', value: enc('0') },
              { key: 'a', value: enc('1') },
            ],
            100,
          );
          await log.append([{ key: 'a', value: enc('2') }], 200);
          await log.append([{ key: 'a', value: enc('3') }], 150); // committed at 200
          await log.append(
            [
              { key: 'a', value: enc('4') },
              { key: 'a', value: enc('5') },
            ],
            300,
          );
          for (let i = 0; i < 200; i++) await log.append([{ key: 'x', value: new Uint8Array(64) }], 400 + i);
          assert.equal(await log.offsetForTimestamp(0), 0);
          assert.equal(await log.offsetForTimestamp(100), 0);
          assert.equal(await log.offsetForTimestamp(101), 2);
          assert.equal(await log.offsetForTimestamp(200), 2);
          assert.equal(await log.offsetForTimestamp(201), 4);
          assert.equal(await log.offsetForTimestamp(300), 4);
          assert.equal(await log.offsetForTimestamp(400), 6);
          assert.equal(await log.offsetForTimestamp(450), 56);
          assert.equal(await log.offsetForTimestamp(599), 205);
          assert.equal(await log.offsetForTimestamp(600), 206);
          assert.equal(await log.offsetForTimestamp(10_000), log.nextOffset);
        }));

      it('trim never drops unexpired records and keeps offsets', () =>
        fresh(async (b) => {
          const log = await b.logs.open('trim');
          for (let t = 0; t < 50; t++) await appendNumbered(log, { count: 20, now: 1000 + t * 10, batch: 5, tag: t });
          const next = log.nextOffset;
          const cut = 1000 + 30 * 10; // records of rounds 0..29 are older
          const start = await log.trim(cut);
          assert.equal(start, log.startOffset);
          assert.ok(start <= 30 * 20, `startOffset ${start} must not pass the first unexpired record`);
          assert.equal(log.nextOffset, next);
          const recs = await log.read(0, ALL);
          assert.equal(recs[0]?.offset, start, 'reads start at startOffset');
          assert.equal(recs.length, next - start);
          assert.equal(await log.offsetForTimestamp(0), start);
          const again = await log.trim(cut - 100);
          assert.ok(again >= start, 'startOffset never moves back');
          const r = await log.append([{ key: 'k', value: enc('after') }], 5000);
          assert.equal(r.firstOffset, next);
        }));

      if (factory.trimAllEmpties) {
        it('trimming everything empties the log and keeps nextOffset across restart', async () => {
          await factory.reset();
          let b = await factory.open();
          try {
            const log = await b.logs.open('trim-all');
            await appendNumbered(log, { count: 30, now: 100, batch: 7 });
            assert.equal(await log.trim(1000), 30);
            assert.equal(log.startOffset, 30);
            assert.equal(log.nextOffset, 30);
            assert.deepEqual(await log.read(0, ALL), []);
            assert.equal(await log.offsetForTimestamp(0), 30);
            b = await restart(b);
            const again = await b.logs.open('trim-all');
            assert.equal(again.startOffset, 30);
            assert.equal(again.nextOffset, 30);
            const r = await again.append([{ key: 'k', value: enc('x') }], 50);
            assert.equal(r.firstOffset, 30);
            assert.ok(r.timestamp >= 100, 'the clock never runs backwards, even across an emptied log');
          } finally {
            await b.close();
          }
        });
      }

      it('everything survives close and reopen, and appends continue', async () => {
        await factory.reset();
        let b = await factory.open();
        try {
          const log = await b.logs.open('restart');
          await appendNumbered(log, { count: 300, now: 777, batch: 13 });
          const before = await log.read(0, ALL);
          const state = [log.startOffset, log.nextOffset, log.lastTimestamp];
          b = await restart(b);
          const again = await b.logs.open('restart');
          assert.deepEqual([again.startOffset, again.nextOffset, again.lastTimestamp], state);
          assertSameRecords(await again.read(0, ALL), before);
          const r = await again.append([{ key: 'k', value: enc('next') }], 1);
          assert.deepEqual(r, { firstOffset: 300, timestamp: 777 });
          assert.equal(await again.offsetForTimestamp(777), 0);
        } finally {
          await b.close();
        }
      });

      it('concurrent appends from many callers get distinct, dense offsets', () =>
        fresh(async (b) => {
          const log = await b.logs.open('concurrent');
          const callers = 24;
          const rounds = 5;
          const results = await Promise.all(
            Array.from({ length: callers }, async (_, c) => {
              const mine: Array<{ first: number; size: number; round: number }> = [];
              for (let round = 0; round < rounds; round++) {
                const size = 1 + ((c * 7 + round * 3) % 11);
                const entries = Array.from({ length: size }, (_, i) => ({
                  key: `c${c}`,
                  value: enc(`${c}/${round}/${i}`),
                }));
                const r = await log.append(entries, 1000 + round);
                mine.push({ first: r.firstOffset, size, round });
              }
              return mine.map((m) => ({ ...m, caller: c }));
            }),
          );
          const batches = results.flat().sort((x, y) => x.first - y.first);
          let expect = 0;
          for (const bt of batches) {
            assert.equal(bt.first, expect, 'batches tile the offset space without gaps or overlaps');
            expect += bt.size;
          }
          assert.equal(log.nextOffset, expect);
          const recs = await log.read(0, ALL);
          assert.equal(recs.length, expect);
          for (const bt of batches) {
            for (let i = 0; i < bt.size; i++)
              assert.equal(text(recs[bt.first + i]!.value), `${bt.caller}/${bt.round}/${i}`);
          }
          for (let i = 1; i < recs.length; i++) assert.ok(recs[i]!.timestamp >= recs[i - 1]!.timestamp);
        }));

      it('close flushes appends still in flight', async () => {
        await factory.reset();
        let b = await factory.open();
        try {
          const log = await b.logs.open('flush');
          const pending = Array.from({ length: 20 }, (_, i) => log.append([{ key: 'k', value: enc(String(i)) }], 1));
          const closing = b.close();
          const results = await Promise.all(pending);
          await closing;
          assert.deepEqual(
            results.map((r) => r.firstOffset).sort((x, y) => x - y),
            Array.from({ length: 20 }, (_, i) => i),
          );
          b = await factory.open();
          assert.equal((await (await b.logs.open('flush')).read(0, ALL)).length, 20);
        } finally {
          await b.close();
        }
      });

      it('large values round-trip', () =>
        fresh(async (b) => {
          const log = await b.logs.open('large');
          const big = new Uint8Array(1024 * 1024).map((_, i) => (i * 31) & 255);
          await log.append(
            [
              { key: 'a', value: new Uint8Array(10) },
              { key: 'big', value: big },
              { key: 'z', value: enc('z') },
            ],
            1,
          );
          const recs = await log.read(0, ALL);
          assert.equal(recs.length, 3);
          assert.ok(Buffer.from(recs[1]!.value).equals(Buffer.from(big)));
          assert.equal((await log.read(1, { maxRecords: 10, maxBytes: 10 })).length, 1);
        }));

      it('a value given in parts is stored and read back as one value, next to whole ones; a bad part rejects', () =>
        fresh(async (b) => {
          const log = await b.logs.open('parts');
          const big = new Uint8Array(300 * 1024).map((_, i) => (i * 7) & 255);
          await log.append(
            [
              { key: 'whole', value: enc('w') },
              { key: 'parts', value: [enc('he'), new Uint8Array(0), enc('llo'), big.subarray(0, 1000)] },
              { key: 'none', value: [] },
              { key: 'big', value: [big.subarray(0, 100_000), big.subarray(100_000)] },
            ],
            1,
          );
          const recs = await log.read(0, ALL);
          assert.deepEqual(
            recs.map((r) => [r.key, r.value.length]),
            [
              ['whole', 1],
              ['parts', 1005],
              ['none', 0],
              ['big', big.length],
            ],
          );
          assert.ok(Buffer.from(recs[1]!.value).equals(Buffer.concat([enc('hello'), big.subarray(0, 1000)])));
          assert.ok(Buffer.from(recs[3]!.value).equals(Buffer.from(big)));
          await assert.rejects(
            log.append([{ key: 'bad', value: [enc('x'), 'y' as unknown as Uint8Array] }], 2),
            (err: unknown) => {
              assertStorageError(err, StorageErrorCode.invalidArgument, false);
              return true;
            },
          );
          assert.equal(log.nextOffset, 4);
        }));

      it('record attributes (0-255) round-trip per record and survive a restart; absent means 0', async () => {
        await factory.reset();
        let b = await factory.open();
        try {
          const log = await b.logs.open('attrs');
          await log.append(
            [
              { key: 'a', value: enc('plain') },
              { key: 'b', value: enc('flagged'), attributes: 1 },
              { key: 'c', value: enc('max'), attributes: 255 },
              { key: 'd', value: enc('zero'), attributes: 0 },
            ],
            1,
          );
          const check = (recs: LogRecord[]): void => {
            assert.deepEqual(
              recs.map((r) => [r.key, text(r.value), r.attributes ?? 0]),
              [
                ['a', 'plain', 0],
                ['b', 'flagged', 1],
                ['c', 'max', 255],
                ['d', 'zero', 0],
              ],
            );
          };
          check(await log.read(0, ALL));
          b = await restart(b);
          check(await (await b.logs.open('attrs')).read(0, ALL));
        } finally {
          await b.close();
        }
      });

      it('the log store opens, lists and deletes independent logs', () =>
        fresh(async (b) => {
          const [l1, l1again] = await Promise.all([b.logs.open('a.B_c-9'), b.logs.open('a.B_c-9')]);
          assert.equal(l1, l1again, 'the same id gives the same instance');
          assert.equal(await b.logs.open('a.B_c-9'), l1);
          const l2 = await b.logs.open('other');
          await l1.append([{ key: 'k', value: enc('1') }], 1);
          await l2.append(
            [
              { key: 'k', value: enc('2') },
              { key: 'k', value: enc('3') },
            ],
            1,
          );
          assert.equal(l1.nextOffset, 1);
          assert.equal(l2.nextOffset, 2);
          const ids = await b.logs.list();
          assert.ok(ids.includes('a.B_c-9') && ids.includes('other'));
          await b.logs.delete('other');
          await b.logs.delete('never-existed');
          assert.ok(!(await b.logs.list()).includes('other'));
          const l2new = await b.logs.open('other');
          assert.equal(l2new.nextOffset, 0);
          assert.deepEqual(await l2new.read(0, ALL), []);
          assert.equal((await l1.read(0, ALL)).length, 1);
          assert.equal(typeof b.logs.capabilities.backend, 'string');
          assert.ok(b.logs.capabilities.backend.length > 0);
          assert.equal(typeof b.logs.capabilities.durableAcks, 'boolean');
        }));

      it('stats, where reported, count every appended record in the group-commit histogram, the logs and their bytes', () =>
        fresh(async (b) => {
          if (b.stats === undefined) return;
          const before = await b.stats();
          assert.equal(before.backend, b.capabilities.backend);
          assert.equal(before.logs, 0);
          const log = await b.logs.open('counted');
          await Promise.all([
            log.append([{ key: 'k', value: enc('1') }], 1),
            log.append(
              [
                { key: 'k', value: enc('2') },
                { key: 'k', value: enc('3') },
              ],
              1,
            ),
          ]);
          await log.append([{ key: 'k', value: enc('4') }], 2);
          const s = await b.stats();
          assert.equal(s.commitRecords.sum - before.commitRecords.sum, 4);
          const groups = s.commitRecords.count - before.commitRecords.count;
          assert.ok(groups >= 2 && groups <= 3, `${groups} groups`);
          for (const h of [s.commitRecords, s.syncSeconds]) {
            assert.equal(h.counts.length, h.bounds.length + 1);
            assert.equal(
              h.counts.reduce((x, y) => x + y, 0),
              h.count,
            );
          }
          if (b.capabilities.durableAcks) assert.ok(s.syncSeconds.count > before.syncSeconds.count);
          assert.equal(s.logs, 1);
          assert.ok(s.bytes > 0);
          if (s.segments !== undefined) assert.ok(s.segments >= 1);
        }));
    });

    describe('log lifecycle (backends with capabilities.sealing / maxAge)', () => {
      it('a sealed log refuses appends with TRIB_ERR_STORAGE_SEALED (not retriable, nothing stored), also after a restart; reads go on', async (t) => {
        await factory.reset();
        let b = await factory.open();
        try {
          if (!b.capabilities.sealing) {
            t.skip(`${b.capabilities.backend} has no sealing`);
            return;
          }
          const log = await b.logs.open('sealed');
          await log.append(
            [
              { key: 'k', value: enc('a') },
              { key: 'k', value: enc('b') },
            ],
            1000,
          );
          // An append accepted before the seal is stored; the seal waits for it.
          const late = log.append([{ key: 'k', value: enc('c') }], 1001);
          assert.equal(await log.seal!(), 3);
          assert.deepEqual(await late, { firstOffset: 2, timestamp: 1001 });
          assert.equal(await log.seal!(), 3, 'sealing again is a no-op');
          await assert.rejects(log.append([{ key: 'k', value: enc('x') }], 2000), (err: unknown) => {
            assert.ok(err instanceof StorageError);
            assert.equal(err.code, StorageErrorCode.sealed);
            assert.equal(err.retriable, false);
            return true;
          });
          assert.equal(log.nextOffset, 3);
          b = await restart(b);
          const again = await b.logs.open('sealed');
          await assert.rejects(again.append([{ key: 'k', value: enc('y') }], 3000), { code: StorageErrorCode.sealed });
          assert.deepEqual(
            (await again.read(0, ALL)).map((r) => text(r.value)),
            ['a', 'b', 'c'],
          );
          assert.equal(again.nextOffset, 3);
          assert.equal(await again.trim(5000), again.startOffset, 'trimming a sealed log fails nothing');
        } finally {
          await b.close();
        }
      });

      it('setRetention is idempotent and leaves appends and reads alone', async (t) => {
        await factory.reset();
        const b = await factory.open();
        try {
          if (!b.capabilities.maxAge) {
            t.skip(`${b.capabilities.backend} does not expire records itself`);
            return;
          }
          const log = await b.logs.open('aged');
          await log.setRetention!(24 * 3_600_000);
          await log.setRetention!(24 * 3_600_000);
          await log.append([{ key: 'k', value: enc('a') }], Date.now());
          await log.setRetention!(48 * 3_600_000);
          assert.deepEqual(
            (await log.read(0, ALL)).map((r) => text(r.value)),
            ['a'],
          );
        } finally {
          await b.close();
        }
      });
    });

    describe('errors', () => {
      it('a closed backend rejects with TRIB_ERR_STORAGE_CLOSED, not retriable', async () => {
        await factory.reset();
        const b = await factory.open();
        await b.close();
        for (const attempt of [
          () => b.logs.open('after-close'),
          () => b.meta.put('after-close', 1),
          () => b.meta.batch([['after-close', 1]]),
          () => b.leases.acquire('after-close', 'me', 1000),
        ]) {
          await assert.rejects(attempt(), (err: unknown) => {
            assertStorageError(err, StorageErrorCode.closed, false);
            return true;
          });
        }
      });

      it('an invalid log id rejects with TRIB_ERR_STORAGE_INVALID_ARGUMENT, not retriable', () =>
        fresh(async (b) => {
          for (const id of ['../escape', '', 'has space', 'x'.repeat(201)]) {
            await assert.rejects(b.logs.open(id), (err: unknown) => {
              assertStorageError(err, StorageErrorCode.invalidArgument, false);
              return true;
            });
          }
        }));

      it('a failed expectation rejects with TRIB_ERR_STORAGE_CONFLICT, retriable, and writes nothing', () =>
        fresh(async (b) => {
          const rev = await b.meta.put('cas', 'original');
          await assert.rejects(b.meta.put('cas', 'stale', { expectedRevision: rev + 1000 }), (err: unknown) => {
            assertStorageError(err, StorageErrorCode.conflict, true);
            return true;
          });
          await assert.rejects(b.meta.delete('cas', { expectedRevision: 0 }), isConflictError);
          assert.deepEqual(await b.meta.getVersioned('cas'), { value: 'original', revision: rev });
        }));
    });

    describe('meta revisions', () => {
      it('every write gives a higher positive revision, returned by put and getVersioned', () =>
        fresh(async (b) => {
          assert.equal(await b.meta.getVersioned('missing'), undefined);
          const r1 = await b.meta.put('a', { n: 1 });
          assert.ok(Number.isSafeInteger(r1) && r1 > 0, `revision ${r1}`);
          assert.deepEqual(await b.meta.getVersioned('a'), { value: { n: 1 }, revision: r1 });
          const r2 = await b.meta.put('a', { n: 2 });
          assert.ok(r2 > r1);
          const other = await b.meta.put('b', 'x');
          const r3 = await b.meta.put('a', { n: 3 });
          assert.ok(r3 > r2 && r3 > other);
          await b.meta.batch([
            ['a', { n: 4 }],
            ['c', 'y'],
          ]);
          const a4 = await b.meta.getVersioned('a');
          const c = await b.meta.getVersioned('c');
          assert.ok(a4 && c && a4.revision > r3 && c.revision > r3);
          assert.deepEqual(a4.value, { n: 4 });
        }));

      it('revisions survive a restart and keep growing afterwards', async () => {
        await factory.reset();
        let b = await factory.open();
        try {
          await b.meta.put('gone', 0);
          const rev = await b.meta.put('keep', 'v');
          await b.meta.delete('gone');
          b = await restart(b);
          assert.deepEqual(await b.meta.getVersioned('keep'), { value: 'v', revision: rev });
          const next = await b.meta.put('keep', 'w', { expectedRevision: rev });
          assert.ok(next > rev);
          const recreated = await b.meta.put('gone', 1, { expectedRevision: 0 });
          assert.ok(recreated > rev, 'a re-created key continues above every earlier revision');
        } finally {
          await b.close();
        }
      });

      it('create-if-absent (expectedRevision 0) succeeds once', () =>
        fresh(async (b) => {
          const rev = await b.meta.put('once', 'first', { expectedRevision: 0 });
          await assert.rejects(b.meta.put('once', 'second', { expectedRevision: 0 }), isConflictError);
          assert.deepEqual(await b.meta.getVersioned('once'), { value: 'first', revision: rev });
        }));

      it('update with the current revision succeeds; with a stale one it conflicts', () =>
        fresh(async (b) => {
          const r1 = await b.meta.put('doc', 1);
          const r2 = await b.meta.put('doc', 2, { expectedRevision: r1 });
          assert.ok(r2 > r1);
          await assert.rejects(b.meta.put('doc', 3, { expectedRevision: r1 }), isConflictError);
          await assert.rejects(b.meta.put('absent', 3, { expectedRevision: r2 }), isConflictError);
          assert.equal(await b.meta.get('absent'), undefined);
          assert.equal(await b.meta.get('doc'), 2);
        }));

      it('of concurrent writers with the same expectation exactly one wins', () =>
        fresh(async (b) => {
          const base = await b.meta.put('race', 'base');
          const writers = 8;
          const updates = await Promise.allSettled(
            Array.from({ length: writers }, (_, i) => b.meta.put('race', `w${i}`, { expectedRevision: base })),
          );
          const won = updates.flatMap((r, i) => (r.status === 'fulfilled' ? [[i, r.value] as const] : []));
          assert.equal(won.length, 1, 'exactly one update wins');
          for (const r of updates) if (r.status === 'rejected') assert.ok(isConflictError(r.reason));
          assert.deepEqual(await b.meta.getVersioned('race'), { value: `w${won[0]![0]}`, revision: won[0]![1] });

          const creates = await Promise.allSettled(
            Array.from({ length: writers }, (_, i) => b.meta.put('new', i, { expectedRevision: 0 })),
          );
          assert.equal(creates.filter((r) => r.status === 'fulfilled').length, 1, 'exactly one create wins');
          for (const r of creates) if (r.status === 'rejected') assert.ok(isConflictError(r.reason));
        }));

      it('a batch with one failing expectation writes nothing; with all holding it writes everything', () =>
        fresh(async (b) => {
          const ra = await b.meta.put('a', 'a0');
          const rb = await b.meta.put('b', 'b0');
          await assert.rejects(
            b.meta.batch([
              ['a', 'a1', ra],
              ['b', 'b1', rb + 1000],
              ['c', 'c1'],
            ]),
            isConflictError,
          );
          assert.deepEqual(await b.meta.getVersioned('a'), { value: 'a0', revision: ra });
          assert.deepEqual(await b.meta.getVersioned('b'), { value: 'b0', revision: rb });
          assert.equal(await b.meta.get('c'), undefined);
          await b.meta.batch([
            ['a', 'a1', ra],
            ['b', undefined, rb],
            ['c', 'c1', 0],
          ]);
          const a1 = await b.meta.getVersioned('a');
          assert.equal(a1?.value, 'a1');
          assert.ok(a1!.revision > rb);
          assert.equal(await b.meta.get('b'), undefined);
          assert.equal(await b.meta.get('c'), 'c1');
        }));

      it('delete and re-create gives a higher revision than any before', () =>
        fresh(async (b) => {
          const r1 = await b.meta.put('k', 1);
          const r2 = await b.meta.put('k', 2);
          await assert.rejects(b.meta.delete('k', { expectedRevision: r1 }), isConflictError);
          assert.equal(await b.meta.get('k'), 2);
          await b.meta.delete('k', { expectedRevision: r2 });
          assert.equal(await b.meta.getVersioned('k'), undefined);
          const r3 = await b.meta.put('k', 3, { expectedRevision: 0 });
          assert.ok(r3 > r2, `re-created at ${r3}, previously ${r2}`);
        }));
    });

    describe('full disk', () => {
      const disk = factory.fullDisk;
      it('refused writes reject with TRIB_ERR_STORAGE_NO_SPACE (retriable) and keep nothing; reads go on; writes ' +
        'resume once space is freed; every acknowledged write survives a restart', {
        skip: disk ? false : 'the factory cannot fill its storage',
      }, async () => {
        await factory.reset();
        let b = await factory.open();
        try {
          const log = await b.logs.open('full');
          const acked: LogRecord[] = [];
          const keys: string[] = [];
          await disk!.fill();
          let refused: unknown;
          for (let i = 0; i < 100_000 && refused === undefined; i++) {
            const entries = Array.from({ length: 8 }, (_, j) => ({
              key: `k${i}`,
              value: enc(`${i}:${j}:`.padEnd(3000, 'x')),
            }));
            try {
              const r = await log.append(entries, 1000 + i);
              for (const [j, e] of entries.entries())
                acked.push({ offset: r.firstOffset + j, timestamp: r.timestamp, key: e.key, value: e.value });
            } catch (err) {
              refused = err;
            }
          }
          assertStorageError(refused, StorageErrorCode.noSpace, true);
          // Still full: a large append is refused the same way (the log did not stop), nothing of it is kept.
          const big = [{ key: 'big', value: new Uint8Array(1024 * 1024) }];
          await assert.rejects(log.append(big, 1), (err) => {
            assertStorageError(err, StorageErrorCode.noSpace, true);
            return true;
          });
          refused = undefined;
          for (let i = 0; i < 100_000 && refused === undefined; i++) {
            try {
              await b.meta.put(`full/${i}`, { i, pad: 'y'.repeat(16 * 1024) });
              keys.push(`full/${i}`);
            } catch (err) {
              refused = err;
              assert.equal(await b.meta.get(`full/${i}`), undefined, 'a refused write is not visible');
            }
          }
          assertStorageError(refused, StorageErrorCode.noSpace, true);
          // Reads go on while the disk is full.
          assert.equal(log.nextOffset, acked.length);
          assertSameRecords(await log.read(0, ALL), acked);
          for (const [i, key] of keys.entries()) assert.equal((await b.meta.get<{ i: number }>(key))?.i, i);
          // Space comes back: writes resume without a restart, with the next offsets.
          await disk!.free();
          const r = await log.append(big, 2);
          assert.equal(r.firstOffset, acked.length);
          acked.push({ offset: r.firstOffset, timestamp: r.timestamp, key: 'big', value: big[0]!.value });
          await b.meta.put('full/after', { i: -1 });
          b = await restart(b);
          assertSameRecords(await (await b.logs.open('full')).read(0, ALL), acked);
          const stored = await b.meta.list<{ i: number }>('full/');
          assert.equal(stored.length, keys.length + 1);
          assert.deepEqual(await b.meta.get('full/after'), { i: -1 });
        } finally {
          await b.close();
          await disk!.free();
        }
      });
    });

    describe('leases', () => {
      it('acquire, second holder refused, same holder renews, release frees', () =>
        fresh(async (b) => {
          assert.equal(await b.leases.holder('job'), undefined);
          const lease = await b.leases.acquire('job', 'node-a', 60_000);
          assert.ok(lease);
          assert.equal(lease.name, 'job');
          assert.equal(lease.holder, 'node-a');
          assert.equal(typeof lease.expiresAt, 'number');
          assert.equal(await b.leases.holder('job'), 'node-a');
          assert.equal(await b.leases.acquire('job', 'node-b', 60_000), undefined);
          assert.equal(await b.leases.holder('job'), 'node-a');
          const again = await b.leases.acquire('job', 'node-a', 60_000);
          assert.equal(again?.holder, 'node-a');
          await lease.renew();
          const other = await b.leases.acquire('other-job', 'node-b', 60_000);
          assert.equal(other?.holder, 'node-b', 'leases are independent per name');
          await lease.release();
          await lease.release();
          assert.equal(await b.leases.holder('job'), undefined);
          assert.equal(await b.leases.holder('other-job'), 'node-b');
          const taken = await b.leases.acquire('job', 'node-b', 60_000);
          assert.equal(taken?.holder, 'node-b');
          await assert.rejects(lease.renew(), (err: unknown) => {
            assertStorageError(err, StorageErrorCode.leaseLost, false);
            return true;
          });
          await lease.release();
          assert.equal(await b.leases.holder('job'), 'node-b', "releasing a lost lease leaves the new holder's");
        }));

      const clock = factory.advanceClock?.bind(factory);
      const noClock = clock ? false : 'the factory has no clock to advance';

      it('an expired lease can be taken by another holder; the old one then gets LEASE_LOST', { skip: noClock }, () =>
        fresh(async (b) => {
          const lease = await b.leases.acquire('expiring', 'node-a', 1000);
          assert.ok(lease);
          clock!(500);
          assert.equal(await b.leases.acquire('expiring', 'node-b', 1000), undefined);
          clock!(600);
          assert.equal(await b.leases.holder('expiring'), undefined, 'an expired lease is free');
          const taken = await b.leases.acquire('expiring', 'node-b', 1000);
          assert.equal(taken?.holder, 'node-b');
          await assert.rejects(lease.renew(), (err: unknown) => {
            assertStorageError(err, StorageErrorCode.leaseLost, false);
            return true;
          });
          assert.equal(await b.leases.holder('expiring'), 'node-b');
        }),
      );

      it('renewing in time keeps a lease past its first ttl', { skip: noClock }, () =>
        fresh(async (b) => {
          const lease = await b.leases.acquire('renewed', 'node-a', 1000);
          assert.ok(lease);
          const first = lease.expiresAt;
          clock!(800);
          await lease.renew();
          assert.ok(lease.expiresAt > first);
          clock!(800);
          assert.equal(await b.leases.holder('renewed'), 'node-a');
          assert.equal(await b.leases.acquire('renewed', 'node-b', 1000), undefined);
        }),
      );
    });

    describe('fencing', () => {
      it("tokens grow with every holding, and a stale holder's fenced write is refused", () =>
        fresh(async (b) => {
          const first = await b.leases.acquire('fenced', 'node-a', 60_000);
          assert.ok(first);
          await fencedPut(b.meta, 'checkpoint', { offset: 1 }, first.fencingToken);
          const again = await b.leases.acquire('fenced', 'node-a', 60_000);
          assert.ok(again && again.fencingToken >= first.fencingToken, 'a renewal keeps a token at least as large');
          // node-a stops renewing (paused); its lease is released here instead of waiting for the ttl.
          await again.release();
          const second = await b.leases.acquire('fenced', 'node-b', 60_000);
          assert.ok(second && second.fencingToken > again.fencingToken, 'a new holding has a larger token');
          await fencedPut(b.meta, 'checkpoint', { offset: 5 }, second.fencingToken);
          await assert.rejects(fencedPut(b.meta, 'checkpoint', { offset: 2 }, first.fencingToken), (err: unknown) => {
            assertStorageError(err, StorageErrorCode.leaseLost, false);
            return true;
          });
          assert.deepEqual(await b.meta.get('checkpoint'), { offset: 5, fencingToken: second.fencingToken });
          const scoped = await scopeLeases(b.leases, 'svc/').acquire('fenced', 'node-c', 60_000);
          assert.equal(typeof scoped?.fencingToken, 'number', 'scoped leases carry the token');
        }));
    });

    describe('scopes', () => {
      it('scoped metadata isolates two scopes and list strips the prefix', () =>
        fresh(async (b) => {
          const kinesis = scopeMeta(b.meta, 'kinesis/');
          const firehose = scopeMeta(b.meta, 'firehose/');
          const rk = await kinesis.put('streams/s1', 'k');
          await firehose.put('streams/s1', 'f');
          await kinesis.batch([
            ['streams/s2', 'k2', 0],
            ['tags/s1', 't'],
          ]);
          assert.equal(await kinesis.get('streams/s1'), 'k');
          assert.equal(await firehose.get('streams/s1'), 'f');
          assert.deepEqual(await kinesis.getVersioned('streams/s1'), { value: 'k', revision: rk });
          assert.deepEqual(await kinesis.list('streams/'), [
            ['streams/s1', 'k'],
            ['streams/s2', 'k2'],
          ]);
          assert.deepEqual(await firehose.list(''), [['streams/s1', 'f']]);
          assert.equal(await b.meta.get('kinesis/streams/s1'), 'k', 'the prefix is part of the stored key');
          await assert.rejects(kinesis.put('streams/s1', 'x', { expectedRevision: 0 }), isConflictError);
          await firehose.delete('streams/s1');
          assert.equal(await firehose.get('streams/s1'), undefined);
          assert.equal(await kinesis.get('streams/s1'), 'k');
          await kinesis.close();
          await b.meta.put('still-open', 1);
          assert.equal(await firehose.get('streams/s1'), undefined);
        }));

      it('scoped leases are independent per scope and report the unprefixed name', () =>
        fresh(async (b) => {
          const one = scopeLeases(b.leases, 'kinesis/');
          const two = scopeLeases(b.leases, 'firehose/');
          const l1 = await one.acquire('janitor', 'node-a', 60_000);
          const l2 = await two.acquire('janitor', 'node-b', 60_000);
          assert.equal(l1?.name, 'janitor');
          assert.equal(l2?.holder, 'node-b');
          assert.equal(await one.acquire('janitor', 'node-b', 60_000), undefined);
          assert.equal(await b.leases.holder('kinesis/janitor'), 'node-a');
          await l1!.release();
          assert.equal(await one.holder('janitor'), undefined);
          assert.equal(await two.holder('janitor'), 'node-b');
        }));
    });

    describe('change feed', () => {
      it('a store never reports its own writes', () =>
        fresh(async (b) => {
          const seen: string[] = [];
          const stop = b.meta.watchRemote('', (c) => seen.push(c.key));
          await b.meta.put('feed/own', 1);
          await b.meta.batch([
            ['feed/own', 2],
            ['feed/other', 3],
          ]);
          await b.meta.delete('feed/own');
          if (factory.concurrentOpen) {
            // The feed is ordered: once another node's later write arrives, an echo of ours would have come first.
            const peer = await factory.open();
            try {
              const arrived = nextChange(b, 'sentinel');
              await peer.meta.put('sentinel', true);
              await arrived;
            } finally {
              await peer.close();
            }
          }
          stop();
          assert.deepEqual(
            seen.filter((k) => k !== 'sentinel'),
            [],
          );
        }));

      it(
        "another node's puts and deletes reach the listeners of their prefix, in order, with revisions",
        {
          skip: factory.concurrentOpen ? false : 'a single-node backend has no other writer',
        },
        () =>
          fresh(async (b) => {
            const peer = await factory.open();
            try {
              const seen: Array<[string, unknown, number]> = [];
              const all: string[] = [];
              const stopScoped = scopeMeta(b.meta, 'svc/').watchRemote('x/', (c) =>
                seen.push([c.key, c.value, c.revision]),
              );
              const stopAll = b.meta.watchRemote('', (c) => all.push(c.key));
              const done = nextChange(b, 'svc/x/end');
              const r1 = await peer.meta.put('svc/x/a', { v: 1 });
              const r2 = await peer.meta.put('svc/x/a', { v: 2 }, { expectedRevision: r1 });
              await peer.meta.put('svc/y/ignored', 0);
              await peer.meta.delete('svc/x/a', { expectedRevision: r2 });
              await peer.meta.put('svc/x/end', 'end');
              await done;
              stopScoped();
              stopAll();
              assert.deepEqual(
                seen.slice(0, 3).map(([k, v, rev]) => [k, v, rev === r1 || rev === r2 ? rev : 'later']),
                [
                  ['x/a', { v: 1 }, r1],
                  ['x/a', { v: 2 }, r2],
                  ['x/a', undefined, 'later'],
                ],
              );
              assert.ok(seen[2]![2] > r2, 'a deletion has a revision of its own');
              assert.deepEqual(
                seen.map(([k]) => k),
                ['x/a', 'x/a', 'x/a', 'x/end'],
              );
              assert.ok(all.includes('svc/y/ignored'), 'an unscoped listener sees every key');
              const after = await b.meta.getVersioned('svc/x/end');
              assert.equal(after?.revision, seen[3]![2], 'the reported revision is the stored one');
            } finally {
              await peer.close();
            }
          }),
      );
    });

    describe('meta', () => {
      it('get, put, overwrite and delete', () =>
        fresh(async (b) => {
          assert.equal(await b.meta.get('missing'), undefined);
          const v = { name: 's1', shards: [{ id: 'shardId-000000000000', open: true }], n: 1.5, nil: null };
          await b.meta.put('stream/s1', v);
          assert.deepEqual(await b.meta.get('stream/s1'), v);
          await b.meta.put('stream/s1', 'replaced');
          assert.equal(await b.meta.get('stream/s1'), 'replaced');
          await b.meta.delete('stream/s1');
          assert.equal(await b.meta.get('stream/s1'), undefined);
          await b.meta.delete('stream/s1');
        }));

      it('values are copies: mutating them does not change the store', () =>
        fresh(async (b) => {
          const v = { list: [1, 2] };
          const writing = b.meta.put('k', v);
          v.list.push(3);
          await writing;
          const got = await b.meta.get<{ list: number[] }>('k');
          assert.deepEqual(got, { list: [1, 2] });
          got!.list.push(4);
          assert.deepEqual(await b.meta.get('k'), { list: [1, 2] });
        }));

      it('list returns keys with a prefix, in key order', () =>
        fresh(async (b) => {
          for (const k of ['b/2', 'a/1', 'b/10', 'b/1', 'c', 'b']) await b.meta.put(k, k.toUpperCase());
          assert.deepEqual(await b.meta.list('b/'), [
            ['b/1', 'B/1'],
            ['b/10', 'B/10'],
            ['b/2', 'B/2'],
          ]);
          assert.deepEqual(
            (await b.meta.list('')).map(([k]) => k),
            ['a/1', 'b', 'b/1', 'b/10', 'b/2', 'c'],
          );
          assert.deepEqual(await b.meta.list('zzz'), []);
        }));

      it('batch applies sets and deletes together', () =>
        fresh(async (b) => {
          await b.meta.put('x', 1);
          await b.meta.batch([
            ['x', undefined],
            ['y', { v: 2 }],
            ['z', 3],
            ['z', 4],
          ]);
          assert.equal(await b.meta.get('x'), undefined);
          assert.deepEqual(await b.meta.get('y'), { v: 2 });
          assert.equal(await b.meta.get('z'), 4, 'a later change to the same key wins');
        }));

      it('concurrent writes all land', () =>
        fresh(async (b) => {
          await Promise.all(Array.from({ length: 50 }, (_, i) => b.meta.put(`k/${String(i).padStart(2, '0')}`, i)));
          const all = await b.meta.list<number>('k/');
          assert.deepEqual(
            all.map(([, v]) => v),
            Array.from({ length: 50 }, (_, i) => i),
          );
        }));

      it('survives close and reopen', async () => {
        await factory.reset();
        let b = await factory.open();
        try {
          await b.meta.put('keep', { a: [1, 'two', { three: true }] });
          await b.meta.put('gone', 1);
          await b.meta.batch([
            ['gone', undefined],
            ['p/1', 'one'],
            ['p/2', 'two'],
          ]);
          b = await restart(b);
          assert.deepEqual(await b.meta.get('keep'), { a: [1, 'two', { three: true }] });
          assert.equal(await b.meta.get('gone'), undefined);
          assert.deepEqual(await b.meta.list('p/'), [
            ['p/1', 'one'],
            ['p/2', 'two'],
          ]);
        } finally {
          await b.close();
        }
      });
    });
  });
}

/** Asserts that `err` is a {@link StorageError} with this code and retriable flag. */
function assertStorageError(err: unknown, code: StorageErrorCode, retriable: boolean): void {
  assert.ok(err instanceof StorageError, `expected a StorageError, got ${String(err)}`);
  assert.equal(err.code, code);
  assert.equal(err.retriable, retriable);
}

/** Resolves when `b`'s change feed reports a change of `key` (rejects after {@link FEED_DEADLINE_MS}). */
function nextChange(b: StorageBackend, key: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no change of ${key} reported within ${FEED_DEADLINE_MS} ms`));
    }, FEED_DEADLINE_MS);
    const stop = b.meta.watchRemote(key, (c) => {
      if (c.key !== key) return;
      clearTimeout(timer);
      stop();
      resolve();
    });
  });
}

/** Whether `err` is a compare-and-set conflict (for `assert.rejects`). */
function isConflictError(err: unknown): boolean {
  assertStorageError(err, StorageErrorCode.conflict, true);
  return true;
}

/** Appends `count` records in batches of `batch` (default 1), values `tag:i`. */
async function appendNumbered(
  log: ShardLog,
  opts: { count: number; now: number; batch?: number; tag?: number },
): Promise<void> {
  const size = opts.batch ?? 1;
  for (let i = 0; i < opts.count; i += size) {
    const n = Math.min(size, opts.count - i);
    await log.append(
      Array.from({ length: n }, (_, j) => ({ key: `k${(i + j) % 7}`, value: enc(`${opts.tag ?? 0}:${i + j}`) })),
      opts.now,
    );
  }
}

function assertSameRecords(actual: readonly LogRecord[], expected: readonly LogRecord[]): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    assert.deepEqual([a.offset, a.timestamp, a.key], [e.offset, e.timestamp, e.key]);
    assert.ok(Buffer.from(a.value).equals(Buffer.from(e.value)), `value at ${a.offset}`);
  }
}
