/**
 * Record frame codec of the local segment log. Pure: no I/O, no clocks.
 *
 * A segment file is a plain concatenation of frames, one per record, in offset order. All integers
 * are little-endian and unsigned.
 *
 * ```
 * byte  size  field
 *    0     4  frameLength   number of bytes after this field = 28 + keyLength + valueLength
 *    4     4  crc           zlib.crc32 (CRC-32/ISO-HDLC) of bytes [8, 4 + frameLength)
 *    8     4  offset.lo     record offset = offset.hi * 2^32 + offset.lo  (< 2^53)
 *   12     4  offset.hi
 *   16     4  timestamp.lo  commit time, epoch ms = timestamp.hi * 2^32 + timestamp.lo
 *   20     4  timestamp.hi
 *   24     4  attributes    bits 0..7 flags (bit 0 = BATCH_END: last record of an append batch,
 *                           bits 1..7 zero), bits 8..15 format version (1), bits 16..23 the
 *                           entry's application attributes (AppendEntry.attributes), bits 24..31 zero
 *   28     4  keyLength     UTF-8 bytes of the key
 *   32     k  key           UTF-8
 * 32+k     v  value         raw bytes, v = frameLength - 28 - keyLength
 * ```
 *
 * The CRC covers offset, timestamp, attributes, key and value, so a frame read back is either the
 * frame that was written or detected as damaged. `frameLength` is outside the CRC; a damaged length
 * makes the CRC window land on the wrong bytes and fail (or exceed the limits checked first).
 *
 * Batch atomicity: only the last frame of an append batch carries BATCH_END. Recovery keeps a frame
 * only once the BATCH_END frame of its batch is intact, so a torn batch disappears as a whole.
 */
import { crc32 } from 'node:zlib';

/** Bytes of a frame before its key. */
export const FRAME_HEADER_BYTES = 32;
/** Bytes covered by `frameLength` besides key and value. */
const FRAME_FIXED_BODY = FRAME_HEADER_BYTES - 4;
/** Format version stored in bits 8..15 of `attributes`. */
export const FRAME_VERSION = 1;
/** Flag: the frame is the last of its append batch. */
export const FLAG_BATCH_END = 0x1;
/** Bits of the attributes word holding the application attributes (AppendEntry.attributes, 0–255). */
const APP_ATTRIBUTES_SHIFT = 16;
const APP_ATTRIBUTES_MASK = 0xff << APP_ATTRIBUTES_SHIFT;
/** Largest key the codec accepts (the storage contract allows 64 KiB). */
export const MAX_KEY_BYTES = 64 * 1024;
/**
 * Largest frame body accepted when decoding. Well above any legal record (Kinesis caps a record at
 * 10 MiB) and low enough that a damaged length is rejected without trying to read gigabytes.
 */
export const MAX_FRAME_LENGTH = 64 * 1024 * 1024;

const TWO_32 = 0x1_0000_0000;
const VERSION_BITS = FRAME_VERSION << 8;

// ---- Per-record helpers of the read path ---------------------------------------------------------
//
// A GetRecords of 10,000 small records decodes 10,000 frames, so fixed per-call costs matter more
// than per-byte ones here. Figures are from `npm run bench -- read-path` (100-byte records).

/**
 * Frames whose CRC window is at most this many bytes are checksummed in JS. `zlib.crc32` costs
 * ~200 ns per call whatever the length (argument checks, a Buffer view of the frame, the native
 * call) — the largest single cost of reading small records back. The table-driven JS loop below is
 * faster up to ~300 bytes; beyond that zlib's native loop wins. Measured: handler only +19%,
 * handler + JSON +8%.
 */
const SMALL_CRC_BYTES = 256;
/** CRC-32 lookup tables for slicing-by-16: table t at [t·256, t·256 + 256). */
const CRC_TABLES = new Int32Array(16 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  CRC_TABLES[n] = c;
}
for (let t = 1; t < 16; t++) {
  for (let n = 0; n < 256; n++) {
    const prev = CRC_TABLES[(t - 1) * 256 + n]!;
    CRC_TABLES[t * 256 + n] = (prev >>> 8) ^ CRC_TABLES[prev & 0xff]!;
  }
}

/**
 * CRC-32/ISO-HDLC (reflected polynomial 0xEDB88320, initial value and final XOR 0xFFFFFFFF) of
 * `buf[start, end)`: always equal to `zlib.crc32(buf.subarray(start, end))`, so frames are the same
 * bytes whichever path computed their CRC (test/storage/local-frame-codec.test.ts checks both paths).
 */
export function frameCrc(buf: Buffer, start: number, end: number): number {
  if (end - start > SMALL_CRC_BYTES) return crc32(buf.subarray(start, end));
  const T = CRC_TABLES;
  let c = -1;
  let i = start;
  // Slicing-by-16: 16 bytes per step; the running CRC folds into the first 4, each byte has its own table.
  for (; i + 16 <= end; i += 16) {
    const a = c ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24));
    c =
      T[3840 + (a & 0xff)]! ^
      T[3584 + ((a >>> 8) & 0xff)]! ^
      T[3328 + ((a >>> 16) & 0xff)]! ^
      T[3072 + (a >>> 24)]! ^
      T[2816 + buf[i + 4]!]! ^
      T[2560 + buf[i + 5]!]! ^
      T[2304 + buf[i + 6]!]! ^
      T[2048 + buf[i + 7]!]! ^
      T[1792 + buf[i + 8]!]! ^
      T[1536 + buf[i + 9]!]! ^
      T[1280 + buf[i + 10]!]! ^
      T[1024 + buf[i + 11]!]! ^
      T[768 + buf[i + 12]!]! ^
      T[512 + buf[i + 13]!]! ^
      T[256 + buf[i + 14]!]! ^
      T[buf[i + 15]!]!;
  }
  for (; i < end; i++) c = T[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

// The frame decoder reads header fields and keys without Buffer's argument-checking wrappers
// (`readUInt32LE` validates its offset, `toString` its encoding and range, on every call): the
// decoder has already bounds-checked the frame. Together with the sequence-number encoder doing the
// same, measured: handler only +10%, handler + JSON +7%.

/** Unsigned little-endian 32-bit integer at `at`; the caller has checked that 4 bytes are there. */
function u32(buf: Buffer, at: number): number {
  return (buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16)) + buf[at + 3]! * 0x100_0000;
}

/**
 * `Buffer.prototype.utf8Slice`, the native decoder `buf.toString('utf8', start, end)` ends in (not in
 * Node's typings). Undefined if a Node version drops it; {@link FrameDecoder.key} then falls back.
 */
const nativeUtf8Slice = (
  Buffer.prototype as unknown as { utf8Slice?: (this: Buffer, start: number, end: number) => string }
).utf8Slice;

/** Outcome of {@link FrameDecoder.next}. */
export const FrameStatus = {
  /** A whole, valid frame was decoded; the decoder's fields describe it. */
  ok: 0,
  /** The buffer ends inside the frame; {@link FrameDecoder.needed} bytes from the frame start are required. */
  incomplete: 1,
  /** The bytes at the cursor are not a valid frame. */
  corrupt: 2,
} as const;
/** One of {@link FrameStatus}. */
export type FrameStatus = (typeof FrameStatus)[keyof typeof FrameStatus];

/** Size in bytes of the frame for a key of `keyBytes` UTF-8 bytes and a value of `valueBytes` bytes. */
export function frameSize(keyBytes: number, valueBytes: number): number {
  return FRAME_HEADER_BYTES + keyBytes + valueBytes;
}

/** Keys up to this many UTF-16 units are tried as ASCII in JS first (see {@link writeKey}). */
const SHORT_KEY = 64;

/**
 * Writes `key` as UTF-8 at `at` and returns its byte length; the buffer has room for it. Writing the key first yields
 * its length without a separate Buffer.byteLength pass. A short ASCII key (partition keys usually are) is stored by a
 * JS loop: measured with 12-character keys, 33–39 ns against 87–134 ns through `Buffer#write`, whose argument
 * handling costs more than the copy. Any other key, or one that turns out not to be ASCII, is written by `write`.
 */
function writeKey(buf: Buffer, key: string, at: number): number {
  const n = key.length;
  if (n <= SHORT_KEY) {
    let i = 0;
    for (; i < n; i++) {
      const c = key.charCodeAt(i);
      if (c > 0x7f) break;
      buf[at + i] = c;
    }
    if (i === n) return n;
  }
  return n === 0 ? 0 : buf.write(key, at, 'utf8');
}

/** A record to encode: the same shape as the storage contract's `AppendEntry` (a value whole or in parts). */
export interface FrameInput {
  readonly key: string;
  readonly value: Uint8Array | readonly Uint8Array[];
  /** Application attributes, 0–255 (absent = 0). */
  readonly attributes?: number;
}

/**
 * Encodes frames back to back into one caller-provided buffer (one buffer per group commit, so no
 * allocation per record). Set {@link offset} and {@link timestamp}, then call {@link append} per
 * record; the offset advances by one per frame.
 */
export class FrameEncoder {
  /** Offset given to the next frame. */
  offset = 0;
  /** Timestamp written into the following frames. */
  timestamp = 0;
  /** Write position in the buffer. */
  position: number;
  private readonly buf: Buffer;
  private readonly view: DataView;

  constructor(buf: Buffer, start = 0) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.position = start;
  }

  /**
   * Writes one frame at {@link position} and advances it. The buffer must have room for
   * `frameSize(Buffer.byteLength(key), value.length)` bytes. Returns the frame's start position.
   */
  append(entry: FrameInput, batchEnd: boolean): number {
    const buf = this.buf;
    const start = this.position;
    const keyStart = start + FRAME_HEADER_BYTES;
    const keyLength = writeKey(buf, entry.key, keyStart);
    const value = entry.value;
    let end = keyStart + keyLength;
    if (value instanceof Uint8Array) {
      buf.set(value, end);
      end += value.length;
    } else {
      for (const part of value) {
        buf.set(part, end);
        end += part.length;
      }
    }
    const offset = this.offset;
    const ts = this.timestamp;
    // Header fields through a DataView: `Buffer#writeUInt32LE` checks its value and offset on every call, which
    // measured ~20 ns a field, 140 ns of a 100-byte record's ~430 ns here; the view's stores ~2 ns each. The
    // buffer was sized by the caller for this frame, so the view cannot write outside it.
    const view = this.view;
    view.setUint32(start, end - start - 4, true);
    view.setUint32(start + 8, offset % TWO_32, true);
    view.setUint32(start + 12, Math.floor(offset / TWO_32), true);
    view.setUint32(start + 16, ts % TWO_32, true);
    view.setUint32(start + 20, Math.floor(ts / TWO_32), true);
    const app = ((entry.attributes ?? 0) << APP_ATTRIBUTES_SHIFT) & APP_ATTRIBUTES_MASK;
    view.setUint32(start + 24, (VERSION_BITS | app | (batchEnd ? FLAG_BATCH_END : 0)) >>> 0, true);
    view.setUint32(start + 28, keyLength, true);
    view.setUint32(start + 4, frameCrc(buf, start + 8, end), true);
    this.offset = offset + 1;
    this.position = end;
    return start;
  }
}

/** Where {@link FrameDecoder.reset} starts and stops. */
export interface DecodeRange {
  /** First byte of the first frame. Default 0. */
  readonly start?: number;
  /** End of the valid bytes (exclusive). Default `buf.length`. */
  readonly end?: number;
}

/**
 * Walks frames in a buffer without allocating per frame: after {@link next} returns
 * {@link FrameStatus.ok}, the public fields describe the frame just decoded and {@link position}
 * points at the next one.
 */
export class FrameDecoder {
  /** Position of the next frame to decode. */
  position = 0;
  /** End of valid bytes. */
  end = 0;
  /** Start of the last decoded (or incomplete/corrupt) frame. */
  frameStart = 0;
  /** Total bytes of the last decoded frame, header included. */
  frameBytes = 0;
  /** On {@link FrameStatus.incomplete}: bytes needed from {@link frameStart} to decode the frame. */
  needed = 0;
  offset = 0;
  timestamp = 0;
  batchEnd = false;
  /** Application attributes of the last decoded frame (0–255). */
  attributes = 0;
  keyStart = 0;
  keyLength = 0;
  valueStart = 0;
  valueLength = 0;
  private buf: Buffer = Buffer.alloc(0);

  /** The buffer being decoded (a {@link RecordView}'s bytes: key and value of the last frame lie in it). */
  get bytes(): Buffer {
    return this.buf;
  }

  /** Points the decoder at `buf`. */
  reset(buf: Buffer, range: DecodeRange = {}): void {
    this.buf = buf;
    this.position = range.start ?? 0;
    this.end = range.end ?? buf.length;
  }

  /**
   * Decodes the frame at {@link position}. `verify` checks the CRC (recovery, reads); without it only
   * the structure is checked (offset/time lookups over data that was verified when it was written).
   */
  next(verify: boolean): FrameStatus {
    const buf = this.buf;
    const start = this.position;
    this.frameStart = start;
    const available = this.end - start;
    if (available < FRAME_HEADER_BYTES) {
      if (available >= 4) {
        const len = buf.readUInt32LE(start);
        if (len < FRAME_FIXED_BODY || len > MAX_FRAME_LENGTH) return FrameStatus.corrupt;
        this.needed = len + 4;
      } else {
        this.needed = FRAME_HEADER_BYTES;
      }
      return FrameStatus.incomplete;
    }
    const frameLength = u32(buf, start);
    if (frameLength < FRAME_FIXED_BODY || frameLength > MAX_FRAME_LENGTH) return FrameStatus.corrupt;
    const attributes = u32(buf, start + 24);
    if ((attributes & ~(FLAG_BATCH_END | APP_ATTRIBUTES_MASK)) !== VERSION_BITS) return FrameStatus.corrupt;
    const keyLength = u32(buf, start + 28);
    if (keyLength > MAX_KEY_BYTES || keyLength > frameLength - FRAME_FIXED_BODY) return FrameStatus.corrupt;
    const total = frameLength + 4;
    if (available < total) {
      this.needed = total;
      return FrameStatus.incomplete;
    }
    const end = start + total;
    if (verify && frameCrc(buf, start + 8, end) !== u32(buf, start + 4)) {
      return FrameStatus.corrupt;
    }
    this.frameBytes = total;
    this.offset = u32(buf, start + 8) + u32(buf, start + 12) * TWO_32;
    this.timestamp = u32(buf, start + 16) + u32(buf, start + 20) * TWO_32;
    this.batchEnd = (attributes & FLAG_BATCH_END) !== 0;
    this.attributes = (attributes & APP_ATTRIBUTES_MASK) >>> APP_ATTRIBUTES_SHIFT;
    this.keyStart = start + FRAME_HEADER_BYTES;
    this.keyLength = keyLength;
    this.valueStart = this.keyStart + keyLength;
    this.valueLength = end - this.valueStart;
    this.position = end;
    return FrameStatus.ok;
  }

  /** The key of the last decoded frame. */
  key(): string {
    if (this.keyLength === 0) return '';
    const end = this.keyStart + this.keyLength;
    return nativeUtf8Slice
      ? nativeUtf8Slice.call(this.buf, this.keyStart, end)
      : this.buf.toString('utf8', this.keyStart, end);
  }

  /** The value of the last decoded frame as a view into the decoder's buffer (no copy). */
  value(): Uint8Array {
    const buf = this.buf;
    return new Uint8Array(buf.buffer, buf.byteOffset + this.valueStart, this.valueLength);
  }
}
