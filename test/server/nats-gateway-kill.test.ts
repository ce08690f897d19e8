/**
 * Failures under load on a real 3-node NATS cluster (free ports) with two Tributary nodes as child processes
 * (`tributary serve --storage nats://...`); writers put records through both nodes with the Kinesis SDK, and a writer
 * whose request fails retries on the other node.
 * - Gateway kill: the node holding a Firehose delivery worker's lease is killed with SIGKILL. Then the delivery
 *   worker's lease moves to the surviving node (`--worker-lease-ms 3000`); a stream the dead node left CREATING (its
 *   status timer) turns ACTIVE through the survivor's scheduler; the repeating jobs (retention sweeps, on-demand
 *   scaling) are each held by one node, and by the survivor once the victim's leases lapsed (ADR 0042).
 * - Leader kill: the NATS server leading a busy shard's JetStream stream is killed with SIGKILL and restarted.
 * In both, every acknowledged record is read back exactly once per shard, and each writer's batches are in order
 * within each shard. Waits poll with deadlines; the longest time without an acknowledgement is reported, never
 * asserted.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  ListShardsCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { CreateDeliveryStreamCommand } from '@aws-sdk/client-firehose';
import { openNatsBackend } from '../../src/storage/nats/index.js';
import { logIdToken } from '../../src/storage/nats/names.js';
import type { StorageBackend } from '../../src/storage/index.js';
import { startServerProcess } from '../helpers/child-server.js';
import { freePort } from '../helpers/net.js';
import { kinesisClient } from '../helpers/server.js';
import { ROLE, firehoseClient } from '../firehose/helpers.js';
import { type NatsCluster, natsServerMissing, startNatsCluster } from '../storage/nats-harness.js';

const skip = natsServerMissing();
const PREFIX = 'GWK';
const DEADLINE_MS = 60_000;
const WORKER = 'firehose/delivery/000000000000/us-east-1/gwfh';
/** The leases of the repeating jobs every node registers (src/jobs/scheduler.ts, `jobs/<name>`). */
const JOBS = ['jobs/streams.retention-sweep', 'jobs/streams.on-demand-scaling', 'jobs/kinesisvideo.retention'];

interface Node {
  child: ChildProcess;
  url: string;
  kinesis: KinesisClient;
  dir: string;
}

/** Polls `probe` until it returns a value other than undefined; fails after {@link DEADLINE_MS}. */
async function eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + DEADLINE_MS;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${DEADLINE_MS} ms (last error: ${last})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('two Tributary nodes on a NATS cluster under load', { skip }, () => {
  let cluster: NatsCluster;
  let observer: StorageBackend | undefined;
  const nodes: Node[] = [];

  const startNode = async (createStreamMs: number, prefix = PREFIX): Promise<Node> => {
    const dir = await mkdtemp(join(tmpdir(), 'tributary-gw-'));
    const port = await freePort();
    const child = await startServerProcess(dir, port, [
      '--storage',
      cluster.storageUrl,
      '--nats-prefix',
      prefix,
      '--create-stream-ms',
      String(createStreamMs),
      '--delete-stream-ms',
      '0',
      '--update-stream-ms',
      '0',
      '--firehose-create-ms',
      '0',
      '--worker-lease-ms',
      '3000',
    ]);
    const url = `http://127.0.0.1:${port}`;
    const node = { child, url, kinesis: kinesisClient(url), dir };
    nodes.push(node);
    return node;
  };

  before(async () => {
    cluster = await startNatsCluster({ nodes: 3 });
  });
  after(async () => {
    await observer?.close();
    for (const node of nodes) {
      node.kinesis.destroy();
      if (node.child.exitCode === null && node.child.signalCode === null) {
        const exited = once(node.child, 'exit');
        node.child.kill('SIGTERM');
        await exited;
      }
      await rm(node.dir, { recursive: true, force: true });
    }
    await cluster?.stop();
  });

  it('acknowledged records survive, the dead node’s lease and timer move to the survivor', async (t) => {
    // New streams stay CREATING for a while, so that one of the victim's status timers is pending when it dies.
    const first = await startNode(2_000);
    await startNode(2_000);
    observer = await openNatsBackend({ servers: cluster.urls, replicas: 3, prefix: PREFIX });
    await first.kinesis.send(new CreateStreamCommand({ StreamName: 'gw', ShardCount: 2 }));
    for (const node of nodes)
      await eventually('the stream is ACTIVE on every node', async () => {
        const d = await node.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'gw' }));
        return d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE' ? true : undefined;
      });
    const firehose = firehoseClient(first.url);
    await firehose.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: 'gwfh',
        ExtendedS3DestinationConfiguration: {
          RoleARN: ROLE,
          BucketARN: 'arn:aws:s3:::gw',
          BufferingHints: { SizeInMBs: 128, IntervalInSeconds: 900 },
        },
      }),
    );
    firehose.destroy();
    // Both nodes host the delivery worker; the lease lets one run it. The victim is the node that holds it.
    const holder = await eventually('a node holds the delivery worker lease', () => observer!.leases.holder(WORKER));
    const victimIndex = nodes.findIndex((n) => holder.includes(`/${n.child.pid}/`));
    assert.ok(victimIndex >= 0, `the lease holder ${holder} is one of the nodes`);
    const victim = nodes[victimIndex]!;
    const survivor = nodes[1 - victimIndex]!;
    const jobHolders = new Map<string, string>();
    for (const job of JOBS)
      jobHolders.set(job, await eventually(`a node holds ${job}`, () => observer!.leases.holder(job)));
    for (const [job, h] of jobHolders)
      assert.ok(
        nodes.some((n) => h.includes(`/${n.child.pid}/`)),
        `${job} is held by one of the nodes (${h})`,
      );

    const load = putThroughBoth(nodes, 'gw');
    try {
      await load.moreAcks(20);
      // A stream created through the victim stays CREATING until its timer fires, which the victim will not live
      // to do: it is killed right after the call returns.
      await victim.kinesis.send(new CreateStreamCommand({ StreamName: 'orphan', ShardCount: 1 }));
      victim.child.kill('SIGKILL');
      await once(victim.child, 'exit');
      await load.moreAcks(20);
    } finally {
      await load.stop();
    }

    // The lease of the dead node's worker moves to the survivor once it lapses.
    const taken = await eventually('the survivor takes over the delivery worker', async () => {
      const h = await observer!.leases.holder(WORKER);
      return h?.includes(`/${survivor.child.pid}/`) ? h : undefined;
    });
    assert.notEqual(taken, holder);
    // The repeating jobs run on the survivor alone once the victim's leases lapsed.
    for (const job of JOBS)
      await eventually(`the survivor holds ${job}`, async () => {
        const h = await observer!.leases.holder(job);
        return h?.includes(`/${survivor.child.pid}/`) ? h : undefined;
      });
    const movedJobs = [...jobHolders].filter(([, h]) => h.includes(`/${victim.child.pid}/`)).map(([j]) => j);

    // The victim's timer: the stream it left CREATING becomes ACTIVE, run by the survivor's scheduler.
    await eventually('the stream left CREATING becomes ACTIVE', async () => {
      const d = await survivor.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'orphan' }));
      return d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE' ? true : undefined;
    });

    const { stored, ackedRecords } = await readBackOncePerShard(survivor.kinesis, 'gw', load.acked);
    t.diagnostic(
      `killed the lease holder after 20 acknowledged calls; ${load.acked.length} calls (${ackedRecords} records) ` +
        `acknowledged, ${stored} stored (unacknowledged attempts may be stored too), ${load.retries()} calls retried ` +
        `on the other node; longest time without an acknowledgement ${load.longestGap()} ms; repeating jobs moved from the ` +
        `victim: ${movedJobs.join(', ') || 'none (the survivor held them all)'}`,
    );
  });

  it('acknowledged records survive a SIGKILL of the NATS server leading a busy shard, written through both nodes', async (t) => {
    const prefix = 'GWL';
    const a = await startNode(0, prefix);
    const b = await startNode(0, prefix);
    const pair = [a, b];
    const lookup = await openNatsBackend({ servers: cluster.urls, replicas: 3, prefix });
    try {
      await a.kinesis.send(new CreateStreamCommand({ StreamName: 'lk', ShardCount: 2 }));
      for (const node of pair)
        await eventually('the stream is ACTIVE on every node', async () => {
          const d = await node.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: 'lk' }));
          return d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE' ? true : undefined;
        });
      const load = putThroughBoth(pair, 'lk');
      let victim: number | undefined;
      let restarted = false;
      let busiest = '';
      try {
        await load.moreAcks(20);
        // The busy shard: the shard log with the most records so far (both take writes).
        let most = -1;
        for (const id of await lookup.logs.list()) {
          const records = (await lookup.logs.open(id)).nextOffset;
          if (records > most) [most, busiest] = [records, id];
        }
        const stream = `${prefix}_L_${logIdToken(busiest)}`;
        victim = await cluster.streamLeader(stream);
        assert.notEqual(victim, undefined, `${stream} has a leader`);
        await cluster.kill(victim!, 'SIGKILL');
        await load.moreAcks(20);
        await cluster.restart(victim!);
        restarted = true;
        await load.moreAcks(10);
      } finally {
        await load.stop();
        if (victim !== undefined && !restarted) await cluster.restart(victim);
      }
      const { stored, ackedRecords } = await readBackOncePerShard(b.kinesis, 'lk', load.acked);
      t.diagnostic(
        `killed n${victim! + 1}, leader of shard log ${busiest}, after 20 acknowledged calls, restarted it after 20 more; ` +
          `${load.acked.length} calls (${ackedRecords} records) acknowledged, ${stored} stored, ${load.retries()} ` +
          `calls retried on the other node; longest time without an acknowledgement ${load.longestGap()} ms`,
      );
    } finally {
      await lookup.close();
    }
  });
});

/** Calls acknowledged by a writer of {@link putThroughBoth}: its records, each value `writer:batch:index:attempt`. */
interface AckedCall {
  writer: number;
  batch: number;
  values: string[];
}

/**
 * Two writers put batches of 10 records into `stream`, writer w starting on node w; a failed call is tried again
 * (a new attempt, new values) on the other node, as a client behind a load balancer would.
 */
function putThroughBoth(nodes: readonly Node[], stream: string) {
  const acked: AckedCall[] = [];
  let retries = 0;
  let stop = false;
  let lastAck = Date.now();
  let longestGap = 0;
  const writers = [0, 1].map(async (w) => {
    let at = w;
    for (let b = 0; !stop; b++) {
      for (let attempt = 0; ; attempt++) {
        const values = Array.from({ length: 10 }, (_, i) => `${w}:${b}:${i}:${attempt}`);
        try {
          const r = await nodes[at]!.kinesis.send(
            new PutRecordsCommand({
              StreamName: stream,
              Records: values.map((v, i) => ({ PartitionKey: `pk${i}`, Data: new TextEncoder().encode(v) })),
            }),
          );
          // A record refused inside an acknowledged call (FailedRecordCount) is not acknowledged.
          const ok = values.filter((_, i) => r.Records?.[i]?.SequenceNumber !== undefined);
          acked.push({ writer: w, batch: b, values: ok });
          const now = Date.now();
          longestGap = Math.max(longestGap, now - lastAck);
          lastAck = now;
          break;
        } catch {
          // The node is gone (or the call failed): the client retries on the other node.
          retries++;
          at = 1 - at;
          if (stop) break;
        }
      }
    }
  });
  return {
    acked,
    retries: () => retries,
    longestGap: () => longestGap,
    /** Resolves once `n` more calls were acknowledged than now. */
    async moreAcks(n: number): Promise<void> {
      const target = acked.length + n;
      await eventually(`${n} more acknowledged calls`, async () => (acked.length >= target ? true : undefined));
    },
    async stop(): Promise<void> {
      stop = true;
      await Promise.all(writers);
    },
  };
}

/**
 * Reads every shard of `stream` from TRIM_HORIZON and asserts that each acknowledged record is stored exactly once
 * and each writer's records are in batch order within a shard (unacknowledged attempts may be stored too).
 */
async function readBackOncePerShard(
  kinesis: KinesisClient,
  stream: string,
  acked: readonly AckedCall[],
): Promise<{ stored: number; ackedRecords: number }> {
  const shards = (await kinesis.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  const seen = new Map<string, number>();
  let stored = 0;
  for (const shard of shards) {
    let iterator = (
      await kinesis.send(
        new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
      )
    ).ShardIterator;
    const order: string[] = [];
    for (;;) {
      const r = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const rec of r.Records ?? []) order.push(new TextDecoder().decode(rec.Data));
      iterator = r.NextShardIterator;
      if ((r.Records?.length ?? 0) === 0 && r.MillisBehindLatest === 0) break;
    }
    stored += order.length;
    for (const v of order) seen.set(v, (seen.get(v) ?? 0) + 1);
    for (const w of [0, 1]) {
      const batches = order.filter((v) => v.startsWith(`${w}:`)).map((v) => Number(v.split(':')[1]));
      assert.deepEqual(
        batches,
        [...batches].sort((x, y) => x - y),
        `writer ${w}'s records in ${shard.ShardId}`,
      );
    }
  }
  let ackedRecords = 0;
  for (const a of acked)
    for (const v of a.values) {
      ackedRecords++;
      assert.equal(seen.get(v), 1, `acknowledged record ${v} is stored exactly once`);
    }
  return { stored, ackedRecords };
}
