/** The engine's clock on top of the jobs area's {@link Clock} (one time source for the whole server). */
import { type Clock, MAX_TIMER_MS } from '../../jobs/index.js';
import type { EngineClock } from './engine.js';

/**
 * An EngineClock whose timers fire at absolute times through `clock` (real or manual). Waits longer than Node's
 * timer limit are armed in steps.
 */
export function engineClock(clock: Clock): EngineClock {
  return {
    now: () => clock.now(),
    setTimer(atMs, fn) {
      let cancelled = false;
      let handle: unknown;
      const arm = (): void => {
        const delay = atMs - clock.now();
        if (delay > MAX_TIMER_MS) handle = clock.setTimeout(arm, MAX_TIMER_MS);
        else
          handle = clock.setTimeout(() => {
            if (!cancelled) fn();
          }, delay);
      };
      arm();
      return {
        cancel() {
          cancelled = true;
          clock.clearTimeout(handle);
        },
      };
    },
  };
}
