/**
 * The Firehose module as the server mounts it: IAM action and `deliverystream/<name>` resource from the operation
 * traits, the 1 MiB body cap of control-plane operations against the full cap of PutRecordBatch, and its error
 * table in the catalogue.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  FirehoseClient,
  PutRecordBatchCommand,
} from '@aws-sdk/client-firehose';
import { FirehoseErrors, firehoseModel } from '../../src/firehose/index.js';
import { renderErrorCatalogue } from '../../src/server/index.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ROLE } from './helpers.js';

const ACCOUNT = '111111111111';
const USER = { accessKeyId: 'AKIAFIREHOSE00001', secretAccessKey: 'firehose-secret' };

let t: TestServer;
let fh: FirehoseClient;

before(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'trib-fh-auth-'));
  const file = join(dir, 'auth.json');
  await writeFile(
    file,
    JSON.stringify({
      principals: [
        {
          name: 'producer',
          accountId: ACCOUNT,
          accessKeys: [USER],
          policies: [
            {
              Statement: [
                {
                  Effect: 'Allow',
                  Action: ['firehose:CreateDeliveryStream', 'firehose:PutRecordBatch'],
                  Resource: `arn:aws:firehose:us-east-1:${ACCOUNT}:deliverystream/allowed`,
                },
              ],
            },
          ],
        },
      ],
    }),
  );
  t = await startTestServer({ authConfig: file }, dir);
  fh = new FirehoseClient({ endpoint: t.server.url, region: 'us-east-1', credentials: USER, maxAttempts: 1 });
});
after(async () => {
  fh.destroy();
  await t.close();
});

describe('the Firehose module', () => {
  it('authorizes firehose:<Operation> on the delivery stream ARN', async () => {
    await fh.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'allowed',
        ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: 'arn:aws:s3:::b' },
      }),
    );
    await assert.rejects(fh.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'allowed' })), (e: Error) => {
      assert.equal(e.name, 'AccessDeniedException');
      assert.match(
        e.message,
        /not authorized to perform: firehose:DescribeDeliveryStream on resource: arn:aws:firehose:us-east-1:111111111111:deliverystream\/allowed /,
      );
      return true;
    });
  });

  it('lets PutRecordBatch use the full body cap and caps control-plane bodies at 1 MiB', async () => {
    // 3 MiB of records (4 MiB in base64): above 1 MiB, below the 16 MiB cap.
    const records = Array.from({ length: 3 }, () => ({ Data: Buffer.alloc(1_000_000, 1) }));
    const out = await fh.send(new PutRecordBatchCommand({ DeliveryStreamName: 'allowed', Records: records }));
    assert.equal(out.FailedPutCount, 0);
    await assert.rejects(
      fh.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: 'allowed',
          ExtendedS3DestinationConfiguration: {
            RoleARN: ROLE,
            BucketARN: 'arn:aws:s3:::b',
            Prefix: 'x'.repeat(1_100_000),
          },
        }),
      ),
      (e: Error & { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode === 413,
    );
  });

  it('lists its error table in the catalogue', () => {
    const text = renderErrorCatalogue([
      {
        name: 'firehose',
        title: 'Amazon Data Firehose',
        definition: {
          name: 'firehose',
          targetPrefix: 'Firehose_20150804',
          model: firehoseModel,
          errors: FirehoseErrors,
          operations: {},
        },
        close: async () => {},
      },
    ]);
    assert.match(text, /## Amazon Data Firehose\n/);
    assert.match(text, /`ConcurrentModificationException` \| 400 \| no/);
    assert.match(text, /`ServiceUnavailableException` \| 400 \| yes/);
  });
});
