/**
 * One shard log of the local backend: a directory of segments, a single writer loop doing group
 * commit, index-guided reads, retention by whole segments, and recovery at open.
 *
 * Write failures (ADR 0015):
 * 1. A write refused for lack of space (ENOSPC, EDQUOT) is undone: the segment is truncated back to its last
 *    committed byte (and that truncation fsynced), the appends of the failed chunk and the rest of the group
 *    reject with `TRIB_ERR_STORAGE_NO_SPACE` (retriable), and later appends are tried again as usual.
 * 2. Any other failed write, and every failed fsync, stops the log: after a failed fsync the state of the page
 *    cache is unknown (a retried fsync may report success for data that never reached the disk), so appends
 *    reject with `TRIB_ERR_STORAGE_WRITE_FAILED` until the server is restarted and recovery re-reads the file.
 */
import { type FileHandle, mkdir, open, readdir, unlink } from 'node:fs/promises';
import {
  type AppendEntry,
  type AppendResult,
  appendValueLength,
  type DurabilityPolicy,
  isNoSpaceErrno,
  isAppendValue,
  isStorageError,
  type LogRecord,
  type ReadOptions,
  type RecordView,
  type RecordVisitor,
  type ScanResult,
  type ShardLog,
  type StatsHistogram,
  StorageError,
  StorageErrorCode,
} from '../index.js';
import { FRAME_HEADER_BYTES, FrameDecoder, FrameEncoder, FrameStatus, MAX_KEY_BYTES } from './frame-codec.js';
import { encodeIndexEntries, INDEX_ENTRY_BYTES } from './index-codec.js';
import { fsyncDir, isNotFound, readFully, writeFully } from './fs-util.js';
import type { HandleCache } from './handle-cache.js';
import type { IndexPlanner, IndexPoint } from './sparse-index.js';
import { parseSegmentName, recoverActiveSegment, Segment, writeIndexFile } from './segment.js';

/** Settings of a shard log (resolved from the backend options). */
export interface ShardLogOptions {
  readonly durability: DurabilityPolicy;
  readonly segmentBytes: number;
  readonly indexIntervalBytes: number;
  /** Open files shared by every log of the store (bounded LRU). */
  readonly handles?: HandleCache;
  /** Where the store counts fdatasync durations and records per group (../stats.ts); absent in unit tests. */
  readonly stats?: LocalWriteStats;
}

/** The write-path histograms a {@link LocalLogStore} shares with its logs. */
export interface LocalWriteStats {
  readonly syncSeconds: StatsHistogram;
  readonly commitRecords: StatsHistogram;
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

/** Mutable state threaded through one read or scan. */
interface ReadState {
  from: number;
  /** Records taken. */
  count: number;
  bytes: number;
  readonly maxRecords: number;
  readonly maxBytes: number;
  done: boolean;
  /** `taker` refused a record (a scan's visitor stopped it). */
  stopped: boolean;
  /** Takes the frame the decoder just decoded (a {@link RecordView} while it is current); false: stop before it. */
  readonly taker: RecordVisitor;
}

/** The visitor behind {@link LocalShardLog.read}: each frame as a {@link LogRecord}. */
class RecordCollector implements RecordVisitor {
  readonly out: LogRecord[] = [];

  visit(frame: RecordView): boolean {
    const dec = frame as FrameDecoder;
    this.out.push(
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
    return true;
  }
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
      const segs = bases.map((b) => new Segment(this.dir, b, this.opts.handles));
      // Sealed segments are loaded on first use; dense offsets give each one's record count now.
      for (let i = 0; i < segs.length - 1; i++) {
        const seg = segs[i]!;
        seg.sealed = true;
        seg.loaded = false;
        seg.count = segs[i + 1]!.base - seg.base;
      }
      const active = segs[segs.length - 1]!;
      active.durableWrites = this.opts.durability.kind === 'always';
      try {
        await recoverActiveSegment(active, { intervalBytes: this.opts.indexIntervalBytes, sync: this.durable });
      } catch (err) {
        await active.closeFiles();
        throw err;
      }
      active.noteOpened();
      this.segments = segs;
    }
    const active = this.active;
    this.start = this.segments[0]!.base;
    this.next = active.nextOffset;
    this.lastTs = active.lastTimestamp;
    for (let i = this.segments.length - 2; this.lastTs === undefined && i >= 0; i--) {
      await this.segments[i]!.ensureLoaded(this.opts.indexIntervalBytes);
      this.lastTs = this.segments[i]!.lastTimestamp;
    }
    this.lastTs ??= active.seedTimestamp;
    this.planner = active.planner(this.opts.indexIntervalBytes);
  }

  /**
   * Creates an empty segment file and its index (with the seed timestamp), durable under the policy. When the
   * disk is full, removes what it created and rejects with the file-system error.
   */
  private async createSegment(base: number, seed: number | undefined): Promise<Segment> {
    const seg = new Segment(this.dir, base, this.opts.handles);
    seg.seedTimestamp = seed;
    seg.durableWrites = this.opts.durability.kind === 'always';
    try {
      const flags = seg.activeOpenFlags(true);
      seg.adopt(await open(seg.logPath, flags), flags);
      seg.idxFh = await open(seg.idxPath, 'w+');
      const entries = seg.activeEntries();
      if (entries.length > 0) await writeFully(seg.idxFh, { buf: encodeIndexEntries(entries), position: 0 });
      seg.idxBytes = entries.length * INDEX_ENTRY_BYTES;
    } catch (err) {
      await seg.closeFiles();
      if (isNoSpaceErrno(err)) {
        await unlink(seg.logPath).catch(ignoreNotFound);
        await unlink(seg.idxPath).catch(ignoreNotFound);
      }
      throw err;
    }
    if (this.durable) {
      try {
        if (seg.idxBytes > 0) await seg.idxFh.datasync();
        await fsyncDir(this.dir);
      } catch (err) {
        await seg.closeFiles();
        throw this.fail(err, 'fsync failed');
      }
    }
    seg.noteOpened();
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
      if (typeof e.key !== 'string' || !isAppendValue(e.value)) {
        return Promise.reject(
          new StorageError(
            StorageErrorCode.invalidArgument,
            'entries need a string key and a Uint8Array value (or an array of them)',
          ),
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
      bytes += FRAME_HEADER_BYTES + keyBytes + appendValueLength(e.value);
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
    // Start in the loop's check phase, after every request whose bytes arrived in this poll phase has queued
    // its append: under many concurrent single-record clients they share one group (one write, one fdatasync)
    // instead of the first one flushing alone (ADR 0045).
    setImmediate(() => void this.writerLoop());
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
        // The group's completion came in a poll phase that may hold more requests: let them queue first.
        if (this.queue.length > 0) await nextCheckPhase();
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
    let i = 0;
    try {
      while (i < group.length) {
        const seg = this.active;
        // A roll refused for lack of space left the sealed segment last: finish the roll first.
        if (seg.sealed) {
          await this.roll();
          continue;
        }
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
        seg.pin();
        try {
          await this.writeChunk(seg, { group, from: i, to: j, bytes });
        } finally {
          seg.unpin();
        }
        i = j;
      }
    } catch (err) {
      // Rule 1 or 2 of the file header; appends already resolved (before `i`) stay acknowledged.
      const failure = this.classify(err);
      for (let k = i; k < group.length; k++) group[k]!.reject(failure);
    }
  }

  /**
   * The error an append or trim rejects with: a lack of space (whose partial effects were undone by the code
   * that raised it) stays a retriable `TRIB_ERR_STORAGE_NO_SPACE`; anything else stops the log (rule 2).
   */
  private classify(err: unknown): StorageError {
    if (isStorageError(err)) return err;
    if (isNoSpaceErrno(err)) return noSpaceError(this.id, err);
    return this.fail(err, 'write failed');
  }

  /** Stops the log (rule 2 of the file header) and returns the error every later append rejects with. */
  private fail(err: unknown, what: string): StorageError {
    this.failure ??= new StorageError(
      StorageErrorCode.writeFailed,
      `log ${this.id}: ${what} (${errnoOf(err)}); the state of its last write is unknown, so it takes no more ` +
        'appends until the server is restarted (recovery at start-up keeps every acknowledged record)',
      { cause: err },
    );
    return this.failure as StorageError;
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
    this.opts.stats?.commitRecords.observe(records);
    if (c.bytes > 0) {
      const fh = await seg.handle();
      const durable = seg.writesAreDurable(fh);
      const started = durable ? process.hrtime.bigint() : 0n;
      try {
        await writeFully(fh, { buf, position: base });
      } catch (err) {
        // The planner advanced over points of the failed chunk: restart it from the committed points.
        this.planner = seg.planner(this.opts.indexIntervalBytes);
        if (!isNoSpaceErrno(err)) throw this.fail(err, 'write failed');
        await this.undoWrite(fh, base);
        throw noSpaceError(this.id, err);
      }
      if (durable) {
        // The O_DSYNC write was the group's fdatasync (Segment.durableWrites).
        this.opts.stats?.syncSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
        this.lastSyncAt = Date.now();
      } else {
        this.dirty = true;
        seg.unsynced = this.opts.durability.kind === 'interval';
        try {
          await this.syncPerPolicy(seg);
        } catch (err) {
          throw this.fail(err, 'fsync failed');
        }
      }
    }
    // Commit: readers see the new records from here on.
    seg.size = base + c.bytes;
    seg.count += records;
    if (records > 0) seg.lastTimestamp = last;
    for (const p of points) seg.index.push(p);
    this.next = offset;
    this.lastTs = last;
    for (let k = c.from; k < c.to; k++) c.group[k]!.resolve(results[k - c.from]!);
    if (!this.dirty) await this.persistPointsOrFail(seg);
  }

  /**
   * Rule 1 of the file header: cuts the bytes a write refused for lack of space may have left after `base`
   * (the end of the last committed batch), and makes the cut durable so a crash cannot bring back frames of
   * appends that were refused. A failure here stops the log (rule 2).
   */
  private async undoWrite(fh: FileHandle, base: number): Promise<void> {
    try {
      await fh.truncate(base);
      if (this.durable) await fh.datasync();
    } catch (err) {
      throw this.fail(err, 'truncating a write refused for lack of space failed');
    }
  }

  /** {@link persistPoints} after a commit: a lack of space only delays the points (they stay in memory). */
  private async persistPointsOrFail(seg: Segment): Promise<void> {
    try {
      await this.persistPoints(seg);
    } catch (err) {
      if (!isNoSpaceErrno(err)) this.fail(err, 'index write failed');
    }
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
    seg.pin();
    try {
      const fh = await seg.handle();
      const started = process.hrtime.bigint();
      await fh.datasync();
      this.opts.stats?.syncSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      this.dirty = false;
      seg.unsynced = false;
    } finally {
      seg.unpin();
    }
  }

  private armSyncTimer(intervalMs: number): void {
    if (this.syncTimer) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = undefined;
      if (this.closing || !this.dirty) return;
      this.control(async () => {
        if (!this.dirty || this.failure) return;
        const seg = this.active;
        try {
          await this.syncActive(seg);
        } catch (err) {
          this.fail(err, 'fsync failed');
          return;
        }
        await this.persistPointsOrFail(seg);
      }).catch((err: unknown) => {
        this.fail(err, 'fsync failed');
      });
    }, intervalMs);
    this.syncTimer.unref();
  }

  /**
   * Appends index points of the active segment to its `.idx`, only for data already fsynced (so a
   * persisted point never refers to bytes a machine crash could lose); not fsynced itself.
   */
  private async persistPoints(seg: Segment): Promise<void> {
    if (seg.persistedPoints >= seg.index.length || seg.sealed || seg.deleted) return;
    const buf = encodeIndexEntries(seg.pointEntries(seg.persistedPoints));
    seg.pin();
    try {
      const fh = await seg.indexHandle();
      await writeFully(fh, { buf, position: seg.idxBytes });
    } finally {
      seg.unpin();
    }
    seg.idxBytes += buf.length;
    seg.persistedPoints = seg.index.length;
  }

  /**
   * Seals the active segment (fsync unless `none`, full index with trailer) and starts a new one at `nextOffset`.
   * Each step that may meet a full disk leaves a state the next roll continues from: the old index stays until
   * the sealed one replaces it, and a sealed segment left last (no space for the new one) is rolled again.
   */
  private async roll(): Promise<void> {
    const old = this.active;
    if (!old.sealed) {
      if (this.durable && this.dirty) {
        try {
          await this.syncActive(old);
        } catch (err) {
          throw this.fail(err, 'fsync failed');
        }
      }
      await writeIndexFile(old.idxPath, old.sealedEntries());
      const idx = old.idxFh;
      old.idxFh = undefined;
      await idx?.close();
      old.noteOpened();
      old.sealed = true;
    }
    const seg = await this.createSegment(this.next, this.lastTs);
    this.segments = [...this.segments, seg];
    this.dirty = false;
    this.planner = seg.planner(this.opts.indexIntervalBytes);
  }

  // ---------------------------------------------------------------- retention

  trim(before: number): Promise<number> {
    if (this.closing) return Promise.reject(closedError(this.id));
    return this.control(async () => {
      try {
        return await this.trimNow(before);
      } catch (err) {
        throw this.classify(err);
      }
    });
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
    while (drop < segs.length - 1) {
      await segs[drop]!.ensureLoaded(this.opts.indexIntervalBytes);
      if (!expired(segs[drop]!, before)) break;
      drop++;
    }
    if (drop === segs.length - 1 && this.active.count > 0 && !this.active.sealed && expired(this.active, before)) {
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
    const collector = new RecordCollector();
    await this.walk(fromOffset, options, collector);
    return collector.out;
  }

  async scan(fromOffset: number, options: ReadOptions, visitor: RecordVisitor): Promise<ScanResult> {
    // The decoder is the view: its fields describe the frame just decoded, its bytes are the chunk read.
    const st = await this.walk(fromOffset, options, visitor);
    return { count: st.count, bytes: st.bytes, next: st.from, stopped: st.stopped };
  }

  /** The walk behind {@link read} and {@link scan}: frames from `fromOffset` within the limits, each to `taker`. */
  private async walk(fromOffset: number, options: ReadOptions, taker: RecordVisitor): Promise<ReadState> {
    if (this.closed) throw closedError(this.id);
    const maxRecords = Math.floor(options.maxRecords);
    const st: ReadState = {
      from: Math.max(Math.ceil(fromOffset), this.start),
      count: 0,
      bytes: 0,
      maxRecords,
      maxBytes: options.maxBytes,
      done: !(maxRecords >= 1),
      stopped: false,
      taker,
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
    return st;
  }

  /** Walks the records of one segment from `st.from` into `st.taker` with few large reads. */
  private async readSegment(seg: Segment, st: ReadState): Promise<void> {
    if (!(await this.load(seg)) || st.from >= seg.nextOffset) return;
    const limit = seg.size;
    const endOffset = seg.nextOffset;
    const pi = seg.index.floorOffset(st.from);
    let pos = pi >= 0 ? seg.index.positionAt(pi) : 0;
    const skip = st.from - (pi >= 0 ? seg.index.offsetAt(pi) : seg.base);
    const avg = seg.count > 0 ? limit / seg.count : 256;
    const wanted = Math.min(st.maxRecords - st.count, endOffset - st.from);
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
          if (st.count > 0 && st.bytes + size > st.maxBytes) {
            st.done = true;
            return;
          }
          if (!st.taker.visit(dec)) {
            st.done = true;
            st.stopped = true;
            return;
          }
          st.count++;
          st.bytes += size;
          st.from = dec.offset + 1;
          if (st.count >= st.maxRecords) {
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
      const t = (await this.load(segs[mid]!)) ? segs[mid]!.lastTimestamp : undefined;
      if (t !== undefined && t >= timestamp) hi = mid;
      else lo = mid + 1;
    }
    const seg = segs[lo]!;
    if (!(await this.load(seg))) return Math.max(this.start, this.next);
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

  /**
   * Loads a sealed segment's index on first use (ADR 0015). False when a trim deleted the segment meanwhile
   * (its records are gone for this reader too).
   */
  private async load(seg: Segment): Promise<boolean> {
    try {
      await seg.ensureLoaded(this.opts.indexIntervalBytes);
      return !seg.deleted || seg.loaded;
    } catch (err) {
      if (seg.deleted && isNotFound(err)) return false;
      throw err;
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
      if (this.dirty && !this.failure) await this.syncActive(seg);
      if (!this.failure) await this.persistPoints(seg).catch(ignoreNoSpace);
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

function ignoreNoSpace(err: unknown): void {
  if (!isNoSpaceErrno(err)) throw err;
}

function errnoOf(err: unknown): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : String(err);
}

/** Rule 1 of the file header. */
function noSpaceError(id: string, err: unknown): StorageError {
  return new StorageError(
    StorageErrorCode.noSpace,
    `log ${id}: no space left on the device (${errnoOf(err)}); nothing of this append was kept, and it may be ` +
      'retried once space is freed',
    { cause: err },
  );
}

/** Resolves in the event loop's next check phase (setImmediate), after the I/O callbacks of the current poll. */
function nextCheckPhase(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
