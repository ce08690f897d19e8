/**
 * A running application under kill -9: a server child process runs a pass-through application while a writer
 * puts records into its input; the server is killed with SIGKILL mid-stream and started again on the same data
 * directory. The application is still RUNNING after the restart, its worker resumes from the last stored
 * checkpoint of the run, and every acknowledged input record reaches the output stream at least once.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CreateStreamCommand, type KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import {
  CreateApplicationCommand,
  DescribeApplicationCommand,
  type KinesisAnalyticsV2Client,
  StartApplicationCommand,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { waitFor } from '../firehose/helpers.js';
import { startServerProcess } from '../helpers/child-server.js';
import { freePort } from '../helpers/net.js';
import { readShard } from '../helpers/raw.js';
import { kinesisClient } from '../helpers/server.js';
import { PASS_THROUGH_SQL, ROLE, TICKER_SCHEMA, analyticsV2Client, streamArn } from './api-helpers.js';

interface Child {
  child: ChildProcess;
  kinesis: KinesisClient;
  ka: KinesisAnalyticsV2Client;
  url: string;
}

async function startChild(dataDir: string, port: number): Promise<Child> {
  const child = await startServerProcess(dataDir, port, ['--create-stream-ms', '0', '--analytics-transition-ms', '0']);
  const url = `http://127.0.0.1:${port}`;
  return { child, kinesis: kinesisClient(url), ka: analyticsV2Client(url), url };
}

describe('Analytics crash safety', () => {
  it('every acknowledged record reaches the output after SIGKILL and a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tributary-an-crash-'));
    const port = await freePort();
    let c = await startChild(dataDir, port);
    try {
      await c.kinesis.send(new CreateStreamCommand({ StreamName: 'in', ShardCount: 2 }));
      await c.kinesis.send(new CreateStreamCommand({ StreamName: 'out', ShardCount: 1 }));
      await c.ka.send(
        new CreateApplicationCommand({
          ApplicationName: 'crash',
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
                  KinesisStreamsOutput: { ResourceARN: streamArn('out') },
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
      await c.ka.send(
        new StartApplicationCommand({
          ApplicationName: 'crash',
          RunConfiguration: {
            SqlRunConfigurations: [
              { InputId: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'TRIM_HORIZON' } },
            ],
          },
        }),
      );
      const acked = new Set<string>();
      let next = 0;
      let stop = false;
      const writer = async (kinesis: KinesisClient) => {
        while (!stop) {
          const ids = Array.from({ length: 50 }, () => `T${next++}`);
          try {
            const r = await kinesis.send(
              new PutRecordsCommand({
                StreamName: 'in',
                Records: ids.map((id) => ({
                  PartitionKey: id,
                  Data: Buffer.from(JSON.stringify({ ticker: id, price: 1 })),
                })),
              }),
            );
            if (r.FailedRecordCount !== 0) return;
          } catch {
            return; // the server died mid-request: not acknowledged
          }
          for (const id of ids) acked.add(id);
        }
      };
      const writing = writer(c.kinesis);
      // Kill once the application has produced some output, so the kill lands mid-stream.
      await waitFor(
        async () => ((await readShard(c.url, 'out', 'shardId-000000000000')).length >= 200 ? true : undefined),
        4000,
      );
      const exited = new Promise((r) => c.child.once('exit', r));
      c.child.kill('SIGKILL');
      stop = true;
      await writing;
      await exited;
      c.kinesis.destroy();
      c.ka.destroy();

      c = await startChild(dataDir, port);
      const d = (await c.ka.send(new DescribeApplicationCommand({ ApplicationName: 'crash' }))).ApplicationDetail!;
      assert.equal(d.ApplicationStatus, 'RUNNING');
      const seen = await waitFor(async () => {
        const out = new Set(
          (await readShard(c.url, 'out', 'shardId-000000000000')).map(([, data]) => data.split(',')[0]!),
        );
        for (const id of acked) if (!out.has(id)) return undefined;
        return out;
      }, 4000);
      assert.ok(acked.size >= 200);
      for (const id of acked) assert.ok(seen.has(id), `${id} reached the output`);
    } finally {
      c.kinesis.destroy();
      c.ka.destroy();
      const exited = new Promise((r) => c.child.once('exit', r));
      c.child.kill('SIGTERM');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
