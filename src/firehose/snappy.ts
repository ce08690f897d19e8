/**
 * The two Snappy container formats of Firehose's CompressionFormat (pure codecs, no I/O). The raw Snappy block
 * codec is `snappyjs` (docs/adr/0018-firehose-snappy-and-ingest.md); the framing and CRC-32C are ours.
 *
 * `Snappy` — the Snappy framing format (google/snappy `framing_format.txt`):
 *   stream      = stream-identifier *chunk
 *   stream-identifier = ff 06 00 00 "sNaPpY"
 *   chunk       = type:u8 length:u24le body
 *   compressed chunk (type 00):   masked-crc32c:u32le (of the uncompressed bytes) + raw Snappy block
 *   uncompressed chunk (type 01): masked-crc32c:u32le + the bytes themselves
 *   Each chunk holds at most 65,536 uncompressed bytes. The mask is `((crc >>> 15) | (crc << 17)) + 0xa282ead8`.
 *   A chunk is stored uncompressed when compression saves less than 1/8 of it (as the reference encoders do).
 *
 * `HADOOP_SNAPPY` — Hadoop's BlockCompressorStream with the Snappy codec (what `hadoop fs -text`, Hive and Athena
 * read as `.snappy` files):
 *   stream = *block
 *   block  = uncompressed-length:u32be 1*(compressed-length:u32be raw-snappy-block)
 *   Blocks hold at most 256 KiB of input (Hadoop's `io.compression.codec.snappy.buffersize` default), each
 *   compressed as one raw Snappy block.
 */
import { compress as snappyBlock } from 'snappyjs';

const FRAME_CHUNK = 65_536;
const HADOOP_BLOCK = 256 * 1024;
const STREAM_IDENTIFIER = Buffer.from([0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]);

/** CRC-32C (Castagnoli, reflected polynomial 0x82f63b78), one table of 256 entries. */
const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C of `bytes` (RFC 3720 appendix B.4: `crc32c("123456789") = 0xe3069283`). */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC32C_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** The framing format's masked checksum of `bytes`. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0;
}

/** `body` in the Snappy framing format (this file's header). */
export function snappyFramed(body: Buffer): Buffer {
  const parts: Buffer[] = [STREAM_IDENTIFIER];
  for (let start = 0; start < body.length; start += FRAME_CHUNK) {
    const chunk = body.subarray(start, Math.min(body.length, start + FRAME_CHUNK));
    const compressed = snappyBlock(chunk);
    const stored = compressed.length <= chunk.length - (chunk.length >>> 3);
    const payload = stored ? compressed : chunk;
    const header = Buffer.allocUnsafe(8);
    header[0] = stored ? 0x00 : 0x01;
    header.writeUIntLE(4 + payload.length, 1, 3);
    header.writeUInt32LE(maskedCrc32c(chunk), 4);
    parts.push(header, payload);
  }
  return Buffer.concat(parts);
}

/** `body` in Hadoop's Snappy block format (this file's header). */
export function hadoopSnappy(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let start = 0; start < body.length; start += HADOOP_BLOCK) {
    const block = body.subarray(start, Math.min(body.length, start + HADOOP_BLOCK));
    const compressed = snappyBlock(block);
    const header = Buffer.allocUnsafe(8);
    header.writeUInt32BE(block.length, 0);
    header.writeUInt32BE(compressed.length, 4);
    parts.push(header, compressed);
  }
  return Buffer.concat(parts);
}
