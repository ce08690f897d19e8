import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fc from 'fast-check';
import {
  MAX_HASH_KEY,
  hashKeyFromBuffer,
  hashKeyFromPartitionKey,
  hashKeyToBuffer,
  hashKeyToText,
  parseExplicitHashKey,
  partitionKeyHash,
  partitionKeyHashText,
  splitHashKeySpace,
} from '../../../src/streams/model/hash-key.js';

// Expected values computed independently with Python:
//   int.from_bytes(hashlib.md5(key.encode('utf-8')).digest(), 'big')
const MD5_FIXTURES: ReadonlyArray<readonly [string, bigint]> = [
  ['a', 16955237001963240173058271559858726497n], // MD5 0cc175b9c0f1b6a831c399e269772661
  ['', 281949768489412648962353822266799178366n],
  ['partitionKey-0', 283893945402358862714065952676399797471n],
  ['ü€😀', 51168296756305697494304829021164107287n],
  ['shardId-000000000000', 233934123263385091621941975700200382378n],
];

test('partition keys hash to the MD5 of their UTF-8 bytes, big-endian unsigned', () => {
  for (const [key, expected] of MD5_FIXTURES) {
    assert.equal(hashKeyFromPartitionKey(key), expected, key);
    const buf = partitionKeyHash(key);
    assert.equal(buf.length, 16);
    assert.equal(buf.toString('hex'), expected.toString(16).padStart(32, '0'));
  }
});

test('text hash keys: the same bytes as latin1 characters, and string order equals numeric order', () => {
  for (const [key, expected] of MD5_FIXTURES) {
    assert.equal(partitionKeyHashText(key), hashKeyToText(expected), key);
    assert.equal(
      Buffer.from(partitionKeyHashText(key), 'latin1').toString('hex'),
      partitionKeyHash(key).toString('hex'),
    );
  }
  const key = fc.bigInt({ min: 0n, max: MAX_HASH_KEY });
  fc.assert(
    fc.property(key, key, (a, b) => {
      const ta = hashKeyToText(a);
      const tb = hashKeyToText(b);
      assert.equal(ta.length, 16);
      assert.equal(ta < tb ? -1 : ta > tb ? 1 : 0, a < b ? -1 : a > b ? 1 : 0);
    }),
  );
  assert.throws(() => hashKeyToText(MAX_HASH_KEY + 1n), RangeError);
});

test('MAX_HASH_KEY is 2^128 - 1', () => {
  assert.equal(MAX_HASH_KEY, 340282366920938463463374607431768211455n);
});

test('buffer <-> bigint round trip; byte order equals numeric order', () => {
  const key = fc.bigInt({ min: 0n, max: MAX_HASH_KEY });
  fc.assert(
    fc.property(key, (k) => {
      const buf = hashKeyToBuffer(k);
      assert.equal(buf.length, 16);
      assert.equal(hashKeyFromBuffer(buf), k);
    }),
  );
  fc.assert(
    fc.property(key, key, (a, b) => {
      const byBytes = Math.sign(Buffer.compare(hashKeyToBuffer(a), hashKeyToBuffer(b)));
      assert.equal(byBytes, a < b ? -1 : a > b ? 1 : 0);
    }),
  );
});

test('hashKeyToBuffer and hashKeyFromBuffer reject out-of-range input', () => {
  assert.throws(() => hashKeyToBuffer(-1n), RangeError);
  assert.throws(() => hashKeyToBuffer(MAX_HASH_KEY + 1n), RangeError);
  assert.throws(() => hashKeyFromBuffer(Buffer.alloc(15)), RangeError);
});

test('parseExplicitHashKey accepts [0, 2^128-1] in canonical decimal only', () => {
  assert.equal(parseExplicitHashKey('0'), 0n);
  assert.equal(parseExplicitHashKey('340282366920938463463374607431768211455'), MAX_HASH_KEY);
  assert.equal(parseExplicitHashKey('340282366920938463463374607431768211456'), undefined);
  assert.equal(parseExplicitHashKey('9'.repeat(39)), undefined);
  assert.equal(parseExplicitHashKey('1'.repeat(60)), undefined);
  for (const bad of ['', '-1', '01', '+1', '1e3', ' 1', '0x10', '1.0']) {
    assert.equal(parseExplicitHashKey(bad), undefined, JSON.stringify(bad));
  }
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: MAX_HASH_KEY }), (k) => {
      assert.equal(parseExplicitHashKey(k.toString()), k);
    }),
  );
});

test('splitHashKeySpace: N = 2 matches the ranges AWS creates', () => {
  assert.deepEqual(splitHashKeySpace(2), [
    { start: 0n, end: 170141183460469231731687303715884105727n },
    { start: 170141183460469231731687303715884105728n, end: 340282366920938463463374607431768211455n },
  ]);
  assert.deepEqual(splitHashKeySpace(1), [{ start: 0n, end: MAX_HASH_KEY }]);
});

test('splitHashKeySpace: contiguous, covers the key space, last shard absorbs the remainder', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 300 }), (n) => {
      const ranges = splitHashKeySpace(n);
      const width = (1n << 128n) / BigInt(n);
      assert.equal(ranges.length, n);
      assert.equal(ranges[0].start, 0n);
      assert.equal(ranges[n - 1].end, MAX_HASH_KEY);
      for (let i = 0; i < n; i++) {
        assert.equal(ranges[i].start, BigInt(i) * width);
        if (i < n - 1) {
          assert.equal(ranges[i].end, ranges[i].start + width - 1n);
          assert.equal(ranges[i + 1].start, ranges[i].end + 1n);
        }
      }
    }),
    { numRuns: 50 },
  );
  assert.equal(splitHashKeySpace(3)[2].end - splitHashKeySpace(3)[2].start, (1n << 128n) / 3n); // remainder 1 absorbed
  assert.throws(() => splitHashKeySpace(0), RangeError);
  assert.throws(() => splitHashKeySpace(1.5), RangeError);
});
