/**
 * Retry delays of failed timers and restarted workers: exponential, bounded, with jitter so that many
 * failures at once (a storage outage) do not retry in lockstep.
 */

/** How retry delays grow. */
export interface BackoffOptions {
  /** Delay before the first retry, ms. */
  readonly initialMs: number;
  /** Upper bound of any delay, ms. */
  readonly maxMs: number;
  /** Growth per attempt. */
  readonly factor: number;
  /**
   * Share of the delay that is randomised, 0–1: the delay is drawn from `[d × (1 − jitter), d]`
   * ("equal jitter" when 0.5). 0 makes delays deterministic.
   */
  readonly jitter: number;
  /** Source of randomness in [0, 1). Default `Math.random`. */
  readonly random: () => number;
}

/** Defaults: 1 s, doubling, at most 60 s, half of each delay randomised. */
export const DEFAULT_BACKOFF: BackoffOptions = {
  initialMs: 1_000,
  maxMs: 60_000,
  factor: 2,
  jitter: 0.5,
  random: Math.random,
};

/** The delay before retry number `attempt` (1 = first retry); never above `maxMs`. */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF): number {
  const base = Math.min(options.maxMs, options.initialMs * options.factor ** Math.max(0, attempt - 1));
  const jitter = Math.min(1, Math.max(0, options.jitter));
  return Math.round(base * (1 - jitter * options.random()));
}
