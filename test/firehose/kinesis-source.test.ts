/**
 * KinesisStreamAsSource end to end: two delivery streams read one Kinesis stream independently from TRIM_HORIZON,
 * across a SplitShard, and each delivers every record (within an object, each partition key in order) to its own bucket; PutRecord on
 * such a delivery stream is refused as AWS refuses it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  type FirehoseClient,
  PutRecordBatchCommand,
  PutRecordCommand,
  StartDeliveryStreamEncryptionCommand,
  StopDeliveryStreamEncryptionCommand,
} from '@aws-sdk/client-firehose';
import { CreateStreamCommand, PutRecordsCommand, SplitShardCommand } from '@aws-sdk/client-kinesis';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ROLE, firehoseClient, listObjects, waitFor } from './helpers.js';

let t: TestServer;
let fh: FirehoseClient;

before(async () => {
  t = await startTestServer();
  fh = firehoseClient(t.server.url);
});
after(async () => {
  fh.destroy();
  await t.close();
});

const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/src';

async function put(from: number, count: number): Promise<void> {
  const records = Array.from({ length: count }, (_, j) => {
    const i = from + j;
    return { PartitionKey: `k${i % 7}`, Data: Buffer.from(`k${i % 7}:${i}\n`) };
  });
  const out = await t.kinesis.send(new PutRecordsCommand({ StreamName: 'src', Records: records }));
  assert.equal(out.FailedRecordCount, 0);
}

describe('Kinesis stream as source', () => {
  it('several delivery streams each deliver every record, across a split', async () => {
    await t.kinesis.send(new CreateStreamCommand({ StreamName: 'src', ShardCount: 1 }));
    await put(0, 50); // before the delivery streams exist: read from TRIM_HORIZON
    for (const name of ['fromk1', 'fromk2']) {
      await fh.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: name,
          DeliveryStreamType: 'KinesisStreamAsSource',
          KinesisStreamSourceConfiguration: { KinesisStreamARN: STREAM_ARN, RoleARN: ROLE },
          ExtendedS3DestinationConfiguration: {
            RoleARN: ROLE,
            BucketARN: `arn:aws:s3:::${name}`,
            BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
          },
        }),
      );
    }
    const d = (await fh.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'fromk1' })))
      .DeliveryStreamDescription!;
    assert.equal(d.DeliveryStreamType, 'KinesisStreamAsSource');
    assert.equal(d.Source?.KinesisStreamSourceDescription?.KinesisStreamARN, STREAM_ARN);
    assert.ok(d.Source?.KinesisStreamSourceDescription?.DeliveryStartTimestamp instanceof Date);

    await put(50, 50);
    await t.kinesis.send(
      new SplitShardCommand({
        StreamName: 'src',
        ShardToSplit: 'shardId-000000000000',
        NewStartingHashKey: (2n ** 127n).toString(),
      }),
    );
    await put(100, 100);

    for (const name of ['fromk1', 'fromk2']) {
      const objs = await waitFor(async () => {
        const o = await listObjects(join(t.dataDir, 's3', name));
        const lines = [...o.values()].flatMap((b) => b.toString().split('\n').filter(Boolean));
        return new Set(lines).size >= 200 ? [...o.values()] : undefined;
      });
      const lines = objs.flatMap((b) => b.toString().split('\n').filter(Boolean));
      assert.deepEqual([...new Set(lines)].sort(), Array.from({ length: 200 }, (_, i) => `k${i % 7}:${i}`).sort());
      // Within each object, the records of one partition key are in stream order.
      for (const body of objs) {
        const byKey = new Map<string, number[]>();
        for (const line of body.toString().split('\n').filter(Boolean)) {
          const [k, n] = line.split(':');
          byKey.set(k!, [...(byKey.get(k!) ?? []), Number(n)]);
        }
        for (const seq of byKey.values())
          assert.deepEqual(
            seq,
            [...seq].sort((a, b) => a - b),
          );
      }
    }
  });

  it('refuses PutRecord and PutRecordBatch on a KinesisStreamAsSource delivery stream', async () => {
    const message = 'This operation is not permitted on KinesisStreamAsSource delivery stream type.';
    await assert.rejects(
      fh.send(new PutRecordCommand({ DeliveryStreamName: 'fromk1', Record: { Data: Buffer.from('x') } })),
      {
        name: 'InvalidArgumentException',
        message,
      },
    );
    await assert.rejects(
      fh.send(new PutRecordBatchCommand({ DeliveryStreamName: 'fromk1', Records: [{ Data: Buffer.from('x') }] })),
      { name: 'InvalidArgumentException', message },
    );
  });

  it('refuses Start/StopDeliveryStreamEncryption on a KinesisStreamAsSource delivery stream', async () => {
    const refused = { name: 'InvalidArgumentException' };
    await assert.rejects(
      fh.send(
        new StartDeliveryStreamEncryptionCommand({
          DeliveryStreamName: 'fromk1',
          DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' },
        }),
      ),
      refused,
    );
    await assert.rejects(fh.send(new StopDeliveryStreamEncryptionCommand({ DeliveryStreamName: 'fromk1' })), refused);
    const d = (await fh.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'fromk1' })))
      .DeliveryStreamDescription!;
    assert.deepEqual(d.DeliveryStreamEncryptionConfiguration, { Status: 'DISABLED' });
  });
});
