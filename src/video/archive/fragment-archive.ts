/**
 * The fragment archive of one video stream (docs/adr/0023-video-media-plane.md).
 *
 * 1. One log per stream incarnation (storage LogStore); one record per fragment, appended once it was received
 *    whole. The record's value is the session header (EBML header, Info, Tracks), the producer's Tags that came
 *    before the cluster, and the cluster's payload exactly as received: every record decodes on its own, so
 *    trimming old records never strands a header. The key carries the fragment's index facts as short text.
 * 2. Each fragment gets a sequence number when its first bytes arrive (PutMedia's BUFFERING ack names it), strictly
 *    increasing per stream and never below the record's log offset; a fragment rejected later burns its number,
 *    as AWS's numbers are not dense either. The sequence is the fragment number's tail (fragment-number.ts). The
 *    in-memory index (sequence, offset, producer and server timestamps, duration, size) is rebuilt from the log at
 *    open and extended by every append.
 * 3. Retention: records older than DataRetentionInHours, then the oldest records beyond the optional byte cap, are
 *    dropped from the index at once and from disk as whole log segments go (ShardLog.trim).
 */
import type { AppendEntry, LogStore, ShardLog } from '../../storage/index.js';

/** What the index knows about one stored fragment. */
export interface FragmentEntry {
  /** The fragment number's sequence (see rule 2). */
  readonly seq: number;
  readonly offset: number;
  /** Producer timestamp, epoch ms (fractional when the timestamp scale is finer than 1 ms). */
  readonly producerMs: number;
  /** Server timestamp: when the fragment's first byte arrived, epoch ms. */
  readonly serverMs: number;
  readonly durationMs: number;
  /** The cluster element's size in bytes (FragmentSizeInBytes). */
  readonly sizeBytes: number;
  /** The cluster's Timestamp as sent (PutMedia's FragmentTimecode). */
  readonly timecode: number;
}

/** A fragment to store. */
export interface NewFragment {
  /** From {@link FragmentArchive.reserve}. */
  readonly seq: number;
  readonly producerMs: number;
  readonly serverMs: number;
  readonly durationMs: number;
  readonly timecode: number;
  readonly ebmlHeader: Buffer;
  readonly info: Buffer;
  readonly tracks: Buffer;
  /** Producer Tags elements received before the cluster (possibly empty). */
  readonly tags: Buffer;
  readonly payload: readonly Buffer[];
  readonly payloadLength: number;
}

/** A stored fragment, read back. */
export interface StoredFragment {
  readonly entry: FragmentEntry;
  readonly ebmlHeader: Buffer;
  /** Info and Tracks, raw and adjacent. */
  readonly infoAndTracks: Buffer;
  readonly tags: Buffer;
  readonly payload: Buffer;
}

/** Bytes a cluster header adds to the payload (id + 8-byte size). */
export const CLUSTER_HEADER_BYTES = 12;

const KEY_VERSION = 'f1';
const KEY_FIELDS = 9;

function encodeKey(f: NewFragment): string {
  return `${KEY_VERSION} ${f.seq} ${f.producerMs} ${f.serverMs} ${f.durationMs} ${f.timecode} ${f.ebmlHeader.length} ${f.info.length + f.tracks.length} ${f.tags.length}`;
}

interface KeyFacts {
  readonly seq: number;
  readonly producerMs: number;
  readonly serverMs: number;
  readonly durationMs: number;
  readonly timecode: number;
  readonly ebmlLength: number;
  readonly infoTracksLength: number;
  readonly tagsLength: number;
}

function decodeKey(key: string): KeyFacts | undefined {
  const parts = key.split(' ');
  if (parts[0] !== KEY_VERSION || parts.length !== KEY_FIELDS) return undefined;
  const n = parts.map(Number);
  return {
    seq: n[1]!,
    producerMs: n[2]!,
    serverMs: n[3]!,
    durationMs: n[4]!,
    timecode: n[5]!,
    ebmlLength: n[6]!,
    infoTracksLength: n[7]!,
    tagsLength: n[8]!,
  };
}

/** Records read per step while rebuilding the index. */
const SCAN_BATCH = { maxRecords: 256, maxBytes: 32 * 1024 * 1024 };

export class FragmentArchive {
  readonly #log: ShardLog;
  /** Entries in offset order, from the oldest retained one. */
  #entries: FragmentEntry[] = [];
  #bytes = 0;
  #nextSeq = 0;
  /** Called after each append with the new entries (the live feed of GetMedia). */
  readonly #listeners = new Set<(entries: readonly FragmentEntry[]) => void>();

  private constructor(log: ShardLog) {
    this.#log = log;
  }

  /** Opens (creating if needed) the archive in log `logId` and rebuilds its index. */
  static async open(logs: LogStore, logId: string): Promise<FragmentArchive> {
    const archive = new FragmentArchive(await logs.open(logId));
    await archive.#rebuild();
    archive.#nextSeq = Math.max(archive.#nextSeq, archive.#log.nextOffset);
    return archive;
  }

  async #rebuild(): Promise<void> {
    let from = this.#log.startOffset;
    for (;;) {
      const records = await this.#log.read(from, SCAN_BATCH);
      if (records.length === 0) return;
      for (const r of records) {
        const facts = decodeKey(r.key);
        if (facts === undefined) continue;
        this.#push({
          seq: facts.seq,
          offset: r.offset,
          producerMs: facts.producerMs,
          serverMs: facts.serverMs,
          durationMs: facts.durationMs,
          timecode: facts.timecode,
          sizeBytes:
            r.value.length - facts.ebmlLength - facts.infoTracksLength - facts.tagsLength + CLUSTER_HEADER_BYTES,
        });
      }
      from = records[records.length - 1]!.offset + 1;
    }
  }

  #push(entry: FragmentEntry): void {
    if (entry.seq >= this.#nextSeq) this.#nextSeq = entry.seq + 1;
    this.#entries.push(entry);
    this.#bytes += entry.sizeBytes;
  }

  /** Retained fragments in ingestion order (do not mutate). */
  get entries(): readonly FragmentEntry[] {
    return this.#entries;
  }

  /** Bytes of the retained fragments' clusters. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Hands out the next fragment sequence number (rule 2). */
  reserve(): number {
    return this.#nextSeq++;
  }

  /** The index of the first entry with sequence >= `seq` (entries.length when none). */
  indexAtOrAfter(seq: number): number {
    let lo = 0;
    let hi = this.#entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#entries[mid]!.seq < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The retained entry with sequence `seq`, if any. */
  entryFor(seq: number): FragmentEntry | undefined {
    const entry = this.#entries[this.indexAtOrAfter(seq)];
    return entry?.seq === seq ? entry : undefined;
  }

  /**
   * Stores fragments in one atomic, durable append (group-committed with other streams' appends) and resolves with
   * their index entries once durable: only then may PutMedia answer PERSISTED.
   */
  async append(fragments: readonly NewFragment[], now: number): Promise<FragmentEntry[]> {
    // The value in parts: the log copies them straight into its write, with no copy of the fragment before that
    // (docs/adr/0051-record-values-in-parts.md).
    const batch: AppendEntry[] = fragments.map((f) => ({
      key: encodeKey(f),
      value: [f.ebmlHeader, f.info, f.tracks, f.tags, ...f.payload],
    }));
    const { firstOffset } = await this.#log.append(batch, now);
    const added = fragments.map((f, i) => ({
      seq: f.seq,
      offset: firstOffset + i,
      producerMs: f.producerMs,
      serverMs: f.serverMs,
      durationMs: f.durationMs,
      timecode: f.timecode,
      sizeBytes: f.payloadLength + CLUSTER_HEADER_BYTES,
    }));
    for (const entry of added) this.#push(entry);
    for (const listener of this.#listeners) listener(added);
    return added;
  }

  /** Reads a retained fragment, or undefined when it is no longer retained. */
  async read(entry: FragmentEntry): Promise<StoredFragment | undefined> {
    if (this.entryFor(entry.seq) === undefined) return undefined;
    const [record] = await this.#log.read(entry.offset, { maxRecords: 1, maxBytes: 1 });
    if (record === undefined || record.offset !== entry.offset) return undefined;
    const facts = decodeKey(record.key);
    if (facts === undefined) return undefined;
    const value = Buffer.isBuffer(record.value)
      ? record.value
      : Buffer.from(record.value.buffer, record.value.byteOffset, record.value.byteLength);
    const a = facts.ebmlLength;
    const b = a + facts.infoTracksLength;
    const c = b + facts.tagsLength;
    return {
      entry,
      ebmlHeader: value.subarray(0, a),
      infoAndTracks: value.subarray(a, b),
      tags: value.subarray(b, c),
      payload: value.subarray(c),
    };
  }

  /** Calls `listener` with the entries of every later append; returns the unsubscribe function. */
  subscribe(listener: (entries: readonly FragmentEntry[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Drops fragments whose server timestamp is older than `retainAfterMs`, then the oldest ones while the archive
   * holds more than `maxBytes` (when given). Returns how many fragments were dropped.
   */
  async enforceRetention(retainAfterMs: number, maxBytes?: number): Promise<number> {
    let drop = 0;
    let bytes = this.#bytes;
    while (drop < this.#entries.length && this.#entries[drop]!.serverMs < retainAfterMs) {
      bytes -= this.#entries[drop]!.sizeBytes;
      drop++;
    }
    if (maxBytes !== undefined) {
      while (drop < this.#entries.length && bytes > maxBytes) {
        bytes -= this.#entries[drop]!.sizeBytes;
        drop++;
      }
    }
    if (drop === 0) return 0;
    const firstKept = this.#entries[drop];
    this.#entries = this.#entries.slice(drop);
    this.#bytes = bytes;
    // Whole segments whose newest record is older than the first kept one go; the index already hides the rest.
    // Commit timestamps are non-decreasing along the log, so the first kept record's commit time bounds them.
    if (firstKept === undefined) await this.#log.trim(Number.MAX_SAFE_INTEGER);
    else {
      const [record] = await this.#log.read(firstKept.offset, { maxRecords: 1, maxBytes: 1 });
      if (record !== undefined) await this.#log.trim(record.timestamp);
    }
    return drop;
  }
}
