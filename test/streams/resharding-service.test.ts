/**
 * Resharding in-process with an injected clock and a storage backend whose appends can be held: a parent is
 * sealed only after the writes already on their way to it landed, a pending split survives a restart, and
 * on-demand streams scale with their observed write rate. Also, on the embedded log, a closed parent's log is deleted
 * by the retention sweep once its records expired (docs/adr/0042).
 */
import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withWrappedLogs } from '../helpers/backend.js';
import {
  ManualClock,
  TEST_ACCOUNT,
  expectServiceError,
  openInProcessService,
  type InProcessService,
} from '../helpers/service.js';
import { ManualTimerClock } from '../helpers/timers.js';
import { interceptAppend, type StorageBackend } from '../../src/storage/index.js';
import { splitHashKeySpace } from '../../src/streams/model/index.js';

const DAY = 86_400_000;
const HALF = (1n << 127n).toString();
const id = (n: number) => `shardId-${String(n).padStart(12, '0')}`;
const tick = () => new Promise((r) => setImmediate(r));

/** A backend whose appends to logs matching `held` wait until released. */
class HoldingBackend implements StorageBackend {
  held: ((logId: string) => boolean) | undefined;
  readonly #waiting: Array<() => void> = [];
  readonly logs: StorageBackend['logs'];
  readonly meta: StorageBackend['meta'];
  readonly leases: StorageBackend['leases'];
  readonly capabilities: StorageBackend['capabilities'];
  constructor(private readonly inner: StorageBackend) {
    this.meta = inner.meta;
    this.leases = inner.leases;
    this.capabilities = inner.capabilities;
    this.logs = withWrappedLogs(inner, (logId, log) =>
      interceptAppend(log, async (entries, now, next) => {
        if (this.held?.(logId)) await new Promise<void>((resolve) => this.#waiting.push(resolve));
        return next(entries, now);
      }),
    ).logs;
  }
  get waiting(): number {
    return this.#waiting.length;
  }
  release(): void {
    this.held = undefined;
    for (const resolve of this.#waiting.splice(0)) resolve();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

describe('resharding (in-process, injected clock)', () => {
  let dir: string;
  let backend: HoldingBackend;
  let service: InProcessService;
  let clock: ManualClock;
  let call: InProcessService['call'];

  async function boot(updateStreamMs = 0): Promise<void> {
    service = await openInProcessService(dir, clock, {
      updateStreamMs,
      wrapBackend: (opened) => (backend = new HoldingBackend(opened)),
    });
    call = service.call;
  }

  async function shutdown(): Promise<void> {
    await service.close();
  }

  /** Re-checks `condition` between turns of the event loop until it holds (bounded). */
  async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
    for (let i = 0; i < 500; i++) {
      if (await condition()) return;
      await new Promise((r) => setTimeout(r, 2));
    }
    assert.fail(`timed out waiting for ${what}`);
  }

  const openCount = async (stream: string) =>
    (await call('DescribeStreamSummary', { StreamName: stream })).StreamDescriptionSummary.OpenShardCount as number;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tributary-reshard-'));
    clock = new ManualClock();
    await boot();
  });
  afterEach(async () => {
    await shutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it('seals a parent only after the writes already on their way to it have landed', async () => {
    await call('CreateStream', { StreamName: 's', ShardCount: 1 });
    await call('PutRecord', { StreamName: 's', PartitionKey: 'k', Data: Buffer.from('first') });
    const { ShardIterator } = await call('GetShardIterator', {
      StreamName: 's',
      ShardId: id(0),
      ShardIteratorType: 'TRIM_HORIZON',
    });

    backend.held = (logId) => logId.endsWith('.0');
    const held = call('PutRecord', { StreamName: 's', PartitionKey: 'k', Data: Buffer.from('held') });
    while (backend.waiting === 0) await tick();
    const split = call('SplitShard', { StreamName: 's', ShardToSplit: id(0), NewStartingHashKey: HALF });
    await until(async () => (await call('ListShards', { StreamName: 's' })).Shards.length === 3, 'the children');

    // The children take new writes while the parent's write is still in flight ...
    const after = await call('PutRecord', { StreamName: 's', PartitionKey: 'k', Data: Buffer.from('after') });
    assert.notEqual(after.ShardId, id(0));
    // ... and the parent is not closed yet: a reader at its tip is told to come back, not sent to the children.
    const shards = (await call('ListShards', { StreamName: 's' })).Shards;
    assert.equal(shards[0].SequenceNumberRange.EndingSequenceNumber, undefined);
    const early = await call('GetRecords', { ShardIterator });
    assert.deepEqual(
      early.Records.map((r: { Data: Uint8Array }) => Buffer.from(r.Data).toString()),
      ['first'],
    );
    assert.equal(early.ChildShards, undefined);
    assert.ok(early.NextShardIterator);

    backend.release();
    assert.equal((await held).ShardId, id(0));
    await split;
    const late = await call('GetRecords', { ShardIterator: early.NextShardIterator });
    assert.deepEqual(
      late.Records.map((r: { Data: Uint8Array }) => Buffer.from(r.Data).toString()),
      ['held'],
    );
    assert.equal(late.NextShardIterator, undefined);
    assert.deepEqual(
      late.ChildShards.map((c: { ShardId: string }) => c.ShardId),
      [id(1), id(2)],
    );
    const closed = (await call('ListShards', { StreamName: 's' })).Shards[0];
    assert.match(closed.SequenceNumberRange.EndingSequenceNumber, /^\d{56}$/);
  });

  it('finishes a pending split after a restart', async () => {
    await shutdown();
    await boot(60_000);
    await call('CreateStream', { StreamName: 'p', ShardCount: 1 });
    await call('SplitShard', { StreamName: 'p', ShardToSplit: id(0), NewStartingHashKey: HALF });
    assert.equal(
      (await call('DescribeStreamSummary', { StreamName: 'p' })).StreamDescriptionSummary.StreamStatus,
      'UPDATING',
    );
    await shutdown();
    clock.t += 60_000;
    await boot(60_000);
    await until(
      async () =>
        (await call('DescribeStreamSummary', { StreamName: 'p' })).StreamDescriptionSummary.StreamStatus === 'ACTIVE',
      'ACTIVE',
    );
    const shards = (await call('ListShards', { StreamName: 'p' })).Shards;
    assert.deepEqual(
      shards.map((s: { ShardId: string; ParentShardId?: string }) => [s.ShardId, s.ParentShardId]),
      [
        [id(0), undefined],
        [id(1), id(0)],
        [id(2), id(0)],
      ],
    );
  });

  it('scales an on-demand stream up with its write rate and back down once the peak is 30 days old', async () => {
    await call('CreateStream', { StreamName: 'od', StreamModeDetails: { StreamMode: 'ON_DEMAND' } });
    assert.equal(await openCount('od'), 4);
    // 4,000 records within one second of the clock: twice that needs 8 shards of 1,000 records/s.
    for (let batch = 0; batch < 8; batch++) {
      const Records = Array.from({ length: 500 }, (_, i) => ({
        PartitionKey: `k${batch}-${i}`,
        Data: Buffer.from('x'),
      }));
      assert.equal((await call('PutRecords', { StreamName: 'od', Records })).FailedRecordCount, 0);
    }
    assert.equal(await openCount('od'), 4, 'nothing changes before the evaluation interval has passed');

    clock.t += 60_000;
    await call('PutRecord', { StreamName: 'od', PartitionKey: 'tick', Data: Buffer.from('x') });
    await until(async () => (await openCount('od')) === 8, '8 open shards');
    const summary = (await call('DescribeStreamSummary', { StreamName: 'od' })).StreamDescriptionSummary;
    assert.equal(summary.StreamStatus, 'ACTIVE');
    const latest = (await call('ListShards', { StreamName: 'od', ShardFilter: { Type: 'AT_LATEST' } })).Shards;
    assert.deepEqual(
      latest
        .map((s: { HashKeyRange: { StartingHashKey: string; EndingHashKey: string } }) => [
          s.HashKeyRange.StartingHashKey,
          s.HashKeyRange.EndingHashKey,
        ])
        .sort((a: string[], b: string[]) => (BigInt(a[0]!) < BigInt(b[0]!) ? -1 : 1)),
      splitHashKeySpace(8).map((r) => [r.start.toString(), r.end.toString()]),
    );
    for (const s of latest) {
      assert.ok(s.ParentShardId);
      assert.equal(s.AdjacentParentShardId, undefined);
    }

    // Thirty days later the old peak is forgotten: back to 4 shards by merges (two parents each).
    clock.t += 31 * DAY;
    await call('PutRecord', { StreamName: 'od', PartitionKey: 'tick', Data: Buffer.from('x') });
    await until(async () => (await openCount('od')) === 4, '4 open shards');
    const merged = (await call('ListShards', { StreamName: 'od', ShardFilter: { Type: 'AT_LATEST' } })).Shards;
    for (const s of merged) assert.ok(s.ParentShardId && s.AdjacentParentShardId);
  });

  it('keeps the 30-day peak window of an on-demand stream across a restart', async () => {
    const t0 = clock.t;
    await call('CreateStream', { StreamName: 'od', StreamModeDetails: { StreamMode: 'ON_DEMAND' } });
    const tickWrite = () => call('PutRecord', { StreamName: 'od', PartitionKey: 'tick', Data: Buffer.from('x') });
    await tickWrite(); // Writes are first counted now (t0).
    const stored = async () =>
      (await backend.meta.list<{ since: number; samples: number[][] }>('on-demand/')).map(([, v]) => v);

    // Day 25: a peak of 3,501 records in one second (8 shards' worth), evaluated a minute later.
    clock.t = t0 + 25 * DAY;
    await tickWrite();
    for (let batch = 0; batch < 7; batch++) {
      const Records = Array.from({ length: 500 }, (_, i) => ({
        PartitionKey: `k${batch}-${i}`,
        Data: Buffer.from('x'),
      }));
      assert.equal((await call('PutRecords', { StreamName: 'od', Records })).FailedRecordCount, 0);
    }
    clock.t += 60_000;
    await tickWrite();
    await until(async () => (await openCount('od')) === 8, '8 open shards');
    await until(
      async () => (await stored()).some((w) => w.samples.some(([, , records]) => records! >= 3500)),
      'peak saved',
    );
    const [saved] = await stored();
    assert.equal(saved!.since, t0);

    // Restart on day 34; on day 35 the peak (10 days old) still holds the stream at 8 shards, although writes were
    // first counted more than 30 days ago (so a forgotten window would scale it down).
    await shutdown();
    clock.t = t0 + 34 * DAY;
    await boot();
    clock.t = t0 + 35 * DAY;
    await tickWrite();
    await until(async () => (await stored()).some((w) => w.samples.some(([at]) => at === clock.t)), 'day-35 sample');
    for (let i = 0; i < 50; i++) await new Promise((r) => setTimeout(r, 2));
    assert.equal(await openCount('od'), 8);

    // Day 56: the peak is 31 days old and writes were first counted 56 days ago (not at the restart): back to 4.
    clock.t = t0 + 56 * DAY;
    await tickWrite();
    await until(async () => (await openCount('od')) === 4, '4 open shards');

    // Deleting the stream deletes its window at the next evaluation.
    await call('DeleteStream', { StreamName: 'od' });
    clock.t += 60_000;
    await call('CreateStream', { StreamName: 'other', StreamModeDetails: { StreamMode: 'ON_DEMAND' } });
    await call('PutRecord', { StreamName: 'other', PartitionKey: 'k', Data: Buffer.from('x') });
    await until(async () => (await stored()).every((w) => w.since !== t0), 'window of the deleted stream removed');
  });

  it('leaves provisioned streams alone', async () => {
    await call('CreateStream', { StreamName: 'pv', ShardCount: 1 });
    const Records = Array.from({ length: 500 }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from('x') }));
    for (let i = 0; i < 6; i++) await call('PutRecords', { StreamName: 'pv', Records });
    clock.t += 60_000;
    await call('PutRecord', { StreamName: 'pv', PartitionKey: 'tick', Data: Buffer.from('x') });
    for (let i = 0; i < 10; i++) await tick();
    assert.equal(await openCount('pv'), 1);
  });
});

describe('closed shards past the retention period (embedded log, injected clock)', () => {
  it("deletes a closed parent's log once its records expired; the parent reads as ended and leads to its children", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trib-expire-'));
    const timers = new ManualTimerClock();
    const svc = await openInProcessService(dir, timers, { durability: { kind: 'none' }, timerClock: timers });
    const sweep = async (): Promise<void> => {
      await timers.advance(60_000);
      await svc.scheduler!.idle();
    };
    try {
      await svc.call('CreateStream', { StreamName: 'exp', ShardCount: 1 });
      await sweep();
      await svc.call('PutRecord', { StreamName: 'exp', PartitionKey: 'pk', Data: Buffer.from('old') });
      await svc.call('SplitShard', { StreamName: 'exp', ShardToSplit: id(0), NewStartingHashKey: HALF });
      await sweep();
      const streamId = (await svc.call('DescribeStreamSummary', { StreamName: 'exp' })).StreamDescriptionSummary
        .StreamId as string;
      const parentLogs = async () => (await svc.backend.logs.list()).filter((l) => l === `${streamId}.0`);
      assert.equal((await parentLogs()).length, 1, 'the parent has its log within the retention period');
      timers.t += DAY - 3_600_000;
      await sweep();
      assert.equal((await parentLogs()).length, 1, 'kept 23 hours after the split');
      // A minute before its record expires the parent still gives an iterator (valid for 5 minutes).
      timers.t += 3_600_000 - 180_000;
      const it0 = await svc.call('GetShardIterator', {
        StreamName: 'exp',
        ShardId: id(0),
        ShardIteratorType: 'TRIM_HORIZON',
      });
      timers.t += 120_000;
      await sweep();
      assert.deepEqual(await parentLogs(), [], 'deleted once its newest record is past the 24-hour retention');
      // An expired shard does not exist any more for GetShardIterator (as AWS answers, docs/adr/0047).
      await expectServiceError(
        svc.call('GetShardIterator', { StreamName: 'exp', ShardId: id(0), ShardIteratorType: 'TRIM_HORIZON' }),
        'ResourceNotFoundException',
        `Shard ${id(0)} in stream exp under account ${TEST_ACCOUNT} does not exist`,
      );
      // The iterator taken before reads the parent as ended and leads to its children.
      const got = await svc.call('GetRecords', { ShardIterator: it0.ShardIterator });
      assert.deepEqual(got.Records, []);
      assert.equal(got.NextShardIterator, undefined);
      assert.deepEqual((got.ChildShards as Array<{ ShardId: string }>).map((c) => c.ShardId).sort(), [id(1), id(2)]);
      await sweep();
      assert.deepEqual(await parentLogs(), [], 'no sweep opens it again');
    } finally {
      await svc.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
