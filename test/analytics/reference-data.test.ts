/**
 * Reference data (Developer Guide, "Adding Reference Data"): an object in the embedded S3 directory loaded as an
 * in-application table at start, joined from the stream, and loaded again when UpdateApplication changes a
 * running application (not when the object changes alone).
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import {
  CreateApplicationCommand,
  DescribeApplicationCommand,
  type KinesisAnalyticsV2Client,
  StartApplicationCommand,
  UpdateApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { waitFor } from '../firehose/helpers.js';
import { readShard } from '../helpers/raw.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ROLE, TICKER_SCHEMA, analyticsV2Client, streamArn } from './api-helpers.js';

const CODE = `CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (TICKER VARCHAR(8), COMPANY VARCHAR(32));
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM s.TICKER, c.COMPANY FROM "SOURCE_SQL_STREAM_001" AS s
  JOIN "COMPANIES" AS c ON s.TICKER = c.TICKER;
`;

let t: TestServer;
let ka: KinesisAnalyticsV2Client;
let bucket: string;

before(async () => {
  t = await startTestServer({ analyticsTransitionMs: 0 });
  ka = analyticsV2Client(t.server.url);
  bucket = join(t.dataDir, 's3', 'ref');
  await mkdir(bucket, { recursive: true });
});
after(async () => {
  ka.destroy();
  await t.close();
});

async function put(tickers: string[]): Promise<void> {
  await t.kinesis.send(
    new PutRecordsCommand({
      StreamName: 'quotes',
      Records: tickers.map((ticker) => ({
        PartitionKey: ticker,
        Data: Buffer.from(JSON.stringify({ ticker, price: 1 })),
      })),
    }),
  );
}

async function joined(count: number): Promise<string[]> {
  return waitFor(async () => {
    const rows = (await readShard(t.server.url, 'joined', 'shardId-000000000000')).map(([, d]) => d);
    return rows.length >= count ? rows : undefined;
  }, 4000);
}

describe('reference data', () => {
  it('joins the stream with the S3 table and reloads it on UpdateApplication', async () => {
    await writeFile(join(bucket, 'companies.csv'), 'AMZN,Amazon\nMSFT,Microsoft\n');
    await t.kinesis.send(new CreateStreamCommand({ StreamName: 'quotes', ShardCount: 1 }));
    await t.kinesis.send(new CreateStreamCommand({ StreamName: 'joined', ShardCount: 1 }));
    await ka.send(
      new CreateApplicationCommand({
        ApplicationName: 'ref',
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
                KinesisStreamsOutput: { ResourceARN: streamArn('joined') },
                DestinationSchema: { RecordFormatType: 'CSV' },
              },
            ],
            ReferenceDataSources: [
              {
                TableName: 'COMPANIES',
                S3ReferenceDataSource: { BucketARN: 'arn:aws:s3:::ref', FileKey: 'companies.csv' },
                ReferenceSchema: {
                  RecordFormat: {
                    RecordFormatType: 'CSV',
                    MappingParameters: {
                      CSVMappingParameters: { RecordRowDelimiter: '\n', RecordColumnDelimiter: ',' },
                    },
                  },
                  RecordColumns: [
                    { Name: 'TICKER', SqlType: 'VARCHAR(8)' },
                    { Name: 'COMPANY', SqlType: 'VARCHAR(32)' },
                  ],
                },
              },
            ],
          },
          ApplicationCodeConfiguration: { CodeContentType: 'PLAINTEXT', CodeContent: { TextContent: CODE } },
        },
      }),
    );
    await ka.send(new StartApplicationCommand({ ApplicationName: 'ref' }));
    await put(['AMZN', 'NOPE', 'MSFT']);
    assert.deepEqual(await joined(2), ['AMZN,Amazon\n', 'MSFT,Microsoft\n']);

    // A new object alone changes nothing; UpdateApplication loads it.
    await writeFile(join(bucket, 'companies.csv'), 'AMZN,Amazon.com\nNOPE,Nope Inc\n');
    const d = (await ka.send(new DescribeApplicationCommand({ ApplicationName: 'ref' }))).ApplicationDetail!;
    await ka.send(
      new UpdateApplicationCommand({
        ApplicationName: 'ref',
        CurrentApplicationVersionId: d.ApplicationVersionId,
        ApplicationConfigurationUpdate: {
          SqlApplicationConfigurationUpdate: {
            ReferenceDataSourceUpdates: [
              { ReferenceId: '1.1', S3ReferenceDataSourceUpdate: { FileKeyUpdate: 'companies.csv' } },
            ],
          },
        },
      }),
    );
    await put(['AMZN', 'NOPE', 'MSFT']);
    const rows = await joined(4);
    assert.deepEqual(rows, ['AMZN,Amazon\n', 'MSFT,Microsoft\n', 'AMZN,Amazon.com\n', 'NOPE,Nope Inc\n']);
  });
});
