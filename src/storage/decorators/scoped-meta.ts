/**
 * Scopes: one service's view of the shared metadata store and leases. A scope puts a fixed prefix (e.g.
 * `kinesis/`) before every key or lease name it is given and strips it from what it lists, so two services
 * cannot read or overwrite each other's keys, and a backend keeps one store (on a cluster: one KV bucket)
 * instead of one per service. A scope is a view: closing it leaves the underlying store open.
 */
import type { Lease, Leases, MetaChange, MetaStore, MetaWriteOptions, RemoteMetaChange, Versioned } from '../types.js';

/**
 * A {@link MetaStore} that stores every key as `prefix + key` in `meta`. `list(p)` returns only keys under
 * `prefix + p`, without the prefix, and `watchRemote(p)` reports changes
 * under `prefix + p` with the prefix stripped. Revisions are the underlying store's. `close()` does nothing.
 */
export function scopeMeta(meta: MetaStore, prefix: string): MetaStore {
  const k = (key: string): string => prefix + key;
  return {
    get: <T>(key: string): Promise<T | undefined> => meta.get<T>(k(key)),
    getVersioned: <T>(key: string): Promise<Versioned<T> | undefined> => meta.getVersioned<T>(k(key)),
    list: async <T>(p: string): Promise<Array<[string, T]>> =>
      (await meta.list<T>(k(p))).map(([key, value]): [string, T] => [key.slice(prefix.length), value]),
    batch: (changes: ReadonlyArray<MetaChange>): Promise<void> =>
      meta.batch(changes.map(([key, ...rest]): MetaChange => [k(key), ...rest])),
    put: (key: string, value: unknown, options?: MetaWriteOptions): Promise<number> => meta.put(k(key), value, options),
    delete: (key: string, options?: MetaWriteOptions): Promise<void> => meta.delete(k(key), options),
    watchRemote: (p: string, listener: (change: RemoteMetaChange) => void): (() => void) =>
      meta.watchRemote(k(p), (change) => listener({ ...change, key: change.key.slice(prefix.length) })),
    close: async (): Promise<void> => {},
  };
}

/** {@link Leases} whose names are `prefix + name` in `leases`; the leases handed out report the unprefixed name. */
export function scopeLeases(leases: Leases, prefix: string): Leases {
  return {
    acquire: async (name: string, holder: string, ttlMs: number): Promise<Lease | undefined> => {
      const lease = await leases.acquire(prefix + name, holder, ttlMs);
      if (!lease) return undefined;
      return {
        name,
        holder: lease.holder,
        fencingToken: lease.fencingToken,
        get expiresAt() {
          return lease.expiresAt;
        },
        renew: () => lease.renew(),
        release: () => lease.release(),
      };
    },
    holder: (name: string): Promise<string | undefined> => leases.holder(prefix + name),
  };
}
