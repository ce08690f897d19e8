/**
 * The per-stream reader connection limits end to end through the AWS SDK v3 clients (Kinesis Video Streams quotas,
 * "Data plane API service quotas"; ADR 0041 rule 3): five GetMediaForFragmentList responses and three GetMedia
 * responses stay open at once on one stream, the next one of each is refused with the error AWS documents for it,
 * and a reader that goes away frees its connection for a new one.
 *
 * A connection is held while its response streams. The GetMediaForFragmentList responses here list a thousand
 * fragments of a quarter megabyte (the stored fragments in turn), far more than the sockets buffer, so a response
 * that is not read stays open on the server; GetMedia follows the live stream and never ends by itself.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  GetMediaForFragmentListCommand,
  type KinesisVideoArchivedMediaClient,
} from '@aws-sdk/client-kinesis-video-archived-media';
import { CreateStreamCommand } from '@aws-sdk/client-kinesis-video';
import { GetMediaCommand, type KinesisVideoMediaClient } from '@aws-sdk/client-kinesis-video-media';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { type SynthCluster, synthMkv } from './fixtures.js';
import { expectError, videoClient, waitFor } from './helpers.js';
import {
  acksByFragment,
  archivedClient,
  countCompleteChunks,
  mediaClient,
  parseChunks,
  putMedia,
} from './media-helpers.js';

/** ConnectionLimitExceededException's text (kinesis-video-media model documentation, GetMedia). */
const CONNECTION_LIMIT =
  'Kinesis Video Streams has throttled the request because you have exceeded the limit of allowed client connections.';
/** ClientLimitExceededException's text (kinesis-video-archived-media model documentation). */
const CLIENT_LIMIT =
  'Kinesis Video Streams has throttled the request because you have exceeded a limit. Try making the call later.';

/** One-second clusters of 25 video frames of 10 KB (a 2 Mbit/s camera) plus one audio block. */
function clusters(count: number): SynthCluster[] {
  return Array.from({ length: count }, (_, i) => ({
    timecode: i * 1000,
    unknownWidth: 8,
    blocks: [
      ...Array.from({ length: 25 }, (_, f) => ({ track: 1, rel: f * 40, key: f === 0, size: 10_000 })),
      { track: 2, rel: 3, key: true, size: 50 },
    ],
  }));
}

/** An open streaming response: its first complete fragment chunk has arrived, the rest is left unread. */
interface OpenReader {
  readonly first: Buffer;
  readonly close: () => void;
}

/** Reads `payload` until its first complete fragment chunk, leaving the response open. */
async function firstChunk(payload: AsyncIterable<Uint8Array>, controller: AbortController): Promise<OpenReader> {
  const iterator = payload[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  while (countCompleteChunks(Buffer.concat(parts)) === 0) {
    const next = await iterator.next();
    assert.ok(!next.done, 'the response ended before its first fragment');
    parts.push(Buffer.from(next.value));
  }
  // Keep the first chunk only: the next one starts with its own EBML header.
  const bytes = Buffer.concat(parts);
  const next = bytes.indexOf(EBML_MAGIC, 1);
  return { first: next < 0 ? bytes : bytes.subarray(0, next), close: () => controller.abort() };
}

/** The EBML header's element id, which starts every chunk. */
const EBML_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);

/** The fragment number a chunk names. */
function fragmentOf(chunk: Buffer): string | undefined {
  const chunks = parseChunks(chunk);
  assert.equal(chunks.length, 1);
  return chunks[0]!.tags.AWS_KINESISVIDEO_FRAGMENT_NUMBER;
}

describe('Kinesis Video reader connection limits', () => {
  let t: TestServer;
  let url: string;
  const archivedClients: KinesisVideoArchivedMediaClient[] = [];
  const mediaClients: KinesisVideoMediaClient[] = [];
  const archived = (): KinesisVideoArchivedMediaClient => {
    const c = archivedClient(url);
    archivedClients.push(c);
    return c;
  };
  const media = (): KinesisVideoMediaClient => {
    const c = mediaClient(url);
    mediaClients.push(c);
    return c;
  };
  let fragments: string[] = [];

  before(async () => {
    t = await startTestServer();
    url = t.server.url;
    await videoClient(url).send(new CreateStreamCommand({ StreamName: 'readers', DataRetentionInHours: 1 }));
    const { status, acks } = await putMedia(url, synthMkv({ clusters: clusters(4) }), { stream: 'readers' });
    assert.equal(status, 200);
    const byFragment = acksByFragment(acks);
    for (const events of byFragment.values()) assert.deepEqual(events, ['BUFFERING', 'RECEIVED', 'PERSISTED']);
    fragments = [...byFragment.keys()];
    assert.equal(fragments.length, 4);
  });
  after(async () => {
    for (const c of [...archivedClients, ...mediaClients]) c.destroy();
    await t.close();
  });

  /** A GetMediaForFragmentList request for a thousand fragments (the stored four in turn). */
  const longList = (): GetMediaForFragmentListCommand =>
    new GetMediaForFragmentListCommand({
      StreamName: 'readers',
      Fragments: Array.from({ length: 1000 }, (_, i) => fragments[i % fragments.length]!),
    });

  async function openFragmentList(): Promise<OpenReader> {
    const controller = new AbortController();
    const out = await archived().send(longList(), { abortSignal: controller.signal });
    return firstChunk(out.Payload as AsyncIterable<Uint8Array>, controller);
  }

  async function openGetMedia(): Promise<OpenReader> {
    const controller = new AbortController();
    const out = await media().send(
      new GetMediaCommand({ StreamName: 'readers', StartSelector: { StartSelectorType: 'EARLIEST' } }),
      { abortSignal: controller.signal },
    );
    assert.equal(out.ContentType, 'video/webm');
    return firstChunk(out.Payload as AsyncIterable<Uint8Array>, controller);
  }

  /** Retries `open` while the server still counts the connection just closed (it learns of it from the socket). */
  function openOnceFreed(open: () => Promise<OpenReader>, refusal: string): Promise<OpenReader> {
    return waitFor(() =>
      open().catch((e: Error) => {
        if (e.name !== refusal) throw e;
        return undefined;
      }),
    );
  }

  it('GetMediaForFragmentList: five responses stream at once, the sixth is refused, a closed one frees a place', async () => {
    const open = await Promise.all(Array.from({ length: 5 }, () => openFragmentList()));
    for (const reader of open) {
      assert.equal(fragmentOf(reader.first), fragments[0]);
    }
    await expectError(archived().send(longList()), 'ClientLimitExceededException', CLIENT_LIMIT, 400);
    // GetMedia counts its connections apart from GetMediaForFragmentList's.
    const live = await openGetMedia();

    open[2]!.close();
    const replacement = await openOnceFreed(openFragmentList, 'ClientLimitExceededException');
    assert.equal(fragmentOf(replacement.first), fragments[0]);
    // The place was taken again: the limit still holds.
    await expectError(archived().send(longList()), 'ClientLimitExceededException', CLIENT_LIMIT, 400);
    for (const reader of [...open, replacement, live]) reader.close();
  });

  it('GetMedia: three responses follow the stream at once, the fourth is refused, a closed one frees a place', async () => {
    // The previous test's GetMedia reader may still be counted until the server sees its socket close.
    const open = await Promise.all(
      Array.from({ length: 3 }, () => openOnceFreed(openGetMedia, 'ConnectionLimitExceededException')),
    );
    for (const reader of open) {
      assert.equal(fragmentOf(reader.first), fragments[0]);
    }
    await expectError(
      media().send(new GetMediaCommand({ StreamName: 'readers', StartSelector: { StartSelectorType: 'EARLIEST' } })),
      'ConnectionLimitExceededException',
      CONNECTION_LIMIT,
      400,
    );
    open[0]!.close();
    const replacement = await openOnceFreed(openGetMedia, 'ConnectionLimitExceededException');
    assert.equal(fragmentOf(replacement.first), fragments[0]);
    await expectError(
      media().send(new GetMediaCommand({ StreamName: 'readers', StartSelector: { StartSelectorType: 'EARLIEST' } })),
      'ConnectionLimitExceededException',
      CONNECTION_LIMIT,
      400,
    );
    for (const reader of [...open, replacement]) reader.close();
  });
});
