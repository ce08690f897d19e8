/**
 * The Kinesis Video media plane end to end: PutMedia (raw HTTP/1.1 and HTTP/2) with its acks and every ingest rule,
 * then ListFragments, GetMediaForFragmentList and GetMedia (every start selector, live following) through the
 * AWS SDK v3 clients.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetMediaForFragmentListCommand, ListFragmentsCommand } from '@aws-sdk/client-kinesis-video-archived-media';
import { GetMediaCommand } from '@aws-sdk/client-kinesis-video-media';
import { CreateStreamCommand, DeleteStreamCommand } from '@aws-sdk/client-kinesis-video';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { expectError, videoClient, waitFor } from './helpers.js';
import { type SynthCluster, simpleTagsFixture, synthMkv, tracksElement, VIDEO_AUDIO } from './fixtures.js';
import {
  type Ack,
  acksByFragment,
  archivedClient,
  countCompleteChunks,
  mediaClient,
  openPutMedia,
  parseChunks,
  putMedia,
  readUntil,
} from './media-helpers.js';

/** Clusters of `ms` each at 25 fps video + audio, starting at timecode `from`. */
function clusters(count: number, ms = 1000, from = 0): SynthCluster[] {
  return Array.from({ length: count }, (_, i) => ({
    timecode: from + i * ms,
    unknownWidth: 8,
    blocks: [
      ...Array.from({ length: ms / 40 }, (_, f) => ({ track: 1, rel: f * 40, key: f === 0, size: 200 })),
      { track: 2, rel: 3, key: true, size: 50 },
    ],
  }));
}

describe('Kinesis Video media plane', () => {
  let t: TestServer;
  let url: string;
  const video = () => videoClient(url);
  before(async () => {
    t = await startTestServer();
    url = t.server.url;
  });
  after(async () => {
    await t.close();
  });

  async function createStream(name: string, retention = 1): Promise<string> {
    const out = await video().send(new CreateStreamCommand({ StreamName: name, DataRetentionInHours: retention }));
    return out.StreamARN!;
  }

  it('PutMedia acks each fragment BUFFERING, RECEIVED, PERSISTED; ListFragments and GetMediaForFragmentList read them back', async () => {
    await createStream('cam1');
    const body = synthMkv({ clusters: clusters(3) });
    const { status, acks } = await putMedia(url, body, { stream: 'cam1', producerStart: '1700000000.5' });
    assert.equal(status, 200);
    const byFragment = acksByFragment(acks);
    assert.equal(byFragment.size, 3);
    for (const events of byFragment.values()) assert.deepEqual(events, ['BUFFERING', 'RECEIVED', 'PERSISTED']);
    const numbers = [...byFragment.keys()];
    for (const n of numbers) assert.match(n, /^[0-9]{47}$/);
    assert.ok(BigInt(numbers[0]!) < BigInt(numbers[1]!) && BigInt(numbers[1]!) < BigInt(numbers[2]!));
    assert.deepEqual(
      acks.filter((a) => a.EventType === 'PERSISTED').map((a) => a.FragmentTimecode),
      [0, 1000, 2000],
    );

    const listed = await archivedClient(url).send(new ListFragmentsCommand({ StreamName: 'cam1' }));
    const fragments = [...listed.Fragments!].sort((a, b) =>
      BigInt(a.FragmentNumber!) < BigInt(b.FragmentNumber!) ? -1 : 1,
    );
    assert.deepEqual(
      fragments.map((f) => f.FragmentNumber),
      numbers,
    );
    assert.deepEqual(
      fragments.map((f) => f.ProducerTimestamp!.getTime()),
      [1700000000500, 1700000001500, 1700000002500],
    );
    assert.deepEqual(
      fragments.map((f) => f.FragmentLengthInMilliseconds),
      [1000, 1000, 1000],
    );
    for (const f of fragments) assert.ok(f.FragmentSizeInBytes! > 25 * 200);

    // Paging and a producer-time range.
    const page = await archivedClient(url).send(new ListFragmentsCommand({ StreamName: 'cam1', MaxResults: 2 }));
    assert.equal(page.Fragments!.length, 2);
    const rest = await archivedClient(url).send(
      new ListFragmentsCommand({ StreamName: 'cam1', MaxResults: 2, NextToken: page.NextToken }),
    );
    assert.equal(rest.Fragments!.length, 1);
    assert.equal(rest.NextToken, undefined);
    const ranged = await archivedClient(url).send(
      new ListFragmentsCommand({
        StreamName: 'cam1',
        FragmentSelector: {
          FragmentSelectorType: 'PRODUCER_TIMESTAMP',
          TimestampRange: { StartTimestamp: new Date(1700000001000), EndTimestamp: new Date(1700000002500) },
        },
      }),
    );
    assert.deepEqual(
      ranged.Fragments!.map((f) => f.FragmentNumber),
      numbers.slice(1),
    );

    const media = await archivedClient(url).send(
      new GetMediaForFragmentListCommand({ StreamName: 'cam1', Fragments: [numbers[2]!, numbers[0]!] }),
    );
    const chunks = parseChunks(Buffer.from(await media.Payload!.transformToByteArray()));
    assert.equal(chunks.length, 2);
    assert.equal(chunks[0]!.tags.AWS_KINESISVIDEO_FRAGMENT_NUMBER, numbers[2]);
    assert.equal(chunks[0]!.tags.AWS_KINESISVIDEO_PRODUCER_TIMESTAMP, '1700000002.500');
    assert.equal(chunks[1]!.tags.AWS_KINESISVIDEO_FRAGMENT_NUMBER, numbers[0]);
    assert.equal(chunks[1]!.tags.AWS_KINESISVIDEO_CONTINUATION_TOKEN, numbers[0]);
    assert.equal(chunks[0]!.cluster!.timecode, 2000);
    assert.equal(chunks[0]!.cluster!.tracks.find((x) => x.track === 1)!.frames, 25);

    // A fragment number of this stream that is not in the archive: the chunks before it, then an error chunk that
    // names it (FRAGMENT_NOT_FOUND, as aws/aws-sdk-js issue 3217 logged), and the payload ends.
    const missing = (BigInt(numbers[2]!) + 100n).toString();
    const partial = await archivedClient(url).send(
      new GetMediaForFragmentListCommand({ StreamName: 'cam1', Fragments: [numbers[0]!, missing, numbers[1]!] }),
    );
    const partialChunks = parseChunks(Buffer.from(await partial.Payload!.transformToByteArray()));
    assert.equal(partialChunks.length, 2);
    assert.equal(partialChunks[0]!.tags.AWS_KINESISVIDEO_FRAGMENT_NUMBER, numbers[0]);
    assert.deepEqual(partialChunks[1]!.tags, {
      AWS_KINESISVIDEO_ERROR_CODE: 'FRAGMENT_NOT_FOUND',
      AWS_KINESISVIDEO_ERROR_ID: '4000',
      AWS_KINESISVIDEO_FRAGMENT_NUMBER: missing,
    });
    // Numbers that are not this stream's fragment numbers (another stream's, or no fragment number at all).
    await expectError(
      archivedClient(url).send(
        new GetMediaForFragmentListCommand({ StreamName: 'cam1', Fragments: [numbers[0]!, '123'] }),
      ),
      'InvalidArgumentException',
      'Fragment numbers are invalid : 123',
      400,
    );
  });

  it('PutMedia over HTTP/2, ABSOLUTE timecodes, by ARN', async () => {
    const arn = await createStream('cam-h2');
    const epochMs = 1_750_000_000_000;
    const body = synthMkv({ clusters: clusters(2, 1000, epochMs) });
    const call = await (await import('./media-helpers.js')).openPutMedia(url, {
      arn,
      timecodeType: 'ABSOLUTE',
      http2: true,
    });
    assert.equal(call.status, 200);
    // The first fragment's acks arrive while the upload is still open.
    const firstPersisted = new Promise<Ack>((resolve) => call.onAck((a) => a.EventType === 'PERSISTED' && resolve(a)));
    const half = body.indexOf(
      Buffer.from([0x1f, 0x43, 0xb6, 0x75]),
      body.indexOf(Buffer.from([0x1f, 0x43, 0xb6, 0x75])) + 4,
    );
    call.write(body.subarray(0, half + 12));
    assert.equal((await firstPersisted).FragmentTimecode, epochMs);
    call.write(body.subarray(half + 12));
    call.end();
    const { acks } = await call.done;
    assert.equal(acks.filter((a) => a.EventType === 'PERSISTED').length, 2);
    const listed = await archivedClient(url).send(new ListFragmentsCommand({ StreamARN: arn }));
    assert.deepEqual(listed.Fragments!.map((f) => f.ProducerTimestamp!.getTime()).sort(), [epochMs, epochMs + 1000]);
  });

  it('answers each broken fragment with its ERROR ack and keeps the good ones', async () => {
    const good = clusters(1)[0]!;
    const cases: Array<{ name: string; clusters: SynthCluster[]; error: number; tags?: Map<number, Buffer> }> = [
      {
        name: 'no key frame first',
        clusters: [
          good,
          {
            timecode: 1000,
            blocks: [
              { track: 1, rel: 0, key: false },
              { track: 2, rel: 0, key: true },
            ],
          },
        ],
        error: 4006,
      },
      {
        name: 'timecode going back',
        clusters: [
          { ...good, timecode: 5000 },
          { ...good, timecode: 4000 },
        ],
        error: 4004,
      },
      {
        name: 'undeclared track',
        clusters: [good, { timecode: 1000, blocks: [...good.blocks, { track: 3, rel: 5, key: true }] }],
        error: 4010,
      },
      {
        name: 'declared track without frames',
        clusters: [good, { timecode: 1000, blocks: [{ track: 1, rel: 0, key: true }] }],
        error: 4011,
      },
      {
        name: 'fragment longer than 20 s',
        clusters: [
          good,
          {
            timecode: 1000,
            blocks: [
              { track: 1, rel: 0, key: true },
              { track: 2, rel: 0, key: true },
              { track: 1, rel: 25000, key: false },
            ],
          },
        ],
        error: 4002,
      },
      {
        name: 'metadata tag named AWS*',
        clusters: [good, { ...good, timecode: 1000 }],
        tags: new Map([[1, simpleTagsFixture([['AWS_RESERVED', 'x']])]]),
        error: 4009,
      },
    ];
    // One stream per case: PutMedia allows 5 calls per stream per second.
    for (const [i, c] of cases.entries()) {
      await createStream(`rules-${i}`);
      const body = synthMkv({
        clusters: [...c.clusters, { ...good, timecode: 30_000 }],
        ...(c.tags ? { between: c.tags } : {}),
      });
      const { status, acks } = await putMedia(url, body, { stream: `rules-${i}` });
      assert.equal(status, 200);
      const events = [...acksByFragment(acks).values()];
      assert.deepEqual(
        events,
        [
          ['BUFFERING', 'RECEIVED', 'PERSISTED'],
          ['BUFFERING', `ERROR:${c.error}`],
          ['BUFFERING', 'RECEIVED', 'PERSISTED'],
        ],
        c.name,
      );
      const error = acks.find((a) => a.EventType === 'ERROR')!;
      assert.equal(typeof error.ErrorCode, 'string', c.name);
    }
  });

  it('ends the upload on MKV garbage, more than 3 tracks or a track change; earlier fragments stay', async () => {
    await createStream('garbage');
    // The garbage lands inside the second (unknown-size) cluster, which can then never end: that fragment fails.
    const good = synthMkv({ clusters: clusters(2) });
    const { acks } = await putMedia(url, Buffer.concat([good, Buffer.from('this is not matroska at all')]), {
      stream: 'garbage',
    });
    assert.deepEqual(
      [...acksByFragment(acks).values()],
      [
        ['BUFFERING', 'RECEIVED', 'PERSISTED'],
        ['BUFFERING', 'ERROR:4006'],
      ],
    );
    assert.equal(acks.find((a) => a.EventType === 'ERROR')!.ErrorCode, 'INVALID_MKV_DATA');
    // Bytes that are not even an element header end the upload at once.
    const broken = await putMedia(
      url,
      Buffer.concat([synthMkv({ clusters: clusters(1) }).subarray(0, 200), Buffer.alloc(16)]),
      {
        stream: 'garbage',
      },
    );
    assert.equal(broken.acks.at(-1)!.ErrorId, 4006);
    const fourTracks = synthMkv({
      tracks: [...VIDEO_AUDIO, { number: 3, type: 2, codecId: 'A_AAC' }, { number: 4, type: 2, codecId: 'A_AAC' }],
      clusters: clusters(1),
    });
    const four = await putMedia(url, fourTracks, { stream: 'garbage' });
    assert.deepEqual(four.acks, [{ EventType: 'ERROR', ErrorCode: 'MORE_THAN_ALLOWED_TRACKS_FOUND', ErrorId: 4012 }]);
    // A Tracks element that changes the layout in the middle of the upload.
    const changed = synthMkv({
      clusters: clusters(2, 1000, 100_000),
      between: new Map([[1, tracksElement([{ number: 1, type: 1, codecId: 'V_MPEGH/ISO/HEVC' }, VIDEO_AUDIO[1]!])]]),
    });
    const change = await putMedia(url, changed, { stream: 'garbage' });
    assert.deepEqual(
      change.acks.filter((a) => a.EventType === 'ERROR').map((a) => a.ErrorCode),
      ['INVALID_MKV_DATA'],
    );
    const listed = await archivedClient(url).send(new ListFragmentsCommand({ StreamName: 'garbage' }));
    assert.equal(listed.Fragments!.length, 2);
  });

  it('HTTP errors before the acks: headers, unknown stream', async () => {
    await createStream('http-errors');
    const body = synthMkv({ clusters: clusters(1) });
    const missing = await putMedia(url, body, { stream: 'nope' });
    assert.equal(missing.status, 404);
    assert.match(missing.text, /ResourceNotFoundException|not found/);
    const both = await putMedia(url, body, {
      stream: 'http-errors',
      arn: 'arn:aws:kinesisvideo:us-east-1:000000000000:stream/x/1',
    });
    assert.equal(both.status, 400);
    const badType = await putMedia(url, body, { stream: 'http-errors', timecodeType: 'SOMETIMES' });
    assert.equal(badType.status, 400);
    assert.match(badType.text, /InvalidArgumentException/);
    const badStart = await putMedia(url, body, { stream: 'http-errors', producerStart: 'yesterday' });
    assert.equal(badStart.status, 400);
  });

  it('a second producer on the same stream is refused while the first uploads; the first goes on', async () => {
    await createStream('two');
    const body = synthMkv({ clusters: clusters(2) });
    const first = await openPutMedia(url, { stream: 'two' });
    const firstPersisted = new Promise<void>((r) => first.onAck((a) => a.EventType === 'PERSISTED' && r()));
    const cut = body.indexOf(
      Buffer.from([0x1f, 0x43, 0xb6, 0x75]),
      body.indexOf(Buffer.from([0x1f, 0x43, 0xb6, 0x75])) + 4,
    );
    first.write(body.subarray(0, cut + 12));
    await firstPersisted;
    // Kinesis Video Streams quotas: one PutMedia connection per stream, the latest one throttled.
    const second = await putMedia(url, synthMkv({ clusters: clusters(2, 1000, 10_000) }), { stream: 'two' });
    assert.equal(second.status, 400);
    assert.equal(second.acks.length, 0);
    const error = JSON.parse(second.text) as { __type?: string; Message?: string };
    assert.equal(error.__type, 'ConnectionLimitExceededException');
    assert.equal(
      error.Message,
      'Kinesis Video Streams has throttled the request because you have exceeded the limit of allowed client connections.',
    );
    first.write(body.subarray(cut + 12));
    first.end();
    const firstDone = await first.done;
    assert.equal(firstDone.acks.filter((a) => a.EventType === 'PERSISTED').length, 2);
    // Once the first upload ended, the stream takes a new one.
    const third = await putMedia(url, synthMkv({ clusters: clusters(2, 1000, 10_000) }), { stream: 'two' });
    assert.equal(third.status, 200, third.text);
    assert.equal(third.acks.filter((a) => a.EventType === 'PERSISTED').length, 2);
  });

  it('GetMedia: at most 3 connections per stream, the latest refused; GetMediaForFragmentList at most 5', async () => {
    await createStream('readers');
    const { acks } = await putMedia(url, synthMkv({ clusters: clusters(2) }), { stream: 'readers' });
    const numbers = [...acksByFragment(acks).keys()];
    const controllers = [0, 1, 2].map(() => new AbortController());
    const open = await Promise.all(
      controllers.map((c) =>
        mediaClient(url).send(
          new GetMediaCommand({ StreamName: 'readers', StartSelector: { StartSelectorType: 'EARLIEST' } }),
          { abortSignal: c.signal },
        ),
      ),
    );
    await expectError(
      mediaClient(url).send(
        new GetMediaCommand({ StreamName: 'readers', StartSelector: { StartSelectorType: 'EARLIEST' } }),
      ),
      'ConnectionLimitExceededException',
      'Kinesis Video Streams has throttled the request because you have exceeded the limit of allowed client connections.',
      400,
    );
    // A reader that goes away frees its connection.
    const first = open[0]!.Payload as AsyncIterable<Uint8Array>;
    await readUntil(
      first,
      (b) => countCompleteChunks(b) >= 1,
      () => controllers[0]!.abort(),
    );
    const again = new AbortController();
    const fourth = await waitFor(() =>
      mediaClient(url)
        .send(new GetMediaCommand({ StreamName: 'readers', StartSelector: { StartSelectorType: 'EARLIEST' } }), {
          abortSignal: again.signal,
        })
        .catch((e: Error) => {
          if (e.name !== 'ConnectionLimitExceededException') throw e;
          return undefined;
        }),
    );
    assert.equal(fourth.ContentType, 'video/webm');
    again.abort();
    for (const c of controllers) c.abort();
    // GetMediaForFragmentList: responses read to their end free their connections.
    for (let i = 0; i < 6; i++) {
      const got = await archivedClient(url).send(
        new GetMediaForFragmentListCommand({ StreamName: 'readers', Fragments: numbers }),
      );
      assert.equal(parseChunks(Buffer.from(await got.Payload!.transformToByteArray())).length, 2);
    }
  });

  it('GetMedia: every start selector, tags, and following the live stream', async () => {
    await createStream('live');
    const { acks } = await putMedia(url, synthMkv({ clusters: clusters(3) }), {
      stream: 'live',
      producerStart: '1700000000',
    });
    const numbers = [...acksByFragment(acks).keys()];
    const listed = await archivedClient(url).send(new ListFragmentsCommand({ StreamName: 'live' }));
    const serverMs = listed.Fragments!.map((f) => f.ServerTimestamp!.getTime()).sort();

    const read = async (selector: Record<string, unknown>, count: number) => {
      const controller = new AbortController();
      const out = await mediaClient(url).send(
        new GetMediaCommand({ StreamName: 'live', StartSelector: selector as never }),
        { abortSignal: controller.signal },
      );
      assert.equal(out.ContentType, 'video/webm');
      const bytes = await readUntil(
        out.Payload as AsyncIterable<Uint8Array>,
        (b) =>
          countCompleteChunks(b) >= count &&
          parseChunks(b).filter((c) => c.tags.AWS_KINESISVIDEO_CONTINUATION_TOKEN).length >= count,
        () => controller.abort(),
      );
      return parseChunks(bytes).map((c) => c.tags.AWS_KINESISVIDEO_FRAGMENT_NUMBER);
    };
    const safeParse = (sel: Record<string, unknown>, n: number) => read(sel, n).catch((e: Error) => assert.fail(e));
    assert.deepEqual((await safeParse({ StartSelectorType: 'EARLIEST' }, 3)).slice(0, 3), numbers);
    assert.deepEqual(
      (await safeParse({ StartSelectorType: 'FRAGMENT_NUMBER', AfterFragmentNumber: numbers[0] }, 2)).slice(0, 2),
      numbers.slice(1),
    );
    assert.deepEqual(
      (await safeParse({ StartSelectorType: 'CONTINUATION_TOKEN', ContinuationToken: numbers[1] }, 1)).slice(0, 1),
      [numbers[2]],
    );
    assert.deepEqual(
      (await safeParse({ StartSelectorType: 'PRODUCER_TIMESTAMP', StartTimestamp: new Date(1700000001500) }, 2)).slice(
        0,
        2,
      ),
      numbers.slice(1),
    );
    assert.deepEqual(
      (await safeParse({ StartSelectorType: 'SERVER_TIMESTAMP', StartTimestamp: new Date(serverMs[2]!) }, 1)).slice(
        0,
        1,
      ),
      [numbers[2]],
    );

    // NOW: only what arrives after the call, as it arrives.
    const controller = new AbortController();
    const out = await mediaClient(url).send(
      new GetMediaCommand({ StreamName: 'live', StartSelector: { StartSelectorType: 'NOW' } }),
      {
        abortSignal: controller.signal,
      },
    );
    const reading = readUntil(
      out.Payload as AsyncIterable<Uint8Array>,
      (b) =>
        countCompleteChunks(b) >= 2 &&
        parseChunks(b).filter((c) => c.tags.AWS_KINESISVIDEO_CONTINUATION_TOKEN).length >= 2,
      () => controller.abort(),
    );
    const more = await putMedia(url, synthMkv({ clusters: clusters(2, 1000, 60_000) }), { stream: 'live' });
    const liveNumbers = [...acksByFragment(more.acks).keys()];
    const chunks = parseChunks(await reading);
    assert.deepEqual(
      chunks.map((c) => c.tags.AWS_KINESISVIDEO_FRAGMENT_NUMBER),
      liveNumbers,
    );
    assert.match(chunks[0]!.tags.AWS_KINESISVIDEO_SERVER_TIMESTAMP!, /^\d{10}\.\d{3}$/);
    assert.match(chunks[0]!.tags.AWS_KINESISVIDEO_MILLIS_BEHIND_NOW!, /^\d+$/);

    // A fragment number of no fragment: an error chunk ends the payload.
    const bad = await mediaClient(url).send(
      new GetMediaCommand({
        StreamName: 'live',
        StartSelector: { StartSelectorType: 'FRAGMENT_NUMBER', AfterFragmentNumber: '123' },
      }),
    );
    const errorChunks = parseChunks(Buffer.from(await bad.Payload!.transformToByteArray()));
    assert.equal(errorChunks.length, 1);
    assert.equal(errorChunks[0]!.tags.AWS_KINESISVIDEO_ERROR_ID, '4000');
  });

  it('GetMedia and ListFragments errors through the SDK', async () => {
    await expectError(
      mediaClient(url).send(
        new GetMediaCommand({ StreamName: 'absent', StartSelector: { StartSelectorType: 'EARLIEST' } }),
      ),
      'ResourceNotFoundException',
    );
    await expectError(
      archivedClient(url).send(new ListFragmentsCommand({ StreamName: 'absent' })),
      'ResourceNotFoundException',
    );
    await createStream('sel');
    await expectError(
      mediaClient(url).send(
        new GetMediaCommand({ StreamName: 'sel', StartSelector: { StartSelectorType: 'FRAGMENT_NUMBER' } }),
      ),
      'InvalidArgumentException',
    );
  });

  it('a stream without retention: no PERSISTED, nothing archived, live readers still get the fragments', async () => {
    await createStream('ephemeral', 0);
    const controller = new AbortController();
    const out = await mediaClient(url).send(
      new GetMediaCommand({ StreamName: 'ephemeral', StartSelector: { StartSelectorType: 'NOW' } }),
      { abortSignal: controller.signal },
    );
    const reading = readUntil(
      out.Payload as AsyncIterable<Uint8Array>,
      (b) => parseChunks(b).filter((c) => c.tags.AWS_KINESISVIDEO_CONTINUATION_TOKEN).length >= 2,
      () => controller.abort(),
    );
    const { acks } = await putMedia(url, synthMkv({ clusters: clusters(2) }), { stream: 'ephemeral' });
    for (const events of acksByFragment(acks).values()) assert.deepEqual(events, ['BUFFERING', 'RECEIVED']);
    assert.equal(parseChunks(await reading).length, 2);
    const listed = await archivedClient(url).send(new ListFragmentsCommand({ StreamName: 'ephemeral' }));
    assert.deepEqual(listed.Fragments, []);
  });

  it('deleting a stream deletes its media', async () => {
    const arn = await createStream('gone');
    await putMedia(url, synthMkv({ clusters: clusters(1) }), { stream: 'gone' });
    await video().send(new DeleteStreamCommand({ StreamARN: arn }));
    // DELETING ends on the scheduler: create the name again once it is free.
    await waitFor(() => createStream('gone').catch(() => undefined));
    const listed = await archivedClient(url).send(new ListFragmentsCommand({ StreamName: 'gone' }));
    assert.deepEqual(listed.Fragments, []);
  });
});

describe('Kinesis Video PutMedia beyond the body cap', () => {
  it('an upload is not bounded by --max-body-bytes: only each fragment is', async () => {
    const t = await startTestServer({ maxBodyBytes: 1024 * 1024 });
    try {
      await videoClient(t.server.url).send(new CreateStreamCommand({ StreamName: 'long', DataRetentionInHours: 1 }));
      // 3 MB in one upload, in fragments of ~300 KB.
      const body = synthMkv({
        clusters: Array.from({ length: 10 }, (_, i) => ({
          timecode: i * 1000,
          unknownWidth: 8,
          blocks: [
            { track: 1, rel: 0, key: true, size: 300_000 },
            { track: 2, rel: 0, key: true },
          ],
        })),
      });
      assert.ok(body.length > 3 * 1024 * 1024 - 200_000);
      const { status, acks } = await putMedia(t.server.url, body, { stream: 'long' });
      assert.equal(status, 200);
      assert.equal(acks.filter((a) => a.EventType === 'PERSISTED').length, 10);
    } finally {
      await t.close();
    }
  });
});
