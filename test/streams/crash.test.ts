/**
 * Durability under kill -9: writers put records under load, the server process is killed with SIGKILL,
 * restarted on the same data dir, and every acknowledged record is read back, in order, none duplicated.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kinesisCall, readShard } from '../helpers/raw.js';
import { startServerProcess } from '../helpers/child-server.js';
import { freePort } from '../helpers/net.js';

const startChild = (dataDir: string, port: number) => startServerProcess(dataDir, port, ['--create-stream-ms', '0']);

describe('crash safety', () => {
  it('every acknowledged PutRecords record survives SIGKILL, in order, without duplicates', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tributary-crash-'));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    let child = await startChild(dataDir, port);
    try {
      assert.equal((await kinesisCall(url, 'CreateStream', { StreamName: 'crash', ShardCount: 3 })).status, 200);

      // shardId → acknowledged [sequenceNumber, payload] in acknowledgement order
      const acked = new Map<string, Array<[string, string]>>();
      let next = 0;
      let stop = false;
      const writer = async (w: number) => {
        while (!stop) {
          const batch = Array.from({ length: 50 }, () => {
            const id = `w${w}-${next++}`;
            return { id, entry: { PartitionKey: id, Data: Buffer.from(id).toString('base64') } };
          });
          let r;
          try {
            r = await kinesisCall(url, 'PutRecords', { StreamName: 'crash', Records: batch.map((b) => b.entry) });
          } catch {
            return; // the server died mid-request: this batch was not acknowledged
          }
          if (r.status !== 200) return;
          r.body.Records.forEach((res: { ShardId: string; SequenceNumber: string }, i: number) => {
            const list = acked.get(res.ShardId) ?? [];
            list.push([res.SequenceNumber, batch[i]!.id]);
            acked.set(res.ShardId, list);
          });
        }
      };
      const writers = [0, 1, 2, 3].map(writer);
      await new Promise((r) => setTimeout(r, 1500));
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      stop = true;
      await Promise.all(writers);
      await exited;
      const ackedCount = [...acked.values()].reduce((n, l) => n + l.length, 0);
      assert.ok(ackedCount > 0, 'some records were acknowledged before the kill');

      child = await startChild(dataDir, port);
      for (const shardId of ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002']) {
        const read = await readShard(url, 'crash', shardId);
        const payloads = read.map(([, p]) => p);
        assert.equal(new Set(payloads).size, payloads.length, `no duplicates in ${shardId}`);
        const seqs = read.map(([s]) => BigInt(s));
        for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i]! > seqs[i - 1]!, 'sequence numbers increase');
        const readSet = new Map(read);
        const mine = (acked.get(shardId) ?? []).sort((a, b) => (BigInt(a[0]) < BigInt(b[0]) ? -1 : 1));
        for (const [seq, payload] of mine)
          assert.equal(readSet.get(seq), payload, `acknowledged ${payload} (${seq}) is present`);
        // Acknowledged records appear in the log in the order of their sequence numbers.
        const mineSet = new Set(mine.map(([s]) => s));
        const order = read.filter(([s]) => mineSet.has(s)).map(([s]) => s);
        assert.deepEqual(
          order,
          mine.map(([s]) => s),
        );
      }
      // Writes continue after recovery with fresh sequence numbers.
      const after = await kinesisCall(url, 'PutRecord', { StreamName: 'crash', PartitionKey: 'after', Data: 'YQ==' });
      assert.equal(after.status, 200);
    } finally {
      child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
