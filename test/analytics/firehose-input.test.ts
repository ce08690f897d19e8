/**
 * A Firehose delivery stream as an application input (KinesisFirehoseInput), end to end with real clients: the
 * application is created with `@aws-sdk/client-kinesis-analytics-v2`, fed with the Firehose SDK's PutRecordBatch
 * (DirectPut) or the Kinesis SDK (a KinesisStreamAsSource delivery stream), its rows read from a Kinesis output
 * stream. NOW skips what the delivery stream held before the start; stopped, the server restarted, records put
 * meanwhile and delivered to S3, started from LAST_STOPPED_POINT: every record gives exactly one row. TRIM_HORIZON
 * is refused for a delivery stream (boto3 `kinesisanalytics`, v1).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { CreateDeliveryStreamCommand, type FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { CreateStreamCommand, DescribeStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import {
  CreateApplicationCommand,
  DescribeApplicationCommand,
  DiscoverInputSchemaCommand,
  type KinesisAnalyticsV2Client,
  StartApplicationCommand,
  StopApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { firehoseClient, waitFor } from '../firehose/helpers.js';
import { requireTool } from '../helpers/tools.js';
import { readShard } from '../helpers/raw.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { PASS_THROUGH_SQL, ROLE, TICKER_SCHEMA, analyticsV2Client, streamArn } from './api-helpers.js';

const botoSkip = requireTool('python3-boto3', { cmd: '/usr/bin/python3', args: ['-c', 'import boto3'] });

let dir: string;
let t: TestServer;
let ka: KinesisAnalyticsV2Client;
let fh: FirehoseClient;

async function open(): Promise<void> {
  t = await startTestServer({ analyticsTransitionMs: 0, firehoseCreateMs: 0 }, dir);
  ka = analyticsV2Client(t.server.url);
  fh = firehoseClient(t.server.url);
}
async function shut(): Promise<void> {
  ka.destroy();
  fh.destroy();
  await t.close(false);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tributary-analytics-fh-in-'));
  await open();
});
after(async () => {
  await shut();
  await rm(dir, { recursive: true, force: true });
});

function deliveryStreamArn(name: string): string {
  return `arn:aws:firehose:us-east-1:000000000000:deliverystream/${name}`;
}

async function putFirehose(stream: string, from: number, count: number): Promise<void> {
  const out = await fh.send(
    new PutRecordBatchCommand({
      DeliveryStreamName: stream,
      Records: Array.from({ length: count }, (_, i) => ({
        Data: Buffer.from(JSON.stringify({ ticker: `T${from + i}`, price: from + i })),
      })),
    }),
  );
  assert.equal(out.FailedPutCount, 0);
}

async function readAll(stream: string): Promise<string[]> {
  const d = await t.kinesis.send(new DescribeStreamCommand({ StreamName: stream }));
  const out: string[] = [];
  for (const s of d.StreamDescription!.Shards!)
    for (const [, data] of await readShard(t.server.url, stream, s.ShardId!)) out.push(data);
  return out;
}

/** The output stream's tickers once it holds `count` rows. */
async function tickers(stream: string, count: number): Promise<string[]> {
  const rows = await waitFor(async () => {
    const all = await readAll(stream);
    return all.length >= count ? all : undefined;
  }, 4000);
  return rows.map((r) => JSON.parse(r).TICKER as string).sort();
}

function application(name: string, deliveryStream: string, output: string) {
  return new CreateApplicationCommand({
    ApplicationName: name,
    RuntimeEnvironment: 'SQL-1_0',
    ServiceExecutionRole: ROLE,
    ApplicationConfiguration: {
      SqlApplicationConfiguration: {
        Inputs: [
          {
            NamePrefix: 'SOURCE_SQL_STREAM',
            KinesisFirehoseInput: { ResourceARN: deliveryStreamArn(deliveryStream) },
            InputSchema: TICKER_SCHEMA,
          },
        ],
        Outputs: [
          {
            Name: 'DESTINATION_SQL_STREAM',
            KinesisStreamsOutput: { ResourceARN: streamArn(output) },
            DestinationSchema: { RecordFormatType: 'JSON' },
          },
        ],
      },
      ApplicationCodeConfiguration: { CodeContentType: 'PLAINTEXT', CodeContent: { TextContent: PASS_THROUGH_SQL } },
    },
  });
}

function start(name: string, position: 'NOW' | 'LAST_STOPPED_POINT') {
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

async function running(name: string): Promise<void> {
  await waitFor(async () => {
    const d = (await ka.send(new DescribeApplicationCommand({ ApplicationName: name }))).ApplicationDetail!;
    return d.ApplicationStatus === 'RUNNING' ? true : undefined;
  });
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => `T${from + i}`);

describe('Firehose inputs', () => {
  it('DirectPut: NOW, then stop, server restart and LAST_STOPPED_POINT without gaps or replays', async () => {
    await fh.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'clicks',
        ExtendedS3DestinationConfiguration: {
          RoleARN: ROLE,
          BucketARN: 'arn:aws:s3:::lake',
          BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
        },
      }),
    );
    await t.kinesis.send(new CreateStreamCommand({ StreamName: 'clicks-out', ShardCount: 1 }));
    await ka.send(application('from-firehose', 'clicks', 'clicks-out'));
    await putFirehose('clicks', 0, 10);
    await start('from-firehose', 'NOW');
    await running('from-firehose');
    await putFirehose('clicks', 10, 20);
    assert.deepEqual(await tickers('clicks-out', 20), range(10, 20).sort(), 'NOW skips T0–T9');

    await ka.send(new StopApplicationCommand({ ApplicationName: 'from-firehose' }));
    await shut();
    await open();
    // Put while stopped; the delivery stream delivers them to S3 (interval 0) meanwhile.
    await putFirehose('clicks', 30, 15);
    await start('from-firehose', 'LAST_STOPPED_POINT');
    await putFirehose('clicks', 45, 5);
    assert.deepEqual(await tickers('clicks-out', 40), range(10, 40).sort(), 'every record once');
    await ka.send(new StopApplicationCommand({ ApplicationName: 'from-firehose' }));
  });

  it('KinesisStreamAsSource: the application reads what the delivery stream reads', async () => {
    await t.kinesis.send(new CreateStreamCommand({ StreamName: 'src', ShardCount: 1 }));
    await t.kinesis.send(new CreateStreamCommand({ StreamName: 'src-out', ShardCount: 1 }));
    await fh.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'from-kinesis',
        DeliveryStreamType: 'KinesisStreamAsSource',
        KinesisStreamSourceConfiguration: { KinesisStreamARN: streamArn('src'), RoleARN: ROLE },
        ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: 'arn:aws:s3:::lake2' },
      }),
    );
    await ka.send(application('via-kinesis', 'from-kinesis', 'src-out'));
    await start('via-kinesis', 'NOW');
    await running('via-kinesis');
    await t.kinesis.send(
      new PutRecordsCommand({
        StreamName: 'src',
        Records: [0, 1, 2].map((i) => ({
          PartitionKey: `k${i}`,
          Data: Buffer.from(JSON.stringify({ ticker: `K${i}`, price: i })),
        })),
      }),
    );
    assert.deepEqual(await tickers('src-out', 3), ['K0', 'K1', 'K2']);
    await ka.send(new StopApplicationCommand({ ApplicationName: 'via-kinesis' }));
  });

  it('boto3 (v1): TRIM_HORIZON is refused for a delivery stream, NOW starts', { skip: botoSkip }, async () => {
    const script = `
import sys, boto3
kw = dict(endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='AKIDBOTO', aws_secret_access_key='s')
v1 = boto3.client('kinesisanalytics', **kw)
role = 'arn:aws:iam::000000000000:role/analytics'
v1.create_application(ApplicationName='boto-fh', Inputs=[{
  'NamePrefix': 'SOURCE_SQL_STREAM',
  'KinesisFirehoseInput': {'ResourceARN': sys.argv[2], 'RoleARN': role},
  'InputSchema': {'RecordFormat': {'RecordFormatType': 'JSON', 'MappingParameters': {'JSONMappingParameters': {'RecordRowPath': '$'}}},
                  'RecordColumns': [{'Name': 'TICKER', 'SqlType': 'VARCHAR(8)', 'Mapping': '$.ticker'}]}}],
  ApplicationCode='CREATE OR REPLACE STREAM "D" (TICKER VARCHAR(8));\\nCREATE OR REPLACE PUMP "P" AS INSERT INTO "D" SELECT STREAM TICKER FROM "SOURCE_SQL_STREAM_001";\\n')
try:
    v1.start_application(ApplicationName='boto-fh', InputConfigurations=[{'Id': '1.1', 'InputStartingPositionConfiguration': {'InputStartingPosition': 'TRIM_HORIZON'}}])
    raise SystemExit('expected InvalidArgumentException')
except v1.exceptions.InvalidArgumentException:
    pass
v1.start_application(ApplicationName='boto-fh', InputConfigurations=[{'Id': '1.1', 'InputStartingPositionConfiguration': {'InputStartingPosition': 'NOW'}}])
d = v1.describe_application(ApplicationName='boto-fh')['ApplicationDetail']
assert d['InputDescriptions'][0]['KinesisFirehoseInputDescription']['ResourceARN'] == sys.argv[2], d
assert d['InputDescriptions'][0]['InputStartingPositionConfiguration']['InputStartingPosition'] == 'NOW', d
v1.stop_application(ApplicationName='boto-fh')
print('ok')
`;
    const { stdout } = await promisify(execFile)('/usr/bin/python3', [
      '-c',
      script,
      t.server.url,
      deliveryStreamArn('clicks'),
    ]);
    assert.equal(stdout.trim(), 'ok');
  });

  it('DiscoverInputSchema samples what a delivery stream receives from the request on; TRIM_HORIZON is refused', async () => {
    await fh.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'to-discover',
        ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: 'arn:aws:s3:::lake3' },
      }),
    );
    const arn = deliveryStreamArn('to-discover');
    await assert.rejects(
      ka.send(
        new DiscoverInputSchemaCommand({
          ResourceARN: arn,
          ServiceExecutionRole: ROLE,
          InputStartingPositionConfiguration: { InputStartingPosition: 'TRIM_HORIZON' },
        }),
      ),
      (err: Error) => err.name === 'InvalidArgumentException',
    );
    const discovered = ka.send(new DiscoverInputSchemaCommand({ ResourceARN: arn, ServiceExecutionRole: ROLE }));
    let done = false;
    void discovered.finally(() => {
      done = true;
    });
    // Records keep arriving until the sample has some (the request's own moment is where it starts).
    for (let i = 0; !done; i++) {
      await putFirehose('to-discover', i * 2, 2);
      await new Promise((r) => setImmediate(r));
    }
    const out = await discovered;
    const columns = out.InputSchema!.RecordColumns!;
    assert.deepEqual(
      columns.map((c) => [c.Name, c.Mapping]),
      [
        ['ticker', '$.ticker'],
        ['price', '$.price'],
      ],
    );
    assert.match(columns[0]!.SqlType!, /^VARCHAR\(\d+\)$/, 'VARCHAR sized by the sampled tickers');
    assert.ok(out.RawInputRecords!.length > 0);
    assert.match(out.RawInputRecords![0]!, /^\{"ticker":"T\d+","price":\d+\}$/);
  });
});
