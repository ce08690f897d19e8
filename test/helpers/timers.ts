/** A {@link Clock} whose time and timers tests move by hand: nothing sleeps, `advance` fires what is due. */
import type { Clock, TimerHandle } from '../../src/jobs/index.js';

interface ManualTimer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/** Lets pending promise continuations (and anything they chain without I/O) run. */
export async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/** Manual time: `now()` returns `t`; timers fire only inside {@link advance}, in due order. */
export class ManualTimerClock implements Clock {
  t = Date.UTC(2026, 10, 25, 12, 0, 0);
  #seq = 0;
  readonly #timers = new Map<number, ManualTimer>();

  readonly now = (): number => this.t;

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const seq = ++this.#seq;
    this.#timers.set(seq, { at: this.t + Math.max(0, ms), seq, fn });
    return seq;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete(handle as number);
  }

  /** Timers armed now. */
  get armed(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due (also those armed meanwhile), in order. */
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    for (;;) {
      await settle();
      let next: ManualTimer | undefined;
      for (const timer of this.#timers.values())
        if (timer.at <= target && (!next || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq)))
          next = timer;
      if (!next) break;
      this.#timers.delete(next.seq);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = target;
    await settle();
  }
}

/**
 * Polls `condition` until it holds, failing after `attempts` tries `everyMs` apart: for states a real timer
 * changes, so the test waits on the state itself rather than on a sleep sized for an idle machine.
 */
export async function until(
  condition: () => Promise<boolean> | boolean,
  what = 'the condition',
  { attempts = 1000, everyMs = 20 } = {},
): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out waiting for ${what}`);
}
