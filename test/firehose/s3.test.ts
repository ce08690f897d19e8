/**
 * Delivery into an S3-compatible server (s3rver, in-process): the server runs with `s3Endpoint` and S3 credentials,
 * objects are read back with the S3 SDK, decompressed and compared byte for byte, and their keys checked.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { CreateDeliveryStreamCommand, type FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ROLE, defaultKeyPattern, firehoseClient, pythonSnappy, snappySkip, waitFor } from './helpers.js';

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

let s3dir: string;
let s3rver: S3rverInstance;
let s3: S3Client;
let t: TestServer;
let fh: FirehoseClient;

before(async () => {
  s3dir = await mkdtemp(join(tmpdir(), 'trib-s3rver-'));
  s3rver = new S3rver({
    port: 0,
    address: '127.0.0.1',
    directory: s3dir,
    silent: true,
    configureBuckets: [{ name: 'b' }],
  });
  const { port } = await s3rver.run();
  const endpoint = `http://127.0.0.1:${port}`;
  s3 = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  t = await startTestServer({ s3Endpoint: endpoint, s3AccessKeyId: 'S3RVER', s3SecretAccessKey: 'S3RVER' });
  fh = firehoseClient(t.server.url);
});
after(async () => {
  fh.destroy();
  await t.close();
  s3.destroy();
  await s3rver.close();
  await rm(s3dir, { recursive: true, force: true });
});

async function objects(bucket: string, prefix = ''): Promise<Array<{ key: string; body: Buffer }>> {
  const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  const out: Array<{ key: string; body: Buffer }> = [];
  for (const o of list.Contents ?? []) {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }));
    out.push({ key: o.Key!, body: Buffer.from(await got.Body!.transformToByteArray()) });
  }
  return out;
}

describe('Firehose into an S3-compatible server', () => {
  const extensions = { UNCOMPRESSED: '', GZIP: '.gz', Snappy: '.snappy', HADOOP_SNAPPY: '' } as const;
  const decode = async (format: keyof typeof extensions, body: Buffer): Promise<Buffer> =>
    format === 'GZIP'
      ? gunzipSync(body)
      : format === 'Snappy'
        ? pythonSnappy('framed', body)
        : format === 'HADOOP_SNAPPY'
          ? pythonSnappy('hadoop', body)
          : body;
  for (const format of ['UNCOMPRESSED', 'GZIP', 'Snappy', 'HADOOP_SNAPPY'] as const) {
    const skip = format === 'Snappy' || format === 'HADOOP_SNAPPY' ? snappySkip() : false;
    it(`writes ${format} objects byte for byte under the default layout`, { skip }, async () => {
      const name = `s3-${format.toLowerCase().replace('_', '-')}`;
      await fh.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: name,
          ExtendedS3DestinationConfiguration: {
            RoleARN: ROLE,
            BucketARN: 'arn:aws:s3:::b',
            Prefix: `${name}/`,
            CompressionFormat: format,
            BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
          },
        }),
      );
      const records = Array.from({ length: 300 }, (_, i) => Buffer.from(`${name} record ${i}\n`));
      await fh.send(
        new PutRecordBatchCommand({ DeliveryStreamName: name, Records: records.map((Data) => ({ Data })) }),
      );
      const want = Buffer.concat(records);
      const got = await waitFor(async () => {
        const objs = await objects('b', `${name}/`);
        const body = Buffer.concat(await Promise.all(objs.map((o) => decode(format, o.body))));
        return body.length >= want.length ? { objs, body } : undefined;
      });
      assert.ok(got.body.equals(want), 'delivered bytes differ');
      for (const o of got.objs) {
        const rest = o.key.slice(name.length + 1);
        assert.match(rest, defaultKeyPattern(name, 1, extensions[format]));
      }
    });
  }
});
