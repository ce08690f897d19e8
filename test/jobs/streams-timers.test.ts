/** The Data Streams service on a shared scheduler whose clock the test moves (no sleeping). */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Scheduler, TIMER_KEY_PREFIX } from '../../src/jobs/index.js';
import { silentLogger, type RequestContext } from '../../src/protocol/index.js';
import type { StorageBackend } from '../../src/storage/index.js';
import { openLocalBackend } from '../../src/storage/local/index.js';
import { createStreamsService, type StreamsService } from '../../src/streams/index.js';
import { TEST_ACCOUNT } from '../helpers/service.js';
import { ManualTimerClock } from '../helpers/timers.js';

describe('streams timers on the jobs scheduler', () => {
  let dir: string;
  let clock: ManualTimerClock;
  let backend: StorageBackend;
  let scheduler: Scheduler;
  let svc: StreamsService;

  const boot = async (): Promise<void> => {
    backend = await openLocalBackend(join(dir, 'storage'));
    scheduler = new Scheduler({ meta: backend.meta, clock });
    svc = await createStreamsService(backend, {
      region: 'us-east-1',
      accountId: TEST_ACCOUNT,
      createStreamMs: 5000,
      deleteStreamMs: 5000,
      updateStreamMs: 5000,
      shardLimit: 50,
      logger: silentLogger,
      now: clock.now,
      scheduler,
    });
    await scheduler.start();
  };
  const shutdown = async (): Promise<void> => {
    await svc.close();
    await scheduler.close();
    await backend.close();
  };
  const call = async (operation: string, input: Record<string, unknown>): Promise<any> => {
    const ctx: RequestContext = {
      requestId: 'r',
      region: 'us-east-1',
      accountId: TEST_ACCOUNT,
      receivedAt: clock.t,
      signal: new AbortController().signal,
    };
    return svc.definition.operations[operation]!.handle(input, ctx);
  };
  const status = async (name: string): Promise<string> =>
    (await call('DescribeStreamSummary', { StreamName: name })).StreamDescriptionSummary.StreamStatus;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'trib-jobs-streams-'));
    clock = new ManualTimerClock();
    await boot();
  });
  afterEach(async () => {
    await shutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it('registers the retention sweep and on-demand scaling as repeating jobs', () => {
    assert.deepEqual(
      scheduler
        .pending()
        .jobs.map((j) => j.name)
        .sort(),
      ['streams.on-demand-scaling', 'streams.retention-sweep'],
    );
  });

  it('ends CREATING and DELETING when the clock reaches them', async () => {
    await call('CreateStream', { StreamName: 's', ShardCount: 1 });
    assert.equal(await status('s'), 'CREATING');
    assert.deepEqual(
      scheduler.pending().timers.map((t) => [t.kind, t.dueAt - clock.t]),
      [['streams.status', 5000]],
    );
    await clock.advance(4999);
    assert.equal(await status('s'), 'CREATING');
    await clock.advance(1);
    await scheduler.idle();
    assert.equal(await status('s'), 'ACTIVE');
    await call('DeleteStream', { StreamName: 's' });
    assert.equal(await status('s'), 'DELETING');
    await clock.advance(5000);
    await scheduler.idle();
    assert.deepEqual((await call('ListStreams', {})).StreamNames, []);
    assert.deepEqual(await backend.meta.list(TIMER_KEY_PREFIX), []);
  });

  it('completes a transition that was due while the server was down', async () => {
    await call('CreateStream', { StreamName: 's', ShardCount: 1 });
    await shutdown();
    clock.t += 60_000;
    await boot();
    await clock.advance(0);
    await scheduler.idle();
    assert.equal(await status('s'), 'ACTIVE');
  });

  it('leaves its jobs and handlers behind on close, the shared scheduler keeps running', async () => {
    await call('CreateStream', { StreamName: 's', ShardCount: 1 });
    await svc.close();
    assert.deepEqual(scheduler.pending().jobs, []);
    // The transition stays scheduled (and persisted) for the next start, but no handler runs it now.
    await clock.advance(5000);
    assert.deepEqual(
      scheduler.pending().timers.map((t) => [t.kind, t.state]),
      [['streams.status', 'unhandled']],
    );
    await scheduler.close();
    assert.deepEqual(scheduler.pending(), { timers: [], jobs: [] });
    await backend.close();
    await boot(); // afterEach closes this one
    await clock.advance(0);
    await scheduler.idle();
    assert.equal(await status('s'), 'ACTIVE');
  });
});
