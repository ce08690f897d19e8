/**
 * The in-process streams API (`svc.api`): describe, put and the whole-stream reader with checkpoints, through
 * the real service on the local backend in a temp dir. Readers are given a fallback poll of an hour where a test
 * depends on append wake-ups, so only a wake-up can deliver in time for the test to finish.
 */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  KPL_MAGIC,
  type RecordBatch,
  type StreamReader,
  type StreamRecord,
  type StreamRef,
} from '../../src/streams/index.js';
import {
  ManualClock,
  TEST_ACCOUNT,
  expectServiceError,
  openInProcessService,
  type InProcessService,
} from '../helpers/service.js';

const HOUR = 3_600_000;
const ref = (name: string): StreamRef => ({ accountId: TEST_ACCOUNT, region: 'us-east-1', name });
const text = (d: Uint8Array): string => Buffer.from(d).toString('utf8');

/** Pulls batches until `n` records arrived, then stops iterating (which closes the reader). */
async function take(reader: StreamReader, n: number): Promise<{ records: StreamRecord[]; batches: RecordBatch[] }> {
  const records: StreamRecord[] = [];
  const batches: RecordBatch[] = [];
  if (n === 0) return { records, batches };
  for await (const batch of reader) {
    batches.push(batch);
    records.push(...batch.records);
    if (records.length >= n) break;
  }
  return { records, batches };
}

/** Data `<key>:<n>` per record; checks every key's records arrived exactly once and in order. */
function checkPerKeyOrder(records: readonly StreamRecord[], expected: ReadonlyMap<string, number>): void {
  const seen = new Map<string, number>();
  for (const r of records) {
    const [key, n] = text(r.data).split(':') as [string, string];
    assert.equal(r.partitionKey, key);
    const next = seen.get(key) ?? 0;
    assert.equal(Number(n), next, `record ${n} of ${key} after ${next - 1}`);
    seen.set(key, next + 1);
  }
  assert.deepEqual(new Map([...seen].sort()), new Map([...expected].sort()));
}

describe('streams in-process API', () => {
  let dir: string;
  let clock: ManualClock;
  let service: InProcessService;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trib-reader-'));
    clock = new ManualClock();
    service = await openInProcessService(dir, clock);
  });
  afterEach(async () => {
    await service.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Writes `perKey` records for each of `keys` keys through PutRecords; data `k<i>:<n>`. */
  async function putKeys(stream: string, keys: number, perKey: number, from = 0): Promise<void> {
    for (let n = from; n < from + perKey; n++) {
      const Records = Array.from({ length: keys }, (_, i) => ({
        PartitionKey: `k${i}`,
        Data: Buffer.from(`k${i}:${n}`),
      }));
      await service.call('PutRecords', { StreamName: stream, Records });
    }
  }

  it('describes a stream in domain form; unknown streams are ResourceNotFoundException', async () => {
    await service.call('CreateStream', { StreamName: 's', ShardCount: 2 });
    const info = await service.svc.api.describe(ref('s'));
    assert.equal(info.name, 's');
    assert.equal(info.status, 'ACTIVE');
    assert.equal(info.mode, 'PROVISIONED');
    assert.equal(info.retentionHours, 24);
    assert.deepEqual(info.encryption, { type: 'NONE' });
    assert.equal(info.shards.length, 2);
    assert.equal(info.shards[0]!.shardId, 'shardId-000000000000');
    assert.equal(info.shards[0]!.open, true);
    assert.equal(info.shards[0]!.hashKeyRange.start, '0');
    const byArn = await service.svc.api.describe({ arn: info.arn });
    assert.deepEqual(byArn, info);
    const listed = await service.call('ListShards', { StreamName: 's' });
    assert.equal(info.shards[1]!.startingSequenceNumber, listed.Shards[1].SequenceNumberRange.StartingSequenceNumber);
    await expectServiceError(
      service.svc.api.describe(ref('nope')),
      'ResourceNotFoundException',
      `Stream nope under account ${TEST_ACCOUNT} not found.`,
    );
    await expectServiceError(service.svc.api.read(ref('nope')), 'ResourceNotFoundException');
  });

  it('put goes through the PutRecords path: visible to GetRecords, and PutRecords visible to the reader', async () => {
    await service.call('CreateStream', { StreamName: 's', ShardCount: 1 });
    const results = await service.svc.api.put(ref('s'), [
      { partitionKey: 'a', data: Buffer.from('one') },
      { partitionKey: 'b', data: Buffer.from('two'), explicitHashKey: '7' },
    ]);
    assert.equal(results.length, 2);
    assert.ok(results.every((r) => 'sequenceNumber' in r && r.shardId === 'shardId-000000000000'));
    const { ShardIterator } = await service.call('GetShardIterator', {
      StreamName: 's',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'TRIM_HORIZON',
    });
    const got = await service.call('GetRecords', { ShardIterator });
    assert.deepEqual(
      got.Records.map((r: { Data: Uint8Array; PartitionKey: string; SequenceNumber: string }) => [
        text(r.Data),
        r.PartitionKey,
        r.SequenceNumber,
      ]),
      results.map((r, i) => [['one', 'two'][i], ['a', 'b'][i], 'sequenceNumber' in r ? r.sequenceNumber : '']),
    );
    await service.call('PutRecord', { StreamName: 's', PartitionKey: 'c', Data: Buffer.from('three') });
    const { records } = await take(await service.svc.api.read(ref('s')), 3);
    assert.deepEqual(
      records.map((r) => text(r.data)),
      ['one', 'two', 'three'],
    );
    assert.ok(records.every((r) => r.arrivedAt.getTime() === clock.t && r.shardId === 'shardId-000000000000'));
    // Request-level errors write nothing, as PutRecords.
    await expectServiceError(
      service.svc.api.put(ref('s'), [{ partitionKey: 'x', data: Buffer.alloc(1), explicitHashKey: '-1' }]),
      'InvalidArgumentException',
    );
    await expectServiceError(service.svc.api.put(ref('s'), []), 'ValidationException');
  });

  it('reads every record of 4 shards from TRIM_HORIZON, per key in order', async () => {
    await service.call('CreateStream', { StreamName: 's', ShardCount: 4 });
    await putKeys('s', 40, 10);
    const reader = await service.svc.api.read(ref('s'), { maxRecords: 25 });
    const { records } = await take(reader, 400);
    assert.equal(records.length, 400);
    assert.equal(new Set(records.map((r) => r.shardId)).size, 4);
    checkPerKeyOrder(records, new Map(Array.from({ length: 40 }, (_, i) => [`k${i}`, 10])));
  });

  it('LATEST sees only records written after it opened, woken by the append', async () => {
    await service.call('CreateStream', { StreamName: 's', ShardCount: 4 });
    await putKeys('s', 8, 3);
    const reader = await service.svc.api.read(ref('s'), { start: 'LATEST', pollIntervalMs: HOUR });
    const pending = take(reader, 8);
    // Let the reader go idle first: it then has nothing to read until the append wakes it.
    await new Promise((r) => setImmediate(r));
    await putKeys('s', 8, 1, 3);
    const { records } = await pending;
    assert.deepEqual(records.map((r) => text(r.data)).sort(), Array.from({ length: 8 }, (_, i) => `k${i}:3`).sort());
  });

  it('resumes from a checkpoint with exactly the remaining records, also after a restart', async () => {
    await service.call('CreateStream', { StreamName: 's', ShardCount: 4 });
    await putKeys('s', 20, 10);
    const first = await take(await service.svc.api.read(ref('s'), { maxRecords: 7 }), 90);
    const checkpoint = first.batches.at(-1)!.checkpoint;
    const delivered = first.records.length;
    // The same checkpoint from a reader resumed in this process…
    const again = await take(await service.svc.api.read(ref('s'), { start: { checkpoint } }), 200 - delivered);
    checkPerKeyOrder(
      [...first.records, ...again.records],
      new Map(Array.from({ length: 20 }, (_, i) => [`k${i}`, 10])),
    );
    // …and after a restart, with more records written meanwhile.
    await putKeys('s', 20, 2, 10);
    await service.close();
    service = await openInProcessService(dir, clock);
    const resumed = await take(
      await service.svc.api.read(ref('s'), { start: { checkpoint }, pollIntervalMs: HOUR }),
      240 - delivered,
    );
    checkPerKeyOrder(
      [...first.records, ...resumed.records],
      new Map(Array.from({ length: 20 }, (_, i) => [`k${i}`, 12])),
    );
    // The reader's own checkpoint after the last batch resumes with nothing left: a new record comes next.
    const reader = await service.svc.api.read(ref('s'), {
      start: { checkpoint: resumed.batches.at(-1)!.checkpoint },
      pollIntervalMs: HOUR,
    });
    const next = take(reader, 1);
    await service.svc.api.put(ref('s'), [{ partitionKey: 'k0', data: Buffer.from('k0:12') }]);
    assert.deepEqual(
      (await next).records.map((r) => text(r.data)),
      ['k0:12'],
    );
  });

  it('refuses malformed checkpoints and checkpoints of another stream with InvalidArgumentException', async () => {
    await service.call('CreateStream', { StreamName: 'a', ShardCount: 1 });
    await service.call('CreateStream', { StreamName: 'b', ShardCount: 1 });
    await service.svc.api.put(ref('a'), [{ partitionKey: 'k', data: Buffer.from('x') }]);
    const { batches } = await take(await service.svc.api.read(ref('a')), 1);
    const checkpoint = batches[0]!.checkpoint;
    for (const bad of ['', 'not a checkpoint', Buffer.from('{"v":9}').toString('base64url')]) {
      await expectServiceError(
        service.svc.api.read(ref('a'), { start: { checkpoint: bad } }),
        'InvalidArgumentException',
        /^Invalid checkpoint: /,
      );
    }
    await expectServiceError(
      service.svc.api.read(ref('b'), { start: { checkpoint } }),
      'InvalidArgumentException',
      /another stream/,
    );
  });

  it('across a split and a merge while writing: each key exactly once, in order, parents before children', async () => {
    await service.call('CreateStream', { StreamName: 's', ShardCount: 2 });
    const reader = await service.svc.api.read(ref('s'), { maxRecords: 13, pollIntervalMs: HOUR });
    const KEYS = 30;
    const ROUNDS = 30;
    const reading = take(reader, KEYS * ROUNDS);
    let resharding: Promise<unknown> = Promise.resolve();
    for (let n = 0; n < ROUNDS; n++) {
      // Resharding runs concurrently with the writes that follow it.
      if (n === 10) {
        resharding = service.call('SplitShard', {
          StreamName: 's',
          ShardToSplit: 'shardId-000000000000',
          NewStartingHashKey: (1n << 126n).toString(),
        });
      }
      if (n === 20) {
        await resharding;
        resharding = service.call('MergeShards', {
          StreamName: 's',
          ShardToMerge: 'shardId-000000000003',
          AdjacentShardToMerge: 'shardId-000000000001',
        });
      }
      await putKeys('s', KEYS, 1, n);
    }
    await resharding;
    const { records } = await reading;
    checkPerKeyOrder(records, new Map(Array.from({ length: KEYS }, (_, i) => [`k${i}`, ROUNDS])));
    const info = await service.svc.api.describe(ref('s'));
    assert.deepEqual(
      info.shards.map((s) => [s.shardId, s.open]),
      [
        ['shardId-000000000000', false],
        ['shardId-000000000001', false],
        ['shardId-000000000002', true],
        ['shardId-000000000003', false],
        ['shardId-000000000004', true],
      ],
    );
    // Parents before children: every record of a child comes after the last record of each of its parents.
    const first = new Map<string, number>();
    const last = new Map<string, number>();
    records.forEach((r, i) => {
      if (!first.has(r.shardId)) first.set(r.shardId, i);
      last.set(r.shardId, i);
    });
    for (const shard of info.shards) {
      for (const parent of [shard.parentShardId, shard.adjacentParentShardId]) {
        if (parent === undefined || !first.has(shard.shardId) || !last.has(parent)) continue;
        assert.ok(last.get(parent)! < first.get(shard.shardId)!, `${parent} before ${shard.shardId}`);
      }
    }
    assert.ok(first.has('shardId-000000000004'), 'the merge child was read');
  });

  it('returns records of an encrypted stream decrypted', async () => {
    await service.call('CreateStream', { StreamName: 's', ShardCount: 1 });
    await service.call('StartStreamEncryption', {
      StreamName: 's',
      EncryptionType: 'KMS',
      KeyId: 'alias/aws/kinesis',
    });
    assert.deepEqual((await service.svc.api.describe(ref('s'))).encryption, {
      type: 'KMS',
      keyId: 'alias/aws/kinesis',
    });
    await service.svc.api.put(ref('s'), [{ partitionKey: 'secret-key', data: Buffer.from('plaintext') }]);
    const { records } = await take(await service.svc.api.read(ref('s')), 1);
    assert.equal(text(records[0]!.data), 'plaintext');
    assert.equal(records[0]!.partitionKey, 'secret-key');
    assert.equal(records[0]!.encryptionType, 'KMS');
  });

  it('de-aggregates KPL records when asked, keeping sub-sequence numbers', async () => {
    await service.call('CreateStream', { StreamName: 's', ShardCount: 1 });
    await service.svc.api.put(ref('s'), [
      { partitionKey: 'carrier', data: kplAggregate(['u1', 'u2'], ['a', 'b', 'c']) },
      { partitionKey: 'plain', data: Buffer.from('d') },
    ]);
    const whole = await take(await service.svc.api.read(ref('s')), 2);
    assert.deepEqual(
      whole.records.map((r) => [r.partitionKey, r.subSequenceNumber]),
      [
        ['carrier', undefined],
        ['plain', undefined],
      ],
    );
    const split = await take(await service.svc.api.read(ref('s'), { deaggregate: true }), 4);
    assert.deepEqual(
      split.records.map((r) => [r.partitionKey, text(r.data), r.subSequenceNumber]),
      [
        ['u1', 'a', 0],
        ['u2', 'b', 1],
        ['u1', 'c', 2],
        ['plain', 'd', undefined],
      ],
    );
    assert.equal(split.records[0]!.sequenceNumber, whole.records[0]!.sequenceNumber);
    assert.equal(split.records[2]!.sequenceNumber, whole.records[0]!.sequenceNumber);
  });

  it('close() ends the iteration, also while it waits for records', async () => {
    await service.call('CreateStream', { StreamName: 's', ShardCount: 2 });
    const reader = await service.svc.api.read(ref('s'), { pollIntervalMs: HOUR });
    const iterator = reader[Symbol.asyncIterator]();
    const next = iterator.next();
    await new Promise((r) => setImmediate(r));
    reader.close();
    assert.deepEqual(await next, { done: true, value: undefined });
    // An aborted signal ends a reader the same way.
    const controller = new AbortController();
    const aborted = await service.svc.api.read(ref('s'), { pollIntervalMs: HOUR, signal: controller.signal });
    const pending = take(aborted, 1);
    controller.abort();
    assert.equal((await pending).records.length, 0);
  });

  it('ends with ResourceNotFoundException when the stream is deleted', async () => {
    await service.call('CreateStream', { StreamName: 's', ShardCount: 2 });
    await service.svc.api.put(ref('s'), [{ partitionKey: 'k', data: Buffer.from('x') }]);
    const reader = await service.svc.api.read(ref('s'), { pollIntervalMs: HOUR });
    const iterator = reader[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).value?.records.length, 1);
    const ended = expectServiceError(
      iterator.next(),
      'ResourceNotFoundException',
      `Stream s under account ${TEST_ACCOUNT} not found.`,
    );
    await new Promise((r) => setImmediate(r));
    await service.call('DeleteStream', { StreamName: 's' });
    await ended;
  });
});

/** A KPL aggregate (aggregation-format.md of the KPL): magic, protobuf AggregatedRecord, MD5 of the protobuf. */
function kplAggregate(partitionKeys: string[], data: string[]): Buffer {
  const varint = (n: number): number[] => (n < 0x80 ? [n] : [(n & 0x7f) | 0x80, ...varint(n >>> 7)]);
  const bytesField = (field: number, value: Buffer): Buffer =>
    Buffer.concat([Buffer.from([(field << 3) | 2, ...varint(value.length)]), value]);
  const parts = partitionKeys.map((k) => bytesField(1, Buffer.from(k)));
  data.forEach((d, i) => {
    const record = Buffer.concat([Buffer.from([1 << 3, i % partitionKeys.length]), bytesField(3, Buffer.from(d))]);
    parts.push(bytesField(3, record));
  });
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from(KPL_MAGIC), body, createHash('md5').update(body).digest()]);
}
