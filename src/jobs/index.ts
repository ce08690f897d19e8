/**
 * Background work: the one home for timers and long-running loops. Other areas import this file only.
 * - {@link Scheduler}: persisted one-off timers (`at`, `cancel`, `handle`) and repeating jobs (`every`).
 * - {@link WorkerHost}: long-running workers (the `Worker` contract of src/protocol) guarded by leases,
 *   restarted with backoff.
 * - {@link Clock}: the injected time source of both.
 * - {@link unlessAborted}: waits for a promise unless a long-lived AbortSignal fires first, without leaking.
 */
export { ABORTED, unlessAborted } from './abort.js';
export { DEFAULT_BACKOFF, backoffDelay, type BackoffOptions } from './backoff.js';
export { MAX_TIMER_MS, realClock, systemClock, type Clock, type RealClockOptions, type TimerHandle } from './clock.js';
export {
  JOB_WORKER_PREFIX,
  Scheduler,
  TIMER_KEY_PREFIX,
  type JobFunction,
  type JobRun,
  type RepeatingJobOptions,
  type RepeatingJob,
  type ScheduledJob,
  type ScheduledTimer,
  type SchedulerOptions,
  type SchedulerSnapshot,
  type TimerEntry,
  type TimerHandler,
  type TimerState,
} from './scheduler.js';
export {
  WorkerHost,
  type WorkerHostOptions,
  type WorkerState,
  type WorkerStatus,
} from './workers.js';
