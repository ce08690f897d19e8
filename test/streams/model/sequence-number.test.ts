import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fc from 'fast-check';
import {
  compareSequenceNumbers,
  createSequenceNumberEncoder,
  decodeSequenceNumber,
  encodeSequenceNumber,
  shardEndingSequenceNumber,
  shardStartingSequenceNumber,
  type SequenceNumberParts,
} from '../../../src/streams/model/sequence-number.js';

const MAX_SECONDS = 2 ** 36 - 1;
const MAX_COUNTER = (1n << 63n) - 1n;

const seconds = fc.integer({ min: 0, max: MAX_SECONDS });
const shardIndex = fc.oneof(fc.integer({ min: 0, max: 64 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }));
const parts: fc.Arbitrary<SequenceNumberParts> = fc.record(
  {
    shardCreatedSeconds: seconds,
    shardIndex,
    counter: fc.oneof(fc.bigInt({ min: 0n, max: 1000n }), fc.bigInt({ min: 0n, max: MAX_COUNTER })),
    arrivalSeconds: seconds,
  },
  { noNullPrototype: true },
);

// Real AWS sequence numbers from AWS documentation examples, with what their context says
// about them: the Kinesis getting-started put-record output (shard 0), and the Lambda Kinesis
// event example (eventID shardId-000000000006, approximateArrivalTimestamp 1545084650.987).
test('decodes real AWS sequence numbers consistently with their documented context', () => {
  const fromPutRecord = '49546986683135544286507457936321625675700192471156785154';
  assert.deepEqual(decodeSequenceNumber(fromPutRecord), {
    shardCreatedSeconds: 1421279230,
    shardIndex: 0,
    counter: 469n,
    arrivalSeconds: 1421279386,
  });
  const fromLambdaEvent = '49590338271490256608559692538361571095921575989136588898';
  assert.deepEqual(decodeSequenceNumber(fromLambdaEvent), {
    shardCreatedSeconds: 1542776258,
    shardIndex: 6,
    counter: 1734642199n,
    arrivalSeconds: 1545084650,
  });
  for (const text of [fromPutRecord, fromLambdaEvent]) {
    const decoded = decodeSequenceNumber(text);
    assert.ok(decoded);
    assert.equal(encodeSequenceNumber(decoded), text);
    assert.equal(
      createSequenceNumberEncoder(decoded.shardCreatedSeconds, decoded.shardIndex)(
        Number(decoded.counter),
        decoded.arrivalSeconds,
      ),
      text,
    );
  }
});

test('encode/decode round trip; always 56 digits', () => {
  fc.assert(
    fc.property(parts, (p) => {
      const text = encodeSequenceNumber(p);
      assert.match(text, /^[1-9][0-9]{55}$/);
      assert.deepEqual(decodeSequenceNumber(text), p);
    }),
    { numRuns: 300 },
  );
});

test('extreme fields stay 56 digits and decode', () => {
  for (const p of [
    { shardCreatedSeconds: 0, shardIndex: 0, counter: 0n, arrivalSeconds: 0 },
    { shardCreatedSeconds: MAX_SECONDS, shardIndex: 2 ** 32 - 1, counter: MAX_COUNTER, arrivalSeconds: MAX_SECONDS },
  ]) {
    const text = encodeSequenceNumber(p);
    assert.equal(text.length, 56);
    assert.deepEqual(decodeSequenceNumber(text), p);
  }
});

test('encode rejects out-of-range fields', () => {
  const ok = { shardCreatedSeconds: 1, shardIndex: 1, counter: 1n, arrivalSeconds: 1 };
  for (const bad of [
    { ...ok, shardCreatedSeconds: -1 },
    { ...ok, shardCreatedSeconds: 2 ** 36 },
    { ...ok, shardIndex: 2 ** 32 },
    { ...ok, shardIndex: 0.5 },
    { ...ok, counter: -1n },
    { ...ok, counter: MAX_COUNTER + 1n },
    { ...ok, arrivalSeconds: 2 ** 36 },
  ]) {
    assert.throws(() => encodeSequenceNumber(bad), RangeError);
  }
});

test('within a shard, a larger counter with non-decreasing arrival gives a larger number', () => {
  fc.assert(
    fc.property(
      seconds,
      shardIndex,
      fc.bigInt({ min: 0n, max: MAX_COUNTER - 1n }),
      fc.bigInt({ min: 1n, max: MAX_COUNTER }),
      fc.integer({ min: 0, max: MAX_SECONDS }),
      fc.integer({ min: 0, max: MAX_SECONDS }),
      (created, index, c1, delta, t1, dt) => {
        const c2 = c1 + delta > MAX_COUNTER ? MAX_COUNTER : c1 + delta;
        fc.pre(c2 > c1);
        const t2 = Math.min(MAX_SECONDS, t1 + dt);
        const a = encodeSequenceNumber({
          shardCreatedSeconds: created,
          shardIndex: index,
          counter: c1,
          arrivalSeconds: t1,
        });
        const b = encodeSequenceNumber({
          shardCreatedSeconds: created,
          shardIndex: index,
          counter: c2,
          arrivalSeconds: t2,
        });
        assert.equal(compareSequenceNumbers(a, b), -1);
        assert.ok(BigInt(a) < BigInt(b));
      },
    ),
    { numRuns: 300 },
  );
});

test('a larger counter wins even when the arrival time is earlier (counter bits are higher)', () => {
  const a = encodeSequenceNumber({ shardCreatedSeconds: 5, shardIndex: 1, counter: 10n, arrivalSeconds: MAX_SECONDS });
  const b = encodeSequenceNumber({ shardCreatedSeconds: 5, shardIndex: 1, counter: 11n, arrivalSeconds: 0 });
  assert.equal(compareSequenceNumbers(a, b), -1);
});

test('fast encoder equals the reference encoder', () => {
  const counter = fc.oneof(
    fc.integer({ min: 0, max: 10_000 }),
    fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    fc.integer({ min: Number.MAX_SAFE_INTEGER - 1000, max: Number.MAX_SAFE_INTEGER }),
  );
  fc.assert(
    fc.property(
      seconds,
      shardIndex,
      fc.array(fc.tuple(counter, seconds), { minLength: 1, maxLength: 20 }),
      (created, index, records) => {
        const encode = createSequenceNumberEncoder(created, index);
        for (const [c, t] of records) {
          const expected = encodeSequenceNumber({
            shardCreatedSeconds: created,
            shardIndex: index,
            counter: BigInt(c),
            arrivalSeconds: t,
          });
          assert.equal(encode(c, t), expected);
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('fast encoder: consecutive counters in one second, including limb carries', () => {
  const encode = createSequenceNumberEncoder(MAX_SECONDS, 2 ** 32 - 1);
  for (let c = 0; c < 2000; c++) {
    const expected = encodeSequenceNumber({
      shardCreatedSeconds: MAX_SECONDS,
      shardIndex: 2 ** 32 - 1,
      counter: BigInt(c),
      arrivalSeconds: MAX_SECONDS,
    });
    assert.equal(encode(c, MAX_SECONDS), expected);
  }
  // A case where the low 42 digits overflow into the top 14 (found by search: the base's low
  // digits start with 99…, so a large counter carries across).
  const carrying = createSequenceNumberEncoder(1_700_000_077, 0);
  for (const c of [4548247135325940, 4548247135325941]) {
    const expected = encodeSequenceNumber({
      shardCreatedSeconds: 1_700_000_077,
      shardIndex: 0,
      counter: BigInt(c),
      arrivalSeconds: 1_700_000_077,
    });
    assert.equal(carrying(c, 1_700_000_077), expected);
  }
  assert.throws(() => encode(-1, 0), RangeError);
  assert.throws(() => encode(2 ** 53, 0), RangeError);
  assert.throws(() => encode(1, 2 ** 36), RangeError);
  assert.throws(() => createSequenceNumberEncoder(-1, 0), RangeError);
});

test('decode rejects anything that is not a v2 number, and never throws', () => {
  const good = encodeSequenceNumber({
    shardCreatedSeconds: 1_700_000_000,
    shardIndex: 3,
    counter: 42n,
    arrivalSeconds: 1_700_000_100,
  });
  const value = BigInt(good);
  const mutate = (v: bigint): string => v.toString();
  const bad = [
    '',
    '0',
    good.slice(1),
    `${good}0`,
    `${good.slice(0, 55)}x`,
    ` ${good.slice(1)}`,
    mutate((value & ~0xfn) | 1n), // layout version 1
    mutate(value | (1n << 143n)), // counter top bit set
    mutate(value | (1n << 72n)), // unknown byte not zero
    mutate(value ^ (1n << 144n)), // index nibble disagrees with the index field
    mutate(value + (1n << 184n)), // first hex digit 3
    '1'.repeat(56),
    '9'.repeat(56),
  ];
  for (const text of bad) {
    assert.equal(decodeSequenceNumber(text), undefined, text);
  }
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9]{56}$/)), (text) => {
      const decoded = decodeSequenceNumber(text);
      if (decoded !== undefined) assert.equal(encodeSequenceNumber(decoded), text);
    }),
    { numRuns: 300 },
  );
});

test('shard starting and ending sequence numbers', () => {
  const start = shardStartingSequenceNumber(1_700_000_000, 4);
  assert.deepEqual(decodeSequenceNumber(start), {
    shardCreatedSeconds: 1_700_000_000,
    shardIndex: 4,
    counter: 0n,
    arrivalSeconds: 1_700_000_000,
  });
  const end = shardEndingSequenceNumber(1_700_000_000, 4, 1_700_000_500);
  assert.deepEqual(decodeSequenceNumber(end), {
    shardCreatedSeconds: 1_700_000_000,
    shardIndex: 4,
    counter: 0x7fffffffffffffffn,
    arrivalSeconds: 1_700_000_500,
  });
  const record = encodeSequenceNumber({
    shardCreatedSeconds: 1_700_000_000,
    shardIndex: 4,
    counter: 1n,
    arrivalSeconds: 1_700_000_001,
  });
  assert.equal(compareSequenceNumbers(start, record), -1);
  assert.equal(compareSequenceNumbers(record, end), -1);
});

test('compareSequenceNumbers is numeric comparison', () => {
  const num = fc.tuple(fc.bigInt({ min: 0n, max: 1n << 190n }), fc.nat({ max: 3 }));
  fc.assert(
    fc.property(num, num, ([a, za], [b, zb]) => {
      const sa = '0'.repeat(za) + a.toString();
      const sb = '0'.repeat(zb) + b.toString();
      assert.equal(compareSequenceNumbers(sa, sb), a < b ? -1 : a > b ? 1 : 0);
    }),
    { numRuns: 300 },
  );
  assert.equal(compareSequenceNumbers('0', '000'), 0);
  assert.equal(compareSequenceNumbers('10', '9'), 1);
});
