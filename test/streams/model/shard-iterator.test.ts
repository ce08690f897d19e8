import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fc from 'fast-check';
import { ShardIteratorCodec, type ShardIteratorState } from '../../../src/streams/model/shard-iterator.js';

const codec = new ShardIteratorCodec(randomBytes(32));

const streamId = fc.oneof(fc.stringMatching(/^[a-z0-9]{20}-[a-z0-9]{3}$/), fc.string({ maxLength: 60 }));
const state: fc.Arbitrary<ShardIteratorState> = fc.record(
  {
    streamId,
    shardIndex: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    offset: fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })),
    issuedAt: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
  },
  { noNullPrototype: true },
);

const EXAMPLE: ShardIteratorState = {
  streamId: 'abcdefghij0123456789-xyz',
  shardIndex: 3,
  offset: 12345,
  issuedAt: 1_764_000_000_123,
};

test('round trip; AWS shape: base64 of 00..01 + a multiple of 16 bytes, at most 512 chars', () => {
  fc.assert(
    fc.property(state, (s) => {
      const token = codec.encode(s);
      assert.ok(token.length <= 512);
      assert.match(token, /^[A-Za-z0-9+/]+={0,2}$/);
      const bytes = Buffer.from(token, 'base64');
      assert.deepEqual([...bytes.subarray(0, 8)], [0, 0, 0, 0, 0, 0, 0, 1]);
      assert.equal((bytes.length - 8) % 16, 0);
      assert.deepEqual(codec.decode(token), s);
    }),
    { numRuns: 200 },
  );
});

test('longest stream id still fits in 512 characters', () => {
  const s = { ...EXAMPLE, streamId: '€'.repeat(85), offset: Number.MAX_SAFE_INTEGER };
  const token = codec.encode(s);
  assert.ok(token.length <= 512, `${token.length}`);
  assert.deepEqual(codec.decode(token), s);
  assert.throws(() => codec.encode({ ...EXAMPLE, streamId: 'x'.repeat(256) }), RangeError);
});

test('tokens are opaque: the stream id does not appear and two encodings differ', () => {
  const a = codec.encode(EXAMPLE);
  const b = codec.encode(EXAMPLE);
  assert.notEqual(a, b);
  assert.ok(!Buffer.from(a, 'base64').includes(Buffer.from(EXAMPLE.streamId)));
});

test('every single-bit flip of the text or of the bytes decodes to undefined', () => {
  fc.assert(
    fc.property(state, (s) => {
      const token = codec.encode(s);
      for (let i = 0; i < token.length; i++) {
        for (let bit = 0; bit < 8; bit++) {
          const flipped =
            token.slice(0, i) + String.fromCharCode(token.charCodeAt(i) ^ (1 << bit)) + token.slice(i + 1);
          assert.equal(codec.decode(flipped), undefined, `char ${i} bit ${bit}`);
        }
      }
      const bytes = Buffer.from(token, 'base64');
      for (let i = 0; i < bytes.length * 8; i++) {
        const copy = Buffer.from(bytes);
        copy[i >> 3] ^= 1 << (i & 7);
        assert.equal(codec.decode(copy.toString('base64')), undefined, `byte bit ${i}`);
      }
    }),
    { numRuns: 10 },
  );
});

test('truncated, extended, random and foreign tokens decode to undefined', () => {
  const token = codec.encode(EXAMPLE);
  const bytes = Buffer.from(token, 'base64');
  for (let n = 0; n < bytes.length; n++) {
    assert.equal(codec.decode(bytes.subarray(0, n).toString('base64')), undefined, `truncated to ${n}`);
    assert.equal(codec.decode(token.slice(0, n)), undefined, `text truncated to ${n}`);
  }
  assert.equal(codec.decode(Buffer.concat([bytes, Buffer.alloc(16)]).toString('base64')), undefined);
  assert.equal(codec.decode(`${token}\n`), undefined);
  assert.equal(codec.decode(token.replace(/=+$/, '')), undefined);
  assert.equal(codec.decode('A'.repeat(1000)), undefined);
  assert.equal(codec.decode(''), undefined);
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 600 }),
        fc.base64String({ maxLength: 512 }),
        fc
          .uint8Array({ minLength: 0, maxLength: 200 })
          .map((b) => Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]), b]).toString('base64')),
      ),
      (text) => {
        assert.equal(codec.decode(text), undefined);
      },
    ),
    { numRuns: 300 },
  );
  // Tokens from another install (another secret) are forgeries here.
  const other = new ShardIteratorCodec(randomBytes(32));
  fc.assert(
    fc.property(state, (s) => {
      assert.equal(other.decode(codec.encode(s)), undefined);
    }),
    { numRuns: 50 },
  );
});

test('constructor and encode validate their input', () => {
  assert.throws(() => new ShardIteratorCodec(randomBytes(16)), RangeError);
  for (const bad of [
    { ...EXAMPLE, shardIndex: -1 },
    { ...EXAMPLE, shardIndex: 2 ** 32 },
    { ...EXAMPLE, offset: 1.5 },
    { ...EXAMPLE, offset: 2 ** 53 },
    { ...EXAMPLE, issuedAt: -1 },
  ]) {
    assert.throws(() => codec.encode(bad), RangeError);
  }
});
