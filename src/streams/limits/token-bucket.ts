/**
 * A token bucket on an injected clock: `capacity` tokens at most, refilled continuously at `ratePerSecond`.
 * One second's worth of capacity lets a client burst up to the per-second limit, as AWS's per-second quotas do.
 */
export class TokenBucket {
  readonly capacity: number;
  readonly ratePerSecond: number;
  #tokens: number;
  #last: number;

  constructor(options: { capacity: number; ratePerSecond: number; now: number }) {
    this.capacity = options.capacity;
    this.ratePerSecond = options.ratePerSecond;
    this.#tokens = options.capacity;
    this.#last = options.now;
  }

  /** Tokens available at `now` (may be negative while a debt is being paid off). */
  available(now: number): number {
    if (now > this.#last) {
      this.#tokens = Math.min(this.capacity, this.#tokens + ((now - this.#last) * this.ratePerSecond) / 1000);
      this.#last = now;
    }
    return this.#tokens;
  }

  /** Takes `n` tokens when available now; false (and nothing taken) otherwise. */
  tryTake(n: number, now: number): boolean {
    if (this.available(now) < n) return false;
    this.#tokens -= n;
    return true;
  }

  /** Takes `n` tokens unconditionally; the balance may go negative (a debt later calls wait out). */
  charge(n: number, now: number): void {
    this.available(now);
    this.#tokens -= n;
  }
}
