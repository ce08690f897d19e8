/**
 * Enhanced fan-out push latency: one SubscribeToShard subscriber (the default SDK v3 client over h2c)
 * and one writer doing sequential PutRecord calls against a Tributary server started in this process
 * (durable acks). For each record it measures PutRecord acknowledgement → event received, and
 * PutRecord sent → event received, and prints p50/p99 of both.
 * Usage: npm run bench -- fan-out [--records 500] [--durability always|none|interval:<ms>]
 */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  CreateStreamCommand,
  KinesisClient,
  PutRecordCommand,
  RegisterStreamConsumerCommand,
  SubscribeToShardCommand,
} from '@aws-sdk/client-kinesis';
import { startServer } from '../src/server/index.js';
import { parseBenchArgs } from './shared/args.js';

const values = parseBenchArgs(
  'npm run bench -- fan-out',
  'Enhanced fan-out push latency: PutRecord acknowledgement and send to SubscribeToShard event, p50/p99 (see bench/fan-out.ts).',
  { records: { type: 'string', default: '500' }, durability: { type: 'string', default: 'always' } },
);
const durability = values.durability as 'always';
const count = Number(values.records);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const dir = mkdtempSync(join(tmpdir(), 'trib-bench-efo-'));
const server = await startServer({
  host: '127.0.0.1',
  port: 0,
  dataDir: dir,
  logLevel: 'error',
  createStreamMs: 0,
  deleteStreamMs: 0,
  updateStreamMs: 0,
  durability,
});
const client = (): KinesisClient =>
  new KinesisClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
const writer = client();
const reader = client();
try {
  await writer.send(new CreateStreamCommand({ StreamName: 'bench-efo', ShardCount: 1 }));
  const { Consumer } = await writer.send(
    new RegisterStreamConsumerCommand({
      StreamARN: 'arn:aws:kinesis:us-east-1:000000000000:stream/bench-efo',
      ConsumerName: 'bench',
    }),
  );
  const sub = await reader.send(
    new SubscribeToShardCommand({
      ConsumerARN: Consumer!.ConsumerARN,
      ShardId: 'shardId-000000000000',
      StartingPosition: { Type: 'LATEST' },
    }),
  );

  const sentAt = new Map<number, number>();
  const ackedAt = new Map<number, number>();
  const receivedAt = new Map<number, number>();
  let onAll: () => void = () => {};
  const allReceived = new Promise<void>((resolve) => (onAll = resolve));
  // The reader runs concurrently with the writer and stamps each record as its event arrives.
  const reading = (async () => {
    for await (const event of sub.EventStream!) {
      const now = performance.now();
      for (const r of event.SubscribeToShardEvent?.Records ?? []) {
        receivedAt.set(Number(Buffer.from(r.Data!).toString()), now);
      }
      if (receivedAt.size >= count) {
        onAll();
        return;
      }
    }
  })();

  for (let i = 0; i < count; i++) {
    sentAt.set(i, performance.now());
    await writer.send(
      new PutRecordCommand({ StreamName: 'bench-efo', PartitionKey: 'k', Data: Buffer.from(String(i)) }),
    );
    ackedAt.set(i, performance.now());
  }
  await allReceived;
  await Promise.race([reading, new Promise((resolve) => setTimeout(resolve, 100))]);

  const fromAck: number[] = [];
  const fromSend: number[] = [];
  for (let i = 0; i < count; i++) {
    // Negative when the event overtook the PutRecord response: the push is sent as soon as the
    // append is durable, in parallel with the acknowledgement.
    fromAck.push(receivedAt.get(i)! - ackedAt.get(i)!);
    fromSend.push(receivedAt.get(i)! - sentAt.get(i)!);
  }
  fromAck.sort((a, b) => a - b);
  fromSend.sort((a, b) => a - b);
  const ms = (v: number) => `${v.toFixed(2)} ms`;
  process.stdout.write(
    `enhanced fan-out push latency, ${count} records, durability ${durability}, h2c, one shard\n` +
      `  PutRecord ack  → event: p50 ${ms(percentile(fromAck, 50))}  p99 ${ms(percentile(fromAck, 99))}  max ${ms(fromAck[fromAck.length - 1]!)}\n` +
      `  PutRecord sent → event: p50 ${ms(percentile(fromSend, 50))}  p99 ${ms(percentile(fromSend, 99))}  max ${ms(fromSend[fromSend.length - 1]!)}\n`,
  );
} finally {
  writer.destroy();
  reader.destroy();
  await server.close();
  await rm(dir, { recursive: true, force: true });
}
