/**
 * MKV fixtures, made at test time (never committed media):
 * - {@link synthMkv}: a synthetic Matroska stream from a description (clusters, SimpleBlocks, BlockGroups, lacing,
 *   unknown sizes at any width), built with the media plane's writer plus raw element bytes;
 * - {@link ffmpegMkv}: real H.264 (+ AAC) from Debian ffmpeg, live style (`-live 1`), one cluster per GOP;
 * - {@link withUnknownSizes}: a file's clusters (and Segment) rewritten to unknown sizes, as live producers send.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MkvId, element, elementHeader, vintLength, vintValue } from '../../src/video/mkv/index.js';
import { requireTool } from '../helpers/tools.js';

const run = promisify(execFile);

/** A VINT of `width` bytes with every value bit set: "unknown size". */
export function unknownSize(width: number): Buffer {
  const out = Buffer.alloc(width, 0xff);
  out[0] = (0xff >> (width - 1)) & 0xff;
  if (width === 8) out[0] = 0x01;
  return out;
}

function uint(id: number, value: number): Buffer {
  const bytes: number[] = [];
  let rest = value;
  do {
    bytes.unshift(rest % 256);
    rest = Math.floor(rest / 256);
  } while (rest > 0);
  return element(id, Buffer.from(bytes));
}

function idBuf(id: number): Buffer {
  const hex = id.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
}

export interface SynthBlock {
  readonly track: number;
  /** Relative timecode (int16). */
  readonly rel: number;
  readonly key: boolean;
  /** Frames in the block; > 1 means Xiph lacing. Default 1. */
  readonly frames?: number;
  /** Write as a BlockGroup (with a ReferenceBlock when not a keyframe). */
  readonly group?: boolean;
  /** Payload bytes. Default 20. */
  readonly size?: number;
}

export interface SynthCluster {
  readonly timecode: number;
  readonly blocks: readonly SynthBlock[];
  /** Width of an unknown size, or undefined for a known size. */
  readonly unknownWidth?: number;
}

export interface SynthTrack {
  readonly number: number;
  readonly type: number;
  readonly codecId: string;
}

export const VIDEO_AUDIO: readonly SynthTrack[] = [
  { number: 1, type: 1, codecId: 'V_MPEG4/ISO/AVC' },
  { number: 2, type: 2, codecId: 'A_AAC' },
];

export function ebmlHeader(): Buffer {
  return element(
    MkvId.EBML,
    Buffer.concat([
      uint(0x4286, 1),
      uint(0x42f7, 1),
      uint(0x42f2, 4),
      uint(0x42f3, 8),
      element(0x4282, Buffer.from('matroska')),
      uint(0x4287, 4),
      uint(0x4285, 2),
    ]),
  );
}

export function infoElement(timestampScale = 1_000_000): Buffer {
  return element(
    MkvId.Info,
    Buffer.concat([uint(MkvId.TimestampScale, timestampScale), element(0x4d80, Buffer.from('synth'))]),
  );
}

export function tracksElement(tracks: readonly SynthTrack[]): Buffer {
  return element(
    MkvId.Tracks,
    Buffer.concat(
      tracks.map((t) =>
        element(
          MkvId.TrackEntry,
          Buffer.concat([
            uint(MkvId.TrackNumber, t.number),
            uint(0x73c5, t.number),
            uint(MkvId.TrackType, t.type),
            element(MkvId.CodecID, Buffer.from(t.codecId)),
          ]),
        ),
      ),
    ),
  );
}

function blockBody(b: SynthBlock, simple: boolean): Buffer {
  const frames = b.frames ?? 1;
  const head = Buffer.alloc(frames > 1 ? 5 : 4);
  head[0] = 0x80 | b.track;
  head.writeInt16BE(b.rel, 1);
  head[3] = (simple && b.key ? 0x80 : 0) | (frames > 1 ? 0x02 : 0);
  if (frames > 1) head[4] = frames - 1;
  const size = b.size ?? 20;
  // Xiph lace sizes: all frames but the last get one size byte each (frame size 1).
  const laces = frames > 1 ? Buffer.alloc(frames - 1, 1) : Buffer.alloc(0);
  return Buffer.concat([head, laces, Buffer.alloc(Math.max(size, frames), 0x5a)]);
}

export function clusterElement(c: SynthCluster): Buffer {
  const children = [uint(MkvId.Timestamp, c.timecode)];
  for (const b of c.blocks) {
    if (b.group) {
      const parts = [element(MkvId.Block, blockBody(b, false))];
      if (!b.key) parts.push(element(MkvId.ReferenceBlock, Buffer.from([0xff])));
      children.push(element(MkvId.BlockGroup, Buffer.concat(parts)));
    } else children.push(element(MkvId.SimpleBlock, blockBody(b, true)));
  }
  const payload = Buffer.concat(children);
  if (c.unknownWidth === undefined) return element(MkvId.Cluster, payload);
  return Buffer.concat([idBuf(MkvId.Cluster), unknownSize(c.unknownWidth), payload]);
}

export interface SynthOptions {
  readonly tracks?: readonly SynthTrack[];
  readonly clusters: readonly SynthCluster[];
  /** Width of the Segment's unknown size (default 8); 0 writes a known size. */
  readonly segmentUnknownWidth?: number;
  /** Raw elements to put between clusters, by the index of the cluster they precede. */
  readonly between?: ReadonlyMap<number, Buffer>;
  readonly timestampScale?: number;
}

export function synthMkv(o: SynthOptions): Buffer {
  const parts = [infoElement(o.timestampScale), tracksElement(o.tracks ?? VIDEO_AUDIO)];
  o.clusters.forEach((c, i) => {
    const before = o.between?.get(i);
    if (before) parts.push(before);
    parts.push(clusterElement(c));
  });
  const body = Buffer.concat(parts);
  const width = o.segmentUnknownWidth ?? 8;
  const segment =
    width === 0
      ? Buffer.concat([elementHeader(MkvId.Segment, body.length), body])
      : Buffer.concat([idBuf(MkvId.Segment), unknownSize(width), body]);
  return Buffer.concat([ebmlHeader(), segment]);
}

/** Rewrites the Segment and every Cluster of a file (whose clusters have known sizes) to unknown sizes. */
export function withUnknownSizes(file: Buffer, clusterWidth = 8): Buffer {
  const out: Buffer[] = [];
  let pos = 0;
  const header = (): { id: number; size: number; headerLen: number } => {
    const idLen = file[pos]! >= 0x80 ? 1 : file[pos]! >= 0x40 ? 2 : file[pos]! >= 0x20 ? 3 : 4;
    const id = file.readUIntBE(pos, idLen);
    const sizeLen = vintLength(file[pos + idLen]!);
    return { id, size: vintValue(file, pos + idLen, sizeLen), headerLen: idLen + sizeLen };
  };
  while (pos < file.length) {
    const h = header();
    if (h.id === MkvId.Segment) {
      out.push(idBuf(MkvId.Segment), unknownSize(8));
      pos += h.headerLen;
      continue;
    }
    if (h.size < 0) throw new Error('fixture input already has unknown sizes');
    const end = pos + h.headerLen + h.size;
    if (h.id === MkvId.Cluster)
      out.push(idBuf(MkvId.Cluster), unknownSize(clusterWidth), file.subarray(pos + h.headerLen, end));
    else if (h.id !== MkvId.Cues && h.id !== MkvId.SeekHead) out.push(file.subarray(pos, end));
    pos = end;
  }
  return Buffer.concat(out);
}

/** Skip message when ffmpeg is missing (a failure under CI=true). */
export function ffmpegMissing(): false | string {
  return (
    requireTool('ffmpeg', { cmd: 'ffmpeg', args: ['-version'] }) ||
    requireTool('ffprobe', { cmd: 'ffprobe', args: ['-version'] })
  );
}

/**
 * Why GStreamer cannot make the kvssink-like fixture here, or false: `gst-launch-1.0` with the elements of
 * {@link gstreamerLiveArgs} (Debian gstreamer1.0-tools, -plugins-base, -plugins-good, -plugins-ugly).
 */
export function gstreamerMissing(): false | string {
  return (
    requireTool('gst-launch-1.0', { cmd: 'gst-launch-1.0', args: ['--version'] }) ||
    requireTool('GStreamer videotestsrc (gstreamer1.0-plugins-base)', {
      cmd: 'gst-inspect-1.0',
      args: ['videotestsrc'],
    }) ||
    requireTool('GStreamer matroskamux (gstreamer1.0-plugins-good)', {
      cmd: 'gst-inspect-1.0',
      args: ['matroskamux'],
    }) ||
    requireTool('GStreamer x264enc (gstreamer1.0-plugins-ugly)', { cmd: 'gst-inspect-1.0', args: ['x264enc'] })
  );
}

/**
 * `gst-launch-1.0` arguments of a live kvssink-like producer writing MKV to stdout: a live test source at 25 fps
 * for `frames` frames, H.264 in AVCC form, and `matroskamux streamable=true`, which writes the Segment and every
 * Cluster with the 8-byte unknown size and starts a cluster at each key frame: the shape in which AWS's producer
 * libraries (kvssink) send a live stream, which ffmpeg does not write (its clusters have known sizes).
 */
export function gstreamerLiveArgs(frames: number): string[] {
  return [
    '-q',
    'videotestsrc',
    'is-live=true',
    `num-buffers=${frames}`,
    '!',
    'video/x-raw,width=320,height=180,framerate=25/1',
    '!',
    'x264enc',
    'key-int-max=25',
    'bframes=0',
    'tune=zerolatency',
    'speed-preset=ultrafast',
    '!',
    'video/x-h264,stream-format=avc,alignment=au',
    '!',
    'matroskamux',
    'streamable=true',
    '!',
    'fdsink',
    'fd=1',
  ];
}

export interface FfmpegFixture {
  /** Seconds of media. */
  readonly seconds: number;
  /** Add an AAC track. */
  readonly audio?: boolean;
  /** Cluster (fragment) length and GOP in ms. Default 1000. */
  readonly fragmentMs?: number;
  /** ABSOLUTE timecodes: cluster timecodes are epoch ms starting at this epoch second. */
  readonly absoluteEpochSeconds?: number;
  /** Clusters cut every this many ms regardless of keyframes (clusters that start on a non-key frame). */
  readonly clusterMsIgnoringKeyframes?: number;
  /** Frames per second. Default 25. */
  readonly fps?: number;
}

/** Arguments that make ffmpeg write the fixture's MKV to `output` (a path, `-` for stdout, or a URL). */
export function ffmpegArgs(f: FfmpegFixture, output: string, extra: readonly string[] = []): string[] {
  const fps = f.fps ?? 25;
  const fragmentMs = f.fragmentMs ?? 1000;
  const gop = Math.round((fps * fragmentMs) / 1000);
  const args = ['-hide_banner', '-loglevel', 'error', ...extra];
  args.push('-f', 'lavfi', '-i', `testsrc=size=160x120:rate=${fps}`);
  if (f.audio) args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000');
  args.push('-t', String(f.seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p');
  args.push('-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0', '-bf', '0');
  if (f.audio) args.push('-c:a', 'aac', '-b:a', '32k');
  if (f.absoluteEpochSeconds !== undefined) args.push('-output_ts_offset', String(f.absoluteEpochSeconds));
  args.push('-f', 'matroska', '-live', '1');
  args.push(
    '-cluster_size_limit',
    '50000000',
    '-cluster_time_limit',
    String(f.clusterMsIgnoringKeyframes ?? fragmentMs),
  );
  args.push('-y', output);
  return args;
}

/** Runs ffmpeg and returns the MKV bytes. */
export async function ffmpegMkv(f: FfmpegFixture): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'trib-mkv-'));
  try {
    const path = join(dir, 'out.mkv');
    await run('ffmpeg', ffmpegArgs(f, path));
    return await readFile(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * ffprobe's view of an MKV file or byte stream (concatenated segments are read in order): packets per codec type and
 * the span of the video packets' timestamps plus one frame (the media's duration; live MKV has no Duration element).
 */
export async function probe(
  input: Buffer,
): Promise<{ videoFrames: number; audioFrames: number; videoSeconds: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'trib-probe-'));
  try {
    const path = join(dir, 'in.mkv');
    await writeFile(path, input);
    const { stdout } = await run(
      'ffprobe',
      ['-v', 'error', '-show_entries', 'packet=codec_type,pts_time', '-of', 'csv=p=0', path],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    let videoFrames = 0;
    let audioFrames = 0;
    const pts: number[] = [];
    for (const line of stdout.split('\n')) {
      const [type, time] = line.trim().split(',');
      if (type === 'video') {
        videoFrames++;
        pts.push(Number(time));
      } else if (type === 'audio') audioFrames++;
    }
    pts.sort((a, b) => a - b);
    const frame = pts.length > 1 ? pts[1]! - pts[0]! : 0;
    const videoSeconds = pts.length === 0 ? 0 : pts[pts.length - 1]! - pts[0]! + frame;
    return { videoFrames, audioFrames, videoSeconds };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export { simpleTags as simpleTagsFixture } from '../../src/video/mkv/index.js';
