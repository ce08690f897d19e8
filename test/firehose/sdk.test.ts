/**
 * Firehose through the AWS SDK v3 against a real server: the control plane (lifecycle, describe, list paging,
 * update compare-and-set and merge, tags, encryption), PutRecord/PutRecordBatch and their errors, and delivery
 * into the embedded directory (`<data-dir>/s3/<bucket>/<key>`), objects compared byte for byte.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync, inflateRawSync } from 'node:zlib';
import {
  CreateDeliveryStreamCommand,
  DeleteDeliveryStreamCommand,
  DescribeDeliveryStreamCommand,
  type FirehoseClient,
  ListDeliveryStreamsCommand,
  ListTagsForDeliveryStreamCommand,
  PutRecordBatchCommand,
  PutRecordCommand,
  StartDeliveryStreamEncryptionCommand,
  StopDeliveryStreamEncryptionCommand,
  TagDeliveryStreamCommand,
  UntagDeliveryStreamCommand,
  UpdateDestinationCommand,
} from '@aws-sdk/client-firehose';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { ROLE, defaultKeyPattern, firehoseClient, listObjects, waitFor } from './helpers.js';

let t: TestServer;
let fh: FirehoseClient;
let objects: string;

before(async () => {
  t = await startTestServer();
  fh = firehoseClient(t.server.url);
  objects = join(t.dataDir, 's3');
});
after(async () => {
  fh.destroy();
  await t.close();
});

async function expectError(p: Promise<unknown>, name: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: Error) => {
    assert.equal(e.name, name);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    return true;
  });
}

function s3(bucket: string, extra: Record<string, unknown> = {}) {
  return { RoleARN: ROLE, BucketARN: `arn:aws:s3:::${bucket}`, ...extra };
}

/** Objects of one bucket, decompressed per extension, concatenated in key order... by delivery (key) order. */
async function bucketObjects(bucket: string): Promise<Map<string, Buffer>> {
  const all = await listObjects(join(objects, bucket));
  return all;
}

function decode(key: string, body: Buffer): Buffer {
  if (key.endsWith('.gz')) return gunzipSync(body);
  if (key.endsWith('.zip')) {
    // one entry: local header (30 + name), deflated data
    const nameLength = body.readUInt16LE(26);
    const size = body.readUInt32LE(18);
    return inflateRawSync(body.subarray(30 + nameLength, 30 + nameLength + size));
  }
  return body;
}

describe('Firehose control plane', () => {
  it('creates, describes, lists and deletes delivery streams', async () => {
    const created = await fh.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'cp-a',
        ExtendedS3DestinationConfiguration: s3('cp'),
        Tags: [{ Key: 'team', Value: 'x' }],
      }),
    );
    assert.equal(created.DeliveryStreamARN, 'arn:aws:firehose:us-east-1:000000000000:deliverystream/cp-a');
    const d = (await fh.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'cp-a' })))
      .DeliveryStreamDescription!;
    assert.equal(d.DeliveryStreamStatus, 'ACTIVE');
    assert.equal(d.DeliveryStreamType, 'DirectPut');
    assert.equal(d.VersionId, '1');
    assert.deepEqual(d.DeliveryStreamEncryptionConfiguration, { Status: 'DISABLED' });
    assert.equal(d.HasMoreDestinations, false);
    const ext = d.Destinations![0]!.ExtendedS3DestinationDescription!;
    assert.equal(d.Destinations![0]!.DestinationId, 'destinationId-000000000001');
    assert.deepEqual(ext.BufferingHints, { SizeInMBs: 5, IntervalInSeconds: 300 });
    assert.equal(ext.CompressionFormat, 'UNCOMPRESSED');
    assert.deepEqual(ext.EncryptionConfiguration, { NoEncryptionConfig: 'NoEncryption' });
    assert.equal(ext.S3BackupMode, 'Disabled');
    assert.equal(d.Destinations![0]!.S3DestinationDescription!.BucketARN, 'arn:aws:s3:::cp');
    const paged = await fh.send(
      new DescribeDeliveryStreamCommand({
        DeliveryStreamName: 'cp-a',
        ExclusiveStartDestinationId: 'destinationId-000000000001',
      }),
    );
    assert.deepEqual(paged.DeliveryStreamDescription!.Destinations, []);

    await expectError(
      fh.send(
        new CreateDeliveryStreamCommand({ DeliveryStreamName: 'cp-a', ExtendedS3DestinationConfiguration: s3('cp') }),
      ),
      'ResourceInUseException',
      'Firehose cp-a under accountId 000000000000 already exists',
    );
    await expectError(
      fh.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'cp-none' })),
      'ResourceNotFoundException',
      'Firehose cp-none under account 000000000000 not found.',
    );
    await fh.send(new DeleteDeliveryStreamCommand({ DeliveryStreamName: 'cp-a' }));
    await expectError(
      fh.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'cp-a' })),
      'ResourceNotFoundException',
    );
  });

  it('lists names in order, filtered by type, paged by Limit and ExclusiveStartDeliveryStreamName', async () => {
    for (const n of ['ls-c', 'ls-a', 'ls-b'])
      await fh.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: n, S3DestinationConfiguration: s3('ls') }));
    const first = await fh.send(new ListDeliveryStreamsCommand({ Limit: 2, ExclusiveStartDeliveryStreamName: 'ls-' }));
    assert.deepEqual(first.DeliveryStreamNames, ['ls-a', 'ls-b']);
    assert.equal(first.HasMoreDeliveryStreams, true);
    const rest = await fh.send(new ListDeliveryStreamsCommand({ Limit: 2, ExclusiveStartDeliveryStreamName: 'ls-b' }));
    assert.deepEqual(
      rest.DeliveryStreamNames?.filter((n) => n.startsWith('ls-')),
      ['ls-c'],
    );
    const kinesisOnly = await fh.send(new ListDeliveryStreamsCommand({ DeliveryStreamType: 'KinesisStreamAsSource' }));
    assert.equal(
      kinesisOnly.DeliveryStreamNames?.some((n) => n.startsWith('ls-')),
      false,
    );
  });

  it('validates the model constraints with ValidationException', async () => {
    await expectError(
      fh.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'bad name', S3DestinationConfiguration: s3('v') })),
      'ValidationException',
    );
    await expectError(
      fh.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: 'v1',
          ExtendedS3DestinationConfiguration: s3('v', { BufferingHints: { SizeInMBs: 129, IntervalInSeconds: 60 } }),
        }),
      ),
      'ValidationException',
    );
  });

  it('refuses bad prefixes with InvalidArgumentException', async () => {
    await expectError(
      fh.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: 'pfx',
          ExtendedS3DestinationConfiguration: s3('v', { Prefix: 'a/!{timestamp:yyyy}/' }),
        }),
      ),
      'InvalidArgumentException',
      'Ths supplied prefix(es) do not satisfy the following constraint: ErrorOutputPrefix cannot be null or empty when Prefix contains expressions',
    );
  });

  it('updates with compare-and-set on the version id and merges the destination', async () => {
    await fh.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'upd',
        ExtendedS3DestinationConfiguration: s3('upd', { Prefix: 'p/', CompressionFormat: 'GZIP' }),
      }),
    );
    await fh.send(
      new UpdateDestinationCommand({
        DeliveryStreamName: 'upd',
        CurrentDeliveryStreamVersionId: '1',
        DestinationId: 'destinationId-000000000001',
        ExtendedS3DestinationUpdate: { BufferingHints: { IntervalInSeconds: 60 } },
      }),
    );
    const d = (await fh.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'upd' })))
      .DeliveryStreamDescription!;
    assert.equal(d.VersionId, '2');
    assert.ok(d.LastUpdateTimestamp instanceof Date);
    const ext = d.Destinations![0]!.ExtendedS3DestinationDescription!;
    assert.deepEqual(ext.BufferingHints, { SizeInMBs: 5, IntervalInSeconds: 60 });
    assert.equal(ext.Prefix, 'p/');
    assert.equal(ext.CompressionFormat, 'GZIP');
    await expectError(
      fh.send(
        new UpdateDestinationCommand({
          DeliveryStreamName: 'upd',
          CurrentDeliveryStreamVersionId: '1',
          DestinationId: 'destinationId-000000000001',
          ExtendedS3DestinationUpdate: { Prefix: 'q/' },
        }),
      ),
      'ConcurrentModificationException',
    );
    await expectError(
      fh.send(
        new UpdateDestinationCommand({
          DeliveryStreamName: 'upd',
          CurrentDeliveryStreamVersionId: '2',
          DestinationId: 'destinationId-000000000009',
          ExtendedS3DestinationUpdate: { Prefix: 'q/' },
        }),
      ),
      'InvalidArgumentException',
    );
  });

  it('tags, untags and lists tags with paging; SSE start and stop', async () => {
    await fh.send(new CreateDeliveryStreamCommand({ DeliveryStreamName: 'tags', S3DestinationConfiguration: s3('t') }));
    await fh.send(
      new TagDeliveryStreamCommand({
        DeliveryStreamName: 'tags',
        Tags: [
          { Key: 'b', Value: '2' },
          { Key: 'a', Value: '1' },
          { Key: 'c', Value: '3' },
        ],
      }),
    );
    const page = await fh.send(new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: 'tags', Limit: 2 }));
    assert.deepEqual(page.Tags, [
      { Key: 'a', Value: '1' },
      { Key: 'b', Value: '2' },
    ]);
    assert.equal(page.HasMoreTags, true);
    await fh.send(new UntagDeliveryStreamCommand({ DeliveryStreamName: 'tags', TagKeys: ['a'] }));
    const rest = await fh.send(
      new ListTagsForDeliveryStreamCommand({ DeliveryStreamName: 'tags', ExclusiveStartTagKey: 'b' }),
    );
    assert.deepEqual(rest.Tags, [{ Key: 'c', Value: '3' }]);
    assert.equal(rest.HasMoreTags, false);
    const many = Array.from({ length: 49 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await expectError(
      fh.send(new TagDeliveryStreamCommand({ DeliveryStreamName: 'tags', Tags: many })),
      'LimitExceededException',
    );

    await fh.send(
      new StartDeliveryStreamEncryptionCommand({
        DeliveryStreamName: 'tags',
        DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' },
      }),
    );
    let d = (await fh.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'tags' })))
      .DeliveryStreamDescription!;
    assert.deepEqual(d.DeliveryStreamEncryptionConfiguration, { KeyType: 'AWS_OWNED_CMK', Status: 'ENABLED' });
    const put = await fh.send(new PutRecordCommand({ DeliveryStreamName: 'tags', Record: { Data: Buffer.from('x') } }));
    assert.equal(put.Encrypted, true);
    await fh.send(new StopDeliveryStreamEncryptionCommand({ DeliveryStreamName: 'tags' }));
    d = (await fh.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'tags' }))).DeliveryStreamDescription!;
    assert.deepEqual(d.DeliveryStreamEncryptionConfiguration, { Status: 'DISABLED' });
  });

  it('answers "Slow down." over the configured put quotas: PutRecord as an exception, PutRecordBatch per record', async () => {
    const limited = await startTestServer({
      firehosePutLimits: '0,0,10',
    });
    const client = firehoseClient(limited.server.url);
    try {
      await client.send(
        new CreateDeliveryStreamCommand({ DeliveryStreamName: 'quota', S3DestinationConfiguration: s3('q') }),
      );
      await expectError(
        client.send(new PutRecordCommand({ DeliveryStreamName: 'quota', Record: { Data: Buffer.alloc(11, 0x61) } })),
        'ServiceUnavailableException',
        'Slow down.',
      );
      const out = await client.send(
        new PutRecordBatchCommand({
          DeliveryStreamName: 'quota',
          Records: [{ Data: Buffer.alloc(5, 0x61) }, { Data: Buffer.alloc(6, 0x62) }],
        }),
      );
      assert.equal(out.FailedPutCount, 1);
      assert.equal(typeof out.RequestResponses![0]!.RecordId, 'string');
      assert.deepEqual(out.RequestResponses![1], {
        ErrorCode: 'ServiceUnavailableException',
        ErrorMessage: 'Slow down.',
      });
    } finally {
      client.destroy();
      await limited.close();
    }
  });

  it('checks record and batch sizes', async () => {
    await fh.send(
      new CreateDeliveryStreamCommand({ DeliveryStreamName: 'sizes', S3DestinationConfiguration: s3('sz') }),
    );
    await expectError(
      fh.send(new PutRecordCommand({ DeliveryStreamName: 'sizes', Record: { Data: Buffer.alloc(1_024_001) } })),
      'ValidationException',
    );
    await fh.send(new PutRecordCommand({ DeliveryStreamName: 'sizes', Record: { Data: Buffer.alloc(1_024_000) } }));
    await expectError(
      fh.send(
        new PutRecordBatchCommand({
          DeliveryStreamName: 'sizes',
          Records: Array.from({ length: 501 }, () => ({ Data: Buffer.from('x') })),
        }),
      ),
      'ValidationException',
    );
    await expectError(
      fh.send(
        new PutRecordBatchCommand({
          DeliveryStreamName: 'sizes',
          Records: Array.from({ length: 5 }, () => ({ Data: Buffer.alloc(1_000_000) })),
        }),
      ),
      'InvalidArgumentException',
      'Records size exceeds 4 MB limit',
    );
    await expectError(
      fh.send(new PutRecordCommand({ DeliveryStreamName: 'nope', Record: { Data: Buffer.from('x') } })),
      'ResourceNotFoundException',
      'Firehose nope under account 000000000000 not found.',
    );
  });
});

describe('Firehose delivery into the embedded directory', () => {
  for (const format of ['UNCOMPRESSED', 'GZIP', 'ZIP'] as const) {
    it(`delivers every record byte for byte (${format}) under the default key layout`, async () => {
      const name = `dl-${format.toLowerCase()}`;
      await fh.send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: name,
          ExtendedS3DestinationConfiguration: s3(name, {
            CompressionFormat: format,
            BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
          }),
        }),
      );
      const expected: Buffer[] = [];
      for (let b = 0; b < 4; b++) {
        const records = Array.from({ length: 100 }, (_, i) => Buffer.from(`{"batch":${b},"i":${i}}\n`));
        expected.push(...records);
        const out = await fh.send(
          new PutRecordBatchCommand({ DeliveryStreamName: name, Records: records.map((Data) => ({ Data })) }),
        );
        assert.equal(out.FailedPutCount, 0);
        assert.equal(out.RequestResponses!.length, 100);
        assert.ok(out.RequestResponses!.every((r) => typeof r.RecordId === 'string' && r.RecordId.length > 0));
      }
      const want = Buffer.concat(expected);
      const ext = format === 'GZIP' ? '.gz' : format === 'ZIP' ? '.zip' : '';
      const got = await waitFor(async () => {
        const objs = await bucketObjects(name);
        const keys = [...objs.keys()].sort();
        const body = Buffer.concat(keys.map((k) => decode(k, objs.get(k)!)));
        return body.length >= want.length ? { keys, body } : undefined;
      });
      for (const key of got.keys) assert.match(key, defaultKeyPattern(name, 1, ext));
      // Objects are written in order; keys of one second sort by uuid, so compare as a multiset of records.
      assert.equal(got.body.length, want.length);
      assert.deepEqual(got.body.toString().split('\n').sort(), want.toString().split('\n').sort());
    });
  }

  it('evaluates a custom prefix and file extension', async () => {
    await fh.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'custom',
        ExtendedS3DestinationConfiguration: s3('custom', {
          Prefix: 'year=!{timestamp:yyyy}/!{firehose:random-string}/',
          ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/',
          FileExtension: '.json',
          BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 },
        }),
      }),
    );
    await fh.send(new PutRecordCommand({ DeliveryStreamName: 'custom', Record: { Data: Buffer.from('{"a":1}\n') } }));
    const [key, body] = await waitFor(async () => [...(await bucketObjects('custom'))][0]);
    const year = new Date().getUTCFullYear();
    assert.match(
      key,
      new RegExp(
        `^year=${year}/[A-Za-z0-9]{11}/custom-1-${year}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-\\d{2}-[0-9a-f-]{36}\\.json$`,
      ),
    );
    assert.equal(body.toString(), '{"a":1}\n');
  });

  it('applies an update to later objects (new version in the object name)', async () => {
    await fh.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'ver',
        ExtendedS3DestinationConfiguration: s3('ver', { BufferingHints: { SizeInMBs: 1, IntervalInSeconds: 0 } }),
      }),
    );
    await fh.send(new PutRecordCommand({ DeliveryStreamName: 'ver', Record: { Data: Buffer.from('one') } }));
    await waitFor(async () => ((await bucketObjects('ver')).size === 1 ? true : undefined));
    await fh.send(
      new UpdateDestinationCommand({
        DeliveryStreamName: 'ver',
        CurrentDeliveryStreamVersionId: '1',
        DestinationId: 'destinationId-000000000001',
        ExtendedS3DestinationUpdate: { Prefix: 'v2/' },
      }),
    );
    await fh.send(new PutRecordCommand({ DeliveryStreamName: 'ver', Record: { Data: Buffer.from('two') } }));
    const objs = await waitFor(async () => {
      const o = await bucketObjects('ver');
      return o.size === 2 ? o : undefined;
    });
    const v2 = [...objs].find(([k]) => k.startsWith('v2/'));
    assert.ok(v2, [...objs.keys()].join(','));
    assert.match(v2[0], /^v2\/\d{4}\/\d{2}\/\d{2}\/\d{2}\/ver-2-/);
    assert.equal(v2[1].toString(), 'two');
  });
});
