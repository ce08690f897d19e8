/**
 * The Data Streams service in-process with an injected clock: time-dependent rules (iterator expiry,
 * retention, status transitions) and restart persistence, against the real local storage backend.
 */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StreamsService } from '../../src/streams/index.js';
import { ManualClock, expectServiceError, openInProcessService, type InProcessService } from '../helpers/service.js';
import { until } from '../helpers/timers.js';

const HOUR = 3_600_000;

const expectError = expectServiceError;

/** Bytes of every segment file (`*.log`) under the data dir's logs. */
async function logBytes(root: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.log'))
      total += (await stat(join(entry.parentPath ?? entry.path, entry.name))).size;
  }
  return total;
}

describe('streams service (injected clock)', () => {
  let dir: string;
  let service: InProcessService;
  let svc: StreamsService;
  let clock: ManualClock;
  let call: InProcessService['call'];

  async function boot(delays = 0): Promise<void> {
    service = await openInProcessService(dir, clock, {
      createStreamMs: delays,
      deleteStreamMs: delays,
      updateStreamMs: delays,
    });
    svc = service.svc;
    call = service.call;
  }

  async function shutdown(): Promise<void> {
    await service.close();
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tributary-svc-'));
    clock = new ManualClock();
    await boot();
  });
  afterEach(async () => {
    await shutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it('expires shard iterators after 5 minutes with AWS text', async () => {
    await call('CreateStream', { StreamName: 's', ShardCount: 1 });
    const { ShardIterator } = await call('GetShardIterator', {
      StreamName: 's',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'LATEST',
    });
    clock.t += 300_000;
    await call('GetRecords', { ShardIterator });
    clock.t += 1;
    await expectError(
      call('GetRecords', { ShardIterator }),
      'ExpiredIteratorException',
      'Iterator expired. The iterator was created at time Wed Nov 25 12:00:00 UTC 2026 while right now it is Wed Nov 25 12:05:00 UTC 2026 which is further in the future than the tolerated delay of 300000 milliseconds.',
    );
  });

  it('hides records past retention and TRIM_HORIZON skips them', async () => {
    await call('CreateStream', { StreamName: 's', ShardCount: 1 });
    await call('PutRecord', { StreamName: 's', PartitionKey: 'k', Data: Buffer.from('old') });
    clock.t += 23 * HOUR;
    await call('PutRecord', { StreamName: 's', PartitionKey: 'k', Data: Buffer.from('new') });
    const read = async () => {
      const { ShardIterator } = await call('GetShardIterator', {
        StreamName: 's',
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      });
      const r = await call('GetRecords', { ShardIterator });
      return r.Records.map((x: { Data: Uint8Array }) => Buffer.from(x.Data).toString());
    };
    assert.deepEqual(await read(), ['old', 'new']);
    clock.t += 2 * HOUR; // 'old' is now 25 h old
    assert.deepEqual(await read(), ['new']);
    // An iterator issued before expiry does not resurrect the record either.
    await call('IncreaseStreamRetentionPeriod', { StreamName: 's', RetentionPeriodHours: 48 });
    await svc.sweepRetention();
  });

  it('reclaims the disk space of records past retention', async () => {
    await shutdown();
    service = await openInProcessService(dir, clock, { segmentBytes: 4096 });
    svc = service.svc;
    call = service.call;
    await call('CreateStream', { StreamName: 'r', ShardCount: 1 });
    const payload = Buffer.alloc(200, 1);
    const put = async (n: number) =>
      call('PutRecords', {
        StreamName: 'r',
        Records: Array.from({ length: n }, (_, i) => ({ PartitionKey: `k${i}`, Data: payload })),
      });
    for (let i = 0; i < 10; i++) await put(20); // ~50 KiB: a dozen 4 KiB segments
    const before = await logBytes(dir);
    clock.t += 25 * HOUR;
    await put(1);
    await svc.sweepRetention();
    const after = await logBytes(dir);
    assert.ok(after < before / 4, `segments of expired records are deleted (${before} → ${after} bytes)`);
    const { ShardIterator } = await call('GetShardIterator', {
      StreamName: 'r',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'TRIM_HORIZON',
    });
    const r = await call('GetRecords', { ShardIterator });
    assert.equal(r.Records.length, 1, 'only the record within retention is returned');
  });

  it('GetRecords returns at most 10 MiB per call', async () => {
    const MiB = 1024 * 1024;
    await call('CreateStream', { StreamName: 'big', ShardCount: 1 });
    for (let i = 0; i < 12; i++)
      await call('PutRecord', { StreamName: 'big', PartitionKey: 'k', Data: Buffer.alloc(MiB - 1, i) });
    const { ShardIterator } = await call('GetShardIterator', {
      StreamName: 'big',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'TRIM_HORIZON',
    });
    const first = await call('GetRecords', { ShardIterator });
    assert.equal(first.Records.length, 10, 'ten records of 1 MiB (data + key) fill the 10 MiB budget');
    assert.ok(first.MillisBehindLatest >= 0);
    const rest = await call('GetRecords', { ShardIterator: first.NextShardIterator });
    assert.deepEqual(
      rest.Records.map((r: { Data: Uint8Array }) => r.Data[0]),
      [10, 11],
    );
  });

  it('shows CREATING and DELETING for the configured delays', async () => {
    await shutdown();
    // Long enough that the checks below see CREATING even on a loaded machine; the ends are awaited, not timed.
    await boot(1500);
    await call('CreateStream', { StreamName: 'slow', ShardCount: 1 });
    const d = await call('DescribeStream', { StreamName: 'slow' });
    assert.equal(d.StreamDescription.StreamStatus, 'CREATING');
    assert.deepEqual(d.StreamDescription.Shards, []);
    await expectError(
      call('PutRecord', { StreamName: 'slow', PartitionKey: 'k', Data: Buffer.from('x') }),
      'ResourceNotFoundException',
    );
    await expectError(
      call('IncreaseStreamRetentionPeriod', { StreamName: 'slow', RetentionPeriodHours: 48 }),
      'ResourceInUseException',
      'Stream slow under account 123456789012 not ACTIVE, instead in state CREATING',
    );
    await until(
      async () =>
        (await call('DescribeStreamSummary', { StreamName: 'slow' })).StreamDescriptionSummary.StreamStatus ===
        'ACTIVE',
      'ACTIVE',
    );
    await call('DeleteStream', { StreamName: 'slow' });
    assert.equal((await call('DescribeStream', { StreamName: 'slow' })).StreamDescription.StreamStatus, 'DELETING');
    await until(
      () =>
        call('DescribeStream', { StreamName: 'slow' }).then(
          () => false,
          () => true,
        ),
      'the stream to go',
    );
    await expectError(call('DescribeStream', { StreamName: 'slow' }), 'ResourceNotFoundException');
  });

  it('keeps streams, shards, tags, settings and records across a restart; old iterators stay valid', async () => {
    await call('CreateStream', { StreamName: 'keep', ShardCount: 3, Tags: { a: '1' } });
    await call('IncreaseStreamRetentionPeriod', { StreamName: 'keep', RetentionPeriodHours: 72 });
    const put = await call('PutRecords', {
      StreamName: 'keep',
      Records: Array.from({ length: 50 }, (_, i) => ({ PartitionKey: `p${i}`, Data: Buffer.from(`v${i}`) })),
    });
    const it0 = await call('GetShardIterator', {
      StreamName: 'keep',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'TRIM_HORIZON',
    });
    await shutdown();
    await boot();
    const d = await call('DescribeStream', { StreamName: 'keep' });
    assert.equal(d.StreamDescription.Shards.length, 3);
    assert.equal(d.StreamDescription.RetentionPeriodHours, 72);
    assert.deepEqual((await call('ListTagsForStream', { StreamName: 'keep' })).Tags, [{ Key: 'a', Value: '1' }]);
    const seen = new Set<string>();
    for (const shardId of ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002']) {
      const { ShardIterator } = await call('GetShardIterator', {
        StreamName: 'keep',
        ShardId: shardId,
        ShardIteratorType: 'TRIM_HORIZON',
      });
      const r = await call('GetRecords', { ShardIterator });
      for (const rec of r.Records) seen.add(rec.SequenceNumber);
    }
    assert.deepEqual([...seen].sort(), put.Records.map((r: { SequenceNumber: string }) => r.SequenceNumber).sort());
    const again = await call('GetRecords', { ShardIterator: it0.ShardIterator });
    assert.ok(again.Records.length > 0);
    // New writes after the restart continue the sequence.
    const next = await call('PutRecord', { StreamName: 'keep', PartitionKey: 'p0', Data: Buffer.from('after') });
    assert.ok(!seen.has(next.SequenceNumber));
  });

  it('rejects iterators of a deleted and re-created stream', async () => {
    await call('CreateStream', { StreamName: 'again', ShardCount: 1 });
    const { ShardIterator } = await call('GetShardIterator', {
      StreamName: 'again',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'LATEST',
    });
    await call('DeleteStream', { StreamName: 'again' });
    await call('CreateStream', { StreamName: 'again', ShardCount: 1 });
    await expectError(call('GetRecords', { ShardIterator }), 'ResourceNotFoundException');
  });

  it('returns at most Limit records and reports MillisBehindLatest', async () => {
    await call('CreateStream', { StreamName: 'lim', ShardCount: 1 });
    await call('PutRecords', {
      StreamName: 'lim',
      Records: Array.from({ length: 20 }, (_, i) => ({ PartitionKey: 'k', Data: Buffer.from(String(i)) })),
    });
    clock.t += 5000;
    const { ShardIterator } = await call('GetShardIterator', {
      StreamName: 'lim',
      ShardId: 'shardId-000000000000',
      ShardIteratorType: 'TRIM_HORIZON',
    });
    const r = await call('GetRecords', { ShardIterator, Limit: 5 });
    assert.equal(r.Records.length, 5);
    assert.equal(r.MillisBehindLatest, 5000);
    const rest = await call('GetRecords', { ShardIterator: r.NextShardIterator });
    assert.equal(rest.Records.length, 15);
    assert.equal(rest.MillisBehindLatest, 0);
  });
});
