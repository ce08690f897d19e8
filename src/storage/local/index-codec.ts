/**
 * Codec of a segment's `.idx` file. Pure: no I/O.
 *
 * The file is a sequence of fixed 24-byte entries, little-endian:
 *
 * ```
 * byte  size  field
 *    0     1  kind        1 = POINT, 2 = TRAILER, 3 = SEED
 *    1     1  flags       bit 0 = BATCH_START (POINT at the first frame of a batch),
 *                         bit 1 = HAS_TIMESTAMP (timestamp field is meaningful)
 *    2     2  reserved    zero
 *    4     4  relOffset   record offset minus the segment's base offset
 *    8     4  position    byte position of the frame in the segment file
 *   12     4  ts.lo       epoch ms = ts.hi * 2^32 + ts.lo
 *   16     4  ts.hi
 *   20     4  crc         zlib.crc32 of bytes [0, 20) of this entry
 * ```
 *
 * - POINT: a sparse index point; the frame at `position` has offset `base + relOffset` and the timestamp.
 * - TRAILER: last entry of a sealed segment: `relOffset` = record count, `position` = file size,
 *   timestamp = newest record's (absent for an empty segment). A sealed index without a matching
 *   trailer is rebuilt by scanning.
 * - SEED: first entry of a segment created by a roll: the log's last timestamp at that moment, so
 *   an empty log keeps its clock across restarts after trimming everything.
 *
 * Entries carry their own CRC because the active segment's index is appended without fsync: a torn
 * entry is detected and everything from it on is ignored.
 */
import { crc32 } from 'node:zlib';

/** Size of one index entry. */
export const INDEX_ENTRY_BYTES = 24;

/** Entry kinds. */
export const IndexEntryKind = { point: 1, trailer: 2, seed: 3 } as const;
/** One of {@link IndexEntryKind}. */
export type IndexEntryKind = (typeof IndexEntryKind)[keyof typeof IndexEntryKind];

const FLAG_BATCH_START = 0x1;
const FLAG_HAS_TIMESTAMP = 0x2;
const TWO_32 = 0x1_0000_0000;

/** A decoded index entry. */
export interface IndexEntry {
  readonly kind: IndexEntryKind;
  /** Offset relative to the segment base (count for a trailer). */
  readonly relOffset: number;
  /** Byte position in the segment file (file size for a trailer). */
  readonly position: number;
  /** Epoch ms, or undefined when the entry has none. */
  readonly timestamp: number | undefined;
  /** POINT only: the frame at `position` starts an append batch (a safe recovery anchor). */
  readonly batchStart: boolean;
}

/** Encodes entries into one buffer of `entries.length * INDEX_ENTRY_BYTES` bytes. */
export function encodeIndexEntries(entries: readonly IndexEntry[]): Buffer {
  const buf = Buffer.alloc(entries.length * INDEX_ENTRY_BYTES);
  let at = 0;
  for (const e of entries) {
    if (e.relOffset >= TWO_32 || e.position >= TWO_32) {
      throw new RangeError(`index entry out of range (relOffset ${e.relOffset}, position ${e.position})`);
    }
    const ts = e.timestamp ?? 0;
    const flags = (e.batchStart ? FLAG_BATCH_START : 0) | (e.timestamp === undefined ? 0 : FLAG_HAS_TIMESTAMP);
    buf.writeUInt8(e.kind, at);
    buf.writeUInt8(flags, at + 1);
    buf.writeUInt32LE(e.relOffset, at + 4);
    buf.writeUInt32LE(e.position, at + 8);
    buf.writeUInt32LE(ts % TWO_32, at + 12);
    buf.writeUInt32LE(Math.floor(ts / TWO_32), at + 16);
    buf.writeUInt32LE(crc32(buf.subarray(at, at + 20)), at + 20);
    at += INDEX_ENTRY_BYTES;
  }
  return buf;
}

/** Result of {@link decodeIndexEntries}. */
export interface DecodedIndex {
  /** Valid entries, in file order, up to the first damaged one. */
  readonly entries: IndexEntry[];
  /** Whether anything after the returned entries was ignored (torn or damaged bytes). */
  readonly damaged: boolean;
}

/** Decodes entries until the end of `buf` or the first damaged entry. */
export function decodeIndexEntries(buf: Uint8Array): DecodedIndex {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const entries: IndexEntry[] = [];
  let at = 0;
  while (at + INDEX_ENTRY_BYTES <= b.length) {
    if (crc32(b.subarray(at, at + 20)) !== b.readUInt32LE(at + 20)) return { entries, damaged: true };
    const kind = b.readUInt8(at);
    const flags = b.readUInt8(at + 1);
    if (
      kind < 1 ||
      kind > 3 ||
      (flags & ~(FLAG_BATCH_START | FLAG_HAS_TIMESTAMP)) !== 0 ||
      b.readUInt16LE(at + 2) !== 0
    ) {
      return { entries, damaged: true };
    }
    entries.push({
      kind: kind as IndexEntryKind,
      relOffset: b.readUInt32LE(at + 4),
      position: b.readUInt32LE(at + 8),
      timestamp:
        (flags & FLAG_HAS_TIMESTAMP) !== 0 ? b.readUInt32LE(at + 12) + b.readUInt32LE(at + 16) * TWO_32 : undefined,
      batchStart: (flags & FLAG_BATCH_START) !== 0,
    });
    at += INDEX_ENTRY_BYTES;
  }
  return { entries, damaged: at !== b.length };
}
