/**
 * Server-side encryption: Start/StopStreamEncryption with local KMS keys, EncryptionType in responses and
 * records, and proof that the data is encrypted at rest: the log files never contain the plaintext of a
 * record written to an encrypted stream (and do contain an unencrypted stream's, as a control).
 */
import { ManualTimerClock } from '../helpers/timers.js';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  PutRecordCommand,
  PutRecordsCommand,
  StartStreamEncryptionCommand,
  StopStreamEncryptionCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import type { StreamsServiceOptions } from '../../src/streams/index.js';
import { ManualClock, openInProcessService, type InProcessService } from '../helpers/service.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const SHARD0 = 'shardId-000000000000';
const USER_KEY_ID = '0f6a3c1e-9a53-4b4e-8d55-2f1c7e9b0a11';

/** Every file under `dir`, recursively, concatenated. */
async function allBytes(dir: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile())
      parts.push(await readFile(join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name)));
  }
  return Buffer.concat(parts);
}

async function readAll(kinesis: KinesisClient, stream: string) {
  const { ShardIterator } = await kinesis.send(
    new GetShardIteratorCommand({ StreamName: stream, ShardId: SHARD0, ShardIteratorType: 'TRIM_HORIZON' }),
  );
  return (await kinesis.send(new GetRecordsCommand({ ShardIterator }))).Records ?? [];
}

describe('server-side encryption (AWS SDK v3, real server)', () => {
  let t: TestServer;
  let keyFile: string;
  before(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-sse-'));
    keyFile = join(dir, 'keys.json');
    await writeFile(
      keyFile,
      JSON.stringify({
        version: 1,
        keys: [{ keyId: USER_KEY_ID, aliases: ['alias/orders'], material: randomBytes(32).toString('base64') }],
      }),
    );
    t = await startTestServer({ kmsKeyFile: keyFile }, dir);
  });
  after(async () => {
    await t.close();
  });

  it('encrypts records at rest while encryption is on, and readers get plaintext', async () => {
    const secret = `top-secret-${randomBytes(8).toString('hex')}`;
    const secretKey = `customer-${randomBytes(8).toString('hex')}`;
    const control = `plain-control-${randomBytes(8).toString('hex')}`;
    await t.kinesis.send(new CreateStreamCommand({ StreamName: 'enc', ShardCount: 1 }));
    await t.kinesis.send(new CreateStreamCommand({ StreamName: 'clear', ShardCount: 1 }));
    const before = await t.kinesis.send(
      new PutRecordCommand({ StreamName: 'enc', PartitionKey: 'p', Data: Buffer.from('before') }),
    );
    assert.equal(before.EncryptionType, undefined);

    await t.kinesis.send(
      new StartStreamEncryptionCommand({ StreamName: 'enc', EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' }),
    );
    const summary = (await t.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'enc' })))
      .StreamDescriptionSummary!;
    assert.equal(summary.EncryptionType, 'KMS');
    assert.equal(summary.KeyId, 'alias/aws/kinesis');
    assert.equal(
      (await t.kinesis.send(new DescribeStreamCommand({ StreamName: 'enc' }))).StreamDescription!.EncryptionType,
      'KMS',
    );

    const put = await t.kinesis.send(
      new PutRecordCommand({ StreamName: 'enc', PartitionKey: secretKey, Data: Buffer.from(secret) }),
    );
    assert.equal(put.EncryptionType, 'KMS');
    const puts = await t.kinesis.send(
      new PutRecordsCommand({
        StreamName: 'enc',
        Records: [{ PartitionKey: secretKey, Data: Buffer.from(`${secret}-batch`) }],
      }),
    );
    assert.equal(puts.EncryptionType, 'KMS');
    assert.equal(puts.FailedRecordCount, 0);
    await t.kinesis.send(new PutRecordCommand({ StreamName: 'clear', PartitionKey: 'p', Data: Buffer.from(control) }));

    await t.kinesis.send(
      new StopStreamEncryptionCommand({ StreamName: 'enc', EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' }),
    );
    const stopped = (await t.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'enc' })))
      .StreamDescriptionSummary!;
    assert.equal(stopped.EncryptionType, 'NONE');
    assert.equal(stopped.KeyId, undefined);
    const afterStop = await t.kinesis.send(
      new PutRecordCommand({ StreamName: 'enc', PartitionKey: 'p', Data: Buffer.from('after') }),
    );
    assert.equal(afterStop.EncryptionType, undefined);

    const records = await readAll(t.kinesis, 'enc');
    assert.deepEqual(
      records.map((r) => [Buffer.from(r.Data!).toString(), r.PartitionKey, r.EncryptionType]),
      [
        ['before', 'p', undefined],
        [secret, secretKey, 'KMS'],
        [`${secret}-batch`, secretKey, 'KMS'],
        ['after', 'p', undefined],
      ],
    );
    assert.deepEqual(
      records.map((r) => r.SequenceNumber!.length),
      [56, 56, 56, 56],
    );

    // At rest: neither the data nor the partition key of an encrypted record appears in any file of the
    // storage (record logs, indexes, metadata). The audit log beside it records request parameters such as
    // partition keys by design (CloudTrail-style), so it is not part of this check.
    const disk = await allBytes(join(t.dataDir, 'storage'));
    assert.equal(disk.includes(secret), false, 'encrypted record data found in plaintext on disk');
    assert.equal(disk.includes(secretKey), false, 'encrypted partition key found in plaintext on disk');
    assert.equal(disk.includes(control), true, 'the unencrypted control record should be on disk as is');
    assert.equal(disk.includes('before'), true);
  });

  it('accepts key ids, key ARNs, alias names and alias ARNs of configured keys', async () => {
    await t.kinesis.send(new CreateStreamCommand({ StreamName: 'keys', ShardCount: 1 }));
    const ids = [
      USER_KEY_ID,
      `arn:aws:kms:us-east-1:000000000000:key/${USER_KEY_ID}`,
      'alias/orders',
      'arn:aws:kms:us-east-1:000000000000:alias/orders',
    ];
    for (const KeyId of ids) {
      await t.kinesis.send(new StartStreamEncryptionCommand({ StreamName: 'keys', EncryptionType: 'KMS', KeyId }));
      assert.equal(
        (await t.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'keys' }))).StreamDescriptionSummary!
          .KeyId,
        KeyId,
      );
      const data = Buffer.from(`with ${KeyId}`);
      assert.equal(
        (await t.kinesis.send(new PutRecordCommand({ StreamName: 'keys', PartitionKey: 'k', Data: data })))
          .EncryptionType,
        'KMS',
      );
    }
    const records = await readAll(t.kinesis, 'keys');
    assert.deepEqual(
      records.map((r) => Buffer.from(r.Data!).toString()),
      ids.map((id) => `with ${id}`),
    );
  });

  it('an unknown key is a KMSNotFoundException and changes nothing', async () => {
    await t.kinesis.send(new CreateStreamCommand({ StreamName: 'nokey', ShardCount: 1 }));
    await assert.rejects(
      t.kinesis.send(
        new StartStreamEncryptionCommand({ StreamName: 'nokey', EncryptionType: 'KMS', KeyId: 'alias/missing' }),
      ),
      (e: Error) =>
        e.name === 'KMSNotFoundException' &&
        e.message === 'Alias arn:aws:kms:us-east-1:000000000000:alias/missing is not found.',
    );
    await assert.rejects(
      t.kinesis.send(
        new StartStreamEncryptionCommand({ StreamName: 'nokey', EncryptionType: 'KMS', KeyId: 'no-such-key' }),
      ),
      (e: Error) =>
        e.name === 'KMSNotFoundException' &&
        e.message === "Key 'arn:aws:kms:us-east-1:000000000000:key/no-such-key' does not exist",
    );
    assert.equal(
      (await t.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'nokey' }))).StreamDescriptionSummary!
        .EncryptionType,
      'NONE',
    );
  });

  it('adds a generated alias/aws/kinesis key to the key file', async () => {
    const doc = JSON.parse(await readFile(keyFile, 'utf8')) as {
      keys: Array<{ keyId: string; aliases: string[]; material: string }>;
    };
    assert.equal(doc.keys.length, 2);
    const managed = doc.keys.find((k) => k.aliases.includes('alias/aws/kinesis'))!;
    assert.equal(Buffer.from(managed.material, 'base64').length, 32);
  });
});

describe('server-side encryption (service, injected clock)', () => {
  let dir: string;
  let service: InProcessService;
  const clock = new ManualClock();
  let call: InProcessService['call'];

  async function boot(options: Partial<StreamsServiceOptions> = {}): Promise<void> {
    service = await openInProcessService(dir, clock, { durability: { kind: 'none' }, ...options });
    call = service.call;
  }
  async function shutdown(): Promise<void> {
    await service.close();
  }
  const summary = async () => (await call('DescribeStreamSummary', { StreamName: 's' })).StreamDescriptionSummary;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tributary-sse-svc-'));
  });
  afterEach(async () => {
    await shutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it('shows UPDATING for the update delay, then the new EncryptionType and KeyId', async () => {
    const timers = new ManualTimerClock();
    timers.t = clock.t;
    service = await openInProcessService(dir, timers, {
      durability: { kind: 'none' },
      updateStreamMs: 30_000,
      timerClock: timers,
    });
    call = service.call;
    await call('CreateStream', { StreamName: 's', ShardCount: 1 });
    await call('StartStreamEncryption', { StreamName: 's', EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' });
    let s = await summary();
    assert.deepEqual([s.StreamStatus, s.EncryptionType, s.KeyId], ['UPDATING', 'NONE', undefined]);
    // Writes continue while UPDATING, still unencrypted (AWS: encryption begins once ACTIVE).
    assert.equal(
      (await call('PutRecord', { StreamName: 's', PartitionKey: 'k', Data: Buffer.from('x') })).EncryptionType,
      undefined,
    );
    await expectError(
      call('StopStreamEncryption', { StreamName: 's', EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' }),
      'ResourceInUseException',
    );
    await timers.advance(29_999);
    assert.equal((await summary()).StreamStatus, 'UPDATING');
    await timers.advance(1);
    await service.scheduler!.idle();
    s = await summary();
    assert.deepEqual([s.StreamStatus, s.EncryptionType, s.KeyId], ['ACTIVE', 'KMS', 'alias/aws/kinesis']);
    assert.equal(
      (await call('PutRecord', { StreamName: 's', PartitionKey: 'k', Data: Buffer.from('y') })).EncryptionType,
      'KMS',
    );
  });

  it('completes a change whose UPDATING period a restart interrupted, and keys survive the restart', async () => {
    await boot({ updateStreamMs: 60_000 });
    await call('CreateStream', { StreamName: 's', ShardCount: 1 });
    await call('StartStreamEncryption', { StreamName: 's', EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' });
    await shutdown();
    clock.t += 61_000;
    await boot({ updateStreamMs: 60_000 });
    let s = await summary();
    while ((s = await summary()).StreamStatus === 'UPDATING') await sleep(5);
    assert.deepEqual([s.StreamStatus, s.EncryptionType], ['ACTIVE', 'KMS']);
    await call('PutRecord', { StreamName: 's', PartitionKey: 'k', Data: Buffer.from('sealed') });
    await shutdown();
    await boot();
    const { ShardIterator } = await call('GetShardIterator', {
      StreamName: 's',
      ShardId: SHARD0,
      ShardIteratorType: 'TRIM_HORIZON',
    });
    const { Records } = await call('GetRecords', { ShardIterator });
    assert.deepEqual(
      Records.map((r: any) => [Buffer.from(r.Data).toString(), r.PartitionKey, r.EncryptionType]),
      [['sealed', 'k', 'KMS']],
    );
  });

  it('rejects EncryptionType NONE and, with limits enforced, too many changes a day', async () => {
    await boot({ enforceLimits: true, limits: { encryptionChangesPerDay: 2 } });
    await call('CreateStream', { StreamName: 's', ShardCount: 1 });
    await expectError(
      call('StartStreamEncryption', { StreamName: 's', EncryptionType: 'NONE', KeyId: 'alias/aws/kinesis' }),
      'InvalidArgumentException',
    );
    await call('StartStreamEncryption', { StreamName: 's', EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' });
    await call('StopStreamEncryption', { StreamName: 's', EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' });
    clock.t += 1000; // past the per-second operation rate
    await expectError(
      call('StartStreamEncryption', { StreamName: 's', EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' }),
      'LimitExceededException',
      /rolling 24-hour period/,
    );
    clock.t += 24 * 3_600_000;
    await call('StartStreamEncryption', { StreamName: 's', EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' });
  });
});

async function expectError(p: unknown, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(Promise.resolve(p), (err: Error & { code?: string }) => {
    assert.equal(err.code, code, `${err.code}: ${err.message}`);
    if (message) assert.match(err.message, message);
    return true;
  });
}
