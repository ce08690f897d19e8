/**
 * Codec of the metadata journal. Pure: no I/O.
 *
 * The journal is a sequence of entries, each one atomic `batch()`:
 *
 * ```
 * byte  size  field
 *    0     4  length   bytes of payload (u32 LE)
 *    4     4  crc      zlib.crc32 of the payload (u32 LE)
 *    8     n  payload  UTF-8 JSON array of changes: [key, value] sets key, [key] deletes it
 * ```
 *
 * Loading stops at the first entry that is torn or fails its CRC; that entry and everything after
 * it are discarded, so a batch is applied entirely or not at all.
 */
import { crc32 } from 'node:zlib';

/** Bytes before the payload. */
export const JOURNAL_HEADER_BYTES = 8;
/** Largest payload accepted when loading (guards against a damaged length). */
export const MAX_JOURNAL_PAYLOAD = 256 * 1024 * 1024;

/** One change: value as JSON text, or undefined for a deletion. */
export type JournalChange = readonly [key: string, valueJson: string | undefined];

/** Encodes one journal entry holding `changes` (values already JSON text). */
export function encodeJournalEntry(changes: readonly JournalChange[]): Buffer {
  const parts: string[] = [];
  for (const [key, json] of changes)
    parts.push(json === undefined ? `[${JSON.stringify(key)}]` : `[${JSON.stringify(key)},${json}]`);
  const payload = Buffer.from(`[${parts.join(',')}]`, 'utf8');
  const out = Buffer.allocUnsafe(JOURNAL_HEADER_BYTES + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32(payload), 4);
  payload.copy(out, JOURNAL_HEADER_BYTES);
  return out;
}

/** Result of {@link decodeJournal}. */
export interface DecodedJournal {
  /** Entries in order, each a list of changes. */
  readonly entries: JournalChange[][];
  /** Bytes holding valid entries; anything after is a torn or damaged tail. */
  readonly validBytes: number;
}

/** Decodes entries until the end of `buf` or the first invalid entry. */
export function decodeJournal(buf: Buffer): DecodedJournal {
  const entries: JournalChange[][] = [];
  let at = 0;
  while (at + JOURNAL_HEADER_BYTES <= buf.length) {
    const len = buf.readUInt32LE(at);
    if (len > MAX_JOURNAL_PAYLOAD || at + JOURNAL_HEADER_BYTES + len > buf.length) break;
    const payload = buf.subarray(at + JOURNAL_HEADER_BYTES, at + JOURNAL_HEADER_BYTES + len);
    if (crc32(payload) !== buf.readUInt32LE(at + 4)) break;
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.toString('utf8'));
    } catch {
      break;
    }
    if (!Array.isArray(parsed)) break;
    const changes: JournalChange[] = [];
    for (const c of parsed as unknown[]) {
      if (!Array.isArray(c) || typeof c[0] !== 'string' || (c.length !== 1 && c.length !== 2))
        return { entries, validBytes: at };
      changes.push([c[0], c.length === 2 ? JSON.stringify(c[1]) : undefined]);
    }
    entries.push(changes);
    at += JOURNAL_HEADER_BYTES + len;
  }
  return { entries, validBytes: at };
}
