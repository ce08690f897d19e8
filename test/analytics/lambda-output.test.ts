/**
 * Lambda outputs through a Lambda-compatible HTTP endpoint (src/analytics/outputs.ts lambdaDestination): a
 * node:http receiver that checks the Invoke path and the documented request shape, fails the first delivery of
 * one record, and sees it again with retryHint 1.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CreateStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import {
  CreateApplicationCommand,
  type KinesisAnalyticsV2Client,
  StartApplicationCommand,
  StopApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { waitFor } from '../firehose/helpers.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { PASS_THROUGH_SQL, ROLE, TICKER_SCHEMA, analyticsV2Client, applicationArn, streamArn } from './api-helpers.js';

interface Invocation {
  path: string;
  body: {
    invocationId: string;
    applicationArn: string;
    records: { recordId: string; lambdaDeliveryRecordMetadata: { retryHint: number }; data: string }[];
  };
}

let t: TestServer;
let ka: KinesisAnalyticsV2Client;
let receiver: Server;
const invocations: Invocation[] = [];
let failedOnce = false;

before(async () => {
  receiver = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => {
      text += c;
    });
    req.on('end', () => {
      const body = JSON.parse(text) as Invocation['body'];
      invocations.push({ path: req.url ?? '', body });
      const records = body.records.map((r) => {
        const row = JSON.parse(Buffer.from(r.data, 'base64').toString()) as { TICKER: string };
        // T1 fails on its first delivery.
        const fail = row.TICKER === 'T1' && !failedOnce;
        if (fail) failedOnce = true;
        return { recordId: r.recordId, result: fail ? 'DeliveryFailed' : 'Ok' };
      });
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

describe('Lambda outputs', () => {
  it('invokes the function with the documented batch and sends DeliveryFailed records again', async () => {
    await t.kinesis.send(new CreateStreamCommand({ StreamName: 'in', ShardCount: 1 }));
    await ka.send(
      new CreateApplicationCommand({
        ApplicationName: 'to-fn',
        RuntimeEnvironment: 'SQL-1_0',
        ServiceExecutionRole: ROLE,
        ApplicationConfiguration: {
          SqlApplicationConfiguration: {
            Inputs: [
              {
                NamePrefix: 'SOURCE_SQL_STREAM',
                KinesisStreamsInput: { ResourceARN: streamArn('in') },
                InputSchema: TICKER_SCHEMA,
              },
            ],
            Outputs: [
              {
                Name: 'DESTINATION_SQL_STREAM',
                LambdaOutput: { ResourceARN: 'arn:aws:lambda:us-east-1:000000000000:function:sink:live' },
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
    await ka.send(new StartApplicationCommand({ ApplicationName: 'to-fn' }));
    await t.kinesis.send(
      new PutRecordsCommand({
        StreamName: 'in',
        Records: Array.from({ length: 3 }, (_, i) => ({
          PartitionKey: 'k',
          Data: Buffer.from(JSON.stringify({ ticker: `T${i}`, price: i })),
        })),
      }),
    );
    const delivered = await waitFor(() => {
      const ok = new Map<string, number>();
      for (const inv of invocations)
        for (const r of inv.body.records) {
          const row = JSON.parse(Buffer.from(r.data, 'base64').toString()) as { TICKER: string };
          ok.set(row.TICKER, r.lambdaDeliveryRecordMetadata.retryHint);
        }
      return ok.size === 3 && ok.get('T1') === 1 ? ok : undefined;
    }, 4000);
    assert.deepEqual([...delivered.keys()].sort(), ['T0', 'T1', 'T2']);
    assert.equal(invocations[0]!.path, '/2015-03-31/functions/sink/invocations');
    assert.equal(invocations[0]!.body.applicationArn, applicationArn('to-fn'));
    assert.ok(invocations[0]!.body.invocationId);
    await ka.send(new StopApplicationCommand({ ApplicationName: 'to-fn' }));
  });
});
