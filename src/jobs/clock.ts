/**
 * The time source of the jobs area: wall-clock milliseconds plus one-shot timers. Injected everywhere so
 * tests drive time by hand (a manual clock fires due timers when moved) instead of sleeping.
 */

/** An armed timer, as returned by {@link Clock.setTimeout}; opaque to callers. */
export type TimerHandle = unknown;

/** Wall-clock time and one-shot timers. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds. Real timers never keep the process alive (they are unref'd). */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Disarms a timer; unknown or fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** Node's timers take at most 2^31 − 1 ms; longer waits are armed in steps (see {@link Clock} users). */
export const MAX_TIMER_MS = 2_147_483_647;

/** Options of {@link realClock}. */
export interface RealClockOptions {
  /**
   * Whether timers let the process exit (`timer.unref()`). Default true: what they do is persisted or
   * repeats, and resumes at the next start. (Unref'd timers are not listed by `process.getActiveResourcesInfo()`.)
   */
  readonly unref: boolean;
}

/** A clock on Node's timers whose `now` may be injected (the streams service's clock). */
export function realClock(now: () => number = Date.now, options: Partial<RealClockOptions> = {}): Clock {
  const unref = options.unref ?? true;
  return {
    now,
    setTimeout(fn, ms) {
      const timer = setTimeout(fn, Math.min(Math.max(0, ms), MAX_TIMER_MS));
      if (unref) timer.unref();
      return timer;
    },
    clearTimeout(handle) {
      clearTimeout(handle as NodeJS.Timeout);
    },
  };
}

/** The default clock: `Date.now` and Node's timers. */
export const systemClock: Clock = realClock();
