/**
 * A Firehose delivery stream as an application output: rows go through the Firehose module's PutRecordBatch into
 * its durable buffer and on to the S3 destination (the embedded `<data-dir>/s3` directory here).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateDeliveryStreamCommand, type FirehoseClient } from '@aws-sdk/client-firehose';
import { CreateStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import {
  CreateApplicationCommand,
  type KinesisAnalyticsV2Client,
  StartApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { firehoseClient, listObjects, waitFor } from '../firehose/helpers.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { PASS_THROUGH_SQL, ROLE, TICKER_SCHEMA, analyticsV2Client, streamArn } from './api-helpers.js';

let t: TestServer;
let ka: KinesisAnalyticsV2Client;
let fh: FirehoseClient;

before(async () => {
  t = await startTestServer({ analyticsTransitionMs: 0 });
  ka = analyticsV2Client(t.server.url);
  fh = firehoseClient(t.server.url);
});
after(async () => {
  ka.destroy();
  fh.destroy();
  await t.close();
});

describe('Firehose outputs', () => {
  it('deliver application rows to the delivery stream and on to S3', async () => {
    await fh.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'rows',
        ExtendedS3DestinationConfiguration: {
          RoleARN: ROLE,
          BucketARN: 'arn:aws:s3:::lake',
          BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
        },
      }),
    );
    await t.kinesis.send(new CreateStreamCommand({ StreamName: 'quotes', ShardCount: 1 }));
    await ka.send(
      new CreateApplicationCommand({
        ApplicationName: 'to-firehose',
        RuntimeEnvironment: 'SQL-1_0',
        ServiceExecutionRole: ROLE,
        ApplicationConfiguration: {
          SqlApplicationConfiguration: {
            Inputs: [
              {
                NamePrefix: 'SOURCE_SQL_STREAM',
                KinesisStreamsInput: { ResourceARN: streamArn('quotes') },
                InputSchema: TICKER_SCHEMA,
              },
            ],
            Outputs: [
              {
                Name: 'DESTINATION_SQL_STREAM',
                KinesisFirehoseOutput: { ResourceARN: 'arn:aws:firehose:us-east-1:000000000000:deliverystream/rows' },
                DestinationSchema: { RecordFormatType: 'CSV' },
              },
            ],
          },
          ApplicationCodeConfiguration: {
            CodeContentType: 'PLAINTEXT',
            CodeContent: { TextContent: PASS_THROUGH_SQL },
          },
        },
      }),
    );
    await ka.send(new StartApplicationCommand({ ApplicationName: 'to-firehose' }));
    await t.kinesis.send(
      new PutRecordsCommand({
        StreamName: 'quotes',
        Records: ['A', 'B', 'C'].map((ticker, i) => ({
          PartitionKey: ticker,
          Data: Buffer.from(JSON.stringify({ ticker, price: i })),
        })),
      }),
    );
    const text = await waitFor(async () => {
      const objects = await listObjects(join(t.dataDir, 's3', 'lake'));
      const all = [...objects.values()].map((b) => b.toString()).join('');
      return all.split('\n').filter(Boolean).length >= 3 ? all : undefined;
    }, 4000);
    assert.deepEqual(text.split('\n').filter(Boolean).sort(), ['A,0', 'B,1', 'C,2']);
  });
});
