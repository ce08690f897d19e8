import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { TribErrorCode, hasTribCode } from '../../src/errors/index.js';
import { Scheduler, TIMER_KEY_PREFIX, realClock, type TimerEntry } from '../../src/jobs/index.js';
import type { StorageBackend } from '../../src/storage/index.js';
import { openLocalBackend } from '../../src/storage/local/index.js';
import { ManualTimerClock } from '../helpers/timers.js';

const SECOND = 1000;

/** A promise with its resolve function, for handlers a test holds open. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Scheduler', () => {
  let dir: string;
  let backend: StorageBackend;
  let clock: ManualTimerClock;
  let scheduler: Scheduler;

  const open = async (): Promise<void> => {
    backend = await openLocalBackend(join(dir, 'storage'));
    scheduler = new Scheduler({ meta: backend.meta, clock, retry: { initialMs: 100, maxMs: 1000, jitter: 0 } });
  };
  const reopen = async (): Promise<void> => {
    await scheduler.close();
    await backend.close();
    await open();
  };
  const stored = async (): Promise<Array<[string, TimerEntry]>> => backend.meta.list<TimerEntry>(TIMER_KEY_PREFIX);

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trib-jobs-'));
    clock = new ManualTimerClock();
    await open();
  });
  afterEach(async () => {
    await scheduler.close();
    await backend.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("runs another node's timer only takeoverMs after it is due, unless that node finished it first", async () => {
    // A store whose change feed the test drives: what another node would have written (ADR 0036).
    const listeners: Array<(c: { key: string; value: unknown; revision: number }) => void> = [];
    const meta = {
      get: backend.meta.get.bind(backend.meta),
      getVersioned: backend.meta.getVersioned.bind(backend.meta),
      list: backend.meta.list.bind(backend.meta),
      batch: backend.meta.batch.bind(backend.meta),
      put: backend.meta.put.bind(backend.meta),
      delete: backend.meta.delete.bind(backend.meta),
      close: async () => {},
      watchRemote: (_prefix: string, l: (c: { key: string; value: unknown; revision: number }) => void) => {
        listeners.push(l);
        return () => {};
      },
    };
    const remote = (key: string, value: TimerEntry | undefined): void => {
      for (const l of listeners) l({ key: `${TIMER_KEY_PREFIX}t/${key}`, value, revision: 1 });
    };
    const other = new Scheduler({ meta, clock, takeoverMs: 10 * SECOND });
    try {
      const ran: string[] = [];
      other.handle('t', (timer) => void ran.push(timer.key));
      await other.start();
      const dueAt = clock.t + SECOND;
      remote('dead', { kind: 't', key: 'dead', dueAt, payload: null });
      remote('alive', { kind: 't', key: 'alive', dueAt, payload: null });
      await clock.advance(5 * SECOND);
      assert.deepEqual(ran, [], "another node's timers wait past their due time");
      remote('alive', undefined); // its node ran it and deleted the entry
      await clock.advance(6 * SECOND);
      await other.idle();
      assert.deepEqual(ran, ['dead'], 'only the timer whose node never finished it runs here');
    } finally {
      await other.close();
    }
  });

  it('persists a timer and runs its handler at dueAt, then deletes the entry', async () => {
    const ran: TimerEntry[] = [];
    scheduler.handle('t', (timer) => void ran.push(timer));
    await scheduler.start();
    await scheduler.at('t', 'a/b', clock.t + 5 * SECOND, { n: 1 });
    assert.deepEqual(
      (await stored()).map(([, e]) => e),
      [{ kind: 't', key: 'a/b', dueAt: clock.t + 5 * SECOND, payload: { n: 1 } }],
    );
    await clock.advance(5 * SECOND - 1);
    assert.equal(ran.length, 0);
    await clock.advance(1);
    await scheduler.idle();
    assert.deepEqual(
      ran.map((t) => [t.kind, t.key, t.payload]),
      [['t', 'a/b', { n: 1 }]],
    );
    assert.deepEqual(await stored(), []);
    assert.deepEqual(scheduler.pending().timers, []);
  });

  it('replaces the timer of the same kind and key, and cancel drops it', async () => {
    const ran: string[] = [];
    scheduler.handle('t', (timer) => void ran.push(`${timer.key}@${timer.dueAt - clock.t}`));
    await scheduler.start();
    const t0 = clock.t;
    await scheduler.at('t', 'k', t0 + 1000);
    await scheduler.at('t', 'k', t0 + 3000);
    await scheduler.at('t', 'gone', t0 + 2000);
    assert.equal(await scheduler.cancel('t', 'gone'), true);
    assert.equal(await scheduler.cancel('t', 'never'), false);
    assert.deepEqual(
      (await stored()).map(([, e]) => [e.key, e.dueAt - t0]),
      [['k', 3000]],
    );
    await clock.advance(2500);
    assert.deepEqual(ran, []);
    await clock.advance(500);
    await scheduler.idle();
    assert.deepEqual(ran, ['k@0']);
    assert.deepEqual(await stored(), []);
  });

  it('resumes persisted timers after a restart: those due meanwhile run at once', async () => {
    const t0 = clock.t;
    await scheduler.start();
    await scheduler.at('t', 'early', t0 + 1000, 'e');
    await scheduler.at('t', 'late', t0 + 10_000, 'l');
    await reopen();
    clock.t += 5000; // the server was down past the first timer's due time
    const ran: unknown[] = [];
    scheduler.handle('t', (timer) => void ran.push(timer.payload));
    await scheduler.start();
    await clock.advance(0);
    await scheduler.idle();
    assert.deepEqual(ran, ['e']);
    assert.deepEqual(
      (await stored()).map(([, e]) => e.key),
      ['late'],
    );
    await clock.advance(5000);
    await scheduler.idle();
    assert.deepEqual(ran, ['e', 'l']);
    assert.deepEqual(await stored(), []);
  });

  it('keeps a timer registered before start over the stored one of the same key', async () => {
    const t0 = clock.t;
    await scheduler.start();
    await scheduler.at('t', 'k', t0 + 1000, 'old');
    await reopen();
    await scheduler.at('t', 'k', t0 + 3000, 'new');
    const ran: unknown[] = [];
    scheduler.handle('t', (timer) => void ran.push(timer.payload));
    await scheduler.start();
    await clock.advance(1000);
    assert.deepEqual(ran, []);
    await clock.advance(2000);
    await scheduler.idle();
    assert.deepEqual(ran, ['new']);
  });

  it('retries a failing handler with backoff and deletes the entry only once it succeeded', async () => {
    let calls = 0;
    scheduler.handle('t', () => {
      calls++;
      if (calls < 3) throw new Error(`boom ${calls}`);
    });
    await scheduler.start();
    await scheduler.at('t', 'k', clock.t);
    await clock.advance(0);
    await scheduler.idle();
    assert.equal(calls, 1);
    assert.equal((await stored()).length, 1);
    assert.deepEqual(
      scheduler.pending().timers.map((t) => [t.state, t.attempts]),
      [['armed', 1]],
    );
    await clock.advance(99); // first retry after 100 ms (jitter 0)
    assert.equal(calls, 1);
    await clock.advance(1);
    await scheduler.idle();
    assert.equal(calls, 2);
    await clock.advance(199); // then 200 ms
    assert.equal(calls, 2);
    await clock.advance(1);
    await scheduler.idle();
    assert.equal(calls, 3);
    assert.deepEqual(await stored(), []);
    assert.deepEqual(scheduler.pending().timers, []);
  });

  it('holds due timers of a kind without a handler until one is registered', async () => {
    await scheduler.start();
    await scheduler.at('later', 'k', clock.t);
    await clock.advance(0);
    assert.deepEqual(
      scheduler.pending().timers.map((t) => t.state),
      ['unhandled'],
    );
    const ran: string[] = [];
    scheduler.handle('later', (t) => void ran.push(t.key));
    await clock.advance(0);
    await scheduler.idle();
    assert.deepEqual(ran, ['k']);
  });

  it('never overlaps runs of a repeating job and keeps going after errors', async () => {
    let runs = 0;
    let gate = deferred();
    const job = scheduler.every('sweep', 1000, async () => {
      runs++;
      if (runs === 2) throw new Error('sweep failed');
      if (runs === 1) await gate.promise;
    });
    await scheduler.start();
    await clock.advance(1000);
    assert.equal(runs, 1);
    await clock.advance(5000); // the first run is still under way
    assert.equal(runs, 1);
    assert.deepEqual(scheduler.pending().jobs, [{ name: 'sweep', intervalMs: 1000, running: true }]);
    gate.resolve();
    gate = deferred();
    await clock.advance(999); // the next run comes an interval after the previous one ended
    assert.equal(runs, 1);
    await clock.advance(1);
    assert.equal(runs, 2); // this one failed
    await clock.advance(1000);
    assert.equal(runs, 3);
    await job.cancel();
    await clock.advance(10_000);
    assert.equal(runs, 3);
    assert.deepEqual(scheduler.pending().jobs, []);
  });

  it('refuses malformed kinds, duplicate jobs and use after close', async () => {
    assert.throws(
      () => scheduler.handle('bad kind', () => {}),
      (e) => hasTribCode(e, TribErrorCode.JOBS_INVALID_ARGUMENT),
    );
    scheduler.every('j', 10, () => {});
    assert.throws(
      () => scheduler.every('j', 10, () => {}),
      (e) => hasTribCode(e, TribErrorCode.JOBS_INVALID_ARGUMENT),
    );
    await scheduler.close();
    await assert.rejects(scheduler.at('t', 'k', clock.t), (e) => hasTribCode(e, TribErrorCode.JOBS_CLOSED));
  });

  it('close waits for running handlers and leaves nothing scheduled', async () => {
    const gate = deferred();
    let finished = false;
    scheduler.handle('t', async () => {
      await gate.promise;
      finished = true;
    });
    scheduler.every('j', 1000, () => {});
    await scheduler.start();
    await scheduler.at('t', 'now', clock.t);
    await scheduler.at('t', 'later', clock.t + 60_000);
    await clock.advance(0);
    assert.ok(clock.armed > 0);
    const closing = scheduler.close();
    gate.resolve();
    await closing;
    assert.equal(finished, true);
    assert.deepEqual(scheduler.pending(), { timers: [], jobs: [] });
    assert.equal(clock.armed, 0);
    // The pending timer stays persisted for the next start; the one that ran to completion is gone.
    assert.deepEqual(
      (await stored()).map(([, e]) => e.key),
      ['later'],
    );
  });

  it('leaves no live Node timer after close on the real clock', async () => {
    const timeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timeouts();
    const real = new Scheduler({ meta: backend.meta, clock: realClock(Date.now, { unref: false }) });
    real.handle('t', () => {});
    real.every('j', 3_600_000, () => {});
    await real.start();
    await real.at('t', 'a', Date.now() + 3_600_000);
    await real.at('t', 'b', Date.now() + 40 * 86_400_000); // beyond Node's timer range: armed in steps
    assert.equal(timeouts(), before + 3);
    assert.equal(real.pending().timers.length + real.pending().jobs.length, 3);
    await real.close();
    assert.equal(timeouts(), before);
    assert.deepEqual(real.pending(), { timers: [], jobs: [] });
  });
});
