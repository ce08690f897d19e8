/**
 * The end-to-end scenario of issue 10: a SQL application over a real Kinesis stream, created and started with
 * `@aws-sdk/client-kinesis-analytics-v2`, fed with the Kinesis SDK, its results read from the output stream;
 * stopped, the server restarted, records written meanwhile, started again from LAST_STOPPED_POINT: every record
 * gives exactly one result (no gap; no replay after a clean stop). A second application started with NOW
 * ignores what the stream held before it started; TRIM_HORIZON reads it all; records that do not map go to
 * error_stream, routed to an output.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CreateStreamCommand, DescribeStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import {
  CreateApplicationCommand,
  DescribeApplicationCommand,
  type KinesisAnalyticsV2Client,
  StartApplicationCommand,
  StopApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { waitFor } from '../firehose/helpers.js';
import { readShard } from '../helpers/raw.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ROLE, TICKER_SCHEMA, analyticsV2Client, streamArn } from './api-helpers.js';

const CODE = `CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (TICKER VARCHAR(8), DOUBLED DOUBLE, ARRIVED TIMESTAMP);
CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM TICKER, PRICE * 2, APPROXIMATE_ARRIVAL_TIME FROM "SOURCE_SQL_STREAM_001";
`;

let dir: string;
let t: TestServer;
let ka: KinesisAnalyticsV2Client;

async function open(): Promise<void> {
  t = await startTestServer({ analyticsTransitionMs: 0 }, dir);
  ka = analyticsV2Client(t.server.url);
}
async function shut(): Promise<void> {
  ka.destroy();
  await t.close(false);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tributary-analytics-e2e-'));
  await open();
});
after(async () => {
  await shut();
  await rm(dir, { recursive: true, force: true });
});

async function put(stream: string, from: number, count: number): Promise<void> {
  const out = await t.kinesis.send(
    new PutRecordsCommand({
      StreamName: stream,
      Records: Array.from({ length: count }, (_, i) => ({
        PartitionKey: `pk-${from + i}`,
        Data: Buffer.from(JSON.stringify({ ticker: `T${from + i}`, price: from + i })),
      })),
    }),
  );
  assert.equal(out.FailedRecordCount, 0);
}

/** Every record of every shard of a stream, as text. */
async function readAll(stream: string): Promise<string[]> {
  const d = await t.kinesis.send(new DescribeStreamCommand({ StreamName: stream }));
  const out: string[] = [];
  for (const s of d.StreamDescription!.Shards!)
    for (const [, data] of await readShard(t.server.url, stream, s.ShardId!)) out.push(data);
  return out;
}

/** The output stream's records once it holds `count` of them. */
function results(stream: string, count: number): Promise<string[]> {
  return waitFor(async () => {
    const all = await readAll(stream);
    return all.length >= count ? all : undefined;
  }, 4000);
}

function sqlApplication(name: string, input: string, outputs: { name: string; stream: string }[]) {
  return new CreateApplicationCommand({
    ApplicationName: name,
    RuntimeEnvironment: 'SQL-1_0',
    ServiceExecutionRole: ROLE,
    ApplicationConfiguration: {
      SqlApplicationConfiguration: {
        Inputs: [
          {
            NamePrefix: 'SOURCE_SQL_STREAM',
            KinesisStreamsInput: { ResourceARN: streamArn(input) },
            InputParallelism: { Count: 1 },
            InputSchema: TICKER_SCHEMA,
          },
        ],
        Outputs: outputs.map((o) => ({
          Name: o.name,
          KinesisStreamsOutput: { ResourceARN: streamArn(o.stream) },
          DestinationSchema: { RecordFormatType: 'JSON' as const },
        })),
      },
      ApplicationCodeConfiguration: { CodeContentType: 'PLAINTEXT', CodeContent: { TextContent: CODE } },
    },
  });
}

function start(name: string, position: 'NOW' | 'TRIM_HORIZON' | 'LAST_STOPPED_POINT') {
  return ka.send(
    new StartApplicationCommand({
      ApplicationName: name,
      RunConfiguration: {
        SqlRunConfigurations: [
          { InputId: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: position } },
        ],
      },
    }),
  );
}

describe('an application end to end', () => {
  it('runs, stops, survives a restart and resumes from LAST_STOPPED_POINT without gaps or replays', async () => {
    await t.kinesis.send(new CreateStreamCommand({ StreamName: 'ticks', ShardCount: 2 }));
    await t.kinesis.send(new CreateStreamCommand({ StreamName: 'results', ShardCount: 1 }));
    await ka.send(sqlApplication('e2e', 'ticks', [{ name: 'DESTINATION_SQL_STREAM', stream: 'results' }]));
    await put('ticks', 0, 40);
    await start('e2e', 'TRIM_HORIZON');
    await put('ticks', 40, 20);

    const first = (await results('results', 60)).map((r) => JSON.parse(r));
    assert.equal(first.length, 60);
    const one = first.find((r) => r.TICKER === 'T7');
    assert.equal(one.DOUBLED, 14);
    assert.match(one.ARRIVED, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/);

    await ka.send(new StopApplicationCommand({ ApplicationName: 'e2e' }));
    await shut();
    await open();
    const d = (await ka.send(new DescribeApplicationCommand({ ApplicationName: 'e2e' }))).ApplicationDetail!;
    assert.equal(d.ApplicationStatus, 'READY');
    // Written while the application is stopped: LAST_STOPPED_POINT must read them.
    await put('ticks', 60, 25);
    await start('e2e', 'LAST_STOPPED_POINT');
    await put('ticks', 85, 15);

    const all = await results('results', 100);
    const tickers = all.map((r) => JSON.parse(r).TICKER as string);
    const expected = Array.from({ length: 100 }, (_, i) => `T${i}`);
    assert.deepEqual([...tickers].sort(), [...expected].sort(), 'every record once: no gap, no replay');
    await ka.send(new StopApplicationCommand({ ApplicationName: 'e2e' }));
  });

  it('NOW skips what the stream held; error_stream rows reach an output', async () => {
    await t.kinesis.send(new CreateStreamCommand({ StreamName: 'later', ShardCount: 1 }));
    await t.kinesis.send(new CreateStreamCommand({ StreamName: 'later-out', ShardCount: 1 }));
    await t.kinesis.send(new CreateStreamCommand({ StreamName: 'later-errors', ShardCount: 1 }));
    await ka.send(
      sqlApplication('now', 'later', [
        { name: 'DESTINATION_SQL_STREAM', stream: 'later-out' },
        { name: 'error_stream', stream: 'later-errors' },
      ]),
    );
    await put('later', 0, 10);
    await start('now', 'NOW');
    await waitFor(async () => {
      const d = (await ka.send(new DescribeApplicationCommand({ ApplicationName: 'now' }))).ApplicationDetail!;
      return d.ApplicationStatus === 'RUNNING' ? true : undefined;
    });
    await put('later', 10, 5);
    await t.kinesis.send(
      new PutRecordsCommand({ StreamName: 'later', Records: [{ PartitionKey: 'bad', Data: Buffer.from('not json') }] }),
    );
    const out = await results('later-out', 5);
    assert.deepEqual(out.map((r) => JSON.parse(r).TICKER).sort(), ['T10', 'T11', 'T12', 'T13', 'T14']);
    const errors = (await results('later-errors', 1)).map((r) => JSON.parse(r));
    assert.equal(errors.length, 1);
    assert.equal(errors[0].ERROR_LEVEL, 'ERROR');
    assert.equal(Buffer.from(errors[0].DATA_ROW, 'hex').toString(), 'not json');
    await ka.send(new StopApplicationCommand({ ApplicationName: 'now' }));
  });
});
