/**
 * Durability of the DirectPut buffer under kill -9: a server child process buffers acknowledged records (a
 * 900 s interval, so nothing is delivered yet), is killed with SIGKILL under load, restarts on the same data
 * directory, and after an UpdateDestination to interval 0 every acknowledged record is delivered to the
 * embedded directory (duplicates allowed: at-least-once).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  CreateDeliveryStreamCommand,
  type FirehoseClient,
  PutRecordBatchCommand,
  UpdateDestinationCommand,
} from '@aws-sdk/client-firehose';
import { freePort } from '../helpers/net.js';
import { startServerProcess } from '../helpers/child-server.js';
import { ROLE, firehoseClient, listObjects, waitFor } from './helpers.js';

async function startChild(dataDir: string, port: number): Promise<{ child: ChildProcess; fh: FirehoseClient }> {
  const child = await startServerProcess(dataDir, port, ['--firehose-create-ms', '0']);
  return { child, fh: firehoseClient(`http://127.0.0.1:${port}`) };
}

describe('Firehose crash safety', () => {
  it('every acknowledged record is delivered after SIGKILL and a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tributary-fh-crash-'));
    const port = await freePort();
    let { child, fh } = await startChild(dataDir, port);
    try {
      await fh.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: 'crash',
          ExtendedS3DestinationConfiguration: {
            RoleARN: ROLE,
            BucketARN: 'arn:aws:s3:::crash',
            CompressionFormat: 'GZIP',
            BufferingHints: { SizeInMBs: 128, IntervalInSeconds: 900 },
          },
        }),
      );
      const acked = new Set<string>();
      let next = 0;
      let stop = false;
      const writer = async (w: number) => {
        while (!stop) {
          const ids = Array.from({ length: 100 }, () => `w${w}-${next++}`);
          try {
            const r = await fh.send(
              new PutRecordBatchCommand({
                DeliveryStreamName: 'crash',
                Records: ids.map((id) => ({ Data: Buffer.from(`${id}\n`) })),
              }),
            );
            if (r.FailedPutCount !== 0) return;
          } catch {
            return; // the server died mid-request: not acknowledged
          }
          for (const id of ids) acked.add(id);
        }
      };
      const writers = [0, 1, 2].map(writer);
      await waitFor(() => (acked.size >= 3000 ? true : undefined));
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      stop = true;
      await Promise.all(writers);
      await exited;
      fh.destroy();
      assert.deepEqual(await listObjects(join(dataDir, 's3')), new Map(), 'nothing was delivered before the kill');

      ({ child, fh } = await startChild(dataDir, port));
      await fh.send(
        new UpdateDestinationCommand({
          DeliveryStreamName: 'crash',
          CurrentDeliveryStreamVersionId: '1',
          DestinationId: 'destinationId-000000000001',
          ExtendedS3DestinationUpdate: { BufferingHints: { IntervalInSeconds: 0 } },
        }),
      );
      const { gunzipSync } = await import('node:zlib');
      const delivered = await waitFor(async () => {
        const objs = await listObjects(join(dataDir, 's3', 'crash'));
        const lines = new Set([...objs.values()].flatMap((b) => gunzipSync(b).toString().split('\n')));
        for (const id of acked) if (!lines.has(id)) return undefined;
        return lines;
      });
      for (const id of acked) assert.ok(delivered.has(id), id);
    } finally {
      fh.destroy();
      child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
