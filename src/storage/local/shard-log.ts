/**
 * One shard log of the local backend: a directory of segments, a single writer loop doing group
 * commit, index-guided reads, retention by whole segments, and recovery at open.
 */
import { mkdir, open, readdir, unlink } from 'node:fs/promises';
import {
  type AppendEntry,
  type AppendResult,
  type DurabilityPolicy,
  type LogRecord,
  type ReadOptions,
  type ShardLog,
  StorageError,
  StorageErrorCode,
} from '../index.js';
import { FRAME_HEADER_BYTES, FrameDecoder, FrameEncoder, FrameStatus, MAX_KEY_BYTES } from './frame-codec.js';
import { encodeIndexEntries, INDEX_ENTRY_BYTES } from './index-codec.js';
import { fsyncDir, isNotFound, readFully, writeFully } from './fs-util.js';
import type { IndexPlanner, IndexPoint } from './sparse-index.js';
import { loadSealedSegment, parseSegmentName, recoverActiveSegment, Segment, writeIndexFile } from './segment.js';

/** Settings of a shard log (resolved from the backend options). */
export interface ShardLogOptions {
  readonly durability: DurabilityPolicy;
  readonly segmentBytes: number;
  readonly indexIntervalBytes: number;
}

/** Smallest and largest read done at once. */
const MIN_READ_CHUNK = 64 * 1024;
const MAX_READ_CHUNK = 16 * 1024 * 1024;

interface PendingAppend {
  readonly kind: 'append';
  readonly entries: readonly AppendEntry[];
  readonly now: number;
  /** Encoded size of the whole batch. */
  readonly bytes: number;
  readonly resolve: (r: AppendResult) => void;
  readonly reject: (e: unknown) => void;
}

interface PendingControl {
  readonly kind: 'control';
  readonly run: () => Promise<void>;
}

type Pending = PendingAppend | PendingControl;

/** Mutable state threaded through one read. */
interface ReadState {
  from: number;
  readonly out: LogRecord[];
  bytes: number;
  readonly maxRecords: number;
  readonly maxBytes: number;
  done: boolean;
}

/** {@link ShardLog} over segment files in one directory. Create with {@link LocalShardLog.open}. */
export class LocalShardLog implements ShardLog {
  readonly id: string;
  private readonly dir: string;
  private readonly opts: ShardLogOptions;
  /** Oldest first; the last one is active. Replaced, never mutated in place, so readers can snapshot it. */
  private segments: Segment[] = [];
  private start = 0;
  private next = 0;
  private lastTs: number | undefined;
  private queue: Pending[] = [];
  private running = false;
  private closing = false;
  private closed = false;
  private failure: Error | undefined;
  private planner!: IndexPlanner;
  /** Active segment written since the last fsync. */
  private dirty = false;
  private lastSyncAt = 0;
  private syncTimer: NodeJS.Timeout | undefined;
  private closedPromise: Promise<void> | undefined;

  private constructor(id: string, dir: string, opts: ShardLogOptions) {
    this.id = id;
    this.dir = dir;
    this.opts = opts;
  }

  /** Opens (creating if needed) the log stored in `dir`, recovering its tail. */
  static async open(id: string, opts: ShardLogOptions & { dir: string }): Promise<LocalShardLog> {
    const log = new LocalShardLog(id, opts.dir, opts);
    await log.recover();
    return log;
  }

  get startOffset(): number {
    return this.start;
  }

  get nextOffset(): number {
    return this.next;
  }

  get lastTimestamp(): number | undefined {
    return this.lastTs;
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  private get durable(): boolean {
    return this.opts.durability.kind !== 'none';
  }

  // ---------------------------------------------------------------- recovery

  private async recover(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const names = await readdir(this.dir);
    const bases: number[] = [];
    const stems = new Set<string>();
    for (const name of names) {
      const base = parseSegmentName(name);
      if (base !== undefined) {
        bases.push(base);
        stems.add(name.slice(0, -4));
      } else if (name.endsWith('.tmp')) {
        await unlink(`${this.dir}/${name}`).catch(ignoreNotFound);
      }
    }
    // An index whose segment is gone is left over from an interrupted trim.
    for (const name of names) {
      if (name.endsWith('.idx') && !stems.has(name.slice(0, -4)))
        await unlink(`${this.dir}/${name}`).catch(ignoreNotFound);
    }
    bases.sort((a, b) => a - b);
    if (bases.length === 0) {
      this.segments = [await this.createSegment(0, undefined)];
      if (this.durable) await fsyncDir(`${this.dir}/..`);
    } else {
      const segs = bases.map((b) => new Segment(this.dir, b));
      for (let i = 0; i < segs.length - 1; i++)
        await loadSealedSegment(segs[i]!, { intervalBytes: this.opts.indexIntervalBytes });
      await recoverActiveSegment(segs[segs.length - 1]!, {
        intervalBytes: this.opts.indexIntervalBytes,
        sync: this.durable,
      });
      this.segments = segs;
    }
    const active = this.active;
    this.start = this.segments[0]!.base;
    this.next = active.nextOffset;
    this.lastTs = active.lastTimestamp;
    for (let i = this.segments.length - 2; this.lastTs === undefined && i >= 0; i--)
      this.lastTs = this.segments[i]!.lastTimestamp;
    this.lastTs ??= active.seedTimestamp;
    this.planner = active.planner(this.opts.indexIntervalBytes);
  }

  /** Creates an empty segment file and its index (with the seed timestamp), durable under the policy. */
  private async createSegment(base: number, seed: number | undefined): Promise<Segment> {
    const seg = new Segment(this.dir, base);
    seg.seedTimestamp = seed;
    seg.fh = await open(seg.logPath, 'wx+');
    seg.idxFh = await open(seg.idxPath, 'w+');
    const entries = seg.activeEntries();
    if (entries.length > 0) {
      await writeFully(seg.idxFh, { buf: encodeIndexEntries(entries), position: 0 });
      if (this.durable) await seg.idxFh.datasync();
    }
    seg.idxBytes = entries.length * INDEX_ENTRY_BYTES;
    if (this.durable) await fsyncDir(this.dir);
    return seg;
  }

  // ---------------------------------------------------------------- append (group commit)

  append(entries: readonly AppendEntry[], now: number): Promise<AppendResult> {
    if (this.closing) return Promise.reject(closedError(this.id));
    if (this.failure) return Promise.reject(this.failure);
    if (!Number.isFinite(now)) {
      return Promise.reject(
        new StorageError(StorageErrorCode.invalidArgument, `now must be a finite number, got ${now}`),
      );
    }
    let bytes = 0;
    for (const e of entries) {
      if (typeof e.key !== 'string' || !(e.value instanceof Uint8Array)) {
        return Promise.reject(
          new StorageError(StorageErrorCode.invalidArgument, 'entries need a string key and a Uint8Array value'),
        );
      }
      if (e.attributes !== undefined && !(Number.isInteger(e.attributes) && e.attributes >= 0 && e.attributes <= 255)) {
        return Promise.reject(
          new StorageError(
            StorageErrorCode.invalidArgument,
            `attributes must be an integer from 0 to 255, got ${e.attributes}`,
          ),
        );
      }
      const keyBytes = e.key.length === 0 ? 0 : Buffer.byteLength(e.key, 'utf8');
      if (keyBytes > MAX_KEY_BYTES) {
        return Promise.reject(
          new StorageError(StorageErrorCode.invalidArgument, `key of ${keyBytes} bytes exceeds ${MAX_KEY_BYTES}`),
        );
      }
      bytes += FRAME_HEADER_BYTES + keyBytes + e.value.length;
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ kind: 'append', entries, now: Math.max(0, Math.floor(now)), bytes, resolve, reject });
      this.kick();
    });
  }

  /** Runs `run` in the writer loop, after everything queued before it. */
  private control<T>(run: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ kind: 'control', run: () => run().then(resolve, reject) });
      this.kick();
    });
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    // Start on a microtask so appends issued in the same tick share the first group.
    queueMicrotask(() => void this.writerLoop());
  }

  /**
   * The single writer: takes every queued append up to the next control operation as one group,
   * writes it with one write and (under `always`) one fdatasync, then resolves them all. Appends
   * arriving meanwhile queue up and form the next group.
   */
  private async writerLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const head = this.queue[0]!;
        if (head.kind === 'control') {
          this.queue.shift();
          await head.run();
          continue;
        }
        let n = 1;
        while (n < this.queue.length && this.queue[n]!.kind === 'append') n++;
        const group = this.queue.splice(0, n) as PendingAppend[];
        await this.flushGroup(group);
      }
    } finally {
      this.running = false;
      if (this.queue.length > 0) this.kick();
    }
  }

  private async flushGroup(group: PendingAppend[]): Promise<void> {
    if (this.failure) {
      for (const p of group) p.reject(this.failure);
      return;
    }
    try {
      let i = 0;
      while (i < group.length) {
        const seg = this.active;
        // A batch never spans segments (recovery only scans the active one), and the segment
        // takes batches while they fit; an oversized batch gets a segment of its own.
        let j = i;
        let bytes = 0;
        while (j < group.length) {
          const b = group[j]!.bytes;
          if (seg.size + bytes + b > this.opts.segmentBytes && seg.size + bytes > 0) break;
          bytes += b;
          j++;
        }
        if (j === i) {
          await this.roll();
          continue;
        }
        await this.writeChunk(seg, { group, from: i, to: j, bytes });
        i = j;
      }
    } catch (err) {
      // After a failed write or fsync the file state is unknown (a retried fsync may report success
      // for data that never reached the disk), so the log stops taking appends until reopened.
      this.failure = new StorageError(StorageErrorCode.writeFailed, `log ${this.id}: write failed`, {
        cause: err,
      });
      for (const p of group) p.reject(this.failure);
    }
  }

  /** Encodes group[from, to) into one buffer, writes it to `seg`, syncs per policy, commits, resolves. */
  private async writeChunk(
    seg: Segment,
    c: { group: PendingAppend[]; from: number; to: number; bytes: number },
  ): Promise<void> {
    const buf = Buffer.allocUnsafe(c.bytes);
    const enc = new FrameEncoder(buf);
    const base = seg.size;
    const points: IndexPoint[] = [];
    const results: AppendResult[] = [];
    let offset = this.next;
    let last = this.lastTs;
    let records = 0;
    for (let k = c.from; k < c.to; k++) {
      const b = c.group[k]!;
      // Commit timestamp = max(now, lastTimestamp) keeps the log non-decreasing in time, which the
      // AT_TIMESTAMP index relies on (Kinesis: ApproximateArrivalTimestamp is non-decreasing per shard).
      const ts = last === undefined ? b.now : Math.max(b.now, last);
      results.push({ firstOffset: offset, timestamp: ts });
      const n = b.entries.length;
      if (n === 0) continue;
      enc.offset = offset;
      enc.timestamp = ts;
      for (let e = 0; e < n; e++) {
        const pos = base + enc.position;
        if (this.planner.wants(pos, e === 0))
          points.push({ offset: enc.offset, position: pos, timestamp: ts, batchStart: e === 0 });
        enc.append(b.entries[e]!, e === n - 1);
      }
      offset += n;
      records += n;
      last = ts;
    }
    if (c.bytes > 0) {
      await writeFully(seg.fh!, { buf, position: base });
      this.dirty = true;
      await this.syncPerPolicy(seg);
    }
    // Commit: readers see the new records from here on.
    seg.size = base + c.bytes;
    seg.count += records;
    if (records > 0) seg.lastTimestamp = last;
    for (const p of points) seg.index.push(p);
    this.next = offset;
    this.lastTs = last;
    for (let k = c.from; k < c.to; k++) c.group[k]!.resolve(results[k - c.from]!);
    if (!this.dirty) await this.persistPoints(seg);
  }

  private async syncPerPolicy(seg: Segment): Promise<void> {
    const d = this.opts.durability;
    if (d.kind === 'always') {
      await this.syncActive(seg);
    } else if (d.kind === 'interval') {
      if (Date.now() - this.lastSyncAt >= d.intervalMs) await this.syncActive(seg);
      else this.armSyncTimer(d.intervalMs);
    }
  }

  private async syncActive(seg: Segment): Promise<void> {
    this.lastSyncAt = Date.now();
    await seg.fh!.datasync();
    this.dirty = false;
  }

  private armSyncTimer(intervalMs: number): void {
    if (this.syncTimer) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      if (this.closing || !this.dirty) return;
      this.control(async () => {
        if (!this.dirty || this.failure) return;
        const seg = this.active;
        await this.syncActive(seg);
        await this.persistPoints(seg);
      }).catch((err: unknown) => {
        this.failure ??= new StorageError(StorageErrorCode.writeFailed, `log ${this.id}: fsync failed`, {
          cause: err,
        });
      });
    }, intervalMs);
    this.syncTimer.unref();
  }

  /**
   * Appends index points of the active segment to its `.idx`, only for data already fsynced (so a
   * persisted point never refers to bytes a machine crash could lose); not fsynced itself.
   */
  private async persistPoints(seg: Segment): Promise<void> {
    if (seg.persistedPoints >= seg.index.length || !seg.idxFh) return;
    const buf = encodeIndexEntries(seg.pointEntries(seg.persistedPoints));
    await writeFully(seg.idxFh, { buf, position: seg.idxBytes });
    seg.idxBytes += buf.length;
    seg.persistedPoints = seg.index.length;
  }

  /** Seals the active segment (fsync unless `none`, full index with trailer) and starts a new one at `nextOffset`. */
  private async roll(): Promise<void> {
    const old = this.active;
    if (this.durable && this.dirty) await this.syncActive(old);
    await old.idxFh?.close();
    old.idxFh = undefined;
    await writeIndexFile(old.idxPath, old.sealedEntries());
    old.sealed = true;
    const seg = await this.createSegment(this.next, this.lastTs);
    this.segments = [...this.segments, seg];
    this.dirty = false;
    this.planner = seg.planner(this.opts.indexIntervalBytes);
  }

  // ---------------------------------------------------------------- retention

  trim(before: number): Promise<number> {
    if (this.closing) return Promise.reject(closedError(this.id));
    return this.control(() => this.trimNow(before));
  }

  /**
   * Deletes whole segments whose newest record is older than `before`, oldest first. When every
   * record is expired, the active segment is sealed first so it can go too; the new empty segment,
   * named by `nextOffset`, is what keeps offsets from being reused after a restart. Deletion goes
   * oldest first, so a crash midway leaves a consistent suffix.
   */
  private async trimNow(before: number): Promise<number> {
    let drop = 0;
    const segs = this.segments;
    while (drop < segs.length - 1 && expired(segs[drop]!, before)) drop++;
    if (drop === segs.length - 1 && this.active.count > 0 && expired(this.active, before)) {
      await this.roll();
      drop++;
    }
    if (drop === 0) return this.start;
    const removed = this.segments.slice(0, drop);
    this.segments = this.segments.slice(drop);
    this.start = this.segments[0]!.base;
    for (const seg of removed) {
      seg.deleted = true;
      await unlink(seg.logPath).catch(ignoreNotFound);
      await unlink(seg.idxPath).catch(ignoreNotFound);
      if (!seg.pinned) await seg.closeFiles();
    }
    if (this.durable) await fsyncDir(this.dir);
    return this.start;
  }

  // ---------------------------------------------------------------- reads

  async read(fromOffset: number, options: ReadOptions): Promise<LogRecord[]> {
    if (this.closed) throw closedError(this.id);
    const maxRecords = Math.floor(options.maxRecords);
    const st: ReadState = {
      from: Math.max(Math.ceil(fromOffset), this.start),
      out: [],
      bytes: 0,
      maxRecords,
      maxBytes: options.maxBytes,
      done: !(maxRecords >= 1),
    };
    const segs = this.segments;
    let si = findSegment(segs, st.from);
    for (; si < segs.length && !st.done; si++) {
      const seg = segs[si]!;
      if (seg.deleted || st.from >= seg.nextOffset) continue;
      seg.pin();
      try {
        await this.readSegment(seg, st);
      } finally {
        seg.unpin();
      }
    }
    return st.out;
  }

  /** Reads records of one segment from `st.from` into `st.out` with few large reads. */
  private async readSegment(seg: Segment, st: ReadState): Promise<void> {
    const limit = seg.size;
    const endOffset = seg.nextOffset;
    const pi = seg.index.floorOffset(st.from);
    let pos = pi >= 0 ? seg.index.positionAt(pi) : 0;
    const skip = st.from - (pi >= 0 ? seg.index.offsetAt(pi) : seg.base);
    const avg = seg.count > 0 ? limit / seg.count : 256;
    const wanted = Math.min(st.maxRecords - st.out.length, endOffset - st.from);
    // Enough for the records wanted (or the byte budget), plus those skipped after the index point.
    const estimate = skip * avg + Math.min(wanted * avg, st.maxBytes - st.bytes + wanted * FRAME_HEADER_BYTES);
    let chunk = clamp(Math.ceil(estimate * 1.1) + 4096, MIN_READ_CHUNK, MAX_READ_CHUNK);
    const fh = await seg.handle();
    const dec = new FrameDecoder();
    while (pos < limit) {
      const len = Math.min(chunk, limit - pos);
      const buf = Buffer.allocUnsafe(len);
      const n = await readFully(fh, { buf, position: pos });
      dec.reset(buf, { end: n });
      for (;;) {
        const status = dec.next(true);
        if (status === FrameStatus.ok) {
          if (dec.offset < st.from) continue;
          const size = dec.keyLength + dec.valueLength;
          // At least one record even if it alone exceeds maxBytes (storage contract, like GetRecords).
          if (st.out.length > 0 && st.bytes + size > st.maxBytes) {
            st.done = true;
            return;
          }
          st.out.push(
            dec.attributes === 0
              ? { offset: dec.offset, timestamp: dec.timestamp, key: dec.key(), value: dec.value() }
              : {
                  offset: dec.offset,
                  timestamp: dec.timestamp,
                  key: dec.key(),
                  value: dec.value(),
                  attributes: dec.attributes,
                },
          );
          st.bytes += size;
          st.from = dec.offset + 1;
          if (st.out.length >= st.maxRecords) {
            st.done = true;
            return;
          }
          continue;
        }
        const at = pos + dec.frameStart;
        if (status === FrameStatus.incomplete && at < limit && at + dec.needed <= limit && n === len) {
          pos = at;
          chunk = Math.max(dec.needed, Math.min(chunk * 2, MAX_READ_CHUNK));
          break;
        }
        if (at >= limit) return;
        throw new StorageError(StorageErrorCode.corrupt, `log ${this.id}: damaged frame at ${seg.logPath}:${at}`);
      }
    }
  }

  async offsetForTimestamp(timestamp: number): Promise<number> {
    if (this.closed) throw closedError(this.id);
    if (this.lastTs === undefined || timestamp > this.lastTs) return this.next;
    const segs = this.segments;
    // First segment whose newest record is >= timestamp (segments are in time order).
    let lo = 0;
    let hi = segs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const t = segs[mid]!.lastTimestamp;
      if (t !== undefined && t >= timestamp) hi = mid;
      else lo = mid + 1;
    }
    const seg = segs[lo]!;
    if (seg.deleted || seg.lastTimestamp === undefined || seg.lastTimestamp < timestamp)
      return Math.max(this.start, this.next);
    seg.pin();
    try {
      const found = await this.scanForTimestamp(seg, timestamp);
      return Math.max(found, this.start);
    } finally {
      seg.unpin();
    }
  }

  /** From the last index point older than `timestamp`, walks frame headers to the first record at or after it. */
  private async scanForTimestamp(seg: Segment, timestamp: number): Promise<number> {
    const pi = seg.index.lastBefore(timestamp);
    let pos = pi >= 0 ? seg.index.positionAt(pi) : 0;
    const limit = seg.size;
    const fh = await seg.handle();
    const dec = new FrameDecoder();
    let chunk = MIN_READ_CHUNK;
    while (pos < limit) {
      const len = Math.min(chunk, limit - pos);
      const buf = Buffer.allocUnsafe(len);
      const n = await readFully(fh, { buf, position: pos });
      dec.reset(buf, { end: n });
      for (;;) {
        const status = dec.next(false);
        if (status === FrameStatus.ok) {
          if (dec.timestamp >= timestamp) return dec.offset;
          continue;
        }
        const at = pos + dec.frameStart;
        if (status === FrameStatus.incomplete && at < limit && at + dec.needed <= limit && n === len) {
          pos = at;
          chunk = Math.max(dec.needed, chunk);
          break;
        }
        if (at >= limit) return seg.nextOffset;
        throw new StorageError(StorageErrorCode.corrupt, `log ${this.id}: damaged frame at ${seg.logPath}:${at}`);
      }
    }
    return seg.nextOffset;
  }

  // ---------------------------------------------------------------- lifecycle

  /** Flushes queued appends, fsyncs (every policy: a clean shutdown loses nothing), persists the index, closes files. */
  close(): Promise<void> {
    if (this.closing) return this.closedPromise ?? Promise.resolve();
    this.closing = true;
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.closedPromise = this.control(async () => {
      const seg = this.active;
      if (this.dirty && !this.failure) {
        await seg.fh!.datasync();
        this.dirty = false;
      }
      if (!this.failure) await this.persistPoints(seg);
      this.closed = true;
      for (const s of this.segments) {
        // A read still in flight keeps its file; marking the segment released closes it when the read ends.
        s.deleted = true;
        if (!s.pinned) await s.closeFiles();
      }
    });
    return this.closedPromise;
  }
}

/** Index of the last segment whose base <= offset (0 when before all). */
function findSegment(segs: readonly Segment[], offset: number): number {
  let lo = 0;
  let hi = segs.length - 1;
  let found = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (segs[mid]!.base <= offset) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

function expired(seg: Segment, before: number): boolean {
  return seg.lastTimestamp === undefined ? seg.count === 0 : seg.lastTimestamp < before;
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}

function closedError(id: string): StorageError {
  return new StorageError(StorageErrorCode.closed, `log ${id} is closed`);
}

function ignoreNotFound(err: unknown): void {
  if (!isNotFound(err)) throw err;
}
