/**
 * The Data Streams service in-process on the real local storage backend, with an injected clock: for tests of
 * time-dependent rules (iterator expiry, retention, token buckets, status transitions, on-demand scaling).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { silentLogger, type RequestContext, type WireCodec } from '../../src/protocol/index.js';
import type { ManualTimerClock } from './timers.js';
import type { DurabilityPolicy, StorageBackend } from '../../src/storage/index.js';
import { openLocalBackend } from '../../src/storage/local/index.js';
import { Scheduler } from '../../src/jobs/index.js';
import { createStreamsService, type StreamsService, type StreamsServiceOptions } from '../../src/streams/index.js';

/** The account every in-process call runs as. */
export const TEST_ACCOUNT = '123456789012';

/** A clock tests move by hand: `clock.t += 1000`. */
export class ManualClock {
  t = Date.UTC(2026, 10, 25, 12, 0, 0);
  readonly now = (): number => this.t;
}

export interface InProcessService {
  readonly svc: StreamsService;
  readonly backend: StorageBackend;
  /** The scheduler on {@link InProcessOptions.timerClock}, when one was given (`idle()` waits for fired work). */
  readonly scheduler?: Scheduler;
  /**
   * Runs an operation's handler with decoded input (Buffers for blobs, Dates for timestamps). `codec`: the request's
   * wire codec as the server passes it (none by default: answers hold plain objects).
   */
  call(operation: string, input: Record<string, unknown>, codec?: WireCodec): Promise<any>;
  /** Closes the service, then the backend. */
  close(): Promise<void>;
}

export interface InProcessOptions extends Partial<StreamsServiceOptions> {
  /** Storage policy of the local backend under `<dir>/storage` (default: always). */
  readonly durability?: DurabilityPolicy;
  /** Segment size of the local backend (small segments let retention tests see files go). */
  readonly segmentBytes?: number;
  /** Opens the backend instead of the local one under `<dir>/storage` (e.g. a NATS cluster's). */
  readonly openBackend?: () => Promise<StorageBackend>;
  /** Wraps the opened backend (e.g. to hold appends). */
  readonly wrapBackend?: (backend: StorageBackend) => StorageBackend;
  /**
   * Runs the service's timed work (status transitions, sweeps) on a scheduler whose timers fire only when the
   * test advances this clock; without it they run on real timers.
   */
  readonly timerClock?: ManualTimerClock;
}

/** Opens the local backend under `<dir>/storage` and the streams service on it, all delays 0 unless given. */
export async function openInProcessService(
  dir: string,
  clock: ManualClock,
  options: InProcessOptions = {},
): Promise<InProcessService> {
  const { durability, segmentBytes, wrapBackend, timerClock, openBackend, ...serviceOptions } = options;
  const opened = openBackend
    ? await openBackend()
    : await openLocalBackend(join(dir, 'storage'), {
        ...(durability ? { durability } : {}),
        ...(segmentBytes !== undefined ? { segmentBytes } : {}),
      });
  const backend = wrapBackend ? wrapBackend(opened) : opened;
  const scheduler = timerClock ? new Scheduler({ meta: backend.meta, clock: timerClock }) : undefined;
  const svc = await createStreamsService(backend, {
    region: 'us-east-1',
    accountId: TEST_ACCOUNT,
    createStreamMs: 0,
    deleteStreamMs: 0,
    updateStreamMs: 0,
    shardLimit: 50,
    logger: silentLogger,
    now: clock.now,
    ...(scheduler ? { scheduler } : {}),
    ...serviceOptions,
  });
  await scheduler?.start();
  const ctx = (): RequestContext => ({
    requestId: 'r',
    region: 'us-east-1',
    accountId: TEST_ACCOUNT,
    receivedAt: clock.t,
    signal: new AbortController().signal,
  });
  return {
    svc,
    backend,
    ...(scheduler ? { scheduler } : {}),
    call: async (operation, input, codec) =>
      svc.definition.operations[operation]!.handle(input, codec ? { ...ctx(), codec } : ctx()),
    async close() {
      await svc.close();
      await scheduler?.close();
      await backend.close();
    },
  };
}

/** Asserts a ServiceError with this AWS error type (and message, when given). */
export async function expectServiceError(p: unknown, code: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(Promise.resolve(p), (err: Error & { code?: string }) => {
    assert.equal(err.code, code, `${err.code}: ${err.message}`);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
}
