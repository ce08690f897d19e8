/**
 * The sample endpoint (src/analytics/sample-route.ts): the latest rows of an in-application stream of a running
 * application as JSON lines, signed like any call; unsigned and unknown-application requests are refused.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CreateStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import {
  CreateApplicationCommand,
  type KinesisAnalyticsV2Client,
  StartApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { signRaw } from '../auth/sign.js';
import { waitFor } from '../firehose/helpers.js';
import { startTestServer, TEST_CREDENTIALS, type TestServer } from '../helpers/server.js';
import { PASS_THROUGH_SQL, ROLE, TICKER_SCHEMA, analyticsV2Client, streamArn } from './api-helpers.js';

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

async function sample(query: Record<string, string>, sign = true, signal?: AbortSignal): Promise<Response> {
  const url = new URL(t.server.url);
  const headers: Record<string, string> = {};
  let path = `/analytics/sample?${new URLSearchParams(query).toString()}`;
  if (sign) {
    const signed = await signRaw(TEST_CREDENTIALS, {
      host: url.host,
      method: 'GET',
      path: '/analytics/sample',
      query,
      headers: {},
      body: '',
      service: 'kinesisanalytics',
    });
    Object.assign(headers, signed.headers);
    path = signed.path;
  }
  return fetch(`${t.server.url}${path}`, { headers, ...(signal ? { signal } : {}) });
}

describe('sample endpoint', () => {
  it('answers the latest rows of an in-application stream as JSON lines', async () => {
    await t.kinesis.send(new CreateStreamCommand({ StreamName: 'ticks', ShardCount: 1 }));
    await ka.send(
      new CreateApplicationCommand({
        ApplicationName: 'sampled',
        RuntimeEnvironment: 'SQL-1_0',
        ServiceExecutionRole: ROLE,
        ApplicationConfiguration: {
          SqlApplicationConfiguration: {
            Inputs: [
              {
                NamePrefix: 'SOURCE_SQL_STREAM',
                KinesisStreamsInput: { ResourceARN: streamArn('ticks') },
                InputSchema: TICKER_SCHEMA,
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
    await ka.send(
      new StartApplicationCommand({
        ApplicationName: 'sampled',
        RunConfiguration: {
          SqlRunConfigurations: [
            { InputId: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'TRIM_HORIZON' } },
          ],
        },
      }),
    );
    await t.kinesis.send(
      new PutRecordsCommand({
        StreamName: 'ticks',
        Records: Array.from({ length: 5 }, (_, i) => ({
          PartitionKey: 'k',
          Data: Buffer.from(JSON.stringify({ ticker: `T${i}`, price: i })),
        })),
      }),
    );
    const rows = await waitFor(async () => {
      const res = await sample({ ApplicationName: 'sampled', Stream: 'DESTINATION_SQL_STREAM', Limit: '3' });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/x-ndjson');
      const lines = (await res.text())
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      return lines.length === 3 && lines[2].TICKER === 'T4' ? lines : undefined;
    }, 4000);
    assert.deepEqual(
      rows.map((r) => [r.TICKER, r.PRICE]),
      [
        ['T2', 2],
        ['T3', 3],
        ['T4', 4],
      ],
    );
    assert.match(rows[0].ROWTIME, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/);
  });

  it('`tributary analytics sample` prints the same rows as JSON lines and exits 0', async () => {
    const cli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
    const env: NodeJS.ProcessEnv = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_'))),
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    };
    const args = ['--endpoint-url', t.server.url, '--region', 'us-east-1'];
    const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [cli, ...args, 'analytics', 'sample', 'sampled', 'DESTINATION_SQL_STREAM', '--limit', '2'],
        { env },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    assert.equal(result.code, 0, result.stderr);
    const rows = result.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { TICKER: string; PRICE: number });
    assert.deepEqual(
      rows.map((r) => [r.TICKER, r.PRICE]),
      [
        ['T3', 3],
        ['T4', 4],
      ],
    );
  });

  it('with Follow=true keeps streaming new rows until the client leaves', async () => {
    const abort = new AbortController();
    const res = await sample(
      { ApplicationName: 'sampled', Stream: 'DESTINATION_SQL_STREAM', Limit: '1', Follow: 'true' },
      true,
      abort.signal,
    );
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const nextLines = async (count: number): Promise<string[]> => {
      for (;;) {
        const lines = text.split('\n').filter(Boolean);
        if (lines.length >= count) return lines;
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        text += decoder.decode(value, { stream: true });
      }
    };
    assert.equal(JSON.parse((await nextLines(1))[0]!).TICKER, 'T4');
    await t.kinesis.send(
      new PutRecordsCommand({
        StreamName: 'ticks',
        Records: [{ PartitionKey: 'k', Data: Buffer.from(JSON.stringify({ ticker: 'LIVE', price: 9 })) }],
      }),
    );
    assert.equal(JSON.parse((await nextLines(2))[1]!).TICKER, 'LIVE');
    abort.abort();
    await reader.cancel().catch(() => {});
  });

  it('refuses unsigned requests, unknown applications and bad limits', async () => {
    const unsigned = await sample({ ApplicationName: 'sampled', Stream: 'DESTINATION_SQL_STREAM' }, false);
    assert.equal(unsigned.status, 400);
    assert.equal(unsigned.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
    const unknown = await sample({ ApplicationName: 'nope', Stream: 'S' });
    assert.equal(unknown.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
    const bad = await sample({ ApplicationName: 'sampled', Stream: 'S', Limit: '-1' });
    assert.equal(bad.headers.get('x-amzn-errortype'), 'InvalidArgumentException');
  });
});
