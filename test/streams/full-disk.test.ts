/**
 * A full disk, end to end (ADR 0015): the server runs as a child process with its data directory on an 8 MiB
 * tmpfs. PutRecords fills it until the server answers ServiceUnavailable (which the SDK retries); reads go on;
 * once space is freed writes resume without a restart; after SIGKILL and a restart every acknowledged record is
 * there exactly once and nothing that was refused is. Needs root to mount the tmpfs (CI runs as root).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { kinesisCall, readShard } from '../helpers/raw.js';
import { startServerProcess } from '../helpers/child-server.js';
import { freePort } from '../helpers/net.js';
import { TEST_CREDENTIALS } from '../helpers/server.js';
import { mountSmallFs } from '../helpers/small-fs.js';

const fs = mountSmallFs(8);
if (typeof fs !== 'string') after(() => fs.unmount());

// The audit log is off: this test is about the data directory (audit resilience is tested with the audit log).
const startChild = (dataDir: string, port: number) =>
  startServerProcess(dataDir, port, ['--no-audit', '--log-level', 'error', '--create-stream-ms', '0']);

const readAll = (url: string) => readShard(url, 'full', 'shardId-000000000000');

describe('a full disk', () => {
  it('PutRecords answers ServiceUnavailable, reads go on, writes resume when space returns, nothing acknowledged is lost', {
    skip: typeof fs === 'string' ? fs : false,
  }, async () => {
    if (typeof fs === 'string') return;
    const dataDir = join(fs.dir, 'data');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    let child = await startChild(dataDir, port);
    try {
      assert.equal((await kinesisCall(url, 'CreateStream', { StreamName: 'full', ShardCount: 1 })).status, 200);
      await fs.fill(1024 * 1024);
      const acked: Array<[string, string]> = [];
      let n = 0;
      const put = () => {
        const ids = Array.from({ length: 50 }, () => `r${n++}:`.padEnd(1000, 'x'));
        return kinesisCall(url, 'PutRecords', {
          StreamName: 'full',
          Records: ids.map((id) => ({ PartitionKey: 'p', Data: Buffer.from(id).toString('base64') })),
        }).then((r) => {
          if (r.status === 200) {
            for (const [k, x] of (r.body.Records as Array<{ SequenceNumber: string }>).entries())
              acked.push([x.SequenceNumber, ids[k]!]);
          }
          return r;
        });
      };
      let refused;
      for (let i = 0; i < 1000 && refused === undefined; i++) {
        const r = await put();
        if (r.status !== 200) refused = r;
      }
      assert.ok(refused, 'the disk filled up');
      assert.equal(refused.status, 503, refused.text);
      assert.equal(refused.headers.get('x-amzn-errortype'), 'ServiceUnavailable');
      assert.match(refused.body.message, /no disk space/);
      assert.ok(acked.length > 0);

      // The SDK treats it as retriable: it tries again until its attempts are used up.
      const sdk = new KinesisClient({
        endpoint: url,
        region: 'us-east-1',
        credentials: TEST_CREDENTIALS,
        maxAttempts: 2,
      });
      try {
        const big = Array.from({ length: 500 }, () => ({ PartitionKey: 'p', Data: new Uint8Array(4096) }));
        await assert.rejects(sdk.send(new PutRecordsCommand({ StreamName: 'full', Records: big })), (err: any) => {
          assert.equal(err.name, 'ServiceUnavailable');
          assert.equal(err.$metadata.httpStatusCode, 503);
          assert.equal(err.$metadata.attempts, 2);
          return true;
        });
      } finally {
        sdk.destroy();
      }

      // Reads go on while the disk is full.
      assert.deepEqual(await readAll(url), acked);

      // Space comes back: writes resume without a restart.
      await fs.free();
      for (let i = 0; i < 3; i++) assert.equal((await put()).status, 200);

      // kill -9, restart: every acknowledged record exactly once, in order, nothing refused.
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      child = await startChild(dataDir, port);
      assert.deepEqual(await readAll(url), acked);
      assert.equal((await put()).status, 200);
    } finally {
      child.kill('SIGKILL');
      await fs.free();
    }
  });
});
