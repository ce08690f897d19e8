/**
 * One segment of a shard log: a `.log` file of frames (see frame-codec.ts) and its `.idx` file
 * (see index-codec.ts), named by the zero-padded base offset. Holds the in-memory sparse index and
 * the committed size readers may see; also the scanning used by recovery and index rebuilds.
 */
import { constants } from 'node:fs';
import { open, readFile, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { FrameDecoder, FrameStatus } from './frame-codec.js';
import { decodeIndexEntries, encodeIndexEntries, IndexEntryKind, type IndexEntry } from './index-codec.js';
import { IndexPlanner, SparseIndex, type IndexPoint } from './sparse-index.js';
import { readFully, writeFully, isNotFound } from './fs-util.js';
import type { CachedFiles, HandleCache } from './handle-cache.js';
import { isNoSpaceErrno } from '../index.js';

/** Digits of a segment file name (enough for 2^53). */
const NAME_DIGITS = 20;
/** Read size when scanning a file. */
const SCAN_CHUNK_BYTES = 1024 * 1024;

/** File name stem of the segment starting at `base`. */
export function segmentStem(base: number): string {
  return String(base).padStart(NAME_DIGITS, '0');
}

/** Parses a `.log` file name into its base offset, or undefined when it is not a segment file. */
export function parseSegmentName(name: string): number | undefined {
  const m = /^(\d{20})\.log$/.exec(name);
  if (!m) return undefined;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * A segment of one log. Mutated only by the log's single writer; readers use the committed fields.
 *
 * A sealed segment found at open is not loaded (ADR 0015): its record count comes from the next segment's base,
 * and its index, size and newest timestamp are read from its `.idx` on first use ({@link ensureLoaded}). Open
 * files are counted in the backend's {@link HandleCache}, which closes those of idle segments past its capacity;
 * {@link handle} and {@link indexHandle} reopen them.
 */
export class Segment implements CachedFiles {
  readonly base: number;
  /** The log's directory (one string shared by its segments; paths are built on use). */
  private readonly dir: string;
  /** Committed bytes: readers may read [0, size). Valid once {@link loaded}. */
  size = 0;
  /** Committed records. */
  count = 0;
  /** Newest committed record's timestamp, undefined while empty. Valid once {@link loaded}. */
  lastTimestamp: number | undefined;
  /** Log's last timestamp when this segment was created (kept in its index as a SEED entry). */
  seedTimestamp: number | undefined;
  readonly index = new SparseIndex();
  /** Points of {@link index} already written to the `.idx` file (active segment). */
  persistedPoints = 0;
  /** Bytes of the `.idx` file (active segment). */
  idxBytes = 0;
  /** Sealed segments are immutable. */
  sealed = false;
  /** Whether {@link size}, {@link lastTimestamp} and {@link index} are known (false for a sealed segment not read yet). */
  loaded = true;
  /** Removed by trim/delete: no new reads start, files close when the last reader leaves. */
  deleted = false;
  /** Data written but not yet fsynced: the file stays open so the fsync reports errors of those writes. */
  unsynced = false;
  /**
   * Whether the active segment's data file is opened with O_DSYNC (the log's `--durability always`): each write
   * then returns only once its data is durable, so a group commit hands one operation to the thread pool instead
   * of a write and an fdatasync (docs/adr/0045-group-commit-in-one-write.md).
   */
  durableWrites = false;
  /** Data file handle (read-write while active); may be closed by the cache while idle. */
  fh: FileHandle | undefined;
  /** The data handle opened with O_DSYNC, if {@link fh} is one (see {@link writesAreDurable}). */
  private dsyncFh: FileHandle | undefined;
  /** Index file handle, active segment only; may be closed by the cache while idle. */
  idxFh: FileHandle | undefined;
  private readonly cache: HandleCache | undefined;
  private opening: Promise<FileHandle> | undefined;
  private openingIdx: Promise<FileHandle> | undefined;
  private loading: Promise<void> | undefined;
  private pins = 0;

  constructor(dir: string, base: number, cache?: HandleCache) {
    this.base = base;
    this.dir = dir;
    this.cache = cache;
  }

  /** Path of the data file. */
  get logPath(): string {
    return join(this.dir, `${segmentStem(this.base)}.log`);
  }

  /** Path of the index file. */
  get idxPath(): string {
    return join(this.dir, `${segmentStem(this.base)}.idx`);
  }

  /** Offset after the last committed record. */
  get nextOffset(): number {
    return this.base + this.count;
  }

  /** Loads a sealed segment's index on first use (see the class comment); a no-op once loaded. */
  ensureLoaded(intervalBytes: number): Promise<void> {
    if (this.loaded) return Promise.resolve();
    this.loading ??= loadSealedSegment(this, { intervalBytes }).then(
      () => {
        this.loaded = true;
      },
      (err: unknown) => {
        this.loading = undefined;
        throw err;
      },
    );
    return this.loading;
  }

  /** The data file handle: opened on demand, read-only for sealed segments, read-write for the active one. */
  async handle(): Promise<FileHandle> {
    if (this.fh) {
      this.cache?.touch(this);
      return this.fh;
    }
    const flags = this.sealed ? 'r' : this.activeOpenFlags(false);
    this.opening ??= open(this.logPath, flags).then(
      (fh) => {
        this.opening = undefined;
        if (this.deleted && this.pins === 0) {
          void fh.close();
          return fh;
        }
        if (this.fh) {
          void fh.close();
          return this.fh;
        }
        this.adopt(fh, flags);
        this.cache?.touch(this);
        return fh;
      },
      (err: unknown) => {
        this.opening = undefined;
        throw err;
      },
    );
    return this.opening;
  }

  /** Flags that open the active segment's data file for reading and appending (`create`: a new file). */
  activeOpenFlags(create: boolean): number {
    return (
      constants.O_RDWR |
      (create ? constants.O_CREAT | constants.O_EXCL : 0) |
      (this.durableWrites ? constants.O_DSYNC : 0)
    );
  }

  /** Makes `fh`, opened with `flags`, the data handle. */
  adopt(fh: FileHandle, flags: number | string): void {
    this.fh = fh;
    this.dsyncFh = typeof flags === 'number' && (flags & constants.O_DSYNC) !== 0 ? fh : undefined;
  }

  /** Whether a write through `fh` is durable once it returns (an O_DSYNC handle), so it needs no fdatasync. */
  writesAreDurable(fh: FileHandle): boolean {
    return fh === this.dsyncFh;
  }

  /** The `.idx` handle of the active segment, reopened on demand. */
  async indexHandle(): Promise<FileHandle> {
    if (this.idxFh) {
      this.cache?.touch(this);
      return this.idxFh;
    }
    this.openingIdx ??= open(this.idxPath, 'r+')
      .catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
        return open(this.idxPath, 'w+');
      })
      .then(
        (fh) => {
          this.openingIdx = undefined;
          if (this.idxFh) {
            void fh.close();
            return this.idxFh;
          }
          this.idxFh = fh;
          this.cache?.touch(this);
          return fh;
        },
        (err: unknown) => {
          this.openingIdx = undefined;
          throw err;
        },
      );
    return this.openingIdx;
  }

  /** Records handles opened outside {@link handle} (creation, recovery) with the cache. */
  noteOpened(): void {
    this.cache?.touch(this);
  }

  /** Marks a read or write in progress so neither trim nor the cache closes the file under it. */
  pin(): void {
    this.pins++;
  }

  /** Ends a read started with {@link pin}. */
  unpin(): void {
    this.pins--;
    if (this.pins > 0) return;
    if (this.deleted) void this.closeFiles();
    else this.cache?.idle();
  }

  /** Whether reads are in progress. */
  get pinned(): boolean {
    return this.pins > 0;
  }

  openFiles(): number {
    return (this.fh ? 1 : 0) + (this.idxFh ? 1 : 0);
  }

  evictable(): boolean {
    return this.pins === 0 && !this.unsynced;
  }

  release(): void {
    const fh = this.fh;
    const idx = this.idxFh;
    this.fh = undefined;
    this.dsyncFh = undefined;
    this.idxFh = undefined;
    void Promise.allSettled([fh?.close(), idx?.close()]);
  }

  /** Closes the file handles (idempotent). */
  async closeFiles(): Promise<void> {
    const fh = this.fh;
    const idx = this.idxFh;
    this.fh = undefined;
    this.dsyncFh = undefined;
    this.idxFh = undefined;
    this.opening = undefined;
    this.openingIdx = undefined;
    this.cache?.forget(this);
    await Promise.allSettled([fh?.close(), idx?.close()]);
  }

  /** Index entries describing this segment as sealed: its points and a trailer. */
  sealedEntries(): IndexEntry[] {
    const entries = this.pointEntries(0);
    entries.push({
      kind: IndexEntryKind.trailer,
      relOffset: this.count,
      position: this.size,
      timestamp: this.lastTimestamp,
      batchStart: false,
    });
    return entries;
  }

  /** Index entries for points from `from` on. */
  pointEntries(from: number): IndexEntry[] {
    const out: IndexEntry[] = [];
    for (let i = from; i < this.index.length; i++) {
      const p = this.index.at(i);
      out.push({
        kind: IndexEntryKind.point,
        relOffset: p.offset - this.base,
        position: p.position,
        timestamp: p.timestamp,
        batchStart: p.batchStart,
      });
    }
    return out;
  }

  /** Entries of a fresh active index: the seed (if any) and all points. */
  activeEntries(): IndexEntry[] {
    const out: IndexEntry[] = [];
    if (this.seedTimestamp !== undefined) {
      out.push({
        kind: IndexEntryKind.seed,
        relOffset: 0,
        position: 0,
        timestamp: this.seedTimestamp,
        batchStart: false,
      });
    }
    out.push(...this.pointEntries(0));
    return out;
  }

  /** A planner continuing after the current points. */
  planner(intervalBytes: number): IndexPlanner {
    let lastPoint = 0;
    let lastAnchor = 0;
    for (let i = this.index.length - 1; i >= 0; i--) {
      const p = this.index.at(i);
      if (i === this.index.length - 1) lastPoint = p.position;
      if (p.batchStart) {
        lastAnchor = p.position;
        break;
      }
    }
    return new IndexPlanner(intervalBytes, { lastPoint, lastAnchor });
  }
}

/** Where a scan starts. */
export interface ScanStart {
  readonly position: number;
  readonly offset: number;
}

/** Outcome of {@link scanSegment}. */
export interface ScanResult {
  /** End of the last complete batch: everything after is torn or damaged. */
  readonly validEnd: number;
  /** Offset after the last complete batch. */
  readonly nextOffset: number;
  /** Timestamp of the last record of the last complete batch, if any was scanned. */
  readonly lastTimestamp: number | undefined;
  /** Whether bytes after `validEnd` exist (to be truncated in an active segment). */
  readonly hasGarbage: boolean;
}

/**
 * Scans frames of `seg` from `start` to `fileSize`, verifying every CRC, the dense offset sequence
 * and non-decreasing timestamps, and adds index points (only for whole batches) to `seg.index`.
 * Stops at the first torn or invalid frame; frames of an unfinished batch are not counted.
 */
export async function scanSegment(
  seg: Segment,
  opts: { fh: FileHandle; start: ScanStart; fileSize: number; intervalBytes: number },
): Promise<ScanResult> {
  const { fh, fileSize } = opts;
  const planner = seg.planner(opts.intervalBytes);
  const dec = new FrameDecoder();
  let pos = opts.start.position;
  let expected = opts.start.offset;
  let prevTs: number | undefined;
  let inBatch = false;
  let validEnd = pos;
  let validNext = expected;
  let validTs: number | undefined;
  let pending: IndexPoint[] = [];
  let chunk = SCAN_CHUNK_BYTES;
  let stopped = false;
  while (!stopped && pos < fileSize) {
    const len = Math.min(chunk, fileSize - pos);
    const buf = Buffer.allocUnsafe(len);
    const n = await readFully(fh, { buf, position: pos });
    dec.reset(buf, { end: n });
    for (;;) {
      const st = dec.next(true);
      if (st === FrameStatus.ok) {
        if (dec.offset !== expected || (prevTs !== undefined && dec.timestamp < prevTs)) {
          stopped = true;
          break;
        }
        const framePos = pos + dec.frameStart;
        const batchStart = !inBatch;
        if (planner.wants(framePos, batchStart)) {
          pending.push({ offset: dec.offset, position: framePos, timestamp: dec.timestamp, batchStart });
        }
        expected++;
        prevTs = dec.timestamp;
        inBatch = !dec.batchEnd;
        if (dec.batchEnd) {
          validEnd = pos + dec.position;
          validNext = expected;
          validTs = dec.timestamp;
          for (const p of pending) seg.index.push(p);
          pending = [];
        }
        continue;
      }
      if (st === FrameStatus.incomplete && n === len && pos + dec.frameStart + dec.needed <= fileSize) {
        // The frame continues past this chunk: re-read from its start, large enough to hold it.
        pos += dec.frameStart;
        chunk = Math.max(SCAN_CHUNK_BYTES, dec.needed);
        break;
      }
      stopped = true; // corrupt, or torn at the end of the file
      break;
    }
  }
  return { validEnd, nextOffset: validNext, lastTimestamp: validTs, hasGarbage: validEnd < fileSize };
}

/**
 * Loads a sealed segment: from its `.idx` when that is intact and matches the file (trailer size
 * equals file size), otherwise by scanning the file and rewriting the index. Sealed data is
 * trusted: it was complete (and, under `always`/`interval`, fsynced) before the segment was sealed.
 */
export async function loadSealedSegment(seg: Segment, opts: { intervalBytes: number }): Promise<void> {
  seg.sealed = true;
  const [idxBytes, st] = await Promise.all([readFile(seg.idxPath).catch(orEmpty), stat(seg.logPath)]);
  const { entries, damaged } = decodeIndexEntries(idxBytes);
  const trailer = entries.at(-1);
  if (
    !damaged &&
    trailer?.kind === IndexEntryKind.trailer &&
    trailer.position === st.size &&
    pointsValid(entries.slice(0, -1), st.size)
  ) {
    for (const e of entries) {
      if (e.kind === IndexEntryKind.point) {
        seg.index.push({
          offset: seg.base + e.relOffset,
          position: e.position,
          timestamp: e.timestamp ?? 0,
          batchStart: e.batchStart,
        });
      }
    }
    seg.size = trailer.position;
    seg.count = trailer.relOffset;
    seg.lastTimestamp = trailer.timestamp;
    return;
  }
  const fh = await open(seg.logPath, 'r');
  try {
    const res = await scanSegment(seg, {
      fh,
      start: { position: 0, offset: seg.base },
      fileSize: st.size,
      intervalBytes: opts.intervalBytes,
    });
    // Readers stop at the last intact batch; damage inside a sealed segment is not repaired here.
    seg.size = res.validEnd;
    seg.count = res.nextOffset - seg.base;
    seg.lastTimestamp = res.lastTimestamp;
  } finally {
    await fh.close();
  }
  // The index is a cache of this scan: without disk space to rewrite it, reads still go on (it is rebuilt later).
  await writeIndexFile(seg.idxPath, seg.sealedEntries()).catch((err: unknown) => {
    if (!isNoSpaceErrno(err)) throw err;
  });
}

/** Points must be POINT entries, strictly increasing in offset and position, inside the file. */
function pointsValid(entries: readonly IndexEntry[], fileSize: number): boolean {
  let prevOff = -1;
  let prevPos = -1;
  for (const e of entries) {
    if (e.kind !== IndexEntryKind.point || e.timestamp === undefined) return false;
    if (e.relOffset <= prevOff || e.position <= prevPos || e.position >= fileSize) return false;
    prevOff = e.relOffset;
    prevPos = e.position;
  }
  return true;
}

/**
 * Writes an index file atomically enough: write a temp file, then rename over the old one. A failed write
 * removes the temp file (so a full disk gets its space back) and leaves the old index in place.
 */
export async function writeIndexFile(path: string, entries: readonly IndexEntry[]): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await writeFully(fh, { buf: encodeIndexEntries(entries), position: 0 });
  } catch (err) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fh.close();
  await rename(tmp, path);
}

/** Outcome of {@link recoverActiveSegment}. */
export interface RecoveryResult {
  /** Bytes cut from the end of the file (torn or damaged tail). */
  readonly truncatedBytes: number;
}

/**
 * Recovers the active (last) segment at open:
 * 1. load the persisted index entries (valid prefix) and the seed;
 * 2. take the last batch-start point inside the file as anchor and check the frame there
 *    (CRC, offset, timestamp); if it does not check out, fall back to the segment start;
 * 3. scan from the anchor, verifying every frame, up to the last complete batch;
 * 4. truncate anything after it (torn write, garbage, unfinished batch) and fsync;
 * 5. rewrite the `.idx` if it differs from the in-memory index, then keep it open for appends.
 */
export async function recoverActiveSegment(
  seg: Segment,
  opts: { intervalBytes: number; sync: boolean },
): Promise<RecoveryResult> {
  const flags = seg.activeOpenFlags(false);
  const fh = await open(seg.logPath, flags);
  seg.adopt(fh, flags);
  const fileSize = (await fh.stat()).size;
  const { entries, damaged } = decodeIndexEntries(await readFile(seg.idxPath).catch(orEmpty));
  let i = 0;
  if (entries[0]?.kind === IndexEntryKind.seed) {
    seg.seedTimestamp = entries[0].timestamp;
    i = 1;
  }
  const points: IndexEntry[] = [];
  for (; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.kind !== IndexEntryKind.point || !pointsValid([...points.slice(-1), e], fileSize)) break;
    points.push(e);
  }
  // 2. anchor
  let anchorAt = -1;
  for (let k = points.length - 1; k >= 0; k--) {
    if (points[k]!.batchStart) {
      anchorAt = k;
      break;
    }
  }
  let start: ScanStart = { position: 0, offset: seg.base };
  let kept = 0;
  if (anchorAt >= 0) {
    const a = points[anchorAt]!;
    if (await frameMatches(fh, { position: a.position, offset: seg.base + a.relOffset, timestamp: a.timestamp })) {
      start = { position: a.position, offset: seg.base + a.relOffset };
      kept = anchorAt + 1;
    }
  }
  for (let k = 0; k < kept; k++) {
    const e = points[k]!;
    seg.index.push({
      offset: seg.base + e.relOffset,
      position: e.position,
      timestamp: e.timestamp ?? 0,
      batchStart: e.batchStart,
    });
  }
  // 3. scan (the anchor frame itself is re-verified as part of the scan)
  const res = await scanSegment(seg, { fh, start, fileSize, intervalBytes: opts.intervalBytes });
  seg.size = res.validEnd;
  seg.count = res.nextOffset - seg.base;
  // The anchor batch itself may be the torn one: drop points at or past the new end.
  seg.index.truncate(seg.index.firstAtOrAfterPosition(res.validEnd));
  seg.lastTimestamp = res.lastTimestamp ?? (kept > 0 ? await lastTimestampBefore(seg, fh, start) : undefined);
  // 4. truncate the torn tail
  if (res.hasGarbage) {
    await fh.truncate(res.validEnd);
    if (opts.sync) await fh.datasync();
  }
  // 5. index file
  const expectedEntries = (seg.seedTimestamp !== undefined ? 1 : 0) + seg.index.length;
  if (damaged || entries.length !== expectedEntries || seg.index.length !== kept || kept !== points.length) {
    await writeIndexFile(seg.idxPath, seg.activeEntries());
  }
  seg.idxFh = await open(seg.idxPath, 'r+').catch(async (err: unknown) => {
    if (!isNotFound(err)) throw err;
    return open(seg.idxPath, 'w+');
  });
  seg.persistedPoints = seg.index.length;
  seg.idxBytes = expectedEntries * 24;
  return { truncatedBytes: fileSize - res.validEnd };
}

/**
 * When the scan from the anchor found no complete batch (the anchor batch itself was torn), the
 * newest timestamp is that of the record just before the anchor: find it by scanning from the
 * previous point (or the segment start) up to the anchor.
 */
async function lastTimestampBefore(seg: Segment, fh: FileHandle, anchor: ScanStart): Promise<number | undefined> {
  if (anchor.position === 0) return undefined;
  const k = seg.index.floorOffset(anchor.offset - 1);
  const from = k >= 0 ? seg.index.positionAt(k) : 0;
  const buf = Buffer.allocUnsafe(anchor.position - from);
  const n = await readFully(fh, { buf, position: from });
  const dec = new FrameDecoder();
  dec.reset(buf, { end: n });
  let ts: number | undefined;
  while (dec.next(false) === FrameStatus.ok) ts = dec.timestamp;
  return ts;
}

/** Whether a valid frame with this offset and timestamp starts at `position`. */
async function frameMatches(
  fh: FileHandle,
  want: { position: number; offset: number; timestamp: number | undefined },
): Promise<boolean> {
  const head = Buffer.allocUnsafe(4);
  if ((await readFully(fh, { buf: head, position: want.position })) < 4) return false;
  const len = head.readUInt32LE(0);
  if (len > 64 * 1024 * 1024) return false;
  const buf = Buffer.allocUnsafe(len + 4);
  const n = await readFully(fh, { buf, position: want.position });
  const dec = new FrameDecoder();
  dec.reset(buf, { end: n });
  return dec.next(true) === FrameStatus.ok && dec.offset === want.offset && dec.timestamp === want.timestamp;
}

function orEmpty(err: unknown): Buffer {
  if (isNotFound(err)) return Buffer.alloc(0);
  throw err;
}
