/**
 * End to end with the default @aws-sdk/client-kinesis v3 client (HTTP/2 to our endpoint): every
 * Data Streams operation of the foundation, success and error paths, against a real server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DecreaseStreamRetentionPeriodCommand,
  DeleteStreamCommand,
  DescribeAccountSettingsCommand,
  DescribeLimitsCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  DisableEnhancedMonitoringCommand,
  EnableEnhancedMonitoringCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  IncreaseStreamRetentionPeriodCommand,
  ListShardsCommand,
  ListStreamsCommand,
  ListTagsForResourceCommand,
  ListTagsForStreamCommand,
  PutRecordCommand,
  PutRecordsCommand,
  RemoveTagsFromStreamCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAccountSettingsCommand,
  UpdateStreamModeCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { rejects } from '../helpers/assert.js';

const ACCOUNT = '000000000000';
const enc = new TextEncoder();
const dec = new TextDecoder();

async function readAll(kinesis: KinesisClient, stream: string, shardId: string) {
  const { ShardIterator } = await kinesis.send(
    new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
  );
  const out = [];
  let it = ShardIterator;
  for (;;) {
    const r = await kinesis.send(new GetRecordsCommand({ ShardIterator: it! }));
    out.push(...r.Records!);
    it = r.NextShardIterator;
    if (r.Records!.length === 0) break;
  }
  return out;
}

describe('Data Streams with the AWS SDK v3', () => {
  let t: TestServer;
  let kinesis: KinesisClient;
  before(async () => {
    t = await startTestServer();
    kinesis = t.kinesis;
  });
  after(async () => {
    await t.close();
  });

  describe('stream lifecycle', () => {
    it('creates, describes, lists and deletes a provisioned stream', async () => {
      await kinesis.send(new CreateStreamCommand({ StreamName: 'life', ShardCount: 2 }));
      const d = (await kinesis.send(new DescribeStreamCommand({ StreamName: 'life' }))).StreamDescription!;
      assert.equal(d.StreamName, 'life');
      assert.equal(d.StreamARN, `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/life`);
      assert.equal(d.StreamStatus, 'ACTIVE');
      assert.equal(d.StreamModeDetails?.StreamMode, 'PROVISIONED');
      assert.equal(d.RetentionPeriodHours, 24);
      assert.equal(d.HasMoreShards, false);
      assert.equal(d.EncryptionType, 'NONE');
      assert.ok(d.StreamCreationTimestamp instanceof Date);
      assert.deepEqual(
        d.Shards!.map((s) => [s.ShardId, s.HashKeyRange!.StartingHashKey, s.HashKeyRange!.EndingHashKey]),
        [
          ['shardId-000000000000', '0', '170141183460469231731687303715884105727'],
          [
            'shardId-000000000001',
            '170141183460469231731687303715884105728',
            '340282366920938463463374607431768211455',
          ],
        ],
      );
      assert.match(d.Shards![0]!.SequenceNumberRange!.StartingSequenceNumber!, /^\d{56}$/);

      const s = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamARN: d.StreamARN })))
        .StreamDescriptionSummary!;
      assert.equal(s.OpenShardCount, 2);
      assert.match(s.StreamId!, /^[a-z0-9]{20}-[a-z0-9]{3}$/);

      const listed = await kinesis.send(new ListStreamsCommand({}));
      assert.ok(listed.StreamNames!.includes('life'));
      assert.equal(listed.StreamSummaries!.find((x) => x.StreamName === 'life')?.StreamStatus, 'ACTIVE');

      await rejects(
        kinesis.send(new CreateStreamCommand({ StreamName: 'life', ShardCount: 1 })),
        'ResourceInUseException',
        `Stream life under account ${ACCOUNT} already exists.`,
      );
      await kinesis.send(new DeleteStreamCommand({ StreamName: 'life' }));
      await rejects(
        kinesis.send(new DescribeStreamCommand({ StreamName: 'life' })),
        'ResourceNotFoundException',
        `Stream life under account ${ACCOUNT} not found.`,
      );
    });

    it('creates an on-demand stream with 4 shards and switches its mode', async () => {
      await kinesis.send(new CreateStreamCommand({ StreamName: 'od', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
      const d = (await kinesis.send(new DescribeStreamCommand({ StreamName: 'od' }))).StreamDescription!;
      assert.equal(d.Shards!.length, 4);
      assert.equal(d.StreamModeDetails?.StreamMode, 'ON_DEMAND');
      const limits = await kinesis.send(new DescribeLimitsCommand({}));
      assert.ok(limits.OnDemandStreamCount! >= 1);
      assert.equal(limits.OnDemandStreamCountLimit, 50);
      assert.ok(limits.ShardLimit! >= limits.OpenShardCount!);
      await kinesis.send(
        new UpdateStreamModeCommand({ StreamARN: d.StreamARN, StreamModeDetails: { StreamMode: 'PROVISIONED' } }),
      );
      const after = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'od' })))
        .StreamDescriptionSummary!;
      assert.equal(after.StreamModeDetails?.StreamMode, 'PROVISIONED');
      await kinesis.send(new DeleteStreamCommand({ StreamName: 'od' }));
    });

    it('rejects bad input with AWS validation messages', async () => {
      await rejects(
        kinesis.send(new CreateStreamCommand({ StreamName: 'a b', ShardCount: 1 })),
        'ValidationException',
        "1 validation error detected: Value 'a b' at 'streamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
      );
      await rejects(
        kinesis.send(new DescribeStreamCommand({ StreamName: 'nope' })),
        'ResourceNotFoundException',
        `Stream nope under account ${ACCOUNT} not found.`,
      );
    });

    it('enforces the account shard limit', async () => {
      await rejects(
        kinesis.send(new CreateStreamCommand({ StreamName: 'huge', ShardCount: 100000 })),
        'LimitExceededException',
        /^This request would exceed the shard limit for the account 000000000000 in us-east-1\. Current shard count for the account: \d+\. Limit: 1000\. Number of additional shards that would have resulted from this request: 100000\./,
      );
    });

    it('paginates ListStreams with Limit, NextToken and ExclusiveStartStreamName', async () => {
      for (const n of ['p1', 'p2', 'p3']) await kinesis.send(new CreateStreamCommand({ StreamName: n, ShardCount: 1 }));
      const first = await kinesis.send(new ListStreamsCommand({ Limit: 2 }));
      assert.equal(first.StreamNames!.length, 2);
      assert.equal(first.HasMoreStreams, true);
      assert.ok(first.NextToken);
      const second = await kinesis.send(new ListStreamsCommand({ NextToken: first.NextToken }));
      const all = [...first.StreamNames!, ...second.StreamNames!];
      assert.deepEqual(
        all.filter((n) => n.startsWith('p')),
        ['p1', 'p2', 'p3'],
      );
      const afterP1 = await kinesis.send(new ListStreamsCommand({ ExclusiveStartStreamName: 'p1' }));
      assert.deepEqual(
        afterP1.StreamNames!.filter((n) => n.startsWith('p')),
        ['p2', 'p3'],
      );
      for (const n of ['p1', 'p2', 'p3']) await kinesis.send(new DeleteStreamCommand({ StreamName: n }));
    });
  });

  describe('ListShards', () => {
    before(async () => {
      await kinesis.send(new CreateStreamCommand({ StreamName: 'ls', ShardCount: 5 }));
    });
    it('pages with MaxResults and NextToken', async () => {
      const a = await kinesis.send(new ListShardsCommand({ StreamName: 'ls', MaxResults: 2 }));
      assert.deepEqual(
        a.Shards!.map((s) => s.ShardId),
        ['shardId-000000000000', 'shardId-000000000001'],
      );
      const b = await kinesis.send(new ListShardsCommand({ NextToken: a.NextToken, MaxResults: 10 }));
      assert.deepEqual(
        b.Shards!.map((s) => s.ShardId),
        ['shardId-000000000002', 'shardId-000000000003', 'shardId-000000000004'],
      );
      assert.equal(b.NextToken, undefined);
    });
    it('applies ShardFilter and ExclusiveStartShardId', async () => {
      const after = await kinesis.send(
        new ListShardsCommand({
          StreamName: 'ls',
          ShardFilter: { Type: 'AFTER_SHARD_ID', ShardId: 'shardId-000000000003' },
        }),
      );
      assert.deepEqual(
        after.Shards!.map((s) => s.ShardId),
        ['shardId-000000000004'],
      );
      const excl = await kinesis.send(
        new ListShardsCommand({ StreamName: 'ls', ExclusiveStartShardId: 'shardId-000000000002' }),
      );
      assert.equal(excl.Shards!.length, 2);
      const latest = await kinesis.send(
        new ListShardsCommand({ StreamName: 'ls', ShardFilter: { Type: 'AT_LATEST' } }),
      );
      assert.equal(latest.Shards!.length, 5);
      const atTs = await kinesis.send(
        new ListShardsCommand({ StreamName: 'ls', ShardFilter: { Type: 'AT_TIMESTAMP', Timestamp: new Date() } }),
      );
      assert.equal(atTs.Shards!.length, 5);
    });
    it('follows the NextToken / StreamName rules', async () => {
      const a = await kinesis.send(new ListShardsCommand({ StreamName: 'ls', MaxResults: 1 }));
      await rejects(
        kinesis.send(new ListShardsCommand({ StreamName: 'ls', NextToken: a.NextToken })),
        'InvalidArgumentException',
        'NextToken and StreamName cannot be provided together.',
      );
      await rejects(
        kinesis.send(new ListShardsCommand({})),
        'InvalidArgumentException',
        'Either NextToken or StreamName should be provided.',
      );
      await rejects(
        kinesis.send(new ListShardsCommand({ StreamName: 'ls', StreamCreationTimestamp: new Date(1000) })),
        'ResourceNotFoundException',
      );
    });
  });

  describe('records', () => {
    before(async () => {
      await kinesis.send(new CreateStreamCommand({ StreamName: 'rec', ShardCount: 2 }));
    });

    it('routes by MD5 of the partition key and by ExplicitHashKey', async () => {
      // MD5("a") = 0x0cc175b9... < 2^127 → first shard of two.
      const a = await kinesis.send(
        new PutRecordCommand({ StreamName: 'rec', PartitionKey: 'a', Data: enc.encode('hello') }),
      );
      assert.equal(a.ShardId, 'shardId-000000000000');
      assert.match(a.SequenceNumber!, /^\d{56}$/);
      const b = await kinesis.send(
        new PutRecordCommand({
          StreamName: 'rec',
          PartitionKey: 'a',
          ExplicitHashKey: '340282366920938463463374607431768211455',
          Data: enc.encode('x'),
        }),
      );
      assert.equal(b.ShardId, 'shardId-000000000001');
      await rejects(
        kinesis.send(
          new PutRecordCommand({
            StreamName: 'rec',
            PartitionKey: 'a',
            ExplicitHashKey: '340282366920938463463374607431768211456',
            Data: enc.encode('x'),
          }),
        ),
        'InvalidArgumentException',
        'Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. Specified value was 340282366920938463463374607431768211456',
      );
    });

    it('PutRecords answers index-aligned results and every record reads back in order', async () => {
      const entries = Array.from({ length: 500 }, (_, i) => ({
        PartitionKey: `k${i % 37}`,
        Data: enc.encode(`record-${i}`),
      }));
      const r = await kinesis.send(new PutRecordsCommand({ StreamName: 'rec', Records: entries }));
      assert.equal(r.FailedRecordCount, 0);
      assert.equal(r.Records!.length, 500);
      const seqs = new Map<string, string>();
      for (const [i, res] of r.Records!.entries()) {
        assert.ok(res.ShardId && res.SequenceNumber);
        seqs.set(res.SequenceNumber!, `record-${i}`);
      }
      assert.equal(seqs.size, 500, 'sequence numbers are unique');
      const got = [
        ...(await readAll(kinesis, 'rec', 'shardId-000000000000')),
        ...(await readAll(kinesis, 'rec', 'shardId-000000000001')),
      ];
      const byRecord = got.filter((x) => seqs.has(x.SequenceNumber!));
      assert.equal(byRecord.length, 500);
      for (const rec of byRecord) {
        assert.equal(dec.decode(rec.Data), seqs.get(rec.SequenceNumber!));
        assert.ok(rec.ApproximateArrivalTimestamp instanceof Date);
      }
      // Per-shard order is the request order.
      for (const shard of ['shardId-000000000000', 'shardId-000000000001']) {
        const inShard = r
          .Records!.map((x, i) => [x, i] as const)
          .filter(([x]) => x.ShardId === shard)
          .map(([, i]) => `record-${i}`);
        const read = got
          .filter((x) => seqs.has(x.SequenceNumber!))
          .map((x) => dec.decode(x.Data))
          .filter((d) => inShard.includes(d));
        assert.deepEqual(read, inShard);
      }
    });

    it('supports every iterator type', async () => {
      const latest = await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: 'rec',
          ShardId: 'shardId-000000000000',
          ShardIteratorType: 'LATEST',
        }),
      );
      const p1 = await kinesis.send(
        new PutRecordCommand({ StreamName: 'rec', PartitionKey: 'a', Data: enc.encode('one') }),
      );
      const p2 = await kinesis.send(
        new PutRecordCommand({ StreamName: 'rec', PartitionKey: 'a', Data: enc.encode('two') }),
      );
      const fromLatest = await kinesis.send(new GetRecordsCommand({ ShardIterator: latest.ShardIterator! }));
      assert.deepEqual(
        fromLatest.Records!.map((r) => dec.decode(r.Data)),
        ['one', 'two'],
      );
      assert.equal(fromLatest.MillisBehindLatest, 0);

      const at = await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: 'rec',
          ShardId: 'shardId-000000000000',
          ShardIteratorType: 'AT_SEQUENCE_NUMBER',
          StartingSequenceNumber: p1.SequenceNumber,
        }),
      );
      const atRecords = await kinesis.send(new GetRecordsCommand({ ShardIterator: at.ShardIterator!, Limit: 1 }));
      assert.deepEqual(
        atRecords.Records!.map((r) => r.SequenceNumber),
        [p1.SequenceNumber],
      );
      assert.ok(atRecords.MillisBehindLatest! >= 0);
      const afterIt = await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: 'rec',
          ShardId: 'shardId-000000000000',
          ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
          StartingSequenceNumber: p1.SequenceNumber,
        }),
      );
      const afterRecords = await kinesis.send(new GetRecordsCommand({ ShardIterator: afterIt.ShardIterator! }));
      assert.equal(afterRecords.Records![0]!.SequenceNumber, p2.SequenceNumber);

      const ts = await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: 'rec',
          ShardId: 'shardId-000000000000',
          ShardIteratorType: 'AT_TIMESTAMP',
          Timestamp: new Date(Date.now() - 60_000),
        }),
      );
      const tsRecords = await kinesis.send(new GetRecordsCommand({ ShardIterator: ts.ShardIterator! }));
      assert.ok(tsRecords.Records!.length >= 2);

      // The next iterator continues where the last read stopped.
      const next = await kinesis.send(new GetRecordsCommand({ ShardIterator: atRecords.NextShardIterator! }));
      assert.equal(next.Records![0]!.SequenceNumber, p2.SequenceNumber);
    });

    it('rejects bad iterator requests with AWS errors', async () => {
      await rejects(
        kinesis.send(
          new GetShardIteratorCommand({
            StreamName: 'rec',
            ShardId: 'shardId-000000000009',
            ShardIteratorType: 'LATEST',
          }),
        ),
        'ResourceNotFoundException',
        `Shard shardId-000000000009 in stream rec under account ${ACCOUNT} does not exist`,
      );
      await rejects(
        kinesis.send(
          new GetShardIteratorCommand({
            StreamName: 'rec',
            ShardId: 'shardId-000000000000',
            ShardIteratorType: 'AT_SEQUENCE_NUMBER',
          }),
        ),
        'InvalidArgumentException',
        'Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. Request specified AT_SEQUENCE_NUMBER and no StartingSequenceNumber.',
      );
      await rejects(
        kinesis.send(
          new GetShardIteratorCommand({
            StreamName: 'rec',
            ShardId: 'shardId-000000000000',
            ShardIteratorType: 'AT_TIMESTAMP',
          }),
        ),
        'InvalidArgumentException',
        'Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. Current request has no timestamp parameter.',
      );
      const other = await kinesis.send(
        new PutRecordCommand({
          StreamName: 'rec',
          PartitionKey: 'a',
          ExplicitHashKey: '340282366920938463463374607431768211455',
          Data: enc.encode('x'),
        }),
      );
      await rejects(
        kinesis.send(
          new GetShardIteratorCommand({
            StreamName: 'rec',
            ShardId: 'shardId-000000000000',
            ShardIteratorType: 'AT_SEQUENCE_NUMBER',
            StartingSequenceNumber: other.SequenceNumber,
          }),
        ),
        'InvalidArgumentException',
        'Invalid StartingSequenceNumber. It encodes shardId-000000000001, while it was used in a call to a shard with shardId-000000000000',
      );
      await rejects(
        kinesis.send(
          new GetShardIteratorCommand({
            StreamName: 'rec',
            ShardId: 'shardId-000000000000',
            ShardIteratorType: 'AT_SEQUENCE_NUMBER',
            StartingSequenceNumber: '12345',
          }),
        ),
        'InvalidArgumentException',
        // An old-layout number names the shard it encodes (AWS, as kinesalite recorded).
        'Invalid StartingSequenceNumber. It encodes shardId-000000012345, while it was used in a call to a shard with shardId-000000000000',
      );
      await rejects(
        kinesis.send(
          new GetShardIteratorCommand({
            StreamName: 'rec',
            ShardId: 'shardId-000000000000',
            ShardIteratorType: 'AT_SEQUENCE_NUMBER',
            StartingSequenceNumber: '65536',
          }),
        ),
        'InvalidArgumentException',
        `StartingSequenceNumber 65536 used in GetShardIterator on shard shardId-000000000000 in stream rec under account ${ACCOUNT} is invalid.`,
      );
      const good = await kinesis.send(
        new GetShardIteratorCommand({
          StreamName: 'rec',
          ShardId: 'shardId-000000000000',
          ShardIteratorType: 'LATEST',
        }),
      );
      const text = good.ShardIterator!;
      const tampered = text.slice(0, 20) + (text[20] === 'A' ? 'B' : 'A') + text.slice(21);
      await rejects(
        kinesis.send(new GetRecordsCommand({ ShardIterator: tampered })),
        'InvalidArgumentException',
        'Invalid ShardIterator.',
      );
      await rejects(
        kinesis.send(new GetRecordsCommand({ ShardIterator: 'not-an-iterator' })),
        'InvalidArgumentException',
        'Invalid ShardIterator.',
      );
    });

    it('rejects writes to unknown streams', async () => {
      await rejects(
        kinesis.send(
          new PutRecordsCommand({ StreamName: 'missing', Records: [{ PartitionKey: 'a', Data: enc.encode('x') }] }),
        ),
        'ResourceNotFoundException',
        `Stream missing under account ${ACCOUNT} not found.`,
      );
    });
  });

  describe('retention, tags, monitoring, account settings', () => {
    before(async () => {
      await kinesis.send(new CreateStreamCommand({ StreamName: 'meta', ShardCount: 1 }));
    });

    it('changes retention within AWS bounds', async () => {
      await kinesis.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: 'meta', RetentionPeriodHours: 48 }));
      assert.equal(
        (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'meta' }))).StreamDescriptionSummary!
          .RetentionPeriodHours,
        48,
      );
      await rejects(
        kinesis.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: 'meta', RetentionPeriodHours: 30 })),
        'InvalidArgumentException',
        'Requested retention period (30 hours) for stream meta can not be shorter than existing retention period (48 hours). Use DecreaseRetentionPeriod API.',
      );
      await rejects(
        kinesis.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: 'meta', RetentionPeriodHours: 12 })),
        'InvalidArgumentException',
        'Minimum allowed retention period is 24 hours. Requested retention period (12 hours) is too short.',
      );
      await kinesis.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: 'meta', RetentionPeriodHours: 24 }));
    });

    it('adds, lists and removes tags by stream and by resource ARN', async () => {
      await kinesis.send(new AddTagsToStreamCommand({ StreamName: 'meta', Tags: { team: 'data', env: 'dev' } }));
      const listed = await kinesis.send(new ListTagsForStreamCommand({ StreamName: 'meta' }));
      assert.deepEqual(listed.Tags, [
        { Key: 'env', Value: 'dev' },
        { Key: 'team', Value: 'data' },
      ]);
      assert.equal(listed.HasMoreTags, false);
      const limited = await kinesis.send(new ListTagsForStreamCommand({ StreamName: 'meta', Limit: 1 }));
      assert.equal(limited.HasMoreTags, true);
      await kinesis.send(new RemoveTagsFromStreamCommand({ StreamName: 'meta', TagKeys: ['env'] }));
      const arn = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/meta`;
      await kinesis.send(new TagResourceCommand({ ResourceARN: arn, Tags: { cost: '42' } }));
      const byArn = await kinesis.send(new ListTagsForResourceCommand({ ResourceARN: arn }));
      assert.deepEqual(byArn.Tags, [
        { Key: 'cost', Value: '42' },
        { Key: 'team', Value: 'data' },
      ]);
      await kinesis.send(new UntagResourceCommand({ ResourceARN: arn, TagKeys: ['cost', 'team'] }));
      assert.deepEqual((await kinesis.send(new ListTagsForResourceCommand({ ResourceARN: arn }))).Tags, []);
      await rejects(
        kinesis.send(new AddTagsToStreamCommand({ StreamName: 'meta', Tags: { 'bad#key': 'x' } })),
        'InvalidArgumentException',
        'Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.',
      );
      const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
      await assert.rejects(kinesis.send(new AddTagsToStreamCommand({ StreamName: 'meta', Tags: many })));
    });

    it('enables and disables enhanced monitoring', async () => {
      const on = await kinesis.send(
        new EnableEnhancedMonitoringCommand({ StreamName: 'meta', ShardLevelMetrics: ['IncomingBytes'] }),
      );
      assert.deepEqual(on.CurrentShardLevelMetrics, []);
      assert.deepEqual(on.DesiredShardLevelMetrics, ['IncomingBytes']);
      const all = await kinesis.send(
        new EnableEnhancedMonitoringCommand({ StreamName: 'meta', ShardLevelMetrics: ['ALL'] }),
      );
      assert.equal(all.DesiredShardLevelMetrics!.length, 7);
      const off = await kinesis.send(
        new DisableEnhancedMonitoringCommand({ StreamName: 'meta', ShardLevelMetrics: ['ALL'] }),
      );
      assert.deepEqual(off.DesiredShardLevelMetrics, []);
      const d = await kinesis.send(new DescribeStreamCommand({ StreamName: 'meta' }));
      assert.deepEqual(d.StreamDescription!.EnhancedMonitoring, [{ ShardLevelMetrics: [] }]);
    });

    it('describes and updates account settings', async () => {
      const before = await kinesis.send(new DescribeAccountSettingsCommand({}));
      assert.equal(before.MinimumThroughputBillingCommitment?.Status, 'DISABLED');
      const on = await kinesis.send(
        new UpdateAccountSettingsCommand({ MinimumThroughputBillingCommitment: { Status: 'ENABLED' } }),
      );
      assert.equal(on.MinimumThroughputBillingCommitment?.Status, 'ENABLED');
      const off = await kinesis.send(
        new UpdateAccountSettingsCommand({ MinimumThroughputBillingCommitment: { Status: 'DISABLED' } }),
      );
      assert.equal(off.MinimumThroughputBillingCommitment?.Status, 'ENABLED_UNTIL_EARLIEST_ALLOWED_END');
    });
  });
});
