/**
 * The Analytics checkpoint writer on a real 3-node NATS cluster (free ports, ADR 0036, 0042): two nodes, each with
 * its own NATS connection, worker host, scheduler, Data Streams and Analytics services on its own manual clock (the
 * leases judge expiry on the reading node's clock). The node holding a running application's lease stores the
 * input checkpoints with its fencing token; when it stops (its clock and timers frozen, as a paused process), the
 * other node takes the application over and stores its own; the first node, resumed, reads one more batch and its
 * checkpoint write is refused, so the new holder's checkpoint stays. Waits poll real I/O with a bound.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AnalyticsService, createAnalyticsService } from '../../src/analytics/index.js';
import { Scheduler, WorkerHost } from '../../src/jobs/index.js';
import { type OperationDefinition, type RequestContext, silentLogger } from '../../src/protocol/index.js';
import type { StorageBackend } from '../../src/storage/index.js';
import { destroyNatsData, openNatsBackend } from '../../src/storage/nats/index.js';
import { createStreamsService, type StreamsService } from '../../src/streams/index.js';
import { ManualTimerClock } from '../helpers/timers.js';
import { type NatsCluster, natsServerMissing, startNatsCluster } from '../storage/nats-harness.js';
import { PASS_THROUGH_SQL, ROLE, TICKER_SCHEMA } from './api-helpers.js';

const skip = natsServerMissing();
const PREFIX = 'ANCK';
const ACCOUNT = '111122223333';
const TTL_MS = 3000;
const APP_LEASE = `analytics/application/${ACCOUNT}/us-east-1/app`;

const ctx: RequestContext = {
  requestId: 'r',
  region: 'us-east-1',
  accountId: ACCOUNT,
  receivedAt: 0,
  signal: new AbortController().signal,
};

interface Node {
  readonly clock: ManualTimerClock;
  readonly backend: StorageBackend;
  readonly workers: WorkerHost;
  readonly scheduler: Scheduler;
  readonly streams: StreamsService;
  readonly analytics: AnalyticsService;
  kinesis(op: string, input: object): Promise<any>;
  v1(op: string, input: object): Promise<any>;
  v2(op: string, input: object): Promise<any>;
  close(): Promise<void>;
}

/** Polls until `probe` holds; fails after 1,000 tries 20 ms apart. */
async function poll(what: string, probe: () => boolean | Promise<boolean>): Promise<void> {
  for (let tries = 0; !(await probe()); tries++) {
    assert.ok(tries < 1000, `${what}: not seen`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface StoredCheckpoint {
  readonly runId: string;
  readonly checkpoint: string;
  readonly fencingToken?: number;
}

describe('Analytics checkpoints on a NATS cluster', { skip }, () => {
  let cluster: NatsCluster;
  let dir: string;
  const nodes: Node[] = [];

  const openNode = async (holder: string, start: number): Promise<Node> => {
    const clock = new ManualTimerClock();
    clock.t = start;
    const backend = await openNatsBackend({ servers: [...cluster.urls], replicas: 3, prefix: PREFIX, now: clock.now });
    const workers = new WorkerHost({
      leases: backend.leases,
      holder,
      clock,
      leaseTtlMs: TTL_MS,
      renewEveryMs: 1000,
      standbyMs: TTL_MS,
    });
    const scheduler = new Scheduler({ meta: backend.meta, clock, workers });
    const streams = await createStreamsService(backend, {
      region: 'us-east-1',
      accountId: ACCOUNT,
      createStreamMs: 0,
      deleteStreamMs: 0,
      updateStreamMs: 0,
      shardLimit: 10,
      logger: silentLogger,
      now: clock.now,
      scheduler,
    });
    const analytics = await createAnalyticsService(backend, {
      streams: streams.api,
      region: 'us-east-1',
      accountId: ACCOUNT,
      logger: silentLogger,
      scheduler,
      workers,
      clock,
      transitionMs: 0,
      objectDir: join(dir, holder),
    });
    await scheduler.start();
    workers.start();
    const call =
      (definition: { operations: Record<string, unknown> }) =>
      (op: string, input: object): Promise<any> =>
        (definition.operations[op] as OperationDefinition).handle(input, ctx) as Promise<any>;
    const node: Node = {
      clock,
      backend,
      workers,
      scheduler,
      streams,
      analytics,
      kinesis: call(streams.definition),
      v1: call(analytics.modules[0].definition!),
      v2: call(analytics.modules[1].definition!),
      async close() {
        await workers.close();
        await analytics.close();
        await streams.close();
        await scheduler.close();
        await backend.close();
      },
    };
    nodes.push(node);
    return node;
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trib-an-nats-'));
    cluster = await startNatsCluster({ nodes: 3 });
    await destroyNatsData(cluster.urls, PREFIX);
  });
  after(async () => {
    for (const node of nodes) await node.close();
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("a holder that lost the application's lease cannot store a checkpoint over the new holder's", async () => {
    const start = Date.now();
    const a = await openNode('node-a', start);
    await a.kinesis('CreateStream', { StreamName: 'in', ShardCount: 1 });
    await poll('the input stream is ACTIVE', async () => {
      await a.clock.advance(0);
      return (
        (await a.kinesis('DescribeStreamSummary', { StreamName: 'in' })).StreamDescriptionSummary.StreamStatus ===
        'ACTIVE'
      );
    });
    await a.v1('CreateApplication', {
      ApplicationName: 'app',
      Inputs: [
        {
          NamePrefix: 'SOURCE_SQL_STREAM',
          KinesisStreamsInput: { ResourceARN: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/in`, RoleARN: ROLE },
          InputSchema: TICKER_SCHEMA,
        },
      ],
      ApplicationCode: PASS_THROUGH_SQL,
    });
    await a.v1('StartApplication', {
      ApplicationName: 'app',
      InputConfigurations: [
        { Id: '1.1', InputStartingPositionConfiguration: { InputStartingPosition: 'TRIM_HORIZON' } },
      ],
    });
    await poll('the application is RUNNING', async () => {
      await a.clock.advance(0);
      const d = await a.v2('DescribeApplication', { ApplicationName: 'app' });
      return d.ApplicationDetail.ApplicationStatus === 'RUNNING';
    });
    // The input's checkpoint key, once the run stored its starting point; then read by key.
    let key: string | undefined;
    const checkpoint = async (): Promise<StoredCheckpoint | undefined> => {
      key ??= (await a.backend.meta.list<StoredCheckpoint>('checkpoints/'))[0]?.[0];
      return key === undefined ? undefined : a.backend.meta.get<StoredCheckpoint>(key);
    };
    const put = (node: Node, ticker: string) =>
      node.kinesis('PutRecord', {
        StreamName: 'in',
        PartitionKey: ticker,
        Data: Buffer.from(JSON.stringify({ ticker, price: 1 })),
      });

    // A runs the application: its starting checkpoint, then the one after a batch, carry its token.
    await poll("A's run stored its starting point", async () => (await checkpoint())?.fencingToken !== undefined);
    const first = (await checkpoint())!;
    const tokenA = first.fencingToken!;
    assert.equal(await a.backend.leases.holder(APP_LEASE), 'node-a');
    await put(a, 'A1');
    await poll("A's checkpoint moves past its batch", async () => {
      const now = await checkpoint();
      return now !== undefined && now.checkpoint !== first.checkpoint;
    });
    assert.equal((await checkpoint())!.fencingToken, tokenA);

    // B starts and stands by; A stops (clock and timers frozen). Once the lease lapsed on B's clock, B takes the
    // application over and stores its checkpoint after a batch with its larger token.
    const b = await openNode('node-b', a.clock.t);
    await poll('B takes the application over', async () => {
      await b.clock.advance(1000);
      return (await b.backend.leases.holder(APP_LEASE)) === 'node-b';
    });
    const before = (await checkpoint())!;
    await put(b, 'B1');
    await poll("B's checkpoint is stored", async () => {
      await b.clock.advance(0);
      const now = await checkpoint();
      return (now?.fencingToken ?? 0) > tokenA && now?.checkpoint !== before.checkpoint;
    });
    const byB = (await checkpoint())!;

    // A, paused, never learnt that it lost the lease: its run still reads the input (B's batch, then one written
    // through A), and its checkpoint write is refused (the run ends as failed); B's checkpoint stays.
    const failures = () => a.workers.status().find((s) => s.name === APP_LEASE);
    await put(a, 'A2');
    await poll("A's run fails on its refused checkpoint", () => failures()?.lastError !== undefined);
    assert.match(failures()!.lastError!, /lease|fenc/i);
    assert.deepEqual(await checkpoint(), byB);
  });
});
