/**
 * Repeating jobs on a real 3-node NATS cluster (free ports, ADR 0042): two nodes, each with its own NATS
 * connection, worker host and scheduler on its own manual clock (the leases judge expiry on the reading node's
 * clock), register the same job. The job runs on the node holding its lease only; when that node stops (its clock
 * and timers frozen, as a dead or paused process), the other node takes the lease over and runs the job; the frozen
 * node, resumed, has its fenced write refused and stops running the job at its next renewal.
 * Waits poll real I/O with a deadline; nothing asserts a duration.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hasTribCode, TribErrorCode } from '../../src/errors/index.js';
import { JOB_WORKER_PREFIX, type JobRun, type RepeatingJob, Scheduler, WorkerHost } from '../../src/jobs/index.js';
import { fencedPut, type StorageBackend } from '../../src/storage/index.js';
import { destroyNatsData, openNatsBackend } from '../../src/storage/nats/index.js';
import { ManualTimerClock } from '../helpers/timers.js';
import { type NatsCluster, natsServerMissing, startNatsCluster } from '../storage/nats-harness.js';

const skip = natsServerMissing();
const PREFIX = 'JOBS';
const JOB = 'probe';
const LEASE = JOB_WORKER_PREFIX + JOB;
const INTERVAL_MS = 400;
const TTL_MS = 3000;
const DEADLINE_MS = 30_000;

/** Polls until `probe` holds; fails after {@link DEADLINE_MS}. */
async function eventually(what: string, probe: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${DEADLINE_MS} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One node: a NATS connection, a worker host and a scheduler on one manual clock, and the job's runs. */
interface Node {
  readonly name: string;
  readonly clock: ManualTimerClock;
  readonly backend: StorageBackend;
  readonly workers: WorkerHost;
  readonly scheduler: Scheduler;
  readonly job: RepeatingJob;
  /** Runs of the job on this node, with the outcome of its fenced write. */
  readonly runs: Array<{ token: number | undefined; written: boolean; refused: boolean }>;
}

describe('repeating jobs on a NATS cluster run on one node', { skip }, () => {
  let cluster: NatsCluster;
  const nodes: Node[] = [];

  const openNode = async (name: string, url: string): Promise<Node> => {
    const clock = new ManualTimerClock();
    const backend = await openNatsBackend({ servers: [url], replicas: 3, prefix: PREFIX, now: clock.now });
    const workers = new WorkerHost({
      leases: backend.leases,
      holder: name,
      clock,
      leaseTtlMs: TTL_MS,
      renewEveryMs: 1000,
      standbyMs: TTL_MS,
    });
    const scheduler = new Scheduler({ meta: backend.meta, clock, workers });
    const runs: Node['runs'] = [];
    // The job writes its state fenced with its lease's token, as the services' lease-guarded writers do.
    const job = scheduler.every(JOB, INTERVAL_MS, async (run: JobRun) => {
      const entry = { token: run.fencingToken, written: false, refused: false };
      runs.push(entry);
      try {
        await fencedPut(backend.meta, 'probe-state', { node: name }, run.fencingToken ?? 0);
        entry.written = true;
      } catch (err) {
        if (!hasTribCode(err, TribErrorCode.LEASE_LOST)) throw err;
        entry.refused = true;
      }
    });
    await scheduler.start();
    const node: Node = { name, clock, backend, workers, scheduler, job, runs };
    nodes.push(node);
    return node;
  };

  before(async () => {
    cluster = await startNatsCluster({ nodes: 3 });
    await destroyNatsData(cluster.urls, PREFIX);
  });
  after(async () => {
    for (const node of nodes) {
      await node.workers.close();
      await node.scheduler.close();
      await node.backend.close();
    }
    await cluster?.stop();
  });

  it('one node runs the job; a survivor takes it over; the stale holder is fenced off', async () => {
    const a = await openNode('node-a', cluster.urls[0]!);
    const b = await openNode('node-b', cluster.urls[2]!);
    // A starts first and takes the lease; B starts while A holds it and stands by.
    a.workers.start();
    await eventually('A holds the job', () => a.job.runsHere);
    b.workers.start();
    await eventually('B stands by', () => b.workers.status()[0]?.state === 'standby');
    assert.equal(await b.backend.leases.holder(LEASE), 'node-a');
    assert.equal(b.job.runsHere, false);

    // Three intervals on both clocks (renewals included): only A runs the job.
    for (let i = 0; i < 3; i++) {
      const count = a.runs.length;
      await Promise.all([a.clock.advance(INTERVAL_MS), b.clock.advance(INTERVAL_MS)]);
      await eventually(`A's run ${count + 1}`, () => a.runs.length > count && a.runs.at(-1)!.written);
      await a.scheduler.idle();
    }
    assert.equal(a.runs.length, 3);
    assert.ok(a.runs.every((r) => r.written && r.token !== undefined));
    assert.equal(b.runs.length, 0, 'the node without the lease never runs the job');
    const tokenA = a.runs[0]!.token!;

    // A stops: its clock and timers are frozen (a killed or paused process renews nothing). Once the lease has
    // lapsed on B's clock, B's standby retry takes it and B runs the job with a larger token.
    for (let tries = 0; !b.job.runsHere; tries++) {
      assert.ok(tries < 5, 'B takes the job over within a few standby intervals');
      await b.clock.advance(TTL_MS);
      await eventually("B's lease request is answered", () => b.workers.status()[0]?.state !== 'starting');
    }
    assert.equal(await b.backend.leases.holder(LEASE), 'node-b');
    // (The manual clock lets I/O complete while it moves, so B may have run already in the last step.)
    if (b.runs.length === 0) await b.clock.advance(INTERVAL_MS);
    await eventually("B's first run", () => b.runs.length > 0 && b.runs[0]!.written);
    await b.scheduler.idle();
    const tokenB = b.runs[0]!.token!;
    assert.ok(tokenB > tokenA, `the new holding's token ${tokenB} is larger than ${tokenA}`);
    assert.ok(b.runs.every((r) => r.written && r.token === tokenB));
    assert.deepEqual(await a.backend.meta.get('probe-state'), { node: 'node-b', fencingToken: tokenB });

    // A resumes before its next renewal: its job fires once more, still believing it holds the lease. Its write
    // is refused by the store; then its renewal finds the lease gone and its job stops.
    assert.equal(a.job.runsHere, true, 'the paused node cannot know it lost the lease');
    await a.clock.advance(INTERVAL_MS);
    await eventually("A's stale run", () => a.runs.length === 4 && (a.runs[3]!.written || a.runs[3]!.refused));
    assert.deepEqual(a.runs[3], { token: tokenA, written: false, refused: true });
    assert.deepEqual(await a.backend.meta.get('probe-state'), { node: 'node-b', fencingToken: tokenB });
    await a.clock.advance(1000);
    await eventually('A stops running the job after its renewal is refused', () => !a.job.runsHere);
    await a.scheduler.idle();
    const stale = a.runs.slice(3);
    assert.ok(
      stale.every((r) => r.refused && !r.written),
      'every run of the stale holder was refused',
    );
    await a.clock.advance(INTERVAL_MS * 3);
    await a.scheduler.idle();
    assert.equal(a.runs.length, 3 + stale.length, 'the node that lost the lease runs the job no more');
    assert.equal(b.job.runsHere, true);
    assert.deepEqual(await a.backend.meta.get('probe-state'), { node: 'node-b', fencingToken: tokenB });
  });
});
