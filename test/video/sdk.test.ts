/**
 * Kinesis Video Streams control plane through the AWS SDK v3 (`@aws-sdk/client-kinesis-video`) against a real
 * server: streams (create, describe, list with paging and name condition, delete with version), their errors and
 * statuses.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamCommand,
  type KinesisVideoClient,
  ListStreamsCommand,
} from '@aws-sdk/client-kinesis-video';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { expectError, videoClient, waitFor } from './helpers.js';

const NOT_FOUND = 'The requested stream is not found or not active.';

let t: TestServer;
let kv: KinesisVideoClient;

before(async () => {
  t = await startTestServer();
  kv = videoClient(t.server.url);
});
after(async () => {
  kv.destroy();
  await t.close();
});

describe('streams', () => {
  it('creates a stream with an ARN that ends in its creation time, and describes it', async () => {
    const before = Date.now();
    const { StreamARN } = await kv.send(
      new CreateStreamCommand({
        StreamName: 'cam-1',
        DeviceName: 'door',
        MediaType: 'video/h264',
        DataRetentionInHours: 24,
      }),
    );
    const m = /^arn:aws:kinesisvideo:us-east-1:000000000000:stream\/cam-1\/(\d+)$/.exec(StreamARN ?? '');
    assert.ok(m, StreamARN);
    assert.ok(Number(m[1]) >= before);
    const info = await waitFor(async () => {
      const { StreamInfo } = await kv.send(new DescribeStreamCommand({ StreamName: 'cam-1' }));
      return StreamInfo?.Status === 'ACTIVE' ? StreamInfo : undefined;
    });
    assert.equal(info.StreamARN, StreamARN);
    assert.equal(info.DeviceName, 'door');
    assert.equal(info.MediaType, 'video/h264');
    assert.equal(info.DataRetentionInHours, 24);
    assert.equal(info.KmsKeyId, 'arn:aws:kms:us-east-1:000000000000:alias/aws/kinesisvideo');
    assert.match(info.Version ?? '', /^[a-zA-Z0-9]{20}$/);
    assert.equal(info.CreationTime?.getTime(), Number(m[1]));
    const byArn = await kv.send(new DescribeStreamCommand({ StreamARN }));
    assert.deepEqual(byArn.StreamInfo, info);
  });

  it('refuses a second stream of the same name', async () => {
    await kv.send(new CreateStreamCommand({ StreamName: 'dup' }));
    await expectError(kv.send(new CreateStreamCommand({ StreamName: 'dup' })), 'ResourceInUseException');
  });

  it('answers ResourceNotFoundException (404) with AWS text for a missing stream', async () => {
    await assert.rejects(
      kv.send(new DescribeStreamCommand({ StreamName: 'nope' })),
      (e: Error & { $metadata: { httpStatusCode?: number } }) => {
        assert.equal(e.name, 'ResourceNotFoundException');
        assert.equal(e.message, NOT_FOUND);
        assert.equal(e.$metadata.httpStatusCode, 404);
        return true;
      },
    );
  });

  it('validates names against the model with InvalidArgumentException', async () => {
    await expectError(
      kv.send(new CreateStreamCommand({ StreamName: 'bad name!' })),
      'InvalidArgumentException',
      /1 validation error detected: Value 'bad name!' at 'streamName' failed to satisfy constraint/,
    );
  });

  it('lists streams in name order with paging and a BEGINS_WITH condition', async () => {
    for (const n of ['list-c', 'list-a', 'list-b']) await kv.send(new CreateStreamCommand({ StreamName: n }));
    const first = await kv.send(
      new ListStreamsCommand({
        MaxResults: 2,
        StreamNameCondition: { ComparisonOperator: 'BEGINS_WITH', ComparisonValue: 'list-' },
      }),
    );
    assert.deepEqual(
      first.StreamInfoList?.map((s) => s.StreamName),
      ['list-a', 'list-b'],
    );
    assert.ok(first.NextToken);
    const second = await kv.send(
      new ListStreamsCommand({
        MaxResults: 2,
        NextToken: first.NextToken,
        StreamNameCondition: { ComparisonOperator: 'BEGINS_WITH', ComparisonValue: 'list-' },
      }),
    );
    assert.deepEqual(
      second.StreamInfoList?.map((s) => s.StreamName),
      ['list-c'],
    );
    assert.equal(second.NextToken, undefined);
    const all = await kv.send(new ListStreamsCommand({}));
    assert.ok((all.StreamInfoList ?? []).length >= 3);
  });

  it('deletes a stream only at its current version, then it is gone', async () => {
    const { StreamARN } = await kv.send(new CreateStreamCommand({ StreamName: 'to-delete' }));
    await expectError(
      kv.send(new DeleteStreamCommand({ StreamARN, CurrentVersion: 'stale' })),
      'VersionMismatchException',
    );
    const { StreamInfo } = await kv.send(new DescribeStreamCommand({ StreamARN }));
    await kv.send(new DeleteStreamCommand({ StreamARN, CurrentVersion: StreamInfo?.Version }));
    await expectError(kv.send(new DeleteStreamCommand({ StreamARN })), 'ResourceNotFoundException', NOT_FOUND);
    await waitFor(async () => {
      try {
        await kv.send(new DescribeStreamCommand({ StreamName: 'to-delete' }));
        return undefined;
      } catch (e) {
        return (e as Error).name === 'ResourceNotFoundException' ? true : undefined;
      }
    });
    // The name is free again; the new stream is another incarnation with another ARN.
    const again = await kv.send(new CreateStreamCommand({ StreamName: 'to-delete' }));
    assert.notEqual(again.StreamARN, StreamARN);
  });
});
