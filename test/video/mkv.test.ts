/** The streaming Matroska reader and the small writer (src/video/mkv). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  MkvFormatError,
  MkvReader,
  type ParsedCluster,
  clusterHeader,
  parseSimpleTags,
  parseTimestampScale,
  parseTracks,
  simpleTags,
} from '../../src/video/mkv/index.js';
import { ffmpegMissing, ffmpegMkv, probe, type SynthCluster, synthMkv, withUnknownSizes } from './fixtures.js';

interface Seen {
  events: string[];
  clusters: ParsedCluster[];
  payloads: Buffer[];
}

function read(input: Buffer, cuts: readonly number[] = []): Seen {
  const seen: Seen = { events: [], clusters: [], payloads: [] };
  const reader = new MkvReader({
    ebmlHeader: (raw) => seen.events.push(`ebml:${raw.length}`),
    segmentStart: () => seen.events.push('segment'),
    info: (raw) => seen.events.push(`info:${parseTimestampScale(raw)}`),
    tracks: (raw) => seen.events.push(`tracks:${parseTracks(raw).map((t) => `${t.number}/${t.type}/${t.codecId}`)}`),
    tags: (raw) => seen.events.push(`tags:${JSON.stringify(parseSimpleTags(raw))}`),
    clusterStart: () => seen.events.push('clusterStart'),
    cluster: (c) => {
      seen.events.push(`cluster:${c.timecode}`);
      seen.clusters.push(c);
      seen.payloads.push(Buffer.concat(c.payload as Buffer[]));
    },
  });
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    reader.push(input.subarray(from, cut));
    from = cut;
  }
  reader.push(input.subarray(from));
  reader.end();
  return seen;
}

const summary = (c: ParsedCluster) => ({
  timecode: c.timecode,
  firstTrack: c.firstTrack,
  firstKeyframe: c.firstKeyframe,
  payloadLength: c.payloadLength,
  tracks: c.tracks.map((t) => ({ ...t })),
});

const sample: SynthCluster[] = [
  {
    timecode: 0,
    blocks: [
      { track: 1, rel: 0, key: true },
      { track: 2, rel: 5, key: true, frames: 3 },
      { track: 1, rel: 40, key: false },
      { track: 1, rel: 80, key: false, group: true },
    ],
  },
  {
    timecode: 120,
    unknownWidth: 3,
    blocks: [
      { track: 1, rel: 0, key: true, group: true },
      { track: 2, rel: 2, key: true },
    ],
  },
  {
    timecode: 200,
    unknownWidth: 8,
    blocks: [
      { track: 1, rel: 0, key: false },
      { track: 2, rel: 1, key: true },
    ],
  },
];

describe('MkvReader', () => {
  it('reads header elements, clusters, SimpleBlocks, BlockGroups and laced blocks', () => {
    const seen = read(synthMkv({ clusters: sample, between: new Map([[1, simpleTags([['CAMERA', 'front']])]]) }));
    assert.deepEqual(seen.events, [
      'ebml:40',
      'segment',
      'info:1000000',
      'tracks:1/1/V_MPEG4/ISO/AVC,2/2/A_AAC',
      'clusterStart',
      'cluster:0',
      'tags:[["CAMERA","front"]]',
      'clusterStart',
      'cluster:120',
      'clusterStart',
      'cluster:200',
    ]);
    const [a, b, c] = seen.clusters.map(summary);
    assert.deepEqual(a!.tracks, [
      {
        track: 1,
        frames: 3,
        firstKeyframe: true,
        minTimecode: 0,
        maxTimecode: 80,
        lastTimecode: 80,
        frameStep: 40,
      },
      {
        track: 2,
        frames: 3,
        firstKeyframe: true,
        minTimecode: 5,
        maxTimecode: 5,
        lastTimecode: 5,
        frameStep: 0,
      },
    ]);
    assert.equal(b!.firstKeyframe, true, 'a BlockGroup without ReferenceBlock is a keyframe');
    assert.equal(c!.firstKeyframe, false);
    assert.equal(seen.clusters[1]!.unknownSize, true);
    assert.equal(seen.clusters[0]!.unknownSize, false);
  });

  it('gives the same result however the input is cut into chunks, for unknown sizes of every width', () => {
    const blockArb = fc.record({
      track: fc.constantFrom(1, 2),
      rel: fc.integer({ min: -100, max: 3000 }),
      key: fc.boolean(),
      frames: fc.integer({ min: 1, max: 4 }),
      group: fc.boolean(),
      size: fc.integer({ min: 1, max: 300 }),
    });
    const clusterArb = fc.record({
      timecode: fc.integer({ min: 0, max: 2 ** 40 }),
      blocks: fc.array(blockArb, { minLength: 1, maxLength: 6 }),
      unknownWidth: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(clusterArb, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 8 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 40 }),
        (clusters, segmentWidth, fractions) => {
          const input = synthMkv({ clusters, segmentUnknownWidth: segmentWidth });
          const whole = read(input);
          const cuts = fractions.map((f) => Math.floor(f * input.length));
          const split = read(input, cuts);
          assert.deepEqual(split.events, whole.events);
          assert.deepEqual(split.clusters.map(summary), whole.clusters.map(summary));
          assert.deepEqual(split.payloads, whole.payloads);
          assert.equal(whole.clusters.length, clusters.length);
          whole.clusters.forEach((c, i) => {
            assert.equal(c.timecode, clusters[i]!.timecode);
            const frames = clusters[i]!.blocks.reduce((n, b) => n + b.frames, 0);
            assert.equal(
              c.tracks.reduce((n, t) => n + t.frames, 0),
              frames,
            );
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('byte by byte', () => {
    const input = synthMkv({ clusters: sample });
    const whole = read(input);
    const cuts = Array.from({ length: input.length - 1 }, (_, i) => i + 1);
    assert.deepEqual(read(input, cuts).payloads, whole.payloads);
  });

  it('rejects input that is not Matroska with MkvFormatError only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 400 }), (bytes) => {
        try {
          read(Buffer.from(bytes));
        } catch (e) {
          assert.ok(e instanceof MkvFormatError, String(e));
          return;
        }
        assert.fail('random bytes were accepted');
      }),
    );
    // Garbage after a valid start, and a truncated cluster.
    const good = synthMkv({ clusters: sample.slice(0, 1), segmentUnknownWidth: 8 });
    assert.throws(() => read(Buffer.concat([good, Buffer.from('garbage!')])), MkvFormatError);
    assert.throws(() => read(good.subarray(0, good.length - 5)), MkvFormatError);
    assert.throws(() => read(Buffer.from('not an mkv file at all')), MkvFormatError);
  });

  it('reads ffmpeg live MKV (H.264 + AAC) with known and unknown cluster sizes', async (t) => {
    const missing = ffmpegMissing();
    if (missing) return t.skip(missing);
    const file = await ffmpegMkv({ seconds: 3, audio: true, fragmentMs: 1000 });
    const known = read(file, [100, 1000, 5000]);
    const unknown = read(withUnknownSizes(file, 3), [7, 999]);
    assert.deepEqual(unknown.clusters.map(summary), known.clusters.map(summary));
    assert.ok(known.clusters.length >= 3);
    const probed = await probe(file);
    const frames = (seen: Seen, track: number) =>
      seen.clusters.reduce((n, c) => n + (c.tracks.find((x) => x.track === track)?.frames ?? 0), 0);
    assert.equal(frames(known, 1), probed.videoFrames);
    assert.equal(frames(known, 2), probed.audioFrames);
    // Every cluster starts a GOP: the video track's first block is a keyframe.
    for (const c of known.clusters) {
      const video = c.tracks.find((x) => x.track === 1);
      if (video) assert.equal(video.firstKeyframe, true);
    }
  });
});

describe('MKV writer', () => {
  it('writes SimpleTags that read back, and cluster headers with their size', () => {
    const pairs: Array<[string, string]> = [
      ['AWS_KINESISVIDEO_FRAGMENT_NUMBER', '9'.repeat(47)],
      ['AWS_KINESISVIDEO_SERVER_TIMESTAMP', '1700000000.123'],
      ['ÜNICODE', 'x'.repeat(300)],
    ];
    assert.deepEqual(parseSimpleTags(simpleTags(pairs)), pairs);
    const header = clusterHeader(70_000);
    assert.equal(header.length, 12);
    assert.equal(header.readUInt32BE(0), 0x1f43b675);
    assert.equal(header.readUIntBE(6, 6), 70_000);
    assert.equal(header[4], 0x01);
  });
});
