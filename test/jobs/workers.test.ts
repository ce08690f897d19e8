import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { TribErrorCode, hasTribCode } from '../../src/errors/index.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JOB_WORKER_PREFIX, Scheduler, WorkerHost } from '../../src/jobs/index.js';
import type { Worker, WorkerTenure } from '../../src/protocol/index.js';
import { LocalLeases, openLocalBackend } from '../../src/storage/local/index.js';
import { MemoryLeases } from '../helpers/leases.js';
import { ManualTimerClock, settle } from '../helpers/timers.js';

/** A worker that records its runs; each run waits for its signal unless told to fail. */
class ProbeWorker implements Worker {
  runs = 0;
  readonly signals: AbortSignal[] = [];
  readonly tokens: number[] = [];
  /** Runs (1-based) that reject at once. */
  failing = new Set<number>();

  constructor(readonly name: string) {}

  async run(signal: AbortSignal, tenure: WorkerTenure): Promise<void> {
    this.runs++;
    this.signals.push(signal);
    this.tokens.push(tenure.fencingToken);
    if (this.failing.has(this.runs)) throw new Error(`run ${this.runs} failed`);
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  }
}

describe('WorkerHost', () => {
  let clock: ManualTimerClock;
  let leases: MemoryLeases;
  let host: WorkerHost;

  beforeEach(() => {
    clock = new ManualTimerClock();
    leases = new MemoryLeases(clock.now);
    host = new WorkerHost({
      leases,
      holder: 'node-a',
      clock,
      leaseTtlMs: 3000,
      renewEveryMs: 1000,
      standbyMs: 5000,
      backoff: { initialMs: 100, maxMs: 10_000, factor: 2, jitter: 0 },
    });
  });
  afterEach(async () => {
    await host.close();
  });

  it('starts workers only on start(), under their lease', async () => {
    const w = new ProbeWorker('delivery/a');
    host.add(w);
    await settle();
    assert.equal(w.runs, 0);
    assert.deepEqual(host.status(), [{ name: 'delivery/a', state: 'stopped', restarts: 0 }]);
    host.start();
    await settle();
    assert.equal(w.runs, 1);
    assert.equal(await leases.holder('delivery/a'), 'node-a');
    assert.deepEqual(host.status(), [{ name: 'delivery/a', state: 'running', restarts: 0 }]);
  });

  it("each run gets its lease's fencing token; a run after another holder's tenure gets a larger one", async () => {
    const real = new WorkerHost({
      leases: new LocalLeases({ now: clock.now }),
      holder: 'node-a',
      clock,
      leaseTtlMs: 3000,
      renewEveryMs: 1000,
      standbyMs: 5000,
      backoff: { initialMs: 100, maxMs: 10_000, factor: 2, jitter: 0 },
    });
    const w = new ProbeWorker('fenced');
    w.failing = new Set([1]);
    real.add(w);
    real.start();
    await settle();
    await clock.advance(100); // the restart after the failed first run: a new acquisition
    assert.equal(w.runs, 2);
    assert.equal(w.tokens.length, 2);
    assert.ok(w.tokens[1]! > w.tokens[0]!, `tokens ${w.tokens.join(', ')} grow with each holding`);
    await real.close();
  });

  it('restarts a failing worker with exponential backoff', async () => {
    const w = new ProbeWorker('w');
    w.failing = new Set([1, 2, 3]);
    host.add(w);
    host.start();
    await settle();
    assert.equal(w.runs, 1);
    assert.deepEqual(host.status(), [{ name: 'w', state: 'backoff', restarts: 1, lastError: 'run 1 failed' }]);
    await clock.advance(99);
    assert.equal(w.runs, 1);
    await clock.advance(1); // 100 ms
    assert.equal(w.runs, 2);
    await clock.advance(199);
    assert.equal(w.runs, 2);
    await clock.advance(1); // 200 ms
    assert.equal(w.runs, 3);
    await clock.advance(399);
    assert.equal(w.runs, 3);
    await clock.advance(1); // 400 ms
    assert.equal(w.runs, 4);
    assert.deepEqual(host.status(), [{ name: 'w', state: 'running', restarts: 3, lastError: 'run 3 failed' }]);
  });

  it('counts a run that returns while not stopping as a failure', async () => {
    const w: Worker = { name: 'quitter', run: async () => {} };
    host.add(w);
    host.start();
    await settle();
    const [status] = host.status();
    assert.equal(status?.state, 'backoff');
    assert.match(status?.lastError ?? '', /returned while not stopping/);
  });

  it('aborts every worker on close, waits for them and releases their leases', async () => {
    const a = new ProbeWorker('a');
    const b = new ProbeWorker('b');
    host.add(a);
    host.add(b);
    host.start();
    await settle();
    await host.close();
    assert.ok(a.signals[0]?.aborted && b.signals[0]?.aborted);
    assert.ok(hasTribCode(a.signals[0]?.reason, TribErrorCode.JOBS_CLOSED));
    assert.deepEqual(
      host.status().map((s) => s.state),
      ['stopped', 'stopped'],
    );
    assert.equal(await leases.holder('a'), undefined);
    assert.equal(clock.armed, 0);
    assert.throws(
      () => host.add(new ProbeWorker('c')),
      (e) => hasTribCode(e, TribErrorCode.JOBS_CLOSED),
    );
  });

  it('remove() stops one worker', async () => {
    const a = new ProbeWorker('a');
    host.add(a);
    host.start();
    await settle();
    await host.remove('a');
    assert.equal(a.signals[0]?.aborted, true);
    assert.deepEqual(host.status(), []);
  });

  it('does not start a worker whose lease another holder has, and retries later', async () => {
    leases.steal('w', 'node-b');
    const w = new ProbeWorker('w');
    host.add(w);
    host.start();
    await settle();
    assert.equal(w.runs, 0);
    assert.deepEqual(host.status(), [{ name: 'w', state: 'standby', restarts: 0 }]);
    await clock.advance(5000);
    assert.equal(w.runs, 0); // still held by node-b
    leases.free('w');
    await clock.advance(5000);
    assert.equal(w.runs, 1);
    assert.equal(await leases.holder('w'), 'node-a');
  });

  it('aborts a worker whose lease was lost, and takes it back once free', async () => {
    const w = new ProbeWorker('w');
    host.add(w);
    host.start();
    await settle();
    await clock.advance(1000); // a renewal succeeds
    assert.equal(w.signals[0]?.aborted, false);
    leases.steal('w', 'node-b', 3000);
    await clock.advance(1000); // the next renewal finds the lease taken over
    assert.equal(w.signals[0]?.aborted, true);
    assert.ok(hasTribCode(w.signals[0]?.reason, TribErrorCode.LEASE_LOST));
    assert.deepEqual(host.status(), [{ name: 'w', state: 'standby', restarts: 0 }]);
    assert.equal(await leases.holder('w'), 'node-b'); // not released: it is not ours
    await clock.advance(5000); // node-b's lease lapsed meanwhile
    assert.equal(w.runs, 2);
    assert.equal(w.signals[1]?.aborted, false);
  });

  it('runs on in-process leases: one holder at a time', async () => {
    const shared = new LocalLeases({ now: clock.now });
    const other = new WorkerHost({ leases: shared, holder: 'node-b', clock, standbyMs: 5000 });
    const mine = new WorkerHost({ leases: shared, holder: 'node-a', clock, standbyMs: 5000 });
    const a = new ProbeWorker('w');
    const b = new ProbeWorker('w');
    other.add(b);
    other.start();
    await settle();
    mine.add(a);
    mine.start();
    await settle();
    assert.deepEqual([a.runs, b.runs], [0, 1]);
    await other.close(); // releases the lease
    await clock.advance(5000);
    assert.deepEqual([a.runs, b.runs], [1, 1]);
    await mine.close();
  });
});

describe('repeating jobs under a worker host', () => {
  it('a leased job runs only where its lease is held; an everyNode job runs on every node (ADR 0047)', async () => {
    const clock = new ManualTimerClock();
    const leases = new MemoryLeases(clock.now);
    const dir = await mkdtemp(join(tmpdir(), 'trib-jobs-'));
    const backend = await openLocalBackend(join(dir, 'storage'));
    const host = new WorkerHost({ leases, holder: 'node-a', clock, leaseTtlMs: 3000, standbyMs: 5000 });
    const scheduler = new Scheduler({ meta: backend.meta, clock, workers: host });
    try {
      leases.steal(`${JOB_WORKER_PREFIX}leased`, 'node-b');
      let leased = 0;
      let local = 0;
      const leasedJob = scheduler.every('leased', 1000, () => void leased++);
      const localJob = scheduler.every('report', 1000, () => void local++, { everyNode: true });
      await scheduler.start();
      host.start();
      await clock.advance(3000);
      assert.equal(leased, 0, 'node-b holds the leased job');
      assert.equal(leasedJob.runsHere, false);
      assert.equal(local, 3);
      assert.equal(localJob.runsHere, true);
      assert.equal(localJob.fencingToken, undefined);
      assert.equal(await leases.holder(`${JOB_WORKER_PREFIX}report`), undefined, 'an everyNode job takes no lease');
      await localJob.cancel();
      await clock.advance(3000);
      assert.equal(local, 3);
    } finally {
      await host.close();
      await scheduler.close();
      await backend.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
