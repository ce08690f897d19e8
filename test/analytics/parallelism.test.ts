/**
 * InputParallelism (Developer Guide, "Configuring Application Input", "Parallelizing Input Streams for Increased
 * Throughput"): with Count 2 over a 2-shard stream, shard k of the stream feeds SOURCE_SQL_STREAM_00(k+1), so
 * two pumps each see one shard's records.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CreateStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import {
  CreateApplicationCommand,
  type KinesisAnalyticsV2Client,
  StartApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { waitFor } from '../firehose/helpers.js';
import { readShard } from '../helpers/raw.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ROLE, TICKER_SCHEMA, analyticsV2Client, streamArn } from './api-helpers.js';

const CODE = `CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (TICKER VARCHAR(8), SRC VARCHAR(8));
CREATE OR REPLACE PUMP "P1" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM TICKER, 'one' FROM "SOURCE_SQL_STREAM_001";
CREATE OR REPLACE PUMP "P2" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM TICKER, 'two' FROM "SOURCE_SQL_STREAM_002";
`;

let t: TestServer;
let ka: KinesisAnalyticsV2Client;

before(async () => {
  t = await startTestServer({ analyticsTransitionMs: 0 });
  ka = analyticsV2Client(t.server.url);
});
after(async () => {
  ka.destroy();
  await t.close();
});

describe('input parallelism', () => {
  it('feeds each shard to its in-application stream', async () => {
    await t.kinesis.send(new CreateStreamCommand({ StreamName: 'two-shards', ShardCount: 2 }));
    await t.kinesis.send(new CreateStreamCommand({ StreamName: 'merged', ShardCount: 1 }));
    await ka.send(
      new CreateApplicationCommand({
        ApplicationName: 'parallel',
        RuntimeEnvironment: 'SQL-1_0',
        ServiceExecutionRole: ROLE,
        ApplicationConfiguration: {
          SqlApplicationConfiguration: {
            Inputs: [
              {
                NamePrefix: 'SOURCE_SQL_STREAM',
                KinesisStreamsInput: { ResourceARN: streamArn('two-shards') },
                InputParallelism: { Count: 2 },
                InputSchema: TICKER_SCHEMA,
              },
            ],
            Outputs: [
              {
                Name: 'DESTINATION_SQL_STREAM',
                KinesisStreamsOutput: { ResourceARN: streamArn('merged') },
                DestinationSchema: { RecordFormatType: 'CSV' },
              },
            ],
          },
          ApplicationCodeConfiguration: { CodeContentType: 'PLAINTEXT', CodeContent: { TextContent: CODE } },
        },
      }),
    );
    await ka.send(new StartApplicationCommand({ ApplicationName: 'parallel' }));
    // Hash key 0 is in the first shard's range, 2^127 + 1 in the second's.
    const low = '0';
    const high = (2n ** 127n + 1n).toString();
    await t.kinesis.send(
      new PutRecordsCommand({
        StreamName: 'two-shards',
        Records: [
          ['A', low],
          ['B', high],
          ['C', low],
          ['D', high],
        ].map(([ticker, key]) => ({
          PartitionKey: ticker!,
          ExplicitHashKey: key!,
          Data: Buffer.from(JSON.stringify({ ticker, price: 1 })),
        })),
      }),
    );
    const rows = await waitFor(async () => {
      const out = (await readShard(t.server.url, 'merged', 'shardId-000000000000')).map(([, d]) => d.trim());
      return out.length >= 4 ? out : undefined;
    }, 4000);
    assert.deepEqual([...rows].sort(), ['A,one', 'B,two', 'C,one', 'D,two']);
  });
});
