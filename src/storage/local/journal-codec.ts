/**
 * Codec of the metadata journal. Pure: no I/O.
 *
 * The journal is a sequence of entries, each one atomic `batch()` (or one chunk of a compaction):
 *
 * ```
 * byte  size  field
 *    0     4  length   bytes of payload (u32 LE)
 *    4     4  crc      zlib.crc32 of the payload (u32 LE)
 *    8     n  payload  UTF-8 JSON, one of the two layouts below
 * ```
 *
 * A change is `[key, value]` (sets key) or `[key]` (deletes it). Payload layouts:
 *
 * ```
 * v1 (written before revisions existed, still read):
 *   [change, ...]
 * v2 (written now):
 *   {"revs":[r0, ...],"changes":[change, ...]}                  a batch: change i has revision revs[i]
 *   {"revs":[r0, ...],"changes":[change, ...],"counter":c}      a compaction chunk: also the store-wide
 *                                                               revision counter at compaction time
 * ```
 *
 * Revisions are positive integers from one store-wide counter, so they grow per key across every write and a
 * deleted and re-created key never gets an old revision back. When loading, the counter is the largest of every
 * `revs` element and `counter` seen so far; a v1 entry gives each of its changes the next counter value in
 * replay order (so a v1 journal loads with revisions 1, 2, 3, ...). `counter` lets a compaction keep the counter
 * even when the key that last used it has been deleted. `revs` has one element per change.
 *
 * Loading stops at the first entry that is torn, fails its CRC or does not match a layout; that entry and
 * everything after it are discarded, so a batch is applied entirely or not at all.
 */
import { crc32 } from 'node:zlib';

/** Bytes before the payload. */
export const JOURNAL_HEADER_BYTES = 8;
/** Largest payload accepted when loading (guards against a damaged length). */
export const MAX_JOURNAL_PAYLOAD = 256 * 1024 * 1024;

/** One change: value as JSON text, or undefined for a deletion. */
export type JournalChange = readonly [key: string, valueJson: string | undefined];

/** One decoded entry: its changes with their revisions. */
export interface JournalEntry {
  readonly changes: readonly JournalChange[];
  /** Revision of each change (same length as `changes`). */
  readonly revisions: readonly number[];
  /** The store-wide revision counter recorded by a compaction (0 when absent). */
  readonly counter: number;
}

/**
 * Encodes one journal entry (v2) holding `changes` (values already JSON text) with their revisions, and,
 * for a compaction chunk, the store-wide revision `counter`.
 */
export function encodeJournalEntry(
  changes: readonly JournalChange[],
  revisions: readonly number[],
  counter?: number,
): Buffer {
  if (revisions.length !== changes.length) throw new RangeError('one revision per change');
  const parts: string[] = [];
  for (const [key, json] of changes)
    parts.push(json === undefined ? `[${JSON.stringify(key)}]` : `[${JSON.stringify(key)},${json}]`);
  const tail = counter === undefined ? '' : `,"counter":${counter}`;
  const payload = Buffer.from(`{"revs":[${revisions.join(',')}],"changes":[${parts.join(',')}]${tail}}`, 'utf8');
  const out = Buffer.allocUnsafe(JOURNAL_HEADER_BYTES + payload.length);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(crc32(payload), 4);
  payload.copy(out, JOURNAL_HEADER_BYTES);
  return out;
}

/** Result of {@link decodeJournal}. */
export interface DecodedJournal {
  /** Entries in order, each with revisions assigned (derived from replay order for v1 entries). */
  readonly entries: JournalEntry[];
  /** The store-wide revision counter after the last valid entry (0 for an empty journal). */
  readonly counter: number;
  /** Bytes holding valid entries; anything after is a torn or damaged tail. */
  readonly validBytes: number;
}

const isRevision = (r: unknown): r is number => Number.isSafeInteger(r) && (r as number) > 0;

/** Decodes entries until the end of `buf` or the first invalid entry. */
export function decodeJournal(buf: Buffer): DecodedJournal {
  const entries: JournalEntry[] = [];
  let counter = 0;
  let at = 0;
  const done = (): DecodedJournal => ({ entries, counter, validBytes: at });
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
    let rawChanges: unknown;
    let revs: unknown[] | undefined;
    let entryCounter = 0;
    if (Array.isArray(parsed)) {
      rawChanges = parsed; // v1
    } else if (typeof parsed === 'object' && parsed !== null) {
      const o = parsed as { revs?: unknown; changes?: unknown; counter?: unknown };
      if (!Array.isArray(o.revs) || !Array.isArray(o.changes) || o.revs.length !== o.changes.length) break;
      if (!o.revs.every(isRevision)) break;
      if (o.counter !== undefined) {
        if (!isRevision(o.counter) && o.counter !== 0) break;
        entryCounter = o.counter as number;
      }
      rawChanges = o.changes;
      revs = o.revs;
    } else {
      break;
    }
    const changes: JournalChange[] = [];
    const revisions: number[] = [];
    let next = counter;
    for (const [i, c] of (rawChanges as unknown[]).entries()) {
      if (!Array.isArray(c) || typeof c[0] !== 'string' || (c.length !== 1 && c.length !== 2)) return done();
      changes.push([c[0], c.length === 2 ? JSON.stringify(c[1]) : undefined]);
      const rev = revs ? (revs[i] as number) : next + 1;
      revisions.push(rev);
      next = Math.max(next, rev);
    }
    counter = Math.max(next, entryCounter);
    entries.push({ changes, revisions, counter: entryCounter });
    at += JOURNAL_HEADER_BYTES + len;
  }
  return done();
}
