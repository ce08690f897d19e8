/**
 * Shard lifecycle on NATS JetStream (docs/adr/0037), through the real server and the Kinesis SDK on a 3-node
 * loopback cluster (free ports, R3): a shard stream's `max_age` is the stream's retention period and follows
 * Increase/DecreaseStreamRetentionPeriod; after a split the parent's JetStream stream is sealed, so a publish to it
 * from any client is refused, while its records stay readable. Also the consumer registry's start-up on a second
 * node (in-process services on the same cluster): a consumer of a stream the node's cache does not know yet is kept;
 * and the retention of a closed parent (an in-process service on an injected clock): once its newest record is past
 * the retention period, the sweep deletes its sealed JetStream stream (docs/adr/0042). And on-demand scaling decides
 * from the cluster's write rate (docs/adr/0047): writes through two nodes, each below the threshold, add up above it;
 * a holder of the on-demand job that lost its lease cannot write its window over the new holder's (ADR 0042).
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
import {
  ManualClock,
  type InProcessService,
  TEST_ACCOUNT,
  expectServiceError,
  openInProcessService,
} from '../helpers/service.js';
import { ManualTimerClock } from '../helpers/timers.js';
import { destroyNatsData, openNatsBackend } from '../../src/storage/nats/index.js';
import type { MetaStore, StorageBackend } from '../../src/storage/index.js';
import { Scheduler, WorkerHost } from '../../src/jobs/index.js';
import type { Logger } from '../../src/protocol/index.js';
import { hasTribCode, TribErrorCode } from '../../src/errors/index.js';

const skip = natsServerMissing();
const PREFIX = 'LIFE';
const HOUR_NS = 3_600_000 * 1e6;

/**
 * A backend whose metadata store holds the consumer registry's load (`list('consumers/')`) until `release`, and the
 * stream catalogue's change feed until `deliver`: the interleaving of a node starting while another node creates a
 * stream and registers a consumer, with the stream's change still on its way.
 */
function startingNode(inner: StorageBackend) {
  let reached!: () => void;
  const loadReached = new Promise<void>((r) => (reached = r));
  let release!: () => void;
  const loadGate = new Promise<void>((r) => (release = r));
  const heldFeed: Array<() => void> = [];
  let holding = true;
  const m = inner.meta;
  const meta: MetaStore = {
    get: (key) => m.get(key),
    getVersioned: (key) => m.getVersioned(key),
    list: async (prefix) => {
      if (prefix === 'consumers/') {
        reached();
        await loadGate;
      }
      return m.list(prefix);
    },
    batch: (changes) => m.batch(changes),
    put: (key, value, options) => m.put(key, value, options),
    delete: (key, options) => m.delete(key, options),
    watchRemote: (prefix, listener) =>
      m.watchRemote(
        prefix,
        prefix === 'streams/' ? (c) => (holding ? heldFeed.push(() => listener(c)) : listener(c)) : listener,
      ),
    close: () => m.close(),
  };
  return {
    backend: { ...inner, meta, close: () => inner.close() } as StorageBackend,
    loadReached,
    release,
    deliver() {
      holding = false;
      for (const f of heldFeed.splice(0)) f();
    },
  };
}

async function waitActive(kinesis: KinesisClient, name: string): Promise<void> {
  for (;;) {
    const d = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A node of the on-demand tests: an in-process service whose repeating jobs run under a worker host. */
interface LeasedNode {
  readonly clock: ManualTimerClock;
  readonly svc: InProcessService;
  readonly scheduler: Scheduler;
  readonly workers: WorkerHost;
  close(): Promise<void>;
}

/** Opens a {@link LeasedNode} on its own NATS connection and manual clock (starting at `start`). */
async function openLeasedNode(
  cluster: NatsCluster,
  prefix: string,
  holder: string,
  start: number,
  options: { leaseTtlMs: number; renewEveryMs: number; intervalMs: number; logger?: Logger },
): Promise<LeasedNode> {
  const clock = new ManualTimerClock();
  clock.t = start;
  const backend = await openNatsBackend({ servers: [...cluster.urls], replicas: 3, prefix, now: clock.now });
  const workers = new WorkerHost({
    leases: backend.leases,
    holder,
    clock,
    leaseTtlMs: options.leaseTtlMs,
    renewEveryMs: options.renewEveryMs,
    standbyMs: options.leaseTtlMs,
  });
  const scheduler = new Scheduler({ meta: backend.meta, clock, workers });
  const svc = await openInProcessService('', clock, {
    openBackend: async () => backend,
    scheduler,
    onDemandScalingIntervalMs: options.intervalMs,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  await scheduler.start();
  workers.start();
  return {
    clock,
    svc,
    scheduler,
    workers,
    // In the server's order (src/server/compose.ts): workers, service, scheduler, storage.
    async close() {
      await workers.close();
      await svc.svc.close();
      await scheduler.close();
      await backend.close();
    },
  };
}

describe('shard lifecycle on NATS JetStream', { skip }, () => {
  let cluster: NatsCluster;
  let node: TestServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  /** The configuration of the JetStream stream behind shard `index` of Kinesis stream `streamId`, if it exists. */
  async function findShardStream(streamId: string, index: number, prefix = PREFIX): Promise<StreamConfig | undefined> {
    for await (const info of jsm.streams.list()) {
      if (info.config.name.startsWith(`${prefix}_L_`) && info.config.description === `${streamId}.${index}`)
        return info.config;
    }
    return undefined;
  }

  async function shardStream(streamId: string, index: number): Promise<StreamConfig> {
    const config = await findShardStream(streamId, index);
    if (!config) throw new Error(`no JetStream stream for ${streamId}.${index}`);
    return config;
  }

  before(async () => {
    cluster = await startNatsCluster({ nodes: 3 });
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

  it('a node starting while another creates a stream and registers a consumer keeps the consumer', async () => {
    await destroyNatsData(cluster.urls, 'RACE');
    const clock = new ManualClock();
    clock.t = Date.now();
    const open = () => openNatsBackend({ servers: [...cluster.urls], replicas: 3, prefix: 'RACE' });
    const a: InProcessService = await openInProcessService('', clock, { openBackend: open });
    let b: InProcessService | undefined;
    try {
      // B's catalogue loads (no stream yet); its consumer registry's load waits.
      let starting: ReturnType<typeof startingNode> | undefined;
      const opening = openInProcessService('', clock, {
        openBackend: async () => (starting = startingNode(await open())).backend,
      });
      for (;;) {
        if (starting) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      await starting.loadReached;
      // Meanwhile A creates a stream and registers a consumer.
      await a.call('CreateStream', { StreamName: 'race', ShardCount: 1 });
      for (;;) {
        const d = await a.call('DescribeStreamSummary', { StreamName: 'race' });
        if (d.StreamDescriptionSummary.StreamStatus === 'ACTIVE') break;
        await new Promise((r) => setTimeout(r, 10));
      }
      const arn = (await a.call('DescribeStreamSummary', { StreamName: 'race' })).StreamDescriptionSummary.StreamARN;
      const registered = await a.call('RegisterStreamConsumer', { StreamARN: arn, ConsumerName: 'fan' });
      // B's registry loads now, before the stream's change reached B's catalogue.
      starting.release();
      b = await opening;
      assert.equal(
        (await a.backend.meta.list('consumers/')).length,
        1,
        "the consumer's record is still stored after B started",
      );
      starting.deliver();
      for (;;) {
        const seen = await b
          .call('DescribeStreamConsumer', { StreamARN: arn, ConsumerName: 'fan' })
          .catch(() => undefined);
        if (seen) {
          assert.equal(seen.ConsumerDescription.ConsumerARN, registered.Consumer.ConsumerARN);
          break;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
    } finally {
      await b?.close();
      await a.close();
    }
  });

  it("a closed parent's records expire with the retention period: the sweep deletes its sealed JetStream stream", async () => {
    await destroyNatsData(cluster.urls, 'EXP');
    const HOUR = 3_600_000;
    const timers = new ManualTimerClock();
    timers.t = Date.now();
    const svc = await openInProcessService('', timers, {
      openBackend: () => openNatsBackend({ servers: [...cluster.urls], replicas: 3, prefix: 'EXP' }),
      timerClock: timers,
    });
    /** Runs the due timers, then one retention sweep (a repeating job every 60 s), and waits for them. */
    const sweep = async (): Promise<void> => {
      await timers.advance(60_000);
      await svc.scheduler!.idle();
    };
    const enc = new TextEncoder();
    try {
      await svc.call('CreateStream', { StreamName: 'exp', ShardCount: 1 });
      await sweep();
      await svc.call('PutRecord', { StreamName: 'exp', PartitionKey: 'pk', Data: Buffer.from('old') });
      await svc.call('SplitShard', {
        StreamName: 'exp',
        ShardToSplit: 'shardId-000000000000',
        NewStartingHashKey: (2n ** 127n).toString(),
      });
      await sweep();
      const id = (await svc.call('DescribeStreamSummary', { StreamName: 'exp' })).StreamDescriptionSummary.StreamId;
      assert.equal((await findShardStream(id, 0, 'EXP'))?.sealed, true, 'the parent is sealed');
      const listed = async (): Promise<string[]> =>
        ((await svc.call('ListShards', { StreamName: 'exp' })).Shards as Array<{ ShardId: string }>).map(
          (s) => s.ShardId,
        );

      // 23 hours later the parent's record is within the 24-hour retention: kept, listed, readable.
      timers.t += 23 * HOUR;
      await sweep();
      assert.ok(await findShardStream(id, 0, 'EXP'), 'the parent keeps its stream within the retention period');
      assert.deepEqual(await listed(), ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002']);
      await svc.call('PutRecord', {
        StreamName: 'exp',
        PartitionKey: 'pk',
        ExplicitHashKey: '1',
        Data: Buffer.from(enc.encode('young')),
      });

      // Past the retention period: the parent's stream is deleted, the shard is no longer listed and GetShardIterator
      // answers that it does not exist (docs/adr/0047); an iterator taken a minute before finds no record and leads to
      // the children; the child keeps its record.
      timers.t += HOUR - 180_000;
      const it0 = await svc.call('GetShardIterator', {
        StreamName: 'exp',
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      });
      timers.t += 120_000;
      await sweep();
      assert.equal(await findShardStream(id, 0, 'EXP'), undefined, "the expired parent's JetStream stream is gone");
      assert.deepEqual(await listed(), ['shardId-000000000001', 'shardId-000000000002']);
      await expectServiceError(
        svc.call('GetShardIterator', {
          StreamName: 'exp',
          ShardId: 'shardId-000000000000',
          ShardIteratorType: 'TRIM_HORIZON',
        }),
        'ResourceNotFoundException',
        `Shard shardId-000000000000 in stream exp under account ${TEST_ACCOUNT} does not exist`,
      );
      const parent = await svc.call('GetRecords', { ShardIterator: it0.ShardIterator });
      assert.deepEqual(parent.Records, []);
      assert.equal(parent.NextShardIterator, undefined);
      assert.deepEqual((parent.ChildShards as Array<{ ShardId: string }>).map((c) => c.ShardId).sort(), [
        'shardId-000000000001',
        'shardId-000000000002',
      ]);
      const it1 = await svc.call('GetShardIterator', {
        StreamName: 'exp',
        ShardId: 'shardId-000000000001',
        ShardIteratorType: 'TRIM_HORIZON',
      });
      const child = await svc.call('GetRecords', { ShardIterator: it1.ShardIterator });
      assert.deepEqual(
        (child.Records as Array<{ Data: Uint8Array }>).map((r) => Buffer.from(r.Data).toString()),
        ['young'],
      );
      // A later sweep changes nothing (the deletion is done once).
      await sweep();
      assert.equal(await findShardStream(id, 0, 'EXP'), undefined);
    } finally {
      await svc.close();
    }
  });

  it('a node that opens an expired parent before hearing of the expiry deletes the empty stream it re-created', async () => {
    await destroyNatsData(cluster.urls, 'EXPB');
    const HOUR = 3_600_000;
    const open = () => openNatsBackend({ servers: [...cluster.urls], replicas: 3, prefix: 'EXPB' });
    const timers = new ManualTimerClock();
    timers.t = Date.now();
    const a = await openInProcessService('', timers, { openBackend: open, timerClock: timers });
    const sweep = async (): Promise<void> => {
      await timers.advance(60_000);
      await a.scheduler!.idle();
    };
    let b: InProcessService | undefined;
    try {
      await a.call('CreateStream', { StreamName: 'expb', ShardCount: 1 });
      await sweep();
      await a.call('PutRecord', { StreamName: 'expb', PartitionKey: 'pk', Data: Buffer.from('old') });
      await a.call('SplitShard', {
        StreamName: 'expb',
        ShardToSplit: 'shardId-000000000000',
        NewStartingHashKey: (2n ** 127n).toString(),
      });
      await sweep();
      const id = (await a.call('DescribeStreamSummary', { StreamName: 'expb' })).StreamDescriptionSummary.StreamId;
      // B starts with the parent closed but not expired; its change feed is held from then on.
      let starting: ReturnType<typeof startingNode> | undefined;
      const bClock = new ManualClock();
      bClock.t = timers.t;
      const opening = openInProcessService('', bClock, {
        openBackend: async () => (starting = startingNode(await open())).backend,
      });
      while (!starting) await new Promise((r) => setTimeout(r, 10));
      starting.release();
      b = await opening;
      // A's sweep, past the retention period, expires the parent and deletes its JetStream stream.
      timers.t += 25 * HOUR;
      await sweep();
      assert.equal(await findShardStream(id, 0, 'EXPB'), undefined, "the expired parent's stream is gone");
      // B, not knowing yet, reads the parent: its open re-creates an empty stream, sealed as the shard is closed.
      const it0 = await b.call('GetShardIterator', {
        StreamName: 'expb',
        ShardId: 'shardId-000000000000',
        ShardIteratorType: 'TRIM_HORIZON',
      });
      const read = await b.call('GetRecords', { ShardIterator: it0.ShardIterator });
      assert.deepEqual(read.Records, []);
      assert.equal((await findShardStream(id, 0, 'EXPB'))?.sealed, true, 'the leftover exists while B has not heard');
      // Once the expiry reaches B, B deletes the leftover.
      starting.deliver();
      for (let tries = 0; (await findShardStream(id, 0, 'EXPB')) !== undefined; tries++) {
        assert.ok(tries < 500, "B deletes the leftover once it hears of the parent's expiry");
        await new Promise((r) => setTimeout(r, 20));
      }
      bClock.t = timers.t;
      const listed = (await b.call('ListShards', { StreamName: 'expb' })).Shards as Array<{ ShardId: string }>;
      assert.deepEqual(
        listed.map((s) => s.ShardId),
        ['shardId-000000000001', 'shardId-000000000002'],
      );
    } finally {
      await b?.close();
      await a.close();
    }
  });

  it("on-demand scaling adds up the writes every node served: two nodes' shares below the threshold scale together", async () => {
    await destroyNatsData(cluster.urls, 'ODS');
    const INTERVAL = 60_000;
    const start = Date.now();
    /** A node: an in-process service whose repeating jobs run under a worker host, on its own manual clock. */
    const openNode = (holder: string) =>
      openLeasedNode(cluster, 'ODS', holder, start, {
        // Leases far longer than the test's clock moves: the node started first holds every job throughout.
        leaseTtlMs: 3_600_000,
        renewEveryMs: 1_200_000,
        intervalMs: INTERVAL,
      });
    const a = await openNode('node-a');
    let b: LeasedNode | undefined;
    try {
      await a.svc.call('CreateStream', { StreamName: 'od', StreamModeDetails: { StreamMode: 'ON_DEMAND' } });
      await a.clock.advance(0);
      for (;;) {
        const d = await a.svc.call('DescribeStreamSummary', { StreamName: 'od' });
        if (d.StreamDescriptionSummary.StreamStatus === 'ACTIVE') break;
        await a.clock.advance(0);
        await new Promise((r) => setTimeout(r, 10));
      }
      for (;;) {
        if ((await a.svc.backend.leases.holder('jobs/streams.on-demand-scaling')) === 'node-a') break;
        await new Promise((r) => setTimeout(r, 10));
      }
      b = await openNode('node-b');
      const nodeB = b;
      for (;;) {
        const seen = await nodeB.svc.call('DescribeStreamSummary', { StreamName: 'od' }).catch(() => undefined);
        if (seen?.StreamDescriptionSummary.StreamStatus === 'ACTIVE') break;
        await new Promise((r) => setTimeout(r, 10));
      }
      const openShards = async (): Promise<number> =>
        (
          (await a.svc.call('ListShards', { StreamName: 'od' })).Shards as Array<{ SequenceNumberRange: object }>
        ).filter((s) => !('EndingSequenceNumber' in s.SequenceNumberRange)).length;
      assert.equal(await openShards(), 4);
      let batch = 0;
      /** 1,500 records through a node within one second of its clock: 3,000 records/s would want 6 shards. */
      const write = async (node: InProcessService): Promise<void> => {
        for (let i = 0; i < 3; i++) {
          const Records = Array.from({ length: 500 }, (_, j) => ({
            PartitionKey: `k${batch}-${j}`,
            Data: Buffer.from('x'),
          }));
          batch++;
          assert.equal((await node.call('PutRecords', { StreamName: 'od', Records })).FailedRecordCount, 0);
        }
      };
      /**
       * Moves both clocks one interval (B publishes its report, A evaluates), then waits until A's change feed has
       * delivered everything B wrote (a marker written after B's report), and once more, so that A evaluates with it.
       */
      let marker = 0;
      const twoIntervals = async (): Promise<void> => {
        for (let round = 0; round < 2; round++) {
          await Promise.all([a.clock.advance(INTERVAL), nodeB.clock.advance(INTERVAL)]);
          await Promise.all([a.scheduler.idle(), nodeB.scheduler.idle()]);
          const key = `probe/${++marker}`;
          const heard = new Promise<void>((resolve) => {
            const stop = a.svc.backend.meta.watchRemote('probe/', (change) => {
              if (change.key !== key) return;
              stop();
              resolve();
            });
          });
          await nodeB.svc.backend.meta.put(key, marker);
          await heard;
        }
      };

      // A's share alone (A holds the job and counts its own writes): no scaling.
      await write(a.svc);
      await twoIntervals();
      assert.equal(await openShards(), 4, "A's 1,500 records/s alone keep 4 shards");
      // B's share alone, which A only hears of through B's report: no scaling.
      await write(nodeB.svc);
      await twoIntervals();
      assert.equal(await openShards(), 4, "B's 1,500 records/s alone keep 4 shards");
      // Both in the same second: 3,000 records/s across the cluster, 6 shards.
      await write(a.svc);
      await write(nodeB.svc);
      await twoIntervals();
      for (let tries = 0; (await openShards()) !== 6; tries++) {
        assert.ok(tries < 200, 'the stream scales to 6 shards');
        await a.clock.advance(0);
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(
        (await nodeB.svc.call('DescribeStreamSummary', { StreamName: 'od' })).StreamDescriptionSummary.StreamStatus,
        'ACTIVE',
      );
    } finally {
      await b?.close();
      await a.close();
    }
  });

  it("a stale holder of the on-demand job cannot write its window over the new holder's", async () => {
    await destroyNatsData(cluster.urls, 'ODF');
    const INTERVAL = 1000;
    const TTL = 3000;
    const start = Date.now();
    /** The warnings node A logged (the refused window write is one). */
    const warnings: Array<{ obj: { err?: unknown }; msg?: string }> = [];
    const noop = (): void => {};
    const logger: Logger = {
      debug: noop,
      info: noop,
      warn: (obj, msg) => void warnings.push({ obj, ...(msg !== undefined ? { msg } : {}) }),
      error: noop,
      child: () => logger,
      isDebugEnabled: false,
    };
    const options = { leaseTtlMs: TTL, renewEveryMs: 1000, intervalMs: INTERVAL };
    const a = await openLeasedNode(cluster, 'ODF', 'node-a', start, { ...options, logger });
    let b: LeasedNode | undefined;
    const JOB = 'jobs/streams.on-demand-scaling';
    const poll = async (what: string, probe: () => Promise<boolean> | boolean): Promise<void> => {
      for (let tries = 0; !(await probe()); tries++) {
        assert.ok(tries < 1000, what);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      await poll('A holds the on-demand job', async () => (await a.svc.backend.leases.holder(JOB)) === 'node-a');
      await a.svc.call('CreateStream', { StreamName: 'odf', StreamModeDetails: { StreamMode: 'ON_DEMAND' } });
      await poll('the stream is ACTIVE', async () => {
        await a.clock.advance(0);
        const d = await a.svc.call('DescribeStreamSummary', { StreamName: 'odf' });
        return d.StreamDescriptionSummary.StreamStatus === 'ACTIVE';
      });
      const id = (await a.svc.call('DescribeStreamSummary', { StreamName: 'odf' })).StreamDescriptionSummary.StreamId;
      const windowKey = `on-demand/${id}`;
      const stored = async () =>
        a.svc.backend.meta.get<{ fencingToken?: number; samples: Array<[number, number, number]> }>(windowKey);
      const nodeB = await openLeasedNode(cluster, 'ODF', 'node-b', start, options);
      b = nodeB;
      await poll('B knows the stream', async () => {
        const d = await nodeB.svc.call('DescribeStreamSummary', { StreamName: 'odf' }).catch(() => undefined);
        return d?.StreamDescriptionSummary.StreamStatus === 'ACTIVE';
      });
      const put = (node: LeasedNode, records: number) =>
        node.svc.call('PutRecords', {
          StreamName: 'odf',
          Records: Array.from({ length: records }, (_, i) => ({ PartitionKey: `k${i}`, Data: Buffer.from('x') })),
        });

      // A holds the job: its evaluation writes the window with its lease's token.
      await put(a, 10);
      await poll("A's window is stored", async () => {
        await Promise.all([a.clock.advance(INTERVAL), nodeB.clock.advance(INTERVAL)]);
        await a.scheduler.idle();
        return (await stored())?.fencingToken !== undefined;
      });
      const tokenA = (await stored())!.fencingToken!;
      assert.equal(await nodeB.svc.backend.leases.holder(JOB), 'node-a');

      // A stops (its clock and timers frozen): B takes the job over once the lease lapsed on B's clock, merges the
      // stored window and writes it with its larger token.
      await put(nodeB, 5);
      await poll("B's window is stored", async () => {
        await nodeB.clock.advance(INTERVAL);
        await nodeB.scheduler.idle();
        return ((await stored())?.fencingToken ?? 0) > tokenA;
      });
      const byB = (await stored())!;
      assert.equal(await nodeB.svc.backend.leases.holder(JOB), 'node-b');
      assert.ok(
        byB.samples.some((s) => s[2] === 10),
        "B's window kept A's peak",
      );

      // A resumes before its next renewal tells it that it lost the lease (its time moves without firing timers):
      // an append starts its next evaluation, whose window write is refused.
      a.clock.t += INTERVAL;
      await put(a, 30);
      await poll("A's stale write is refused", () =>
        warnings.some((w) => w.msg?.startsWith('on-demand window not saved')),
      );
      const refused = warnings.find((w) => w.msg?.startsWith('on-demand window not saved'))!;
      assert.ok(hasTribCode(refused.obj.err, TribErrorCode.LEASE_LOST), String(refused.obj.err));
      assert.deepEqual(await stored(), byB, "the new holder's window is unchanged");
    } finally {
      await b?.close();
      await a.close();
    }
  });
});
