/**
 * A streaming EBML / Matroska reader for PutMedia (docs/adr/0023-video-media-plane.md).
 *
 * Bytes are pushed as they arrive, in chunks of any size: an element header, a leaf or a block header split across
 * chunks is carried over (only the few bytes that are needed), everything else is skipped without copying. The
 * reader walks into Segment, Cluster and BlockGroup only; the EBML header, Info, Tracks and Tags are handed over
 * whole (raw bytes), and each Cluster is handed over as its payload bytes exactly as received (references to the
 * pushed chunks, never re-encoded) with a summary of its blocks.
 *
 * Rules (Matroska specification, "Unknown data size" and "Block structure"; RFC 8794 for EBML):
 * 1. Sizes are VINTs of 1–8 bytes; a size whose value bits are all 1 is "unknown" at any width (`FF`, `7F FF`,
 *    `3F FF FF`, … `01 FF FF FF FF FF FF FF`).
 * 2. An element of unknown size ends where an element of the same or a higher level starts, or at the end of the
 *    input: a live Cluster ends at the next Cluster, Tags or Cues.
 * 3. A SimpleBlock's flags carry the keyframe bit; a Block inside a BlockGroup is a keyframe unless the group has a
 *    ReferenceBlock. Laced blocks hold (lace count + 1) frames.
 * 4. The input must start with an EBML header followed by a Segment; anything else is not MKV.
 */
import { levelOf, MkvId } from './ids.js';

/** Why the input is not acceptable Matroska (PutMedia answers ErrorId 4006 INVALID_MKV_DATA). */
export class MkvFormatError extends Error {
  override readonly name = 'MkvFormatError';
}

/** What one track did inside one cluster. */
export interface TrackSummary {
  readonly track: number;
  /** Frames (laced blocks count each frame). */
  frames: number;
  /** Whether the track's first block in the cluster is a keyframe. */
  firstKeyframe: boolean;
  /** Smallest and largest block timecode relative to the cluster, in timestamp-scale units. */
  minTimecode: number;
  maxTimecode: number;
  /** The latest block timecode (decode order). */
  lastTimecode: number;
  /**
   * One frame's interval, for the fragment's duration: the smallest non-zero gap between consecutive block timecodes,
   * 0 while there is none. Blocks come in decode order; with B-frames consecutive timecodes jump forwards and back
   * (0, 160, 80, 40, 120 … ms at 25 fps), but some pair is always one frame apart, while the last two blocks of a GOP
   * can be two (…, 1960, 1880).
   */
  frameStep: number;
}

/** One cluster as received. */
export interface ParsedCluster {
  /** The Cluster's Timestamp element (timestamp-scale units), undefined when it had none. */
  readonly timecode: number | undefined;
  /** Per track, in order of first appearance. */
  readonly tracks: readonly TrackSummary[];
  /** Track of the cluster's first block, and whether that block is a keyframe. */
  readonly firstTrack: number | undefined;
  readonly firstKeyframe: boolean;
  /** The cluster's payload (its children) exactly as received, and its length. */
  readonly payload: readonly Buffer[];
  readonly payloadLength: number;
  /** Whether the cluster had an unknown size on the wire. */
  readonly unknownSize: boolean;
}

/** Receives what the reader finds, in input order. */
export interface MkvHandler {
  ebmlHeader(raw: Buffer): void;
  segmentStart(): void;
  info(raw: Buffer): void;
  tracks(raw: Buffer): void;
  /** A Tags element between clusters (producer metadata). */
  tags(raw: Buffer): void;
  /** The first bytes of a cluster arrived (PutMedia's BUFFERING). */
  clusterStart(): void;
  /** The current cluster's Timestamp arrived (timestamp-scale units). */
  clusterTimestamp?(timecode: number): void;
  /** A whole cluster arrived (PutMedia's RECEIVED). */
  cluster(cluster: ParsedCluster): void;
  /** Bytes of the current cluster received so far, after each pushed chunk (size caps apply while it arrives). */
  clusterProgress?(payloadLength: number): void;
}

/** Largest header-like element (EBML header, Info, Tracks, Tags) held in memory whole. */
export const MAX_CAPTURED_ELEMENT_BYTES = 1024 * 1024;

const UNKNOWN = -1;

interface OpenMaster {
  readonly id: number;
  /** Absolute end offset, or UNKNOWN. */
  readonly end: number;
}

type Pending =
  | { readonly kind: 'capture'; readonly id: number; readonly need: number }
  | { readonly kind: 'timestamp'; readonly need: number }
  | { readonly kind: 'block'; readonly need: number; readonly size: number; readonly simple: boolean };

class ClusterBuilder {
  timecode: number | undefined;
  readonly tracks: TrackSummary[] = [];
  firstTrack: number | undefined;
  firstKeyframe = false;
  readonly payload: Buffer[] = [];
  payloadLength = 0;
  constructor(readonly unknownSize: boolean) {}

  add(track: number, timecode: number, keyframe: boolean, frames: number): void {
    if (this.firstTrack === undefined) {
      this.firstTrack = track;
      this.firstKeyframe = keyframe;
    }
    let summary: TrackSummary | undefined;
    for (const t of this.tracks) if (t.track === track) summary = t;
    if (summary === undefined) {
      this.tracks.push({
        track,
        frames,
        firstKeyframe: keyframe,
        minTimecode: timecode,
        maxTimecode: timecode,
        lastTimecode: timecode,
        frameStep: 0,
      });
      return;
    }
    summary.frames += frames;
    if (timecode < summary.minTimecode) summary.minTimecode = timecode;
    if (timecode > summary.maxTimecode) summary.maxTimecode = timecode;
    const gap = Math.abs(timecode - summary.lastTimecode);
    if (gap > 0 && (summary.frameStep === 0 || gap < summary.frameStep)) summary.frameStep = gap;
    summary.lastTimecode = timecode;
  }
}

/** Length in bytes of an element id from its first byte (1–4), 0 when invalid. */
function idLength(first: number): number {
  if (first >= 0x80) return 1;
  if (first >= 0x40) return 2;
  if (first >= 0x20) return 3;
  if (first >= 0x10) return 4;
  return 0;
}

/** Length of a VINT from its first byte (1–8), 0 when invalid (a zero first byte). */
export function vintLength(first: number): number {
  if (first === 0) return 0;
  return Math.clz32(first) - 23;
}

/** The value of the VINT at `pos` of `length` bytes, or UNKNOWN (-1) when every value bit is 1. */
export function vintValue(buf: Buffer, pos: number, length: number): number {
  let value = buf[pos]! & (0xff >> length);
  let allOnes = value === 0xff >> length;
  for (let i = 1; i < length; i++) {
    const b = buf[pos + i]!;
    if (b !== 0xff) allOnes = false;
    value = value * 256 + b;
  }
  if (allOnes) return UNKNOWN;
  if (value > Number.MAX_SAFE_INTEGER) throw new MkvFormatError('element size too large');
  return value;
}

function readUint(buf: Buffer): number {
  let value = 0;
  for (let i = 0; i < buf.length; i++) value = value * 256 + buf[i]!;
  return value;
}

export class MkvReader {
  readonly #handler: MkvHandler;
  #carry: Buffer | undefined;
  /** Absolute offset of the next byte not yet consumed. */
  #consumed = 0;
  #skip = 0;
  #pending: Pending | undefined;
  readonly #stack: OpenMaster[] = [];
  #sawHeader = false;
  #cluster: ClusterBuilder | undefined;
  /** BlockGroup in progress: its block (track, timecode, frames) and whether a ReferenceBlock was seen. */
  #group: { track: number; timecode: number; frames: number; referenced: boolean; seen: boolean } | undefined;
  // The buffer being processed by push() and where the current cluster's uncaptured bytes start in it.
  #buf: Buffer = Buffer.alloc(0);
  #base = 0;
  #capFrom = 0;
  #ended = false;

  constructor(handler: MkvHandler) {
    this.#handler = handler;
  }

  /** Bytes consumed so far (the absolute offset of the first byte not yet processed). */
  get position(): number {
    return this.#consumed;
  }

  /** Feeds the next bytes of the input. Throws MkvFormatError on input that is not Matroska. */
  push(chunk: Buffer): void {
    if (this.#ended) throw new MkvFormatError('data after the end of the input');
    const carry = this.#carry;
    const buf = carry === undefined ? chunk : Buffer.concat([carry, chunk]);
    this.#carry = undefined;
    this.#buf = buf;
    this.#base = this.#consumed;
    this.#capFrom = 0;
    const pos = this.#run(buf);
    // Bytes of the open cluster consumed in this push belong to its payload; the rest waits for more input.
    if (this.#cluster !== undefined && pos > this.#capFrom) this.#capture(this.#capFrom, pos);
    if (pos < buf.length) this.#carry = buf.subarray(pos);
    this.#consumed = this.#base + pos;
    if (this.#cluster !== undefined) this.#handler.clusterProgress?.(this.#cluster.payloadLength);
  }

  /** The input ended: closes open elements of unknown size. Throws MkvFormatError when it ended inside an element. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#buf = Buffer.alloc(0);
    this.#base = this.#consumed;
    this.#capFrom = 0;
    if (this.#carry !== undefined || this.#skip > 0 || this.#pending !== undefined) {
      throw new MkvFormatError('the input ended inside an element');
    }
    this.#closeEnded(this.#consumed);
    while (this.#stack.length > 0) {
      const top = this.#stack[this.#stack.length - 1]!;
      if (top.end !== UNKNOWN) throw new MkvFormatError('the input ended inside an element');
      this.#pop(0);
    }
    if (!this.#sawHeader) throw new MkvFormatError('the input holds no EBML header');
  }

  #run(buf: Buffer): number {
    const len = buf.length;
    let pos = 0;
    for (;;) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, len - pos);
        pos += n;
        this.#skip -= n;
        if (this.#skip > 0) return pos;
        continue;
      }
      const pending = this.#pending;
      if (pending !== undefined) {
        if (len - pos < pending.need) return pos;
        this.#pending = undefined;
        this.#leaf(pending, buf.subarray(pos, pos + pending.need));
        pos += pending.need;
        continue;
      }
      this.#closeEnded(this.#base + pos);
      if (pos >= len) return pos;
      const idLen = idLength(buf[pos]!);
      if (idLen === 0) throw new MkvFormatError('invalid element id');
      if (len - pos < idLen + 1) return pos;
      const sizeLen = vintLength(buf[pos + idLen]!);
      if (sizeLen === 0) throw new MkvFormatError('invalid element size');
      if (len - pos < idLen + sizeLen) return pos;
      const id = readUint(buf.subarray(pos, pos + idLen));
      const size = vintValue(buf, pos + idLen, sizeLen);
      const headerLen = idLen + sizeLen;
      const level = levelOf(id);
      // Rule 2: this element closes the open elements of unknown size at its level or below.
      if (level !== undefined) {
        for (;;) {
          const top = this.#stack[this.#stack.length - 1];
          if (top === undefined || top.end !== UNKNOWN || (levelOf(top.id) ?? 0) < level) break;
          this.#pop(pos);
        }
      }
      const top = this.#stack[this.#stack.length - 1];
      const dataStart = this.#base + pos + headerLen;
      if (
        top !== undefined &&
        top.end !== UNKNOWN &&
        (dataStart > top.end || (size !== UNKNOWN && dataStart + size > top.end))
      ) {
        throw new MkvFormatError('an element overruns its parent');
      }
      pos = this.#element(id, size, pos, headerLen, top);
    }
  }

  /** Handles an element header at `pos`; returns the position to continue from. */
  #element(id: number, size: number, pos: number, headerLen: number, parent: OpenMaster | undefined): number {
    const parentId = parent?.id;
    if (!this.#sawHeader && id !== MkvId.EBML) throw new MkvFormatError('the input does not start with an EBML header');
    switch (id) {
      case MkvId.EBML:
        if (parentId !== undefined) throw new MkvFormatError('EBML header inside an element');
        return this.#startCapture(id, size, pos, headerLen);
      case MkvId.Segment:
        if (parentId !== undefined) throw new MkvFormatError('Segment inside an element');
        this.#stack.push({ id, end: size === UNKNOWN ? UNKNOWN : this.#base + pos + headerLen + size });
        this.#handler.segmentStart();
        return pos + headerLen;
      case MkvId.Info:
      case MkvId.Tracks:
      case MkvId.Tags:
        if (parentId !== MkvId.Segment) throw new MkvFormatError('a Segment child outside a Segment');
        return this.#startCapture(id, size, pos, headerLen);
      case MkvId.Cluster: {
        if (parentId !== MkvId.Segment) throw new MkvFormatError('a Cluster outside a Segment');
        this.#stack.push({ id, end: size === UNKNOWN ? UNKNOWN : this.#base + pos + headerLen + size });
        this.#cluster = new ClusterBuilder(size === UNKNOWN);
        this.#capFrom = pos + headerLen;
        this.#handler.clusterStart();
        return pos + headerLen;
      }
      case MkvId.Timestamp:
        if (parentId === MkvId.Cluster) {
          if (size === UNKNOWN || size > 8) throw new MkvFormatError('invalid cluster Timestamp');
          this.#pending = { kind: 'timestamp', need: size };
          return pos + headerLen;
        }
        break;
      case MkvId.SimpleBlock:
        if (parentId === MkvId.Cluster) return this.#startBlock(size, pos + headerLen, true);
        break;
      case MkvId.BlockGroup:
        if (parentId === MkvId.Cluster) {
          this.#stack.push({ id, end: size === UNKNOWN ? UNKNOWN : this.#base + pos + headerLen + size });
          this.#group = { track: 0, timecode: 0, frames: 0, referenced: false, seen: false };
          return pos + headerLen;
        }
        break;
      case MkvId.Block:
        if (parentId === MkvId.BlockGroup) return this.#startBlock(size, pos + headerLen, false);
        break;
      case MkvId.ReferenceBlock:
        if (parentId === MkvId.BlockGroup && this.#group !== undefined) this.#group.referenced = true;
        break;
      default:
        if (parentId === undefined) throw new MkvFormatError('an element outside the EBML header and Segment');
    }
    if (size === UNKNOWN) throw new MkvFormatError('an element of unknown size that cannot be skipped');
    this.#skip = size;
    return pos + headerLen;
  }

  #startCapture(id: number, size: number, pos: number, headerLen: number): number {
    if (size === UNKNOWN) throw new MkvFormatError('a header element of unknown size');
    if (size > MAX_CAPTURED_ELEMENT_BYTES) throw new MkvFormatError('a header element is too large');
    // The raw element, header included: stay at its first byte and wait for all of it.
    this.#pending = { kind: 'capture', id, need: headerLen + size };
    return pos;
  }

  #startBlock(size: number, dataPos: number, simple: boolean): number {
    if (size === UNKNOWN || size < 4) throw new MkvFormatError('invalid block');
    this.#pending = { kind: 'block', need: Math.min(size, 12), size, simple };
    return dataPos;
  }

  #leaf(pending: Pending, data: Buffer): void {
    switch (pending.kind) {
      case 'capture': {
        // Copy: header elements outlive the chunk (a session keeps them for every fragment).
        const raw = Buffer.from(data);
        if (pending.id === MkvId.EBML) {
          this.#sawHeader = true;
          this.#handler.ebmlHeader(raw);
        } else if (pending.id === MkvId.Info) this.#handler.info(raw);
        else if (pending.id === MkvId.Tracks) this.#handler.tracks(raw);
        else this.#handler.tags(raw);
        return;
      }
      case 'timestamp':
        if (this.#cluster !== undefined && this.#cluster.timecode === undefined) {
          this.#cluster.timecode = readUint(data);
          this.#handler.clusterTimestamp?.(this.#cluster.timecode);
        }
        return;
      case 'block': {
        const trackLen = vintLength(data[0]!);
        if (trackLen === 0 || trackLen > 8 || data.length < trackLen + 3)
          throw new MkvFormatError('invalid block header');
        const track = vintValue(data, 0, trackLen);
        const timecode = data.readInt16BE(trackLen);
        const flags = data[trackLen + 2]!;
        let frames = 1;
        if ((flags & 0x06) !== 0) {
          if (data.length < trackLen + 4) throw new MkvFormatError('invalid laced block');
          frames = data[trackLen + 3]! + 1;
        }
        this.#skip = pending.size - pending.need;
        if (pending.simple) this.#cluster?.add(track, timecode, (flags & 0x80) !== 0, frames);
        else if (this.#group !== undefined) {
          this.#group.track = track;
          this.#group.timecode = timecode;
          this.#group.frames = frames;
          this.#group.seen = true;
        }
        return;
      }
    }
  }

  /**
   * Closes open elements of known size that end at or before the absolute offset `abs`, with any element of unknown
   * size still open inside them (rule 2: a parent's end ends its children).
   */
  #closeEnded(abs: number): void {
    for (;;) {
      let ended = -1;
      for (let i = 0; i < this.#stack.length; i++) {
        const end = this.#stack[i]!.end;
        if (end !== UNKNOWN && abs >= end) {
          ended = i;
          break;
        }
      }
      if (ended < 0) return;
      const end = this.#stack[ended]!.end;
      while (this.#stack.length > ended) this.#pop(end - this.#base);
    }
  }

  /** Pops the innermost open element, which ends at position `pos` of the current buffer. */
  #pop(pos: number): void {
    const top = this.#stack.pop()!;
    if (top.id === MkvId.BlockGroup) {
      const group = this.#group;
      this.#group = undefined;
      if (group?.seen) this.#cluster?.add(group.track, group.timecode, !group.referenced, group.frames);
    } else if (top.id === MkvId.Cluster) {
      const cluster = this.#cluster!;
      this.#cluster = undefined;
      if (pos > this.#capFrom) {
        cluster.payload.push(this.#buf.subarray(this.#capFrom, pos));
        cluster.payloadLength += pos - this.#capFrom;
      }
      this.#handler.cluster(cluster);
    }
  }

  #capture(from: number, to: number): void {
    const cluster = this.#cluster!;
    cluster.payload.push(this.#buf.subarray(from, to));
    cluster.payloadLength += to - from;
  }
}
