/**
 * Two Tributary nodes on one NATS JetStream cluster (3 servers, R3, on free ports): a record put through
 * node A is read through node B with the real Kinesis client, and the other way round; streams created, resharded,
 * tagged and deleted, and consumers registered, through one node are seen by the other while both run (the
 * metadata change feed, ADR 0036). Changes are awaited by polling with a deadline, never by a fixed sleep.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddTagsToStreamCommand,
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamConsumerCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  ListStreamsCommand,
  ListTagsForStreamCommand,
  MergeShardsCommand,
  PutRecordCommand,
  RegisterStreamConsumerCommand,
  SplitShardCommand,
  SubscribeToShardCommand,
} from '@aws-sdk/client-kinesis';
import { type NatsCluster, natsServerMissing, startNatsCluster } from '../storage/nats-harness.js';
import { type TestServer, startTestServer } from '../helpers/server.js';

const skip = natsServerMissing();
const text = (b: Uint8Array | undefined): string => new TextDecoder().decode(b);

/**
 * GetRecords from `iterator` until a call returns records (a node learns of another node's appends when a reader
 * polls the tip, as Kinesis consumers do); at most 100 polls.
 */
async function pollRecords(client: TestServer['kinesis'], iterator: string | undefined) {
  for (let i = 0; i < 100; i++) {
    const r = await client.send(new GetRecordsCommand({ ShardIterator: iterator }));
    if ((r.Records?.length ?? 0) > 0) return r;
    iterator = r.NextShardIterator;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('no records after 100 polls');
}

/** How long a node may take to see another node's change before the test fails (a deadline, not a measurement). */
const DEADLINE_MS = 20_000;

/** How long each {@link eventually} waited, by what it waited for (reported as a diagnostic). */
const waits: string[] = [];

/** Polls `probe` until it returns a value other than undefined; fails after {@link DEADLINE_MS}. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const started = Date.now();
  const deadline = started + DEADLINE_MS;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) {
        waits.push(`${what}: ${Date.now() - started} ms`);
        return v;
      }
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${DEADLINE_MS} ms (last error: ${last})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The error name a call rejects with, or 'resolved'. */
async function errorName(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    return (err as Error).name;
  }
}

describe('two nodes on one NATS cluster', { skip }, () => {
  let cluster: NatsCluster;
  const nodes: TestServer[] = [];
  const startNode = async (): Promise<TestServer> => {
    const node = await startTestServer({ storage: cluster.storageUrl, natsReplicas: 3, natsPrefix: 'NODES' });
    nodes.push(node);
    return node;
  };

  before(async () => {
    cluster = await startNatsCluster({ nodes: 3 });
  });
  after(async () => {
    for (const node of nodes) await node.close();
    await cluster?.stop();
  });

  it('two nodes started at the same moment on a new prefix both start (the second reads while the first creates)', async () => {
    // The first node to open a prefix creates its buckets; the other's first read ('meta/format') then met a bucket
    // still electing its leader and timed out, failing its start in 2 of 5 tries. Reads are now sent again.
    for (let round = 0; round < 5; round++) {
      const prefix = `TWIN${round}`;
      const started = await Promise.allSettled([
        startTestServer({ storage: cluster.storageUrl, natsReplicas: 3, natsPrefix: prefix }),
        startTestServer({ storage: cluster.storageUrl, natsReplicas: 3, natsPrefix: prefix }),
      ]);
      for (const r of started) if (r.status === 'fulfilled') nodes.push(r.value);
      const failures = started.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
      assert.deepEqual(failures, [], `round ${round}`);
    }
  });

  it('a record put through node A is read through node B, and one put through B through A', async () => {
    const a = await startNode();
    await a.kinesis.send(new CreateStreamCommand({ StreamName: 'across', ShardCount: 1 }));
    for (;;) {
      const d = await a.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'across' }));
      if (d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const first = await a.kinesis.send(
      new PutRecordCommand({ StreamName: 'across', PartitionKey: 'pk', Data: new TextEncoder().encode('from A') }),
    );
    // Node B starts on the same cluster and sees the stream A created, and its records.
    const b = await startNode();
    const listed = await b.kinesis.send(new ListStreamsCommand({}));
    assert.deepEqual(listed.StreamNames, ['across']);
    const it0 = await b.kinesis.send(
      new GetShardIteratorCommand({ StreamName: 'across', ShardId: first.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const got = await b.kinesis.send(new GetRecordsCommand({ ShardIterator: it0.ShardIterator }));
    assert.deepEqual(
      got.Records?.map((r) => [r.SequenceNumber, r.PartitionKey, text(r.Data)]),
      [[first.SequenceNumber, 'pk', 'from A']],
    );
    // Written through A after B started: B's reader polling the tip finds it.
    const second = await a.kinesis.send(
      new PutRecordCommand({ StreamName: 'across', PartitionKey: 'pk', Data: new TextEncoder().encode('again A') }),
    );
    const next = await pollRecords(b.kinesis, got.NextShardIterator);
    assert.deepEqual(
      next.Records?.map((r) => [r.SequenceNumber, text(r.Data)]),
      [[second.SequenceNumber, 'again A']],
    );
    // And through B, read through A: B's append is chained after A's records, in order.
    const third = await b.kinesis.send(
      new PutRecordCommand({ StreamName: 'across', PartitionKey: 'pk', Data: new TextEncoder().encode('from B') }),
    );
    assert.ok(BigInt(third.SequenceNumber!) > BigInt(second.SequenceNumber!));
    const itA = await a.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: 'across',
        ShardId: first.ShardId,
        ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
        StartingSequenceNumber: second.SequenceNumber,
      }),
    );
    const onA = await pollRecords(a.kinesis, itA.ShardIterator);
    assert.deepEqual(
      onA.Records?.map((r) => [r.SequenceNumber, text(r.Data)]),
      [[third.SequenceNumber, 'from B']],
    );
  });

  it('streams created, resharded, tagged and deleted through A, and consumers registered, are seen by B', async (t) => {
    const a = await startNode();
    const b = await startNode();
    const enc = new TextEncoder();
    await a.kinesis.send(new CreateStreamCommand({ StreamName: 'coherent', ShardCount: 2 }));
    await eventually('B sees the new stream ACTIVE', async () => {
      const d = await b.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'coherent' }));
      return d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE' ? true : undefined;
    });
    const put = await b.kinesis.send(
      new PutRecordCommand({ StreamName: 'coherent', PartitionKey: 'k', ExplicitHashKey: '1', Data: enc.encode('b1') }),
    );
    assert.equal(put.ShardId, 'shardId-000000000000');

    // Split shard 0 through A: B routes to the children and lists them.
    await a.kinesis.send(
      new SplitShardCommand({
        StreamName: 'coherent',
        ShardToSplit: 'shardId-000000000000',
        NewStartingHashKey: (1n << 126n).toString(),
      }),
    );
    const afterSplit = await eventually('B lists the split children', async () => {
      const l = await b.kinesis.send(new ListShardsCommand({ StreamName: 'coherent' }));
      return l.Shards?.length === 4 ? l.Shards : undefined;
    });
    assert.deepEqual(
      afterSplit.map((x) => [x.ShardId, x.ParentShardId, x.SequenceNumberRange?.EndingSequenceNumber !== undefined]),
      [
        ['shardId-000000000000', undefined, true],
        ['shardId-000000000001', undefined, false],
        ['shardId-000000000002', 'shardId-000000000000', false],
        ['shardId-000000000003', 'shardId-000000000000', false],
      ],
    );
    const child = await b.kinesis.send(
      new PutRecordCommand({ StreamName: 'coherent', PartitionKey: 'k', ExplicitHashKey: '1', Data: enc.encode('b2') }),
    );
    assert.equal(child.ShardId, 'shardId-000000000002', 'B writes to the child, not the closed parent');
    const it2 = await a.kinesis.send(
      new GetShardIteratorCommand({
        StreamName: 'coherent',
        ShardId: 'shardId-000000000002',
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    const read = await pollRecords(a.kinesis, it2.ShardIterator);
    assert.deepEqual(
      read.Records?.map((r) => text(r.Data)),
      ['b2'],
    );

    // Merge the children back through A: B routes to the merged shard.
    await a.kinesis.send(
      new MergeShardsCommand({
        StreamName: 'coherent',
        ShardToMerge: 'shardId-000000000002',
        AdjacentShardToMerge: 'shardId-000000000003',
      }),
    );
    await eventually('B lists the merged shard', async () => {
      const l = await b.kinesis.send(new ListShardsCommand({ StreamName: 'coherent' }));
      return l.Shards?.length === 5 ? true : undefined;
    });
    const merged = await b.kinesis.send(
      new PutRecordCommand({ StreamName: 'coherent', PartitionKey: 'k', ExplicitHashKey: '1', Data: enc.encode('b3') }),
    );
    assert.equal(merged.ShardId, 'shardId-000000000004');

    // Tags through A are listed through B.
    await a.kinesis.send(new AddTagsToStreamCommand({ StreamName: 'coherent', Tags: { team: 'blue' } }));
    await eventually('B lists the tag', async () => {
      const t = await b.kinesis.send(new ListTagsForStreamCommand({ StreamName: 'coherent' }));
      return t.Tags?.some((x) => x.Key === 'team' && x.Value === 'blue') ? true : undefined;
    });

    // A consumer registered through A subscribes through B and receives what A writes.
    const summary = await a.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'coherent' }));
    const streamArn = summary.StreamDescriptionSummary!.StreamARN!;
    const registered = await a.kinesis.send(
      new RegisterStreamConsumerCommand({ StreamARN: streamArn, ConsumerName: 'efo' }),
    );
    const consumerArn = registered.Consumer!.ConsumerARN!;
    await eventually('B sees the consumer ACTIVE', async () => {
      const d = await b.kinesis.send(new DescribeStreamConsumerCommand({ ConsumerARN: consumerArn }));
      return d.ConsumerDescription?.ConsumerStatus === 'ACTIVE' ? true : undefined;
    });
    const sub = await b.kinesis.send(
      new SubscribeToShardCommand({
        ConsumerARN: consumerArn,
        ShardId: 'shardId-000000000004',
        StartingPosition: { Type: 'LATEST' },
      }),
    );
    const events = sub.EventStream![Symbol.asyncIterator]();
    const first = await events.next();
    assert.ok(first.value?.SubscribeToShardEvent, 'the subscription through B started');
    const written = await a.kinesis.send(
      new PutRecordCommand({ StreamName: 'coherent', PartitionKey: 'k', ExplicitHashKey: '1', Data: enc.encode('a4') }),
    );
    const pushed: Array<[string | undefined, string]> = [];
    while (pushed.length === 0) {
      const { value, done } = await events.next();
      assert.ok(!done, 'the event stream ended early');
      for (const r of value.SubscribeToShardEvent?.Records ?? []) pushed.push([r.SequenceNumber, text(r.Data)]);
    }
    assert.deepEqual(pushed, [[written.SequenceNumber, 'a4']]);
    await events.return?.();

    // Deleted through A: B answers ResourceNotFoundException.
    await a.kinesis.send(new DeleteStreamCommand({ StreamName: 'coherent', EnforceConsumerDeletion: true }));
    await eventually('B no longer finds the stream', async () =>
      (await errorName(b.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'coherent' })))) ===
      'ResourceNotFoundException'
        ? true
        : undefined,
    );
    assert.equal(
      await errorName(
        b.kinesis.send(new PutRecordCommand({ StreamName: 'coherent', PartitionKey: 'k', Data: enc.encode('late') })),
      ),
      'ResourceNotFoundException',
    );
    t.diagnostic(`time until B saw each change (including the calls polling it): ${waits.join('; ')}`);
  });
});
