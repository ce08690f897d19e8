/** In-memory {@link Leases} for tests, with a way to take a lease away from its holder. */
import { TribError, TribErrorCode } from '../../src/errors/index.js';
import type { Lease, Leases } from '../../src/storage/index.js';

interface Record_ {
  holder: string;
  expiresAt: number;
}

export class MemoryLeases implements Leases {
  readonly #now: () => number;
  readonly #held = new Map<string, Record_>();
  /** Calls of acquire, by lease name. */
  readonly acquired: string[] = [];

  constructor(now: () => number) {
    this.#now = now;
  }

  async acquire(name: string, holder: string, ttlMs: number): Promise<Lease | undefined> {
    const current = this.#held.get(name);
    if (current && current.holder !== holder && current.expiresAt > this.#now()) return undefined;
    const record: Record_ = { holder, expiresAt: this.#now() + ttlMs };
    this.#held.set(name, record);
    this.acquired.push(name);
    const held = this.#held;
    const now = this.#now;
    return {
      name,
      holder,
      fencingToken: this.acquired.length,
      get expiresAt() {
        return record.expiresAt;
      },
      async renew() {
        if (held.get(name) !== record) throw new TribError(TribErrorCode.LEASE_LOST, `lease ${name} was taken over`);
        record.expiresAt = now() + ttlMs;
      },
      async release() {
        if (held.get(name) === record) held.delete(name);
      },
    };
  }

  async holder(name: string): Promise<string | undefined> {
    const current = this.#held.get(name);
    return current && current.expiresAt > this.#now() ? current.holder : undefined;
  }

  /** Gives the lease to `holder` whoever has it now (another node took it over). */
  steal(name: string, holder: string, ttlMs = 60_000): void {
    this.#held.set(name, { holder, expiresAt: this.#now() + ttlMs });
  }

  /** Frees a lease another holder has. */
  free(name: string): void {
    this.#held.delete(name);
  }
}
