/**
 * The status machine of src/analytics/runtime.ts in-process on the real local backend with a manual clock:
 * STARTING / STOPPING / UPDATING / DELETING last the configured delay, end on the scheduler's persisted timer,
 * and resume after a restart; what each status refuses.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type AnalyticsService, createAnalyticsService } from '../../src/analytics/index.js';
import { Scheduler } from '../../src/jobs/index.js';
import { type OperationDefinition, type RequestContext, silentLogger } from '../../src/protocol/index.js';
import type { StorageBackend } from '../../src/storage/index.js';
import { openLocalBackend } from '../../src/storage/local/index.js';
import { createStreamsService, type StreamsService } from '../../src/streams/index.js';
import { rejects } from '../helpers/assert.js';
import { ManualTimerClock } from '../helpers/timers.js';
import { ROLE, TICKER_SCHEMA } from './api-helpers.js';

const ctx: RequestContext = {
  requestId: 'r',
  region: 'us-east-1',
  accountId: '111122223333',
  receivedAt: 0,
  signal: new AbortController().signal,
};

interface Opened {
  backend: StorageBackend;
  streams: StreamsService;
  scheduler: Scheduler;
  analytics: AnalyticsService;
  v1(op: string, input: object): Promise<any>;
  v2(op: string, input: object): Promise<any>;
  close(): Promise<void>;
}

async function open(dir: string, clock: ManualTimerClock): Promise<Opened> {
  const backend = await openLocalBackend(join(dir, 'storage'));
  const scheduler = new Scheduler({ meta: backend.meta, clock });
  const streams = await createStreamsService(backend, {
    region: 'us-east-1',
    accountId: '111122223333',
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
    accountId: '111122223333',
    logger: silentLogger,
    scheduler,
    clock,
    transitionMs: 5_000,
    objectDir: join(dir, 's3'),
  });
  await scheduler.start();
  const call = (i: 0 | 1) => (op: string, input: object) =>
    (analytics.modules[i].definition!.operations[op] as OperationDefinition).handle(input, ctx) as Promise<any>;
  return {
    backend,
    streams,
    scheduler,
    analytics,
    v1: call(0),
    v2: call(1),
    async close() {
      await analytics.close();
      await streams.close();
      await scheduler.close();
      await backend.close();
    },
  };
}

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tributary-analytics-status-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The status once every timer that fell due has run its handler. */
const status = async (h: Opened, name: string): Promise<string> => {
  await h.scheduler.idle();
  return (await h.v2('DescribeApplication', { ApplicationName: name })).ApplicationDetail.ApplicationStatus;
};

describe('analytics statuses', () => {
  it('moves through STARTING, UPDATING, STOPPING and DELETING on the clock, across a restart', async () => {
    const clock = new ManualTimerClock();
    let h = await open(dir, clock);
    await (h.streams.definition!.operations.CreateStream as OperationDefinition).handle(
      { StreamName: 's', ShardCount: 1 },
      ctx,
    );
    await h.v1('CreateApplication', {
      ApplicationName: 'a',
      Inputs: [
        {
          NamePrefix: 'SOURCE_SQL_STREAM',
          KinesisStreamsInput: { ResourceARN: 'arn:aws:kinesis:us-east-1:111122223333:stream/s', RoleARN: ROLE },
          InputSchema: TICKER_SCHEMA,
        },
      ],
    });
    assert.equal(await status(h, 'a'), 'READY');
    const started = await h.v2('StartApplication', { ApplicationName: 'a' });
    assert.equal(await status(h, 'a'), 'STARTING');
    const op = await h.v2('DescribeApplicationOperation', { ApplicationName: 'a', OperationId: started.OperationId });
    assert.equal(op.ApplicationOperationInfoDetails.OperationStatus, 'IN_PROGRESS');
    // Configuration changes and a second start wait for RUNNING.
    await rejects(h.v2('StartApplication', { ApplicationName: 'a' }), 'ResourceInUseException');
    await rejects(
      h.v1('UpdateApplication', { ApplicationName: 'a', CurrentApplicationVersionId: 1, ApplicationUpdate: {} }),
      'ResourceInUseException',
    );

    // The server stops while STARTING; the persisted timer ends the status after the restart.
    await h.close();
    clock.t += 1_000;
    h = await open(dir, clock);
    assert.equal(await status(h, 'a'), 'STARTING');
    await clock.advance(3_999);
    assert.equal(await status(h, 'a'), 'STARTING');
    await clock.advance(1);
    assert.equal(await status(h, 'a'), 'RUNNING');
    const done = await h.v2('DescribeApplicationOperation', { ApplicationName: 'a', OperationId: started.OperationId });
    assert.equal(done.ApplicationOperationInfoDetails.OperationStatus, 'SUCCESSFUL');

    await h.v1('UpdateApplication', {
      ApplicationName: 'a',
      CurrentApplicationVersionId: 1,
      ApplicationUpdate: { ApplicationCodeUpdate: '-- v2\n' },
    });
    assert.equal(await status(h, 'a'), 'UPDATING');
    await clock.advance(5_000);
    assert.equal(await status(h, 'a'), 'RUNNING');

    await h.v1('StopApplication', { ApplicationName: 'a' });
    assert.equal(await status(h, 'a'), 'STOPPING');
    await clock.advance(5_000);
    assert.equal(await status(h, 'a'), 'READY');

    const created = (await h.v1('DescribeApplication', { ApplicationName: 'a' })).ApplicationDetail.CreateTimestamp;
    await h.v1('DeleteApplication', { ApplicationName: 'a', CreateTimestamp: created });
    assert.equal(await status(h, 'a'), 'DELETING');
    await rejects(
      h.v1('DeleteApplication', { ApplicationName: 'a', CreateTimestamp: created }),
      'ResourceInUseException',
    );
    await clock.advance(5_000);
    await h.scheduler.idle();
    await rejects(h.v2('DescribeApplication', { ApplicationName: 'a' }), 'ResourceNotFoundException');
    await h.close();
  });
});
