/**
 * Resharding end to end with the AWS SDK v3 against a real server: SplitShard, MergeShards and
 * UpdateShardCount validation and lineage, ListShards filters, ChildShards at the end of a closed shard,
 * and a consumer that follows lineage while writers keep writing across a split and a merge.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  MergeShardsCommand,
  PutRecordCommand,
  PutRecordsCommand,
  SplitShardCommand,
  UpdateShardCountCommand,
  type KinesisClient,
  type Shard,
  type ShardFilterType,
} from '@aws-sdk/client-kinesis';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { hashKeyFromPartitionKey, splitHashKeySpace } from '../../src/streams/model/index.js';
import { rejects } from '../helpers/assert.js';

const ACCOUNT = '000000000000';
const MAX = (1n << 128n) - 1n;
const HALF = 1n << 127n;
const enc = new TextEncoder();
const dec = new TextDecoder();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function listShards(
  kinesis: KinesisClient,
  stream: string,
  type?: ShardFilterType,
  extra: { ShardId?: string; Timestamp?: Date } = {},
) {
  const out = await kinesis.send(
    new ListShardsCommand({ StreamName: stream, ...(type ? { ShardFilter: { Type: type, ...extra } } : {}) }),
  );
  return out.Shards!;
}

const ids = (shards: Shard[]) => shards.map((s) => s.ShardId);
const id = (n: number) => `shardId-${String(n).padStart(12, '0')}`;

async function iterator(kinesis: KinesisClient, stream: string, shardId: string): Promise<string> {
  const r = await kinesis.send(
    new GetShardIteratorCommand({ StreamName: stream, ShardId: shardId, ShardIteratorType: 'TRIM_HORIZON' }),
  );
  return r.ShardIterator!;
}

/**
 * A consumer that finishes parents before children (as KCL does): starts with the shards open at the trim
 * horizon, reads each until GetRecords answers ChildShards without a NextShardIterator, and starts a child once
 * all its parents are finished. Stops when `done()` held before a pass in which every open shard was at its tip.
 */
async function followLineage(
  kinesis: KinesisClient,
  stream: string,
  done: () => boolean,
): Promise<Map<string, string[]>> {
  const byKey = new Map<string, string[]>();
  const finished = new Set<string>();
  const started = new Set<string>();
  const active = new Map<string, string>();
  for (const s of await listShards(kinesis, stream, 'AT_TRIM_HORIZON')) {
    started.add(s.ShardId!);
    active.set(s.ShardId!, await iterator(kinesis, stream, s.ShardId!));
  }
  while (active.size > 0) {
    const doneBefore = done();
    let idle = true;
    for (const [shardId, it] of [...active]) {
      const r = await kinesis.send(new GetRecordsCommand({ ShardIterator: it }));
      for (const rec of r.Records!) {
        const list = byKey.get(rec.PartitionKey!) ?? [];
        list.push(dec.decode(rec.Data!));
        byKey.set(rec.PartitionKey!, list);
      }
      if (r.Records!.length > 0) idle = false;
      if (r.NextShardIterator === undefined) {
        assert.ok(r.ChildShards && r.ChildShards.length > 0, `closed shard ${shardId} ended without ChildShards`);
        active.delete(shardId);
        finished.add(shardId);
        for (const child of r.ChildShards) {
          assert.ok(child.ParentShards!.includes(shardId));
          if (started.has(child.ShardId!) || !child.ParentShards!.every((p) => finished.has(p))) continue;
          started.add(child.ShardId!);
          active.set(child.ShardId!, await iterator(kinesis, stream, child.ShardId!));
          idle = false;
        }
      } else {
        active.set(shardId, r.NextShardIterator);
      }
    }
    if (doneBefore && idle) break;
    if (idle) await sleep(5);
  }
  return byKey;
}

/** `count` partition keys named `<prefix>-key<n>` whose hash keys fall in each quarter of the key space (so every shard of the tests gets writes). */
function keysInEveryQuarter(prefix: string, count: number): string[] {
  const keys: string[] = [];
  for (let n = 0; keys.length < count; n++) {
    const key = `${prefix}-key${n}`;
    const quarter = Number(hashKeyFromPartitionKey(key) >> 126n);
    // The first four keys take one quarter each.
    const cap = keys.length < 4 ? 1 : Math.ceil(count / 4);
    if (keys.filter((k) => Number(hashKeyFromPartitionKey(k) >> 126n) === quarter).length < cap) keys.push(key);
  }
  return keys;
}

/** Open shards (sorted by hash key) split the key space evenly into `m`: CreateStream's ranges, up to a few keys of rounding. */
function assertEven(open: Shard[], m: number): void {
  const even = splitHashKeySpace(m);
  assert.equal(open.length, m);
  for (let i = 0; i < m; i++) {
    const off = BigInt(open[i]!.HashKeyRange!.StartingHashKey!) - even[i]!.start;
    assert.ok(off >= -64n && off <= 64n, `shard ${i} of ${m} starts ${off} keys off`);
  }
  assert.equal(open[m - 1]!.HashKeyRange!.EndingHashKey, MAX.toString());
}

/** Checks the lineage invariants: children cover exactly their parents' ranges, at most two parents, parents closed. */
function checkLineage(shards: Shard[]): void {
  const byId = new Map(shards.map((s) => [s.ShardId!, s]));
  const range = (s: Shard) =>
    [BigInt(s.HashKeyRange!.StartingHashKey!), BigInt(s.HashKeyRange!.EndingHashKey!)] as const;
  for (const s of shards) {
    if (!s.ParentShardId) continue;
    const parent = byId.get(s.ParentShardId)!;
    assert.ok(parent.SequenceNumberRange!.EndingSequenceNumber, `${s.ParentShardId} should be closed`);
    const [cs, ce] = range(s);
    const [ps, pe] = range(parent);
    if (s.AdjacentParentShardId) {
      const adjacent = byId.get(s.AdjacentParentShardId)!;
      assert.ok(adjacent.SequenceNumberRange!.EndingSequenceNumber);
      const [as, ae] = range(adjacent);
      assert.ok(pe + 1n === as || ae + 1n === ps, `${s.ShardId}: parents not adjacent`);
      assert.equal(cs, ps < as ? ps : as);
      assert.equal(ce, pe > ae ? pe : ae);
    } else {
      assert.ok(cs >= ps && ce <= pe, `${s.ShardId} outside its parent's range`);
    }
  }
  // Open shards tile the key space.
  const open = shards
    .filter((s) => !s.SequenceNumberRange!.EndingSequenceNumber)
    .map(range)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
  assert.equal(open[0]![0], 0n);
  assert.equal(open[open.length - 1]![1], MAX);
  for (let i = 1; i < open.length; i++) assert.equal(open[i]![0], open[i - 1]![1] + 1n);
}

describe('resharding with the AWS SDK v3', () => {
  let t: TestServer;
  let kinesis: KinesisClient;
  before(async () => {
    t = await startTestServer();
    kinesis = t.kinesis;
  });
  after(async () => {
    await t.close();
  });

  it('rejects bad SplitShard and MergeShards requests with AWS texts', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'v', ShardCount: 3 }));
    const [s0, s1] = await listShards(kinesis, 'v');
    await rejects(
      kinesis.send(
        new SplitShardCommand({ StreamName: 'v', ShardToSplit: 'shardId-000000000009', NewStartingHashKey: '5' }),
      ),
      'ResourceNotFoundException',
      `Could not find shard shardId-000000000009 in stream v under account ${ACCOUNT}.`,
    );
    const start = s0!.HashKeyRange!.StartingHashKey!;
    const end = s0!.HashKeyRange!.EndingHashKey!;
    for (const key of [start, String(BigInt(start) + 1n), end]) {
      await rejects(
        kinesis.send(new SplitShardCommand({ StreamName: 'v', ShardToSplit: s0!.ShardId, NewStartingHashKey: key })),
        'InvalidArgumentException',
        `NewStartingHashKey ${key} used in SplitShard() on shard shardId-000000000000 in stream v under account ${ACCOUNT} is not both greater than one plus the shard's StartingHashKey ${start} and less than the shard's EndingHashKey ${end}.`,
      );
    }
    await rejects(
      kinesis.send(new MergeShardsCommand({ StreamName: 'v', ShardToMerge: id(0), AdjacentShardToMerge: id(2) })),
      'InvalidArgumentException',
      `Shards shardId-000000000000 and shardId-000000000002 in stream v under account ${ACCOUNT} are not an adjacent pair of shards eligible for merging`,
    );
    await rejects(
      kinesis.send(new MergeShardsCommand({ StreamName: 'v', ShardToMerge: id(1), AdjacentShardToMerge: id(1) })),
      'InvalidArgumentException',
      /are not an adjacent pair of shards eligible for merging$/,
    );
    // AdjacentShardToMerge must be directly above ShardToMerge: AWS refuses the reverse order.
    await rejects(
      kinesis.send(new MergeShardsCommand({ StreamName: 'v', ShardToMerge: '1', AdjacentShardToMerge: 'x-0' })),
      'InvalidArgumentException',
      `Shards ${id(1)} and ${id(0)} in stream v under account ${ACCOUNT} are not an adjacent pair of shards eligible for merging`,
    );
    // Shard ids are normalised as AWS does ('<anything>-<digits>' or bare digits).
    await kinesis.send(new MergeShardsCommand({ StreamName: 'v', ShardToMerge: '0', AdjacentShardToMerge: 'x-1' }));
    for (const closed of [s0!.ShardId!, s1!.ShardId!]) {
      await rejects(
        kinesis.send(
          new SplitShardCommand({
            StreamName: 'v',
            ShardToSplit: closed,
            NewStartingHashKey: String(BigInt(end) / 2n),
          }),
        ),
        'InvalidArgumentException',
        `Shard ${closed} in stream v under account ${ACCOUNT} has already been merged or split, and thus is not eligible for merging or splitting.`,
      );
    }
    await rejects(
      kinesis.send(new MergeShardsCommand({ StreamName: 'v', ShardToMerge: id(3), AdjacentShardToMerge: id(1) })),
      'InvalidArgumentException',
      `Shard shardId-000000000001 in stream v under account ${ACCOUNT} has already been merged or split, and thus is not eligible for merging or splitting.`,
    );
    const merged = (await listShards(kinesis, 'v', 'AT_LATEST')).find((s) => s.ShardId === id(3))!;
    // ShardToMerge is the parent, AdjacentShardToMerge the adjacent parent.
    assert.equal(merged.ParentShardId, id(0));
    assert.equal(merged.AdjacentParentShardId, id(1));
    assert.equal(merged.HashKeyRange!.StartingHashKey, '0');

    await kinesis.send(new CreateStreamCommand({ StreamName: 'vod', StreamModeDetails: { StreamMode: 'ON_DEMAND' } }));
    await rejects(
      kinesis.send(new SplitShardCommand({ StreamName: 'vod', ShardToSplit: id(0), NewStartingHashKey: '12345' })),
      'ValidationException',
      `SplitShard is not supported for stream vod under account ${ACCOUNT} because it is in ON_DEMAND capacity mode.`,
    );
    await rejects(
      kinesis.send(
        new UpdateShardCountCommand({ StreamName: 'vod', TargetShardCount: 5, ScalingType: 'UNIFORM_SCALING' }),
      ),
      'ValidationException',
      /^UpdateShardCount is not supported/,
    );
  });

  it('shows split and merge lineage in DescribeStream and ListShards, with every ShardFilter', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'lin', ShardCount: 1 }));
    const created = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'lin' })))
      .StreamDescriptionSummary!.StreamCreationTimestamp!;
    await sleep(5);
    await kinesis.send(
      new SplitShardCommand({ StreamName: 'lin', ShardToSplit: id(0), NewStartingHashKey: HALF.toString() }),
    );
    await sleep(5);
    const between = new Date();
    await sleep(5);
    await kinesis.send(new MergeShardsCommand({ StreamName: 'lin', ShardToMerge: id(1), AdjacentShardToMerge: id(2) }));

    const d = (await kinesis.send(new DescribeStreamCommand({ StreamName: 'lin' }))).StreamDescription!;
    assert.equal(d.StreamStatus, 'ACTIVE');
    const shards = d.Shards!;
    assert.deepEqual(
      shards.map((s) => [
        s.ShardId,
        s.ParentShardId,
        s.AdjacentParentShardId,
        s.HashKeyRange!.StartingHashKey,
        s.HashKeyRange!.EndingHashKey,
      ]),
      [
        [id(0), undefined, undefined, '0', MAX.toString()],
        [id(1), id(0), undefined, '0', (HALF - 1n).toString()],
        [id(2), id(0), undefined, HALF.toString(), MAX.toString()],
        [id(3), id(1), id(2), '0', MAX.toString()],
      ],
    );
    for (const s of shards.slice(0, 3)) assert.match(s.SequenceNumberRange!.EndingSequenceNumber!, /^\d{56}$/);
    assert.equal(shards[3]!.SequenceNumberRange!.EndingSequenceNumber, undefined);
    // Children start a fresh sequence-number range: their own creation time and index.
    const starts = new Set(shards.map((s) => s.SequenceNumberRange!.StartingSequenceNumber));
    assert.equal(starts.size, 4);
    checkLineage(shards);
    const summary = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'lin' })))
      .StreamDescriptionSummary!;
    assert.equal(summary.OpenShardCount, 1);

    assert.deepEqual(ids(await listShards(kinesis, 'lin')), [id(0), id(1), id(2), id(3)]);
    assert.deepEqual(ids(await listShards(kinesis, 'lin', 'FROM_TRIM_HORIZON')), [id(0), id(1), id(2), id(3)]);
    assert.deepEqual(ids(await listShards(kinesis, 'lin', 'AT_TRIM_HORIZON')), [id(0)]);
    assert.deepEqual(ids(await listShards(kinesis, 'lin', 'AT_LATEST')), [id(3)]);
    assert.deepEqual(ids(await listShards(kinesis, 'lin', 'AFTER_SHARD_ID', { ShardId: id(1) })), [id(2), id(3)]);
    assert.deepEqual(ids(await listShards(kinesis, 'lin', 'AT_TIMESTAMP', { Timestamp: created })), [id(0)]);
    assert.deepEqual(ids(await listShards(kinesis, 'lin', 'AT_TIMESTAMP', { Timestamp: between })), [id(1), id(2)]);
    await sleep(5);
    assert.deepEqual(ids(await listShards(kinesis, 'lin', 'AT_TIMESTAMP', { Timestamp: new Date() })), [id(3)]);
    assert.deepEqual(ids(await listShards(kinesis, 'lin', 'FROM_TIMESTAMP', { Timestamp: between })), [
      id(1),
      id(2),
      id(3),
    ]);
    assert.deepEqual(ids(await listShards(kinesis, 'lin', 'FROM_TIMESTAMP', { Timestamp: new Date(0) })), [
      id(0),
      id(1),
      id(2),
      id(3),
    ]);
    // Pagination keeps the filter.
    const page = await kinesis.send(
      new ListShardsCommand({
        StreamName: 'lin',
        MaxResults: 1,
        ShardFilter: { Type: 'FROM_TIMESTAMP', Timestamp: between },
      }),
    );
    assert.deepEqual(ids(page.Shards!), [id(1)]);
    const rest = await kinesis.send(new ListShardsCommand({ NextToken: page.NextToken!, MaxResults: 5 }));
    assert.deepEqual(ids(rest.Shards!), [id(2), id(3)]);
  });

  it('drains a closed parent, then answers ChildShards and no NextShardIterator', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'drain', ShardCount: 1 }));
    for (let i = 0; i < 5; i++) {
      await kinesis.send(
        new PutRecordCommand({ StreamName: 'drain', PartitionKey: `k${i}`, Data: enc.encode(`before-${i}`) }),
      );
    }
    let it = await iterator(kinesis, 'drain', id(0));
    await kinesis.send(
      new SplitShardCommand({ StreamName: 'drain', ShardToSplit: id(0), NewStartingHashKey: HALF.toString() }),
    );
    // Writes after the split go to the children.
    const after = await kinesis.send(
      new PutRecordCommand({ StreamName: 'drain', PartitionKey: 'k0', Data: enc.encode('after') }),
    );
    assert.ok(after.ShardId === id(1) || after.ShardId === id(2));

    const read: string[] = [];
    let last;
    for (;;) {
      last = await kinesis.send(new GetRecordsCommand({ ShardIterator: it, Limit: 2 }));
      read.push(...last.Records!.map((r) => dec.decode(r.Data!)));
      if (!last.NextShardIterator) break;
      it = last.NextShardIterator;
    }
    assert.deepEqual(read, ['before-0', 'before-1', 'before-2', 'before-3', 'before-4']);
    assert.deepEqual(last.ChildShards, [
      {
        ShardId: id(1),
        ParentShards: [id(0)],
        HashKeyRange: { StartingHashKey: '0', EndingHashKey: (HALF - 1n).toString() },
      },
      {
        ShardId: id(2),
        ParentShards: [id(0)],
        HashKeyRange: { StartingHashKey: HALF.toString(), EndingHashKey: MAX.toString() },
      },
    ]);
    // A LATEST iterator on the closed shard ends at once.
    const latest = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: 'drain', ShardId: id(0), ShardIteratorType: 'LATEST' }),
    );
    const end = await kinesis.send(new GetRecordsCommand({ ShardIterator: latest.ShardIterator! }));
    assert.deepEqual(end.Records, []);
    assert.equal(end.NextShardIterator, undefined);
    assert.equal(end.ChildShards!.length, 2);

    // A merge child is listed by both parents with both ParentShards.
    await kinesis.send(
      new MergeShardsCommand({ StreamName: 'drain', ShardToMerge: id(1), AdjacentShardToMerge: id(2) }),
    );
    for (const parent of [id(1), id(2)]) {
      let pit = await iterator(kinesis, 'drain', parent);
      let r;
      do {
        r = await kinesis.send(new GetRecordsCommand({ ShardIterator: pit }));
        pit = r.NextShardIterator!;
      } while (r.NextShardIterator);
      assert.deepEqual(r.ChildShards, [
        {
          ShardId: id(3),
          ParentShards: [id(1), id(2)],
          HashKeyRange: { StartingHashKey: '0', EndingHashKey: MAX.toString() },
        },
      ]);
    }
  });

  it('keeps per-key order and exactly-once delivery for a lineage-following consumer across a split and a merge', async () => {
    await kinesis.send(new CreateStreamCommand({ StreamName: 'race', ShardCount: 2 }));
    const WRITERS = 3;
    const KEYS = 6;
    const ROUNDS = 60;
    const acked = new Map<string, number>();
    let progress = 0;
    let writersDone = false;
    const consumer = followLineage(kinesis, 'race', () => writersDone);
    const writers = Array.from({ length: WRITERS }, async (_, w) => {
      const keys = keysInEveryQuarter(`w${w}`, KEYS);
      for (let round = 0; round < ROUNDS; round++) {
        const out = await kinesis.send(
          new PutRecordsCommand({
            StreamName: 'race',
            Records: keys.map((key) => ({ PartitionKey: key, Data: enc.encode(String(round)) })),
          }),
        );
        assert.equal(out.FailedRecordCount, 0);
        for (const key of keys) acked.set(key, round + 1);
        progress++;
      }
    });
    const waitFor = async (n: number) => {
      while (progress < n) await sleep(1);
    };
    // Split shard 0 (the lower half) while writers run, then merge its upper child with shard 1.
    await waitFor(WRITERS * 15);
    const quarter = HALF / 2n;
    await kinesis.send(
      new SplitShardCommand({ StreamName: 'race', ShardToSplit: id(0), NewStartingHashKey: quarter.toString() }),
    );
    await waitFor(WRITERS * 35);
    await kinesis.send(
      new MergeShardsCommand({ StreamName: 'race', ShardToMerge: id(3), AdjacentShardToMerge: id(1) }),
    );
    await Promise.all(writers);
    writersDone = true;
    const seen = await consumer;

    assert.equal(acked.size, WRITERS * KEYS);
    for (const [key, rounds] of acked) {
      const expected = Array.from({ length: rounds }, (_, i) => String(i));
      assert.deepEqual(seen.get(key), expected, `records of ${key}`);
    }
    const shards = await listShards(kinesis, 'race');
    assert.deepEqual(ids(shards), [id(0), id(1), id(2), id(3), id(4)]);
    checkLineage(shards);
    // Every shard received writes: the children took over from their parents.
    for (const s of shards) {
      const r = await kinesis.send(
        new GetRecordsCommand({ ShardIterator: await iterator(kinesis, 'race', s.ShardId!) }),
      );
      assert.ok(r.Records!.length > 0, `${s.ShardId} got no records`);
    }
  });

  describe('UpdateShardCount', () => {
    const cases: Array<[from: number, to: number[]]> = [
      [1, [2, 4, 3]],
      [5, [3, 6, 5]],
      [3, [2]],
    ];
    for (const [from, steps] of cases) {
      it(`scales ${from} → ${steps.join(' → ')} uniformly with at most two parents per child`, async () => {
        const name = `scale-${from}-${steps.join('-')}`;
        await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: from }));
        let current = from;
        for (const [round, target] of steps.entries()) {
          const key = `key-${round}`;
          await kinesis.send(
            new PutRecordCommand({ StreamName: name, PartitionKey: key, Data: enc.encode(`${round}-before`) }),
          );
          const out = await kinesis.send(
            new UpdateShardCountCommand({ StreamName: name, TargetShardCount: target, ScalingType: 'UNIFORM_SCALING' }),
          );
          assert.equal(out.StreamName, name);
          assert.equal(out.StreamARN, `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${name}`);
          assert.equal(out.CurrentShardCount, current);
          assert.equal(out.TargetShardCount, target);
          await kinesis.send(
            new PutRecordCommand({ StreamName: name, PartitionKey: key, Data: enc.encode(`${round}-after`) }),
          );
          const open = (await listShards(kinesis, name, 'AT_LATEST')).sort((a, b) =>
            BigInt(a.HashKeyRange!.StartingHashKey!) < BigInt(b.HashKeyRange!.StartingHashKey!) ? -1 : 1,
          );
          assertEven(open, target);
          current = target;
        }
        const all = await listShards(kinesis, name);
        checkLineage(all);
        const summary = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name })))
          .StreamDescriptionSummary!;
        assert.equal(summary.OpenShardCount, steps[steps.length - 1]);
        assert.equal(summary.StreamStatus, 'ACTIVE');
        // Following lineage still yields each key's records in write order.
        const seen = await followLineage(kinesis, name, () => true);
        for (const round of steps.keys())
          assert.deepEqual(seen.get(`key-${round}`), [`${round}-before`, `${round}-after`]);
      });
    }

    it('enforces double / half and ten scalings per rolling 24 hours', async () => {
      await kinesis.send(new CreateStreamCommand({ StreamName: 'lim', ShardCount: 2 }));
      await rejects(
        kinesis.send(
          new UpdateShardCountCommand({ StreamName: 'lim', TargetShardCount: 5, ScalingType: 'UNIFORM_SCALING' }),
        ),
        'LimitExceededException',
        `UpdateShardCount cannot scale stream lim under account ${ACCOUNT} to more than double its current shard count: current 2, target 5.`,
      );
      await kinesis.send(
        new UpdateShardCountCommand({ StreamName: 'lim', TargetShardCount: 4, ScalingType: 'UNIFORM_SCALING' }),
      );
      await rejects(
        kinesis.send(
          new UpdateShardCountCommand({ StreamName: 'lim', TargetShardCount: 1, ScalingType: 'UNIFORM_SCALING' }),
        ),
        'LimitExceededException',
        `UpdateShardCount cannot scale stream lim under account ${ACCOUNT} below half its current shard count: current 4, target 1.`,
      );
      for (let i = 1; i < 10; i++) {
        await kinesis.send(
          new UpdateShardCountCommand({
            StreamName: 'lim',
            TargetShardCount: i % 2 ? 2 : 4,
            ScalingType: 'UNIFORM_SCALING',
          }),
        );
      }
      await rejects(
        kinesis.send(
          new UpdateShardCountCommand({ StreamName: 'lim', TargetShardCount: 3, ScalingType: 'UNIFORM_SCALING' }),
        ),
        'LimitExceededException',
        `UpdateShardCount cannot scale stream lim under account ${ACCOUNT} more than 10 times in a rolling 24-hour period.`,
      );
    });
  });
});

describe('resharding limits and the UPDATING period', () => {
  it('answers LimitExceededException at the account shard quota', async () => {
    const t = await startTestServer({ shardLimit: 3 });
    try {
      await t.kinesis.send(new CreateStreamCommand({ StreamName: 'q', ShardCount: 2 }));
      await t.kinesis.send(
        new SplitShardCommand({ StreamName: 'q', ShardToSplit: id(0), NewStartingHashKey: (HALF / 2n).toString() }),
      );
      const quota = (current: number, additional: number) =>
        `This request would exceed the shard limit for the account ${ACCOUNT} in us-east-1. Current shard count for the account: ${current}. Limit: 3. Number of additional shards that would have resulted from this request: ${additional}. Refer to the AWS Service Limits page (http://docs.aws.amazon.com/general/latest/gr/aws_service_limits.html) for current limits and how to request higher limits.`;
      await rejects(
        t.kinesis.send(
          new SplitShardCommand({
            StreamName: 'q',
            ShardToSplit: id(1),
            NewStartingHashKey: (HALF + 12345n).toString(),
          }),
        ),
        'LimitExceededException',
        quota(3, 1),
      );
      await rejects(
        t.kinesis.send(
          new UpdateShardCountCommand({ StreamName: 'q', TargetShardCount: 4, ScalingType: 'UNIFORM_SCALING' }),
        ),
        'LimitExceededException',
        quota(3, 1),
      );
      // Merging frees a shard, so a split fits again.
      await t.kinesis.send(
        new MergeShardsCommand({ StreamName: 'q', ShardToMerge: id(2), AdjacentShardToMerge: id(3) }),
      );
      await t.kinesis.send(
        new SplitShardCommand({ StreamName: 'q', ShardToSplit: id(1), NewStartingHashKey: (HALF + 12345n).toString() }),
      );
    } finally {
      await t.close();
    }
  });

  it('shows UPDATING for the update delay, refuses resharding meanwhile, keeps serving writes, then switches', async () => {
    const t = await startTestServer({ updateStreamMs: 300 });
    try {
      const kinesis = t.kinesis;
      await kinesis.send(new CreateStreamCommand({ StreamName: 'u', ShardCount: 1 }));
      await kinesis.send(
        new SplitShardCommand({ StreamName: 'u', ShardToSplit: id(0), NewStartingHashKey: HALF.toString() }),
      );
      const during = (await kinesis.send(new DescribeStreamCommand({ StreamName: 'u' }))).StreamDescription!;
      assert.equal(during.StreamStatus, 'UPDATING');
      assert.deepEqual(ids(during.Shards!), [id(0)]);
      await rejects(
        kinesis.send(new MergeShardsCommand({ StreamName: 'u', ShardToMerge: id(0), AdjacentShardToMerge: id(1) })),
        'ResourceInUseException',
        `Stream u under account ${ACCOUNT} not ACTIVE, instead in state UPDATING`,
      );
      await rejects(
        kinesis.send(
          new UpdateShardCountCommand({ StreamName: 'u', TargetShardCount: 2, ScalingType: 'UNIFORM_SCALING' }),
        ),
        'ResourceInUseException',
        `Stream u under account ${ACCOUNT} not ACTIVE, instead in state UPDATING`,
      );
      const put = await kinesis.send(
        new PutRecordCommand({ StreamName: 'u', PartitionKey: 'a', Data: enc.encode('x') }),
      );
      assert.equal(put.ShardId, id(0));
      let status = 'UPDATING';
      while (status === 'UPDATING') {
        await sleep(50);
        status = (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'u' }))).StreamDescriptionSummary!
          .StreamStatus!;
      }
      assert.equal(status, 'ACTIVE');
      assert.deepEqual(ids(await listShards(kinesis, 'u', 'AT_LATEST')), [id(1), id(2)]);
    } finally {
      await t.close();
    }
  });
});
