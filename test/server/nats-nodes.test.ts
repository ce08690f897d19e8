/**
 * Two Tributary nodes on one NATS JetStream cluster (3 servers, R3; ports 14242-14244): a record put through
 * node A is read through node B with the real Kinesis client, and the other way round.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  PutRecordCommand,
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

describe('two nodes on one NATS cluster', { skip }, () => {
  let cluster: NatsCluster;
  const nodes: TestServer[] = [];
  const startNode = async (): Promise<TestServer> => {
    const node = await startTestServer({ storage: cluster.storageUrl, natsReplicas: 3, natsPrefix: 'NODES' });
    nodes.push(node);
    return node;
  };

  before(async () => {
    cluster = await startNatsCluster({ nodes: 3, clientPort: 14242 });
  });
  after(async () => {
    for (const node of nodes) await node.close();
    await cluster?.stop();
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
});
