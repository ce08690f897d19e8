/**
 * {@link Leases} for a single process: bookkeeping in memory, enough for one node. A storage backend that
 * spans nodes provides its own (kept in the cluster); this one is for a server whose backend has none.
 */
import { TribError, TribErrorCode } from '../errors/index.js';
import type { Lease, Leases } from '../storage/index.js';
import { systemClock, type Clock } from './clock.js';

interface Held {
  readonly holder: string;
  expiresAt: number;
  readonly token: object;
}

/** In-memory leases on `clock` (expired leases are free). */
export function inProcessLeases(clock: Pick<Clock, 'now'> = systemClock): Leases {
  const held = new Map<string, Held>();
  const current = (name: string): Held | undefined => {
    const h = held.get(name);
    return h && h.expiresAt > clock.now() ? h : undefined;
  };
  return {
    async acquire(name, holder, ttlMs) {
      const existing = current(name);
      if (existing && existing.holder !== holder) return undefined;
      const record: Held = existing ?? { holder, expiresAt: 0, token: {} };
      record.expiresAt = clock.now() + ttlMs;
      held.set(name, record);
      const lease: Lease = {
        name,
        holder,
        get expiresAt() {
          return record.expiresAt;
        },
        async renew() {
          // Still ours unless another holder took it over (possibly after it lapsed).
          if (held.get(name) !== record) {
            throw new TribError(TribErrorCode.LEASE_LOST, `lease ${name} is held by another holder`);
          }
          record.expiresAt = clock.now() + ttlMs;
        },
        async release() {
          if (held.get(name) === record) held.delete(name);
        },
      };
      return lease;
    },
    async holder(name) {
      return current(name)?.holder;
    },
  };
}
