/** Clients and fixtures of the Analytics tests. */
import { KinesisAnalyticsClient } from '@aws-sdk/client-kinesis-analytics';
import { KinesisAnalyticsV2Client } from '@aws-sdk/client-kinesis-analytics-v2';
import { TEST_CREDENTIALS } from '../helpers/server.js';

export const ACCOUNT = '000000000000';
export const REGION = 'us-east-1';
export const ROLE = 'arn:aws:iam::000000000000:role/analytics';

export function analyticsV1Client(url: string): KinesisAnalyticsClient {
  return new KinesisAnalyticsClient({ endpoint: url, region: REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
}

export function analyticsV2Client(url: string): KinesisAnalyticsV2Client {
  return new KinesisAnalyticsV2Client({ endpoint: url, region: REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
}

export function streamArn(name: string): string {
  return `arn:aws:kinesis:${REGION}:${ACCOUNT}:stream/${name}`;
}

export function applicationArn(name: string): string {
  return `arn:aws:kinesisanalytics:${REGION}:${ACCOUNT}:application/${name}`;
}

/** A JSON input schema with two columns. */
export const TICKER_SCHEMA = {
  RecordFormat: {
    RecordFormatType: 'JSON' as const,
    MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } },
  },
  RecordEncoding: 'UTF-8',
  RecordColumns: [
    { Name: 'TICKER', SqlType: 'VARCHAR(8)', Mapping: '$.ticker' },
    { Name: 'PRICE', SqlType: 'DOUBLE', Mapping: '$.price' },
  ],
};

/** Passes the ticker rows through to DESTINATION_SQL_STREAM. */
export const PASS_THROUGH_SQL = `CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (TICKER VARCHAR(8), PRICE DOUBLE);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
SELECT STREAM TICKER, PRICE FROM "SOURCE_SQL_STREAM_001";
`;
