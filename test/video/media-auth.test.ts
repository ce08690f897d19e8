/**
 * The media plane in enforce mode: PutMedia, GetMedia, ListFragments and GetMediaForFragmentList are verified SigV4
 * requests signed for `kinesisvideo`, authorized as `kinesisvideo:<Operation>` on the stream's ARN with its creation
 * time, whether the request names the stream by name or by ARN (PutMedia in its headers, the others in the body).
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateStreamCommand, DescribeStreamCommand, KinesisVideoClient } from '@aws-sdk/client-kinesis-video';
import {
  GetMediaForFragmentListCommand,
  KinesisVideoArchivedMediaClient,
  ListFragmentsCommand,
} from '@aws-sdk/client-kinesis-video-archived-media';
import { GetMediaCommand, KinesisVideoMediaClient } from '@aws-sdk/client-kinesis-video-media';
import { signRaw } from '../auth/sign.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { synthMkv } from './fixtures.js';
import { expectError, waitFor } from './helpers.js';
import { parseChunks, putMedia } from './media-helpers.js';

const ACCOUNT = '111111111111';
const USER = { accessKeyId: 'AKIAVIDEOMEDIA00001', secretAccessKey: 'video-media-secret' };
const MEDIA_ACTIONS = [
  'kinesisvideo:PutMedia',
  'kinesisvideo:GetMedia',
  'kinesisvideo:ListFragments',
  'kinesisvideo:GetMediaForFragmentList',
];

const BODY = synthMkv({
  clusters: [0, 1000].map((timecode) => ({
    timecode,
    unknownWidth: 8 as const,
    blocks: [
      { track: 1, rel: 0, key: true, size: 500 },
      { track: 2, rel: 0, key: true },
    ],
  })),
});

describe('media plane authorization (enforce mode)', () => {
  let t: TestServer;
  let host: string;
  let kv: KinesisVideoClient;
  let media: KinesisVideoMediaClient;
  let archived: KinesisVideoArchivedMediaClient;
  const arns: Record<string, string> = {};

  before(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-video-media-auth-'));
    const file = join(dir, 'auth.json');
    await writeFile(
      file,
      JSON.stringify({
        principals: [
          {
            name: 'camera',
            accountId: ACCOUNT,
            accessKeys: [USER],
            policies: [
              {
                Statement: [
                  { Effect: 'Allow', Action: 'kinesisvideo:*', Resource: '*' },
                  {
                    Effect: 'Deny',
                    Action: MEDIA_ACTIONS,
                    Resource: `arn:aws:kinesisvideo:us-east-1:${ACCOUNT}:stream/secret/*`,
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    t = await startTestServer({ authConfig: file }, dir);
    host = new URL(t.server.url).host;
    const options = { endpoint: t.server.url, region: 'us-east-1', credentials: USER, maxAttempts: 1 };
    kv = new KinesisVideoClient(options);
    media = new KinesisVideoMediaClient(options);
    archived = new KinesisVideoArchivedMediaClient(options);
    for (const name of ['secret', 'open']) {
      arns[name] = (await kv.send(new CreateStreamCommand({ StreamName: name, DataRetentionInHours: 1 }))).StreamARN!;
      await waitFor(async () => {
        const { StreamInfo } = await kv.send(new DescribeStreamCommand({ StreamName: name }));
        return StreamInfo?.Status === 'ACTIVE' ? true : undefined;
      });
    }
  });
  after(async () => {
    kv.destroy();
    media.destroy();
    archived.destroy();
    await t.close();
  });

  /** A PutMedia upload signed with SigV4 for `service` (the body unsigned, as streaming producers send it). */
  async function signedPutMedia(stream: { name?: string; arn?: string }, service = 'kinesisvideo') {
    const headers: Record<string, string> = {
      'x-amzn-fragment-timecode-type': 'RELATIVE',
      'x-amzn-producer-start-timestamp': '1700000000.000',
      'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
    };
    if (stream.name !== undefined) headers['x-amzn-stream-name'] = stream.name;
    if (stream.arn !== undefined) headers['x-amzn-stream-arn'] = stream.arn;
    const signed = await signRaw(USER, { host, path: '/putMedia', headers, body: '', service });
    return putMedia(t.server.url, BODY, {
      ...(stream.name !== undefined ? { stream: stream.name } : {}),
      ...(stream.arn !== undefined ? { arn: stream.arn } : {}),
      extraHeaders: signed.headers,
    });
  }

  it('PutMedia is authorized on the stream ARN named in its headers, by name or by ARN', async () => {
    for (const stream of [{ name: 'secret' }, { arn: arns.secret! }]) {
      const denied = await signedPutMedia(stream);
      // AWS answers an IAM denial on Kinesis Video with 403 and a `Message` member (src/video/errors.ts).
      assert.equal(denied.status, 403, denied.text);
      assert.equal(denied.acks.length, 0);
      const error = JSON.parse(denied.text) as { __type?: string; Message?: string };
      assert.equal(error.__type, 'AccessDeniedException');
      assert.match(
        error.Message ?? '',
        new RegExp(`not authorized to perform: kinesisvideo:PutMedia on resource: ${arns.secret} `),
      );
    }
    const put = await signedPutMedia({ name: 'open' });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.acks.filter((a) => a.EventType === 'PERSISTED').length, 2, put.text);
    const byArn = await signedPutMedia({ arn: arns.open! });
    assert.equal(byArn.status, 200, byArn.text);
  });

  it('PutMedia signed for another service is refused', async () => {
    const wrong = await signedPutMedia({ name: 'open' }, 'kinesis');
    assert.ok(wrong.status >= 400 && wrong.status < 500, `${wrong.status} ${wrong.text}`);
    assert.equal(wrong.acks.length, 0);
  });

  it('GetMedia, ListFragments and GetMediaForFragmentList are authorized on the stream ARN, by name or by ARN', async () => {
    for (const ref of [{ StreamName: 'secret' }, { StreamARN: arns.secret! }]) {
      await expectError(
        media.send(new GetMediaCommand({ ...ref, StartSelector: { StartSelectorType: 'EARLIEST' } })),
        'AccessDeniedException',
        new RegExp(`kinesisvideo:GetMedia on resource: ${arns.secret} `),
        403,
      );
      await expectError(
        archived.send(new ListFragmentsCommand(ref)),
        'AccessDeniedException',
        new RegExp(`kinesisvideo:ListFragments on resource: ${arns.secret} `),
        403,
      );
      await expectError(
        archived.send(new GetMediaForFragmentListCommand({ ...ref, Fragments: ['1'] })),
        'AccessDeniedException',
        new RegExp(`kinesisvideo:GetMediaForFragmentList on resource: ${arns.secret} `),
        403,
      );
    }
    // The other stream stays readable, by name and by ARN.
    const listed = await archived.send(new ListFragmentsCommand({ StreamARN: arns.open! }));
    const numbers = (listed.Fragments ?? []).map((f) => f.FragmentNumber!).sort();
    assert.ok(numbers.length >= 2, JSON.stringify(listed.Fragments));
    const got = await archived.send(
      new GetMediaForFragmentListCommand({ StreamName: 'open', Fragments: numbers.slice(0, 2) }),
    );
    const chunks = parseChunks(Buffer.from(await got.Payload!.transformToByteArray()));
    assert.deepEqual(
      chunks.map((c) => c.tags.AWS_KINESISVIDEO_FRAGMENT_NUMBER),
      numbers.slice(0, 2),
    );
  });
});
