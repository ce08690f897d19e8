/**
 * SubscribeToShard over TLS: the default SDK v3 client negotiates HTTP/2 by ALPN on the TLS port (the way it talks
 * to AWS), with the server's certificate trusted through NODE_EXTRA_CA_CERTS (read at process start, hence a child).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { RunningServer } from '../../src/server/index.js';
import { TEST_CREDENTIALS, startTlsTestServer, type TlsTestServer } from '../helpers/server.js';

const run = promisify(execFile);

describe('enhanced fan-out over TLS', () => {
  let tls: TlsTestServer;
  let server: RunningServer;
  let certFile: string;

  before(async () => {
    tls = await startTlsTestServer();
    server = tls.server;
    certFile = tls.certFile;
  });
  after(async () => {
    await tls.close();
  });

  it('delivers records pushed after the subscription started, over https + h2', async () => {
    const script = `
      import { KinesisClient, CreateStreamCommand, RegisterStreamConsumerCommand, SubscribeToShardCommand, PutRecordCommand } from '@aws-sdk/client-kinesis';
      const k = new KinesisClient({ endpoint: '${server.url}', region: 'us-east-1', credentials: ${JSON.stringify(TEST_CREDENTIALS)}, maxAttempts: 1 });
      await k.send(new CreateStreamCommand({ StreamName: 'tls-efo', ShardCount: 1 }));
      const { Consumer } = await k.send(new RegisterStreamConsumerCommand({ StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/tls-efo', ConsumerName: 'c' }));
      const { EventStream } = await k.send(new SubscribeToShardCommand({ ConsumerARN: Consumer.ConsumerARN, ShardId: 'shardId-000000000000', StartingPosition: { Type: 'LATEST' } }));
      await k.send(new PutRecordCommand({ StreamName: 'tls-efo', PartitionKey: 'p', Data: Buffer.from('over tls') }));
      const got = [];
      for await (const event of EventStream) {
        for (const r of event.SubscribeToShardEvent?.Records ?? []) got.push(Buffer.from(r.Data).toString());
        if (got.length > 0) break;
      }
      console.log(JSON.stringify(got));
      k.destroy();
      process.exit(0);`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: process.cwd(),
      env: { ...process.env, NODE_EXTRA_CA_CERTS: certFile, NODE_NO_WARNINGS: '1' },
      timeout: 60_000,
    });
    assert.deepEqual(JSON.parse(stdout.trim().split('\n').pop()!), ['over tls']);
  });
});
