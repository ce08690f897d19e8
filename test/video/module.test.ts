/**
 * The Kinesis Video module as the server mounts it: `kinesisvideo:<Operation>` authorized on stream ARNs that
 * carry the creation time (an explicit deny on one stream's ARN), the 1 MiB body cap of control-plane routes,
 * CREATING that lasts until its timer, the catalogue across a restart, and its error table in the catalogue.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  KinesisVideoClient,
  ListStreamsCommand,
  TagStreamCommand,
  UpdateStreamCommand,
} from '@aws-sdk/client-kinesis-video';
import { renderErrorCatalogue } from '../../src/server/index.js';
import { VideoErrors } from '../../src/video/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { expectError, videoClient } from './helpers.js';

const ACCOUNT = '111111111111';
const USER = { accessKeyId: 'AKIAVIDEOTEST00001', secretAccessKey: 'video-secret' };

describe('authorization', () => {
  let t: TestServer;
  let kv: KinesisVideoClient;

  before(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-video-auth-'));
    const file = join(dir, 'auth.json');
    await writeFile(
      file,
      JSON.stringify({
        principals: [
          {
            name: 'camera-admin',
            accountId: ACCOUNT,
            accessKeys: [USER],
            policies: [
              {
                Statement: [
                  { Effect: 'Allow', Action: 'kinesisvideo:*', Resource: '*' },
                  {
                    Effect: 'Deny',
                    Action: ['kinesisvideo:DescribeStream', 'kinesisvideo:TagStream'],
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
    kv = new KinesisVideoClient({ endpoint: t.server.url, region: 'us-east-1', credentials: USER, maxAttempts: 1 });
  });
  after(async () => {
    kv.destroy();
    await t.close();
  });

  it('denies by the stream ARN with its creation time, whether the request names the stream or its ARN', async () => {
    const { StreamARN } = await kv.send(new CreateStreamCommand({ StreamName: 'secret' }));
    assert.match(StreamARN ?? '', new RegExp(`^arn:aws:kinesisvideo:us-east-1:${ACCOUNT}:stream/secret/\\d+$`));
    for (const input of [{ StreamName: 'secret' }, { StreamARN }]) {
      await expectError(
        kv.send(new DescribeStreamCommand(input)),
        'AccessDeniedException',
        new RegExp(`not authorized to perform: kinesisvideo:DescribeStream on resource: ${StreamARN} `),
        403,
      );
    }
    await expectError(kv.send(new TagStreamCommand({ StreamARN, Tags: { a: 'b' } })), 'AccessDeniedException');
    // Other actions and other streams stay allowed.
    await kv.send(new CreateStreamCommand({ StreamName: 'open' }));
    const { StreamInfo } = await kv.send(new DescribeStreamCommand({ StreamName: 'open' }));
    assert.equal(StreamInfo?.StreamName, 'open');
    const names = (await kv.send(new ListStreamsCommand({}))).StreamInfoList?.map((s) => s.StreamName);
    assert.deepEqual(names, ['open', 'secret']);
  });

  it('caps control-plane bodies at 1 MiB (413 before the handler runs)', async () => {
    await assert.rejects(
      kv.send(new CreateStreamCommand({ StreamName: 'big', DeviceName: 'x'.repeat(1_100_000) })),
      (e: Error & { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode === 413,
    );
  });
});

describe('statuses and persistence', () => {
  it('keeps a stream CREATING until its timer, refusing updates meanwhile, and keeps the catalogue across a restart', async () => {
    const t = await startTestServer({ videoCreateMs: 3_600_000 });
    let kv = videoClient(t.server.url);
    try {
      const { StreamARN } = await kv.send(
        new CreateStreamCommand({ StreamName: 'slow', Tags: { owner: 'me' }, DataRetentionInHours: 2 }),
      );
      const { StreamInfo } = await kv.send(new DescribeStreamCommand({ StreamARN }));
      assert.equal(StreamInfo?.Status, 'CREATING');
      await expectError(
        kv.send(new UpdateStreamCommand({ StreamARN, CurrentVersion: StreamInfo?.Version, DeviceName: 'd' })),
        'ResourceInUseException',
      );
      kv.destroy();
      await t.close(false);
      const again = await startTestServer({ videoCreateMs: 3_600_000 }, t.dataDir);
      kv = videoClient(again.server.url);
      try {
        const after = await kv.send(new DescribeStreamCommand({ StreamName: 'slow' }));
        assert.deepEqual(after.StreamInfo, StreamInfo);
      } finally {
        kv.destroy();
        await again.close();
      }
    } finally {
      kv.destroy();
    }
  });
});

describe('the error catalogue', () => {
  it('lists the Kinesis Video error table with AWS’s statuses', () => {
    const text = renderErrorCatalogue([
      { name: 'kinesisvideo', title: 'Amazon Kinesis Video Streams', errors: VideoErrors, close: async () => {} },
    ]);
    assert.match(text, /## Amazon Kinesis Video Streams\n/);
    assert.match(text, /`ResourceNotFoundException` \| 404 \| no/);
    assert.match(text, /`NotAuthorizedException` \| 403 \| no/);
    assert.match(text, /`AccessDeniedException` \| 403 \| no/);
    assert.match(text, /`ClientLimitExceededException` \| 400 \| yes/);
  });
});
