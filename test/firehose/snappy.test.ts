/**
 * The Snappy container formats (src/firehose/snappy.ts) against the reference decoder users have: Debian's
 * python3-snappy (`snappy.StreamDecompressor` for the framing format, `snappy.hadoop_snappy.StreamDecompressor` for
 * Hadoop's block format). Every output must decode to the input byte for byte.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { crc32c, hadoopSnappy, maskedCrc32c, snappyFramed } from '../../src/firehose/snappy.js';
import { pythonSnappy, snappySkip } from './helpers.js';

/** Compressible text, incompressible noise and runs, crossing the 64 KiB frame and 256 KiB block boundaries. */
function mixedInput(): Buffer {
  const text = Buffer.from(
    Array.from({ length: 6000 }, (_, i) => `{"event":"click","user":${i % 97},"n":${i}}\n`).join(''),
  );
  return Buffer.concat([text, randomBytes(150_000), Buffer.alloc(70_000, 0x61), text.subarray(0, 12_345)]);
}

describe('CRC-32C', () => {
  it('matches the check value of RFC 3720 and masks as the framing format says', () => {
    assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
    assert.equal(crc32c(Buffer.alloc(32)), 0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeroes
    const crc = 0xe3069283;
    assert.equal(maskedCrc32c(Buffer.from('123456789')), (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0);
  });
});

describe('Snappy framing and Hadoop Snappy against python3-snappy', { skip: snappySkip() }, () => {
  const inputs: Array<[string, Buffer]> = [
    ['one byte', Buffer.from('x')],
    ['exactly one frame', Buffer.alloc(65_536, 0x62)],
    ['mixed, several frames and blocks', mixedInput()],
  ];
  for (const [label, input] of inputs) {
    it(`framed output decodes byte for byte (${label})`, async () => {
      const framed = snappyFramed(input);
      assert.deepEqual([...framed.subarray(0, 10)], [0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]);
      assert.ok((await pythonSnappy('framed', framed)).equals(input));
    });
    it(`Hadoop output decodes byte for byte (${label})`, async () => {
      const hadoop = hadoopSnappy(input);
      assert.equal(hadoop.readUInt32BE(0), Math.min(input.length, 256 * 1024));
      assert.ok((await pythonSnappy('hadoop', hadoop)).equals(input));
    });
  }

  it('stores an incompressible chunk uncompressed (chunk type 01) and python still checks its CRC', async () => {
    const noise = randomBytes(1000);
    const framed = snappyFramed(noise);
    assert.equal(framed[10], 0x01);
    assert.ok((await pythonSnappy('framed', framed)).equals(noise));
    const corrupt = Buffer.from(framed);
    corrupt[framed.length - 1] = corrupt[framed.length - 1]! ^ 0xff;
    await assert.rejects(pythonSnappy('framed', corrupt));
  });
});
