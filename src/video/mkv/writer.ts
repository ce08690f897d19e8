/**
 * The small Matroska writer GetMedia needs: element headers, Tags with SimpleTags, and the framing of one
 * GetMedia chunk (GetMedia API reference, "Payload": EBML header + Segment of unknown size {Info, Tracks, Tags,
 * Cluster, Tags}).
 * Media bytes are never re-encoded: clusters are written as stored, behind a header with their known size.
 */
import { MkvId } from './ids.js';

/** An element id's wire bytes (ids keep their marker bits). */
function idBytes(id: number): number[] {
  if (id >= 0x1000000) return [id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff];
  if (id >= 0x10000) return [id >>> 16, (id >>> 8) & 0xff, id & 0xff];
  if (id >= 0x100) return [id >>> 8, id & 0xff];
  return [id];
}

/** A size as the shortest VINT that is not the reserved "unknown" value. */
function sizeBytes(size: number): number[] {
  for (let length = 1; length <= 8; length++) {
    // 7 value bits per byte; all ones is reserved for "unknown".
    if (size < 2 ** (7 * length) - 1) {
      const out = new Array<number>(length);
      let rest = size;
      for (let i = length - 1; i >= 0; i--) {
        out[i] = rest % 256;
        rest = Math.floor(rest / 256);
      }
      out[0]! |= 0x80 >> (length - 1);
      return out;
    }
  }
  throw new RangeError(`element size ${size} does not fit a VINT`);
}

/** An element header (id + size) for a payload of `size` bytes. */
export function elementHeader(id: number, size: number): Buffer {
  return Buffer.from([...idBytes(id), ...sizeBytes(size)]);
}

/** A whole element around a payload. */
export function element(id: number, payload: Buffer): Buffer {
  return Buffer.concat([elementHeader(id, payload.length), payload]);
}

/** A Segment header of unknown size (8-byte form, as live producers write it). */
export const SEGMENT_UNKNOWN_SIZE = Buffer.from([
  0x18, 0x53, 0x80, 0x67, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
]);

/** A Cluster header with an 8-byte known size (the stored payload follows). */
export function clusterHeader(payloadLength: number): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt32BE(MkvId.Cluster, 0);
  out[4] = 0x01;
  // 7 bytes of value: large enough for any cluster PutMedia accepts (≤ 50 MB).
  let rest = payloadLength;
  for (let i = 11; i >= 5; i--) {
    out[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  return out;
}

/**
 * A Tags element with one Tag holding one SimpleTag per pair (TagName, TagString), as AWS writes the
 * `AWS_KINESISVIDEO_*` tags (Kinesis Video Streams developer guide, "GetMedia": the response's tags).
 */
export function simpleTags(pairs: ReadonlyArray<readonly [name: string, value: string]>): Buffer {
  const simple = pairs.map(([name, value]) =>
    element(
      MkvId.SimpleTag,
      Buffer.concat([
        element(MkvId.TagName, Buffer.from(name, 'utf8')),
        element(MkvId.TagString, Buffer.from(value, 'utf8')),
      ]),
    ),
  );
  const tag = element(MkvId.Tag, Buffer.concat([element(MkvId.Targets, Buffer.alloc(0)), ...simple]));
  return element(MkvId.Tags, tag);
}

/** An EBML element reader for small, whole buffers (header elements, tags): calls `visit` for each child. */
export function forEachChild(buf: Buffer, visit: (id: number, data: Buffer) => void): void {
  let pos = 0;
  while (pos < buf.length) {
    const first = buf[pos]!;
    const idLen = first >= 0x80 ? 1 : first >= 0x40 ? 2 : first >= 0x20 ? 3 : first >= 0x10 ? 4 : 0;
    if (idLen === 0 || pos + idLen >= buf.length) throw new RangeError('invalid element');
    let id = 0;
    for (let i = 0; i < idLen; i++) id = id * 256 + buf[pos + i]!;
    const sizeAt = pos + idLen;
    const sizeLen = Math.clz32(buf[sizeAt]!) - 23;
    if (sizeLen < 1 || sizeLen > 8 || sizeAt + sizeLen > buf.length) throw new RangeError('invalid element size');
    let size = buf[sizeAt]! & (0xff >> sizeLen);
    for (let i = 1; i < sizeLen; i++) size = size * 256 + buf[sizeAt + i]!;
    const start = sizeAt + sizeLen;
    if (start + size > buf.length) throw new RangeError('element overruns its parent');
    visit(id, buf.subarray(start, start + size));
    pos = start + size;
  }
}

/** The payload of a whole element (skips its id and size). */
export function elementPayload(raw: Buffer): Buffer {
  let result: Buffer | undefined;
  forEachChild(raw, (_id, data) => {
    result ??= data;
  });
  if (result === undefined) throw new RangeError('empty element');
  return result;
}

/** An unsigned integer element's value. */
export function readUnsigned(data: Buffer): number {
  let value = 0;
  for (let i = 0; i < data.length; i++) value = value * 256 + data[i]!;
  return value;
}

/** A track as declared in Tracks. */
export interface TrackEntry {
  readonly number: number;
  readonly type: number;
  /** CodecID with trailing NULs removed (GStreamer's matroskamux writes them). */
  readonly codecId: string;
}

/** The tracks declared by a raw Tracks element. */
export function parseTracks(raw: Buffer): TrackEntry[] {
  const tracks: TrackEntry[] = [];
  forEachChild(elementPayload(raw), (id, data) => {
    if (id !== MkvId.TrackEntry) return;
    let number = 0;
    let type = 0;
    let codecId = '';
    forEachChild(data, (childId, value) => {
      if (childId === MkvId.TrackNumber) number = readUnsigned(value);
      else if (childId === MkvId.TrackType) type = readUnsigned(value);
      else if (childId === MkvId.CodecID) codecId = value.toString('latin1').replace(/\0+$/, '');
    });
    tracks.push({ number, type, codecId });
  });
  return tracks;
}

/** The TimestampScale (ns per timecode unit) of a raw Info element; 1,000,000 when absent. */
export function parseTimestampScale(raw: Buffer): number {
  let scale = 1_000_000;
  forEachChild(elementPayload(raw), (id, data) => {
    if (id === MkvId.TimestampScale) scale = readUnsigned(data);
  });
  return scale;
}

/** SimpleTag name/value pairs of a raw Tags element. */
export function parseSimpleTags(raw: Buffer): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const walk = (buf: Buffer): void =>
    forEachChild(buf, (id, data) => {
      if (id === MkvId.Tag) walk(data);
      else if (id === MkvId.SimpleTag) {
        let name = '';
        let value = '';
        forEachChild(data, (childId, v) => {
          if (childId === MkvId.TagName) name = v.toString('utf8');
          else if (childId === MkvId.TagString) value = v.toString('utf8');
        });
        out.push([name, value]);
      }
    });
  walk(elementPayload(raw));
  return out;
}
