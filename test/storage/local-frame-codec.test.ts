import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { openLocalBackend } from '../../src/storage/local/index.js';
import {
  FRAME_HEADER_BYTES,
  FrameDecoder,
  FrameEncoder,
  frameCrc,
  FrameStatus,
} from '../../src/storage/local/frame-codec.js';

const root = mkdtempSync(join(tmpdir(), 'trib-frame-'));
after(() => rm(root, { recursive: true, force: true }));

/** Deterministic pseudo-random bytes. */
function bytes(n: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('frame codec', () => {
  it('frameCrc equals zlib.crc32 on both sides of the JS/native switch', () => {
    const data = bytes(4096, 7);
    for (let len = 0; len <= 600; len++) {
      for (const start of [0, 1, 3, 8, 13]) {
        assert.equal(
          frameCrc(data, start, start + len),
          crc32(data.subarray(start, start + len)),
          `length ${len} at ${start}`,
        );
      }
    }
    assert.equal(frameCrc(data, 0, data.length), crc32(data));
  });

  it('decodes what it encodes, and flags a flipped bit in small and large frames as corrupt', () => {
    for (const valueBytes of [0, 1, 100, 240, 1000, 70_000]) {
      const key = valueBytes % 2 === 0 ? 'k-ü-€' : 'key';
      const value = bytes(valueBytes, valueBytes + 1);
      const buf = Buffer.alloc(FRAME_HEADER_BYTES + Buffer.byteLength(key) + valueBytes);
      const enc = new FrameEncoder(buf);
      enc.offset = 2 ** 40 + 5;
      enc.timestamp = 1_764_000_000_123;
      enc.append({ key, value, attributes: 3 }, true);

      const dec = new FrameDecoder();
      dec.reset(buf);
      assert.equal(dec.next(true), FrameStatus.ok);
      assert.equal(dec.offset, 2 ** 40 + 5);
      assert.equal(dec.timestamp, 1_764_000_000_123);
      assert.equal(dec.attributes, 3);
      assert.equal(dec.batchEnd, true);
      assert.equal(dec.key(), key);
      assert.ok(Buffer.from(dec.value()).equals(value));

      // Every byte after the CRC field is covered: flip one in the header, the key and the value.
      for (const at of [8, 20, FRAME_HEADER_BYTES, buf.length - 1]) {
        const damaged = Buffer.from(buf);
        damaged[at]! ^= 0x10;
        dec.reset(damaged);
        assert.equal(dec.next(true), FrameStatus.corrupt, `value of ${valueBytes} bytes, flip at ${at}`);
      }
    }
  });

  it('stores every key as its UTF-8 bytes: ASCII, non-ASCII at any place, lone surrogates, short and long', () => {
    // Short ASCII keys take a JS loop, the rest Buffer#write (frame-codec.ts writeKey); both must give Buffer.from's bytes.
    const keys = fc.oneof(
      fc.string({ unit: 'binary-ascii', maxLength: 80 }),
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc
        .tuple(fc.string({ maxLength: 70 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }))
        .map(([a, b]) => a + b),
    );
    fc.assert(
      fc.property(keys, (key) => {
        const expected = Buffer.from(key, 'utf8');
        const buf = Buffer.alloc(FRAME_HEADER_BYTES + expected.length + 4, 0xaa);
        new FrameEncoder(buf).append({ key, value: Buffer.from([1, 2, 3, 4]) }, true);
        const dec = new FrameDecoder();
        dec.reset(buf);
        assert.equal(dec.next(true), FrameStatus.ok);
        assert.equal(dec.keyLength, expected.length);
        assert.deepEqual(buf.subarray(dec.keyStart, dec.keyStart + dec.keyLength), expected);
        assert.deepEqual(buf.subarray(dec.valueStart, dec.valueStart + dec.valueLength), Buffer.from([1, 2, 3, 4]));
      }),
      { numRuns: 2000 },
    );
  });

  it('a read of damaged committed data fails as corrupt instead of returning it', async () => {
    const dir = join(root, 'read');
    const options = { segmentBytes: 4096, indexIntervalBytes: 512, durability: { kind: 'none' } } as const;
    let backend = await openLocalBackend(dir, options);
    const log = await backend.logs.open('d');
    for (let i = 0; i < 20; i++) {
      await log.append(
        Array.from({ length: 10 }, (_, j) => ({ key: `k${j}`, value: bytes(100, i * 10 + j + 1) })),
        1000 + i,
      );
    }
    await backend.close();
    // The first segment is sealed (its index trusted at open), so the damage is only found by the read's CRC check.
    const logDir = join(dir, 'logs', 'd');
    const first = join(
      logDir,
      readdirSync(logDir)
        .filter((n) => n.endsWith('.log'))
        .sort()[0]!,
    );
    const file = readFileSync(first);
    file[FRAME_HEADER_BYTES + 200]! ^= 0x01;
    writeFileSync(first, file);

    backend = await openLocalBackend(dir, options);
    try {
      const reopened = await backend.logs.open('d');
      await assert.rejects(reopened.read(0, { maxRecords: 10_000, maxBytes: 1 << 20 }), {
        code: 'TRIB_ERR_STORAGE_CORRUPT',
      });
    } finally {
      await backend.close();
    }
  });
});
