/**
 * The `--enforce-limits` switch: AWS's per-shard write/read limits and control-plane rates, with an injected
 * clock at the service level (throttling and recovery once buckets refill), and the error shapes the AWS
 * SDK v3 sees (maxAttempts 1) against a real server started with the switch on.
 */
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateStreamCommand,
  DescribeLimitsCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  PutRecordCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import type { StreamsServiceOptions } from '../../src/streams/index.js';
import {
  ManualClock,
  TEST_ACCOUNT,
  expectServiceError,
  openInProcessService,
  type InProcessService,
} from '../helpers/service.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const ACCOUNT = TEST_ACCOUNT;
const MiB = 1024 * 1024;
const SHARD0 = 'shardId-000000000000';
const rateText = (stream: string) => `Rate exceeded for shard ${SHARD0} in stream ${stream} under account ${ACCOUNT}.`;

const expectError = expectServiceError;

const small = (n: number, size = 10) =>
  Array.from({ length: n }, (_, i) => ({ PartitionKey: `k${i}`, Data: new Uint8Array(size) }));

describe('limits switch (service, injected clock)', () => {
  let dir: string;
  let service: InProcessService | undefined;
  let clock: ManualClock;
  let call: InProcessService['call'];

  async function boot(options: Partial<StreamsServiceOptions> = {}): Promise<void> {
    service = await openInProcessService(dir, clock, { durability: { kind: 'none' }, enforceLimits: true, ...options });
    call = service.call;
  }

  async function shutdown(): Promise<void> {
    await service?.close();
    service = undefined;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tributary-limits-'));
    clock = new ManualClock();
  });
  afterEach(async () => {
    await shutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it('PutRecords: 1,000 records/s per shard, then per-record failures, then recovery after a second', async () => {
    await boot();
    await call('CreateStream', { StreamName: 's', ShardCount: 1 });
    assert.equal((await call('PutRecords', { StreamName: 's', Records: small(500) })).FailedRecordCount, 0);
    assert.equal((await call('PutRecords', { StreamName: 's', Records: small(500) })).FailedRecordCount, 0);
    const over = await call('PutRecords', { StreamName: 's', Records: small(3) });
    assert.equal(over.FailedRecordCount, 3);
    assert.deepEqual(over.Records[0], {
      ErrorCode: 'ProvisionedThroughputExceededException',
      ErrorMessage: rateText('s'),
    });
    clock.t += 500; // half a second refills half the budget
    const half = await call('PutRecords', { StreamName: 's', Records: small(500) });
    assert.equal(half.FailedRecordCount, 0);
    assert.equal((await call('PutRecords', { StreamName: 's', Records: small(1) })).FailedRecordCount, 1);
    clock.t += 1000;
    assert.equal((await call('PutRecords', { StreamName: 's', Records: small(500) })).FailedRecordCount, 0);
  });

  it('PutRecords: 1 MiB/s per shard fails only the records over budget, index-aligned', async () => {
    await boot();
    await call('CreateStream', { StreamName: 's', ShardCount: 1 });
    const big = (k: string) => ({ PartitionKey: k, Data: new Uint8Array(400 * 1024) });
    const out = await call('PutRecords', {
      StreamName: 's',
      Records: [big('a'), big('b'), big('c'), { PartitionKey: 'd', Data: new Uint8Array(100) }],
    });
    assert.equal(out.FailedRecordCount, 1);
    assert.ok('SequenceNumber' in out.Records[0] && 'SequenceNumber' in out.Records[1]);
    assert.equal(out.Records[2].ErrorCode, 'ProvisionedThroughputExceededException');
    // A later, smaller record still fits in what is left of the second's budget.
    assert.ok('SequenceNumber' in out.Records[3]);
  });

  it('PutRecord throws ProvisionedThroughputExceededException and works again once the bucket refilled', async () => {
    await boot();
    await call('CreateStream', { StreamName: 's', ShardCount: 1 });
    await call('PutRecord', { StreamName: 's', PartitionKey: 'k', Data: new Uint8Array(MiB - 1) });
    await expectError(
      call('PutRecord', { StreamName: 's', PartitionKey: 'k', Data: new Uint8Array(10) }),
      'ProvisionedThroughputExceededException',
      rateText('s'),
    );
    clock.t += 1000;
    await call('PutRecord', { StreamName: 's', PartitionKey: 'k', Data: new Uint8Array(10) });
  });

  it('GetRecords: 5 calls/s per shard; GetShardIterator: 5/s per shard', async () => {
    await boot();
    await call('CreateStream', { StreamName: 's', ShardCount: 1 });
    const iter = () =>
      call('GetShardIterator', { StreamName: 's', ShardId: SHARD0, ShardIteratorType: 'TRIM_HORIZON' });
    const { ShardIterator } = await iter();
    for (let i = 0; i < 4; i++) await iter();
    await expectError(iter(), 'ProvisionedThroughputExceededException', rateText('s'));
    for (let i = 0; i < 5; i++) await call('GetRecords', { ShardIterator });
    await expectError(call('GetRecords', { ShardIterator }), 'ProvisionedThroughputExceededException', rateText('s'));
    clock.t += 200; // one call's worth
    await call('GetRecords', { ShardIterator });
    await expectError(call('GetRecords', { ShardIterator }), 'ProvisionedThroughputExceededException');
  });

  it('GetRecords: read bandwidth is a debt; overrides make it small', async () => {
    await boot({ limits: { readBytesPerSecond: 1000 } });
    await call('CreateStream', { StreamName: 's', ShardCount: 1 });
    await call('PutRecords', { StreamName: 's', Records: small(3, 999) }); // 3 × (999 + 2) bytes
    const { ShardIterator } = await call('GetShardIterator', {
      StreamName: 's',
      ShardId: SHARD0,
      ShardIteratorType: 'TRIM_HORIZON',
    });
    const first = await call('GetRecords', { ShardIterator });
    assert.equal(first.Records.length, 3);
    clock.t += 1500; // 1,000 credit − 3,003 read + 1,500 refill < 0: still in debt
    await expectError(
      call('GetRecords', { ShardIterator: first.NextShardIterator }),
      'ProvisionedThroughputExceededException',
    );
    clock.t += 600;
    assert.deepEqual((await call('GetRecords', { ShardIterator: first.NextShardIterator })).Records, []);
  });

  it('GetRecords: after a 10 MiB response, calls in the next 5 s are throttled', async () => {
    await boot();
    await call('CreateStream', { StreamName: 's', ShardCount: 1 });
    for (let i = 0; i < 10; i++) {
      await call('PutRecord', { StreamName: 's', PartitionKey: 'k', Data: new Uint8Array(MiB - 1) });
      clock.t += 1000;
    }
    const { ShardIterator } = await call('GetShardIterator', {
      StreamName: 's',
      ShardId: SHARD0,
      ShardIteratorType: 'TRIM_HORIZON',
    });
    const big = await call('GetRecords', { ShardIterator });
    assert.equal(big.Records.length, 10);
    clock.t += 4_500; // the bandwidth debt (8 MiB at 2 MiB/s) is paid, the 5 s penalty is not over
    await expectError(
      call('GetRecords', { ShardIterator: big.NextShardIterator }),
      'ProvisionedThroughputExceededException',
    );
    clock.t += 500;
    await call('GetRecords', { ShardIterator: big.NextShardIterator });
  });

  it('control plane: per-operation TPS with LimitExceededException, per account', async () => {
    await boot();
    await call('CreateStream', { StreamName: 's', ShardCount: 1 });
    await call('DescribeLimits', {});
    await expectError(call('DescribeLimits', {}), 'LimitExceededException', `Rate exceeded for account ${ACCOUNT}.`);
    for (let i = 0; i < 10; i++) await call('DescribeStream', { StreamName: 's' });
    await expectError(
      call('DescribeStream', { StreamName: 's' }),
      'LimitExceededException',
      `Rate exceeded for stream s under account ${ACCOUNT}.`,
    );
    clock.t += 1000;
    await call('DescribeStream', { StreamName: 's' });
    await call('DescribeLimits', {});
  });

  it('at most 5 streams CREATING at once', async () => {
    await boot({ createStreamMs: 60_000 });
    for (let i = 0; i < 5; i++) await call('CreateStream', { StreamName: `c${i}`, ShardCount: 1 });
    await expectError(
      call('CreateStream', { StreamName: 'c5', ShardCount: 1 }),
      'LimitExceededException',
      /^Rate exceeded/,
    );
    clock.t += 1000;
    await expectError(
      call('CreateStream', { StreamName: 'c5', ShardCount: 1 }),
      'LimitExceededException',
      /limit of 5 streams in CREATING state/,
    );
  });

  it('DescribeLimits reports the configured account limits', async () => {
    await boot({ shardLimit: 7, onDemandStreamLimit: 3 });
    await call('CreateStream', { StreamName: 's', ShardCount: 2 });
    assert.deepEqual(await call('DescribeLimits', {}), {
      ShardLimit: 7,
      OpenShardCount: 2,
      OnDemandStreamCount: 0,
      OnDemandStreamCountLimit: 3,
    });
  });

  it('with the switch off nothing is throttled', async () => {
    await boot({ enforceLimits: false });
    await call('CreateStream', { StreamName: 's', ShardCount: 1 });
    for (let i = 0; i < 4; i++)
      assert.equal((await call('PutRecords', { StreamName: 's', Records: small(500) })).FailedRecordCount, 0);
    for (let i = 0; i < 3; i++) await call('DescribeLimits', {});
  });
});

describe('limits switch (AWS SDK v3, real server)', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ enforceLimits: true, durability: 'none' });
    await t.kinesis.send(new CreateStreamCommand({ StreamName: 'throttled', ShardCount: 1 }));
  });
  after(async () => {
    await t.close();
  });

  it('PutRecords reports partial failures with FailedRecordCount and per-record ErrorCode/ErrorMessage', async () => {
    const send = () => t.kinesis.send(new PutRecordsCommand({ StreamName: 'throttled', Records: small(500) }));
    // 3,000 records at once against 1,000 records/s: whatever order the server takes the calls in, some entries
    // fail (sent one after another, a loaded machine could space them out enough for the bucket to refill).
    const results = await Promise.all([send(), send(), send(), send(), send(), send()]);
    const last = results.find((r) => r.FailedRecordCount! > 0);
    assert.ok(last, `FailedRecordCount ${results.map((r) => r.FailedRecordCount).join(', ')}`);
    const failed = last.Records!.filter((r) => r.ErrorCode !== undefined);
    assert.equal(failed.length, last.FailedRecordCount);
    assert.equal(failed[0]!.ErrorCode, 'ProvisionedThroughputExceededException');
    assert.equal(
      failed[0]!.ErrorMessage,
      `Rate exceeded for shard ${SHARD0} in stream throttled under account 000000000000.`,
    );
    assert.equal(failed[0]!.SequenceNumber, undefined);
  });

  it('PutRecord throws ProvisionedThroughputExceededException', async () => {
    await t.kinesis.send(new CreateStreamCommand({ StreamName: 'bytes', ShardCount: 1 }));
    const put = () =>
      t.kinesis.send(
        new PutRecordCommand({ StreamName: 'bytes', PartitionKey: 'k', Data: new Uint8Array(900 * 1024) }),
      );
    await put();
    await assert.rejects(put(), (e: Error & { $retryable?: unknown }) => {
      assert.equal(e.name, 'ProvisionedThroughputExceededException');
      assert.match(e.message, /^Rate exceeded for shard shardId-000000000000 in stream bytes under account/);
      return true;
    });
  });

  it('GetRecords throws ProvisionedThroughputExceededException beyond 5 calls/s', async () => {
    const { ShardIterator } = await t.kinesis.send(
      new GetShardIteratorCommand({ StreamName: 'throttled', ShardId: SHARD0, ShardIteratorType: 'LATEST' }),
    );
    const settled = await Promise.allSettled(
      Array.from({ length: 8 }, () => t.kinesis.send(new GetRecordsCommand({ ShardIterator }))),
    );
    const rejected = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    assert.ok(rejected.length >= 1, 'some calls are throttled');
    for (const r of rejected) assert.equal((r.reason as Error).name, 'ProvisionedThroughputExceededException');
  });

  it('DescribeLimits over its 1 TPS is a LimitExceededException', async () => {
    const settled = await Promise.allSettled([1, 2, 3].map(() => t.kinesis.send(new DescribeLimitsCommand({}))));
    const rejected = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    assert.ok(rejected.length >= 1);
    assert.equal((rejected[0]!.reason as Error).name, 'LimitExceededException');
    assert.equal((rejected[0]!.reason as Error).message, 'Rate exceeded for account 000000000000.');
  });
});
