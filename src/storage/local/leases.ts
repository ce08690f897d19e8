/**
 * {@link Leases} of the local backend. The embedded backend is a single node, so a lease is bookkeeping in
 * memory: who holds a name and until when, measured on the injected clock. Nothing is persisted: after a
 * restart every lease is free, as every holder (in this process) is gone too.
 */
import { type Lease, type Leases, StorageError, StorageErrorCode } from '../index.js';

/** Options of {@link LocalLeases}. */
export interface LocalLeasesOptions {
  /** Clock in epoch ms. Default `Date.now`. */
  readonly now: () => number;
}

interface Held {
  readonly holder: string;
  expiresAt: number;
  readonly ttlMs: number;
  /** Identifies one tenure: a new holder (or a new acquisition after a release) gets a new token. */
  readonly token: number;
}

/** In-memory leases on an injected clock. */
export class LocalLeases implements Leases {
  readonly #now: () => number;
  readonly #held = new Map<string, Held>();
  #tokens = 0;
  #closed = false;

  constructor(options: Partial<LocalLeasesOptions> = {}) {
    this.#now = options.now ?? Date.now;
  }

  async acquire(name: string, holder: string, ttlMs: number): Promise<Lease | undefined> {
    this.#check();
    if (typeof name !== 'string' || name.length === 0)
      throw new StorageError(StorageErrorCode.invalidArgument, 'lease name must be a non-empty string');
    if (typeof holder !== 'string' || holder.length === 0)
      throw new StorageError(StorageErrorCode.invalidArgument, 'lease holder must be a non-empty string');
    if (!(Number.isFinite(ttlMs) && ttlMs > 0))
      throw new StorageError(StorageErrorCode.invalidArgument, `lease ttlMs must be > 0, got ${ttlMs}`);
    const now = this.#now();
    let held = this.#live(name, now);
    if (held && held.holder !== holder) return undefined;
    if (held && held.ttlMs === ttlMs) held.expiresAt = now + ttlMs;
    else {
      held = { holder, expiresAt: now + ttlMs, ttlMs, token: held?.token ?? ++this.#tokens };
      this.#held.set(name, held);
    }
    return this.#lease(name, held.token);
  }

  async holder(name: string): Promise<string | undefined> {
    this.#check();
    return this.#live(name, this.#now())?.holder;
  }

  /** Frees every lease; later calls reject with `TRIB_ERR_STORAGE_CLOSED`. */
  close(): void {
    this.#closed = true;
    this.#held.clear();
  }

  #check(): void {
    if (this.#closed) throw new StorageError(StorageErrorCode.closed, 'leases are closed');
  }

  /** The unexpired lease on `name`, if any. */
  #live(name: string, now: number): Held | undefined {
    const held = this.#held.get(name);
    return held && held.expiresAt > now ? held : undefined;
  }

  /** A handle on the tenure `token` of `name`. */
  #lease(name: string, token: number): Lease {
    const self = this;
    const current = (): Held | undefined => {
      const held = self.#held.get(name);
      return held?.token === token ? held : undefined;
    };
    const first = current()!;
    let expiresAt = first.expiresAt;
    return {
      name,
      holder: first.holder,
      fencingToken: token,
      get expiresAt() {
        return current()?.expiresAt ?? expiresAt;
      },
      async renew(): Promise<void> {
        self.#check();
        const now = self.#now();
        const held = current();
        // A lapsed lease is free for anyone, so renewing it is refused even when nobody has taken it yet.
        if (!held || held.expiresAt <= now)
          throw new StorageError(StorageErrorCode.leaseLost, `lease ${JSON.stringify(name)} was lost`);
        held.expiresAt = now + held.ttlMs;
        expiresAt = held.expiresAt;
      },
      async release(): Promise<void> {
        if (current()) self.#held.delete(name);
      },
    };
  }
}
