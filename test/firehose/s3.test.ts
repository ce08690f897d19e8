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
import {
  CreateDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  type FirehoseClient,
  PutRecordBatchCommand,
  UpdateDestinationCommand,
} from '@aws-sdk/client-firehose';
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
    configureBuckets: [{ name: 'b' }, { name: 'backup' }],
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

describe('Extended S3 source record backup (S3BackupMode Enabled)', () => {
  const backupConfig = { RoleARN: ROLE, BucketARN: 'arn:aws:s3:::backup', CompressionFormat: 'GZIP' as const };

  it('writes every object a second time to the backup bucket, with its own prefix and compression', async () => {
    await fh.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'bk',
        ExtendedS3DestinationConfiguration: {
          RoleARN: ROLE,
          BucketARN: 'arn:aws:s3:::b',
          Prefix: 'bk-data/',
          BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
          S3BackupMode: 'Enabled',
          S3BackupConfiguration: { ...backupConfig, Prefix: 'bk-source/' },
        },
      }),
    );
    const d = (await fh.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'bk' })))
      .DeliveryStreamDescription!;
    const ext = d.Destinations![0]!.ExtendedS3DestinationDescription!;
    assert.equal(ext.S3BackupMode, 'Enabled');
    assert.deepEqual(ext.S3BackupDescription, {
      RoleARN: ROLE,
      BucketARN: 'arn:aws:s3:::backup',
      Prefix: 'bk-source/',
      BufferingHints: { SizeInMBs: 5, IntervalInSeconds: 300 },
      CompressionFormat: 'GZIP',
      EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' },
      CloudWatchLoggingOptions: { Enabled: false },
    });
    const records = Array.from({ length: 50 }, (_, i) => Buffer.from(`backup record ${i}\n`));
    await fh.send(new PutRecordBatchCommand({ DeliveryStreamName: 'bk', Records: records.map((Data) => ({ Data })) }));
    const want = Buffer.concat(records);
    const delivered = await waitFor(async () => {
      const main = await objects('b', 'bk-data/');
      const copies = await objects('backup', 'bk-source/');
      const mainBody = Buffer.concat(main.map((o) => o.body));
      const copyBody = Buffer.concat(copies.map((o) => gunzipSync(o.body)));
      return mainBody.length >= want.length && copyBody.length >= want.length
        ? { copies, mainBody, copyBody }
        : undefined;
    });
    assert.ok(delivered.mainBody.equals(want));
    assert.ok(delivered.copyBody.equals(want), 'the backup holds the same records');
    for (const o of delivered.copies) assert.match(o.key.slice('bk-source/'.length), defaultKeyPattern('bk', 1, '.gz'));
  });

  it('refuses S3BackupMode Enabled without S3BackupConfiguration, and disabling the backup by an update', async () => {
    await assert.rejects(
      fh.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: 'bk-none',
          ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: 'arn:aws:s3:::b', S3BackupMode: 'Enabled' },
        }),
      ),
      { name: 'InvalidArgumentException' },
    );
    await assert.rejects(
      fh.send(
        new UpdateDestinationCommand({
          DeliveryStreamName: 'bk',
          CurrentDeliveryStreamVersionId: '1',
          DestinationId: 'destinationId-000000000001',
          ExtendedS3DestinationUpdate: { S3BackupMode: 'Disabled' },
        }),
      ),
      { name: 'InvalidArgumentException', message: 'Disabling S3 backup is not currently supported.' },
    );
  });

  it('lets an update enable the backup of a stream created without one', async () => {
    await fh.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'bk-later',
        ExtendedS3DestinationConfiguration: { RoleARN: ROLE, BucketARN: 'arn:aws:s3:::b', Prefix: 'bk-later/' },
      }),
    );
    await fh.send(
      new UpdateDestinationCommand({
        DeliveryStreamName: 'bk-later',
        CurrentDeliveryStreamVersionId: '1',
        DestinationId: 'destinationId-000000000001',
        ExtendedS3DestinationUpdate: {
          BufferingHints: { IntervalInSeconds: 0 },
          S3BackupMode: 'Enabled',
          S3BackupUpdate: { ...backupConfig, Prefix: 'bk-later-source/' },
        },
      }),
    );
    const d = (await fh.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'bk-later' })))
      .DeliveryStreamDescription!;
    assert.equal(d.VersionId, '2');
    assert.equal(d.Destinations![0]!.ExtendedS3DestinationDescription!.S3BackupDescription?.Prefix, 'bk-later-source/');
    await fh.send(
      new PutRecordBatchCommand({ DeliveryStreamName: 'bk-later', Records: [{ Data: Buffer.from('x\n') }] }),
    );
    const copies = await waitFor(async () => {
      const o = await objects('backup', 'bk-later-source/');
      return o.length > 0 ? o : undefined;
    });
    assert.equal(gunzipSync(copies[0]!.body).toString(), 'x\n');
    assert.match(copies[0]!.key.slice('bk-later-source/'.length), defaultKeyPattern('bk-later', 2, '.gz'));
  });
});
