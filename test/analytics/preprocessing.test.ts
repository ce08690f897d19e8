/**
 * Lambda preprocessing of an input (src/analytics/preprocess.ts) through a real local HTTP receiver on the Invoke
 * path: the event carries the documented fields (invocationId, applicationArn, streamArn, records with recordId,
 * base64 data and kinesisStreamRecordMetadata); Ok records reach the SQL with the returned data, Dropped ones
 * vanish, ProcessingFailed ones reach error_stream, and an invocation answered with 500 is retried. The
 * application is created with `@aws-sdk/client-kinesis-analytics-v2`; DiscoverInputSchema with the same
 * InputProcessingConfiguration infers the schema from the processed records (boto3 `kinesisanalytics`, v1).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
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
import { requireTool } from '../helpers/tools.js';
import { missingPrometheusParser, scrape, value } from '../helpers/prometheus.js';
import { PASS_THROUGH_SQL, ROLE, TICKER_SCHEMA, analyticsV2Client, applicationArn, streamArn } from './api-helpers.js';

const botoSkip = requireTool('python3-boto3', { cmd: '/usr/bin/python3', args: ['-c', 'import boto3'] });
const FUNCTION = 'arn:aws:lambda:us-east-1:000000000000:function:prep';

interface PreprocessingEvent {
  invocationId: string;
  applicationArn: string;
  streamArn: string;
  records: {
    recordId: string;
    data: string;
    kinesisStreamRecordMetadata: {
      shardId: string;
      partitionKey: string;
      sequenceNumber: string;
      approximateArrivalTimestamp: number;
    };
  }[];
}

let t: TestServer;
let ka: KinesisAnalyticsV2Client;
let receiver: Server;
const events: { path: string; body: PreprocessingEvent }[] = [];
let refused = 0;

/** `T<n>;<price>` → the JSON the schema maps; `drop` → Dropped; anything else → ProcessingFailed. */
function preprocess(text: string): { result: string; data?: string } {
  const m = /^(T\d+);(\d+)$/.exec(text);
  if (m)
    return {
      result: 'Ok',
      data: Buffer.from(JSON.stringify({ ticker: m[1], price: Number(m[2]) })).toString('base64'),
    };
  return text === 'drop' ? { result: 'Dropped' } : { result: 'ProcessingFailed' };
}

before(async () => {
  receiver = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => {
      text += c;
    });
    req.on('end', () => {
      const body = JSON.parse(text) as PreprocessingEvent;
      // The first invocation of the application fails as a whole: it must be retried.
      if (body.applicationArn !== '' && refused === 0) {
        refused++;
        res.writeHead(500).end('{"errorMessage":"cold"}');
        return;
      }
      events.push({ path: req.url ?? '', body });
      const records = body.records.map((r) => ({
        recordId: r.recordId,
        ...preprocess(Buffer.from(r.data, 'base64').toString()),
      }));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ records }));
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as AddressInfo).port;
  t = await startTestServer({ analyticsTransitionMs: 0, analyticsLambdaEndpoint: `http://127.0.0.1:${port}` });
  ka = analyticsV2Client(t.server.url);
});
after(async () => {
  ka.destroy();
  await t.close();
  await new Promise((resolve) => receiver.close(resolve));
});

async function readAll(stream: string): Promise<string[]> {
  const d = await t.kinesis.send(new DescribeStreamCommand({ StreamName: stream }));
  const out: string[] = [];
  for (const s of d.StreamDescription!.Shards!)
    for (const [, data] of await readShard(t.server.url, stream, s.ShardId!)) out.push(data);
  return out;
}

function rows(stream: string, count: number): Promise<Record<string, unknown>[]> {
  return waitFor(async () => {
    const all = await readAll(stream);
    return all.length >= count ? all.map((r) => JSON.parse(r) as Record<string, unknown>) : undefined;
  }, 4000);
}

describe('Lambda preprocessing', () => {
  it('Ok records reach the SQL, Dropped vanish, ProcessingFailed go to error_stream; a failed call is retried', async () => {
    for (const name of ['raw', 'cooked', 'errs'])
      await t.kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    await ka.send(
      new CreateApplicationCommand({
        ApplicationName: 'prep',
        RuntimeEnvironment: 'SQL-1_0',
        ServiceExecutionRole: ROLE,
        ApplicationConfiguration: {
          SqlApplicationConfiguration: {
            Inputs: [
              {
                NamePrefix: 'SOURCE_SQL_STREAM',
                KinesisStreamsInput: { ResourceARN: streamArn('raw') },
                InputProcessingConfiguration: { InputLambdaProcessor: { ResourceARN: FUNCTION } },
                InputSchema: TICKER_SCHEMA,
              },
            ],
            Outputs: [
              {
                Name: 'DESTINATION_SQL_STREAM',
                KinesisStreamsOutput: { ResourceARN: streamArn('cooked') },
                DestinationSchema: { RecordFormatType: 'JSON' },
              },
              {
                Name: 'error_stream',
                KinesisStreamsOutput: { ResourceARN: streamArn('errs') },
                DestinationSchema: { RecordFormatType: 'JSON' },
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
    await t.kinesis.send(
      new PutRecordsCommand({
        StreamName: 'raw',
        Records: ['T1;10', 'drop', 'T2;20', 'garbage', 'T3;30'].map((text, i) => ({
          PartitionKey: `pk${i}`,
          Data: Buffer.from(text),
        })),
      }),
    );
    await ka.send(
      new StartApplicationCommand({
        ApplicationName: 'prep',
        RunConfiguration: {
          SqlRunConfigurations: [
            { InputId: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'TRIM_HORIZON' } },
          ],
        },
      }),
    );
    const cooked = await rows('cooked', 3);
    assert.deepEqual(cooked.map((r) => [r.TICKER, r.PRICE]).sort(), [
      ['T1', 10],
      ['T2', 20],
      ['T3', 30],
    ]);
    const errors = await rows('errs', 1);
    assert.equal(errors.length, 1);
    assert.equal(Buffer.from(errors[0]!.DATA_ROW as string, 'hex').toString(), 'garbage');
    assert.equal(errors[0]!.ERROR_LEVEL, 'ERROR');
    const d = (await ka.send(new DescribeApplicationCommand({ ApplicationName: 'prep' }))).ApplicationDetail!;
    assert.equal(d.ApplicationStatus, 'RUNNING', 'the application keeps running');

    assert.equal(refused, 1, 'the first invocation failed');
    const first = events[0]!;
    assert.equal(first.path, '/2015-03-31/functions/prep/invocations');
    assert.equal(first.body.applicationArn, applicationArn('prep'));
    assert.equal(first.body.streamArn, streamArn('raw'));
    assert.match(first.body.invocationId, /^[0-9a-f-]{36}$/);
    const sent = events.flatMap((e) => e.body.records);
    assert.equal(sent.length, 5, 'every record once after the retried call');
    const meta = sent[0]!.kinesisStreamRecordMetadata;
    assert.equal(meta.shardId, 'shardId-000000000000');
    assert.equal(meta.partitionKey, 'pk0');
    assert.match(meta.sequenceNumber, /^\d+$/);
    assert.equal(typeof meta.approximateArrivalTimestamp, 'number');
    assert.equal(Buffer.from(sent[0]!.data, 'base64').toString(), 'T1;10');

    // AWS/KinesisAnalytics metrics of the run (src/analytics/metrics.ts), scraped from /metrics.
    if (!missingPrometheusParser()) {
      const series = await scrape(t.server.url);
      const input = { application: 'prep', flow: 'Input', id: '1.1' };
      const m = (name: string) => value(series, `aws_kinesis_analytics_${name}`, input);
      assert.equal(m('records_total'), 5);
      assert.equal(m('bytes_total'), ['T1;10', 'drop', 'T2;20', 'garbage', 'T3;30'].join('').length);
      assert.equal(m('input_processing_ok_records_total'), 3);
      assert.equal(m('input_processing_dropped_records_total'), 1);
      assert.equal(m('input_processing_processing_failed_records_total'), 1);
      const okBytes = ['T1', 'T2', 'T3'].reduce(
        (n, ticker, i) => n + Buffer.byteLength(JSON.stringify({ ticker, price: (i + 1) * 10 })),
        0,
      );
      assert.equal(m('input_processing_ok_bytes_total'), okBytes);
      assert.ok(Number(m('input_processing_success_total')) >= 1);
      assert.equal(series.find((x) => x.name === 'aws_kinesis_analytics_millis_behind_latest')?.type, 'gauge');
      // Three rows to DESTINATION_SQL_STREAM's output, one to error_stream's.
      const delivered = series
        .filter((x) => x.name === 'aws_kinesis_analytics_records_total' && x.labels['flow'] === 'Output')
        .map((x) => Number(x.value))
        .sort();
      assert.deepEqual(delivered, [1, 3]);
    }
    await ka.send(new StopApplicationCommand({ ApplicationName: 'prep' }));
  });

  it('boto3 (v1): DiscoverInputSchema infers the schema of the processed records', { skip: botoSkip }, async () => {
    await t.kinesis.send(new CreateStreamCommand({ StreamName: 'disc', ShardCount: 1 }));
    await t.kinesis.send(
      new PutRecordsCommand({
        StreamName: 'disc',
        Records: ['T7;70', 'drop', 'T8;80'].map((text) => ({ PartitionKey: 'p', Data: Buffer.from(text) })),
      }),
    );
    const script = `
import sys, boto3
kw = dict(endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='AKIDBOTO', aws_secret_access_key='s')
v1 = boto3.client('kinesisanalytics', **kw)
role = 'arn:aws:iam::000000000000:role/analytics'
out = v1.discover_input_schema(ResourceARN=sys.argv[2], RoleARN=role,
  InputStartingPositionConfiguration={'InputStartingPosition': 'TRIM_HORIZON'},
  InputProcessingConfiguration={'InputLambdaProcessor': {'ResourceARN': sys.argv[3], 'RoleARN': role}})
assert out['RawInputRecords'] == ['T7;70', 'drop', 'T8;80'], out
assert out['ProcessedInputRecords'] == ['{"ticker":"T7","price":70}', '{"ticker":"T8","price":80}'], out
cols = [(c['Name'], c['Mapping']) for c in out['InputSchema']['RecordColumns']]
assert cols == [('ticker', '$.ticker'), ('price', '$.price')], cols
print('ok')
`;
    const { stdout } = await promisify(execFile)('/usr/bin/python3', [
      '-c',
      script,
      t.server.url,
      streamArn('disc'),
      FUNCTION,
    ]);
    assert.equal(stdout.trim(), 'ok');
  });
});
