/**
 * Real producers and crashes: Debian ffmpeg as a live camera (`ffmpeg -re … -method POST`, H.264 + AAC, one cluster
 * per GOP) read back with GetMedia and GetMediaForFragmentList through the SDKs and checked with ffprobe; GStreamer's
 * `matroskamux streamable=true` as a live producer of unknown-size clusters (kvssink's shape); and `kill -9` during an
 * upload keeps every fragment that was acknowledged PERSISTED.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { GetMediaForFragmentListCommand, ListFragmentsCommand } from '@aws-sdk/client-kinesis-video-archived-media';
import { CreateStreamCommand } from '@aws-sdk/client-kinesis-video';
import { GetMediaCommand } from '@aws-sdk/client-kinesis-video-media';
import { startServerProcess } from '../helpers/child-server.js';
import { freePort } from '../helpers/net.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { videoClient, waitFor } from './helpers.js';
import {
  clusterElement,
  ffmpegArgs,
  ffmpegMissing,
  gstreamerLiveArgs,
  gstreamerMissing,
  probe,
  type SynthCluster,
  synthMkv,
} from './fixtures.js';
import {
  type Ack,
  archivedClient,
  countCompleteChunks,
  MEDIA_SIGV4,
  mediaClient,
  openPutMedia,
  parseChunks,
  readUntil,
} from './media-helpers.js';

const run = promisify(execFile);
const ffmpegSkip = ffmpegMissing();
const gstreamerSkip = ffmpegSkip || gstreamerMissing();

async function sortedFragments(url: string, stream: string) {
  const out = await archivedClient(url).send(new ListFragmentsCommand({ StreamName: stream }));
  return [...out.Fragments!].sort((a, b) => (BigInt(a.FragmentNumber!) < BigInt(b.FragmentNumber!) ? -1 : 1));
}

describe('Kinesis Video with a live ffmpeg camera', { skip: ffmpegSkip }, () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(async () => {
    await t.close();
  });

  it('ffmpeg -re posts live MKV; GetMedia and GetMediaForFragmentList give back every video frame (ffprobe)', async () => {
    const url = t.server.url;
    await videoClient(url).send(new CreateStreamCommand({ StreamName: 'camera', DataRetentionInHours: 24 }));
    const headers = {
      ...MEDIA_SIGV4,
      'x-amzn-stream-name': 'camera',
      'x-amzn-fragment-timecode-type': 'RELATIVE',
      'x-amzn-producer-start-timestamp': '1700000000',
    };
    const headerText = Object.entries(headers)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    const fixture = { seconds: 4, audio: true, fragmentMs: 1000 };
    await run(
      'ffmpeg',
      ffmpegArgs(fixture, `${url}/putMedia`, ['-re']).flatMap((a, i, all) =>
        // The HTTP options go right before the output URL.
        i === all.length - 1 ? ['-method', 'POST', '-headers', headerText, a] : [a],
      ),
    );
    // ffmpeg writes each known-size cluster once the next one starts, never reads the acks, and closes with unread
    // acks in its receive buffer: the kernel resets the connection, and the last burst (the final GOP and the AAC
    // tail) may be lost on the way, as it would be against AWS. ListFragments is eventually consistent (ListFragments
    // API reference): wait for the GOPs written before the end.
    const fragments = await waitFor(async () => {
      const listed = await sortedFragments(url, 'camera');
      return listed.length >= 3 ? listed : undefined;
    });
    assert.ok(fragments.length <= 4, `fragments: ${fragments.length}`);
    // Each fragment lasts one second: x264 encodes B-frames, so blocks come in decode order (timecodes jumping forwards
    // and back), and AAC frames (~21 ms) overhang the last video frame by less than one frame.
    for (const f of fragments) {
      const ms = f.FragmentLengthInMilliseconds!;
      assert.ok(ms >= 1000 && ms <= 1022, `fragment lasts ${ms} ms`);
    }
    // Cluster timecodes follow the AAC priming (0, ~981, ~1984, ~2986 ms): one GOP per second.
    fragments.forEach((f, i) => {
      const offset = f.ProducerTimestamp!.getTime() - 1700000000000;
      assert.ok(Math.abs(offset - i * 1000) < 50, `fragment ${i} at ${offset} ms`);
    });
    const media = await archivedClient(url).send(
      new GetMediaForFragmentListCommand({ StreamName: 'camera', Fragments: fragments.map((f) => f.FragmentNumber!) }),
    );
    const bytes = Buffer.from(await media.Payload!.transformToByteArray());
    assert.equal(parseChunks(bytes).length, fragments.length);
    // Every frame of every fragment comes back: 25 per one-second GOP, and the media lasts one second per fragment.
    const probed = await probe(bytes);
    assert.equal(probed.videoFrames, 25 * fragments.length);
    assert.ok(Math.abs(probed.videoSeconds - fragments.length) < 0.05, `video seconds ${probed.videoSeconds}`);
    assert.ok(probed.audioFrames > 0);
    // GetMedia from the oldest fragment: the same chunks, the same frames; it then follows the stream, so the reader
    // stops once every listed fragment's chunk arrived.
    const reading = new AbortController();
    const live = await mediaClient(url).send(
      new GetMediaCommand({ StreamName: 'camera', StartSelector: { StartSelectorType: 'EARLIEST' } }),
      { abortSignal: reading.signal },
    );
    const streamed = await readUntil(
      live.Payload as AsyncIterable<Uint8Array>,
      (b) => countCompleteChunks(b) >= fragments.length,
      () => reading.abort(),
    );
    // Each chunk starts with an EBML header: keep the listed fragments' chunks, not the start of a later one.
    const EBML_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);
    let end = -1;
    for (let n = 0; n <= fragments.length && (n === 0 || end >= 0); n++) end = streamed.indexOf(EBML_MAGIC, end + 1);
    const listed = end < 0 ? streamed : streamed.subarray(0, end);
    assert.deepEqual(
      parseChunks(listed).map((c) => c.tags.AWS_KINESISVIDEO_FRAGMENT_NUMBER),
      fragments.map((f) => f.FragmentNumber),
    );
    const fromGetMedia = await probe(listed);
    assert.equal(fromGetMedia.videoFrames, 25 * fragments.length);
    assert.ok(
      Math.abs(fromGetMedia.videoSeconds - fragments.length) < 0.05,
      `video seconds ${fromGetMedia.videoSeconds}`,
    );
  });
});

describe('Kinesis Video with a live GStreamer producer (unknown-size clusters, as kvssink writes them)', {
  skip: gstreamerSkip,
}, () => {
  it('every cluster of matroskamux streamable=true is a PERSISTED fragment and reads back whole (ffprobe)', async () => {
    const t = await startTestServer();
    try {
      const url = t.server.url;
      await videoClient(url).send(new CreateStreamCommand({ StreamName: 'gst', DataRetentionInHours: 24 }));
      const call = await openPutMedia(url, { stream: 'gst', producerStart: '1700000000' });
      assert.equal(call.status, 200);
      // 100 frames at 25 fps, sent as the muxer produces them (about 4 s).
      const gst = spawn('gst-launch-1.0', gstreamerLiveArgs(100), { stdio: ['ignore', 'pipe', 'inherit'] });
      const sent: Buffer[] = [];
      for await (const chunk of gst.stdout as AsyncIterable<Buffer>) {
        sent.push(chunk);
        call.write(chunk);
      }
      call.end();
      const { acks } = await call.done;
      const body = Buffer.concat(sent);
      // The clusters the muxer wrote, each with the 8-byte unknown size.
      const unknownCluster = Buffer.from([0x1f, 0x43, 0xb6, 0x75, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
      let clusters = 0;
      for (let at = body.indexOf(unknownCluster); at >= 0; at = body.indexOf(unknownCluster, at + 1)) clusters++;
      assert.ok(clusters >= 2, `clusters: ${clusters}`);
      assert.deepEqual(
        acks.filter((a) => a.EventType === 'ERROR'),
        [],
      );
      assert.equal(acks.filter((a) => a.EventType === 'PERSISTED').length, clusters);
      const fragments = await sortedFragments(url, 'gst');
      assert.equal(fragments.length, clusters);
      const media = await archivedClient(url).send(
        new GetMediaForFragmentListCommand({ StreamName: 'gst', Fragments: fragments.map((f) => f.FragmentNumber!) }),
      );
      const probed = await probe(Buffer.from(await media.Payload!.transformToByteArray()));
      assert.equal(probed.videoFrames, 100);
      assert.ok(Math.abs(probed.videoSeconds - 4) < 0.05, `video seconds ${probed.videoSeconds}`);
      // Producer timestamps are the producer start plus the cluster timecodes (the live source's first buffer is
      // stamped a few ms after its start).
      const first = fragments[0]!.ProducerTimestamp!.getTime() - 1_700_000_000_000;
      assert.ok(first >= 0 && first < 100, `first fragment at ${first} ms`);
      const total = fragments.reduce((ms, f) => ms + f.FragmentLengthInMilliseconds!, 0);
      assert.ok(Math.abs(total - 4000) <= 40 * clusters, `fragment lengths add up to ${total} ms`);
      for (const f of fragments) {
        const ms = f.FragmentLengthInMilliseconds!;
        assert.ok(Math.abs(ms - 1000) <= 1, `fragment lasts ${ms} ms`);
      }
    } finally {
      await t.close();
    }
  });
});

describe('Kinesis Video under kill -9', () => {
  it('every fragment acknowledged PERSISTED survives SIGKILL of the server during an upload', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tributary-video-crash-'));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const args = ['--video-create-ms', '0'];
    let child: ChildProcess = await startServerProcess(dataDir, port, args);
    try {
      await videoClient(url).send(new CreateStreamCommand({ StreamName: 'crash', DataRetentionInHours: 1 }));
      const cluster = (i: number): SynthCluster => ({
        timecode: i * 1000,
        unknownWidth: 8,
        blocks: [
          { track: 1, rel: 0, key: true, size: 20_000 },
          { track: 1, rel: 40, key: false, size: 5_000 },
          { track: 2, rel: 0, key: true, size: 300 },
        ],
      });
      // The segment's header, then one cluster per BUFFERING ack: the upload goes on until the server dies.
      const header = synthMkv({ clusters: [] });
      const call = await openPutMedia(url, { stream: 'crash' });
      const persisted: string[] = [];
      let next = 0;
      const total = 400;
      const killed = new Promise<void>((resolve) =>
        call.onAck((a: Ack) => {
          if (a.EventType === 'BUFFERING' && next < total) call.write(clusterElement(cluster(next++)));
          if (a.EventType === 'PERSISTED') persisted.push(a.FragmentNumber!);
          if (persisted.length === 5 && child.exitCode === null && child.signalCode === null) {
            child.kill('SIGKILL');
            resolve();
          }
        }),
      );
      call.write(header);
      call.write(clusterElement(cluster(next++)));
      await killed;
      await call.done;
      call.destroy();
      assert.ok(next < total, 'the upload was still going when the server died');

      child = await startServerProcess(dataDir, port, args);
      const stored = new Set((await sortedFragments(url, 'crash')).map((f) => f.FragmentNumber!));
      for (const n of persisted) assert.ok(stored.has(n), `PERSISTED fragment ${n} was lost`);
      assert.ok(stored.size >= persisted.length);
    } finally {
      child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
