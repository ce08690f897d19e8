/**
 * decodeBase64's fast path (src/protocol/json/decode.ts) decides "canonical base64" from the decoded length and
 * two character checks instead of re-encoding. This checks that decision against re-encoding, the definition, on
 * text near canonical base64: the standard alphabet with padding, plus the characters Node's lenient decoder skips
 * or maps (`-`, `_`, `=`, white space, `.`, non-ASCII).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeBase64 } from '../../src/protocol/json/decode.js';
import { ServiceError } from '../../src/protocol/service-error.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ODD = ['=', '-', '_', ' ', '\n', '.', '\u00e9', '\u0100', '*'];

/** Text of 0–24 characters, mostly the alphabet; or the canonical encoding of random bytes, sometimes altered. */
const nearBase64 = fc.oneof(
  fc
    .array(fc.oneof({ weight: 12, arbitrary: fc.constantFrom(...ALPHABET) }, fc.constantFrom(...ODD)), {
      maxLength: 24,
    })
    .map((cs) => cs.join('')),
  fc.tuple(fc.uint8Array({ maxLength: 17 }), fc.nat(), fc.constantFrom(...ALPHABET, ...ODD)).map(([bytes, at, c]) => {
    const s = Buffer.from(bytes).toString('base64');
    if (s.length === 0 || at % 3 !== 0) return s;
    const i = at % s.length;
    return s.slice(0, i) + c + s.slice(i + 1);
  }),
);

test('decodeBase64 accepts exactly the text that re-encodes to itself, with the same bytes', () => {
  fc.assert(
    fc.property(nearBase64, (s) => {
      const canonical = Buffer.from(s, 'base64').toString('base64') === s;
      let out: Buffer | undefined;
      try {
        out = decodeBase64(s);
      } catch (e) {
        assert.ok(e instanceof ServiceError && e.code === 'SerializationException', String(e));
      }
      assert.equal(out !== undefined, canonical, JSON.stringify(s));
      if (out !== undefined) assert.deepEqual(out, Buffer.from(s, 'base64'));
    }),
    { numRuns: 20_000 },
  );
});
