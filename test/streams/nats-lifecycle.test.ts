/**
 * Shard lifecycle on NATS JetStream (docs/adr/0037), through the real server and the Kinesis SDK on a 3-node
 * loopback cluster (ports 14262-14264, R3): a shard stream's `max_age` is the stream's retention period and follows
 * Increase/DecreaseStreamRetentionPeriod; after a split the parent's JetStream stream is sealed, so a publish to it
 * from any client is refused, while its records stay readable.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DecreaseStreamRetentionPeriodCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  IncreaseStreamRetentionPeriodCommand,
  CreateStreamCommand,
  PutRecordCommand,
  SplitShardCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { type NatsCluster, natsServerMissing, startNatsCluster } from '../storage/nats-harness.js';
import { type TestServer, startTestServer } from '../helpers/server.js';

const skip = natsServerMissing();
const PREFIX = 'LIFE';
const HOUR_NS = 3_600_000 * 1e6;

async function waitActive(kinesis: KinesisClient, name: string): Promise<void> {
  for (;;) {
    const d = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('shard lifecycle on NATS JetStream', { skip }, () => {
  let cluster: NatsCluster;
  let node: TestServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  /** The configuration of the JetStream stream behind shard `index` of Kinesis stream `streamId`. */
  async function shardStream(streamId: string, index: number): Promise<StreamConfig> {
    for await (const info of jsm.streams.list()) {
      if (info.config.name.startsWith(`${PREFIX}_L_`) && info.config.description === `${streamId}.${index}`)
        return info.config;
    }
    throw new Error(`no JetStream stream for ${streamId}.${index}`);
  }

  before(async () => {
    cluster = await startNatsCluster({ nodes: 3, clientPort: 14262 });
    node = await startTestServer({ storage: cluster.storageUrl, natsReplicas: 3, natsPrefix: PREFIX });
    nc = await connect({ servers: [...cluster.urls] });
    jsm = await jetstreamManager(nc);
  });
  after(async () => {
    await nc?.close();
    await node?.close();
    await cluster?.stop();
  });

  it('max_age is the retention period, set at the first write and changed by Increase/DecreaseStreamRetentionPeriod', async () => {
    const k = node.kinesis;
    await k.send(new CreateStreamCommand({ StreamName: 'aged', ShardCount: 1 }));
    await waitActive(k, 'aged');
    const put = await k.send(
      new PutRecordCommand({ StreamName: 'aged', PartitionKey: 'pk', Data: new TextEncoder().encode('r') }),
    );
    assert.equal(put.ShardId, 'shardId-000000000000');
    const summary = await k.send(new DescribeStreamSummaryCommand({ StreamName: 'aged' }));
    const id = summary.StreamDescriptionSummary!.StreamId!;
    assert.equal((await shardStream(id, 0)).max_age, 24 * HOUR_NS);
    await k.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: 'aged', RetentionPeriodHours: 168 }));
    assert.equal((await shardStream(id, 0)).max_age, 168 * HOUR_NS);
    await k.send(new DecreaseStreamRetentionPeriodCommand({ StreamName: 'aged', RetentionPeriodHours: 36 }));
    assert.equal((await shardStream(id, 0)).max_age, 36 * HOUR_NS);
  });

  it('a split seals the parent: a publish to it is refused, its records are still read; the children get max_age', async () => {
    const k = node.kinesis;
    await k.send(new CreateStreamCommand({ StreamName: 'split', ShardCount: 1 }));
    await waitActive(k, 'split');
    const put = await k.send(
      new PutRecordCommand({ StreamName: 'split', PartitionKey: 'pk', Data: new TextEncoder().encode('before') }),
    );
    await k.send(
      new SplitShardCommand({
        StreamName: 'split',
        ShardToSplit: 'shardId-000000000000',
        NewStartingHashKey: (2n ** 127n).toString(),
      }),
    );
    await waitActive(k, 'split');
    const summary = await k.send(new DescribeStreamSummaryCommand({ StreamName: 'split' }));
    const id = summary.StreamDescriptionSummary!.StreamId!;
    const parent = await shardStream(id, 0);
    assert.equal(parent.sealed, true);
    // A writer with an outdated shard map (here: the NATS client itself) cannot append to the closed shard.
    const js = jetstream(nc);
    await assert.rejects(js.publish(parent.subjects[0]!, new Uint8Array([1])), /sealed/);
    const it0 = await k.send(
      new GetShardIteratorCommand({ StreamName: 'split', ShardId: put.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const got = await k.send(new GetRecordsCommand({ ShardIterator: it0.ShardIterator }));
    assert.deepEqual(
      got.Records?.map((r) => r.SequenceNumber),
      [put.SequenceNumber],
    );
    // The parent is closed: its records end there and the reader is sent to the children.
    assert.equal(got.NextShardIterator, undefined);
    assert.deepEqual(got.ChildShards?.map((c) => c.ShardId).sort(), ['shardId-000000000001', 'shardId-000000000002']);
    // A write to the children opens their logs with the stream's retention.
    await k.send(
      new PutRecordCommand({
        StreamName: 'split',
        PartitionKey: 'pk',
        ExplicitHashKey: '1',
        Data: new TextEncoder().encode('after'),
      }),
    );
    assert.equal((await shardStream(id, 1)).max_age, 24 * HOUR_NS);
    assert.equal((await shardStream(id, 1)).sealed ?? false, false);
  });
});
