/**
 * `npm run bench:firehose`: Firehose throughput on this machine, against an in-process server with durable acks
 * (`--durability always`) and the embedded object directory.
 * 1. Ingest: PutRecordBatch of 500 × 100 B records from several concurrent producers; an acknowledgement means the
 *    records are fsynced in the delivery stream's buffer. Delivery is held back (900 s interval, 128 MiB) so
 *    ingest is measured alone. Prints records/s and MB/s, and the CPU time of the process (server and the SDK
 *    client, which share it) per record: a busy shared machine disturbs that figure less than the rate.
 * 2. Delivery: UpdateDestination to interval 0, then the time until every buffered byte is in objects
 *    (end-to-end from the durable buffer to files), with CompressionFormat UNCOMPRESSED and GZIP.
 * 3. The same delivery into a real S3-compatible server (s3rver from npm, on loopback) through `--s3-endpoint`,
 *    counted from the object files s3rver stores.
 * The server runs with the defaults a user gets (audit log on), but for durable acks and no creation delay.
 * Options: --records <n> (default 200000), --producers <n> (default 8).
 * Each ingest runs twice: with @aws-sdk/client-firehose as the producer, and with the thin pre-encoded HTTP client
 * of the streams benchmark (bench/streams/kinesis-client.ts), which leaves the server most of the CPU the two share
 * in this one process; the server's work per request is the same (parse, validate, base64-decode, append, fsync).
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  CreateDeliveryStreamCommand,
  FirehoseClient,
  PutRecordBatchCommand,
  UpdateDestinationCommand,
} from '@aws-sdk/client-firehose';
import { silentLogger } from '../src/protocol/index.js';
import { startServer } from '../src/server/index.js';
import { errorFromResponse, KinesisHttpClient } from './streams/kinesis-client.js';
import { parseBenchArgs } from './shared/args.js';

const values = parseBenchArgs(
  'npm run bench:firehose --',
  'Firehose ingest (PutRecordBatch from concurrent producers) and delivery throughput, with durable acks (see bench/firehose.ts).',
  { records: { type: 'string', default: '200000' }, producers: { type: 'string', default: '8' } },
);
const TOTAL = Number(values.records);
const PRODUCERS = Number(values.producers);
const BATCH = 500;
const RECORD = 100;

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

/** s3rver keeps each object's bytes in a file named `<key>._S3rver_object` under `<directory>/<bucket>/`. */
const S3RVER_OBJECT = '._S3rver_object';

async function deliveredBytes(dir: string, gzip: boolean, objectSuffix?: string): Promise<number> {
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (objectSuffix ? e.name.endsWith(objectSuffix) : !e.name.startsWith('.tmp-')) {
        const body = await readFile(p);
        total += gzip ? gunzipSync(body).length : body.length;
      }
    }
  };
  await walk(dir);
  return total;
}

type Producer = 'sdk' | 'raw';
type Target = 'directory' | 's3rver';

async function runOnce(format: 'UNCOMPRESSED' | 'GZIP', producer: Producer, target: Target): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'trib-bench-fh-'));
  let s3rver: S3rverInstance | undefined;
  let s3: Record<string, string> = {};
  if (target === 's3rver') {
    s3rver = new S3rver({
      port: 0,
      address: '127.0.0.1',
      directory: join(dataDir, 's3rver'),
      silent: true,
      configureBuckets: [{ name: 'bench' }],
    });
    const { port } = await s3rver.run();
    s3 = { s3Endpoint: `http://127.0.0.1:${port}`, s3AccessKeyId: 'S3RVER', s3SecretAccessKey: 'S3RVER' };
  }
  const server = await startServer(
    { port: 0, dataDir, durability: 'always', firehoseCreateMs: 0, logLevel: 'silent', ...s3 },
    { logger: silentLogger },
  );
  const fh = new FirehoseClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDBENCH', secretAccessKey: 'x' },
  });
  try {
    const name = `bench-${format.toLowerCase()}`;
    await fh.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: name,
        ExtendedS3DestinationConfiguration: {
          RoleARN: 'arn:aws:iam::000000000000:role/bench',
          BucketARN: 'arn:aws:s3:::bench',
          CompressionFormat: format,
          BufferingHints: { SizeInMBs: 128, IntervalInSeconds: 900 },
        },
      }),
    );
    const record = Buffer.alloc(RECORD, 0x61);
    record[RECORD - 1] = 0x0a;
    const records = Array.from({ length: BATCH }, () => ({ Data: record }));
    let sent = 0;
    const raw = new KinesisHttpClient(Number(new URL(server.url).port), {
      maxSockets: PRODUCERS,
      targetPrefix: 'Firehose_20150804',
      signingName: 'firehose',
    });
    const rawBody = Buffer.from(
      JSON.stringify({ DeliveryStreamName: name, Records: records.map((r) => ({ Data: r.Data.toString('base64') })) }),
    );
    const putBatch = async (): Promise<void> => {
      if (producer === 'sdk') {
        const r = await fh.send(new PutRecordBatchCommand({ DeliveryStreamName: name, Records: records }));
        if (r.FailedPutCount) throw new Error(`${r.FailedPutCount} records failed`);
        return;
      }
      const res = await raw.send('PutRecordBatch', rawBody);
      if (res.status !== 200) throw errorFromResponse(res);
      if (!res.body.includes('"FailedPutCount":0')) throw new Error(`records failed: ${res.body.subarray(0, 200)}`);
    };
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: PRODUCERS }, async () => {
        while (sent < TOTAL) {
          sent += BATCH;
          await putBatch();
        }
      }),
    );
    raw.close();
    const ingestS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const bytes = sent * RECORD;
    console.log(
      `${format.padEnd(12)} ingest   (${producer === 'sdk' ? 'SDK client' : 'thin client'}) ${sent} records in ${ingestS.toFixed(2)} s: ${Math.round(sent / ingestS)} records/s, ${(bytes / 1e6 / ingestS).toFixed(1)} MB/s (PutRecordBatch ${BATCH} × ${RECORD} B, ${PRODUCERS} producers, fsync'd acks); process CPU ${((cpu.user + cpu.system) / sent).toFixed(2)} µs/record`,
    );
    const t1 = performance.now();
    await fh.send(
      new UpdateDestinationCommand({
        DeliveryStreamName: name,
        CurrentDeliveryStreamVersionId: '1',
        DestinationId: 'destinationId-000000000001',
        ExtendedS3DestinationUpdate: { BufferingHints: { SizeInMBs: 128, IntervalInSeconds: 0 } },
      }),
    );
    const objects = target === 's3rver' ? join(dataDir, 's3rver', 'bench') : join(dataDir, 's3', 'bench');
    const suffix = target === 's3rver' ? S3RVER_OBJECT : undefined;
    while ((await deliveredBytes(objects, format === 'GZIP', suffix)) < bytes)
      await new Promise((r) => setTimeout(r, 20));
    const deliverS = (performance.now() - t1) / 1000;
    console.log(
      `${format.padEnd(12)} delivery ${(bytes / 1e6).toFixed(1)} MB to ${target === 's3rver' ? 's3rver' : 'the object directory'} in ${deliverS.toFixed(2)} s: ${(bytes / 1e6 / deliverS).toFixed(1)} MB/s, ${Math.round(sent / deliverS)} records/s`,
    );
  } finally {
    fh.destroy();
    await server.close();
    await s3rver?.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

for (const format of ['UNCOMPRESSED', 'GZIP'] as const) {
  for (const producer of ['sdk', 'raw'] as const) await runOnce(format, producer, 'directory');
  await runOnce(format, 'raw', 's3rver');
}
