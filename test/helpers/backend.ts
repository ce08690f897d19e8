/** Test decorators over a storage backend. */
import type { ShardLog, StorageBackend } from '../../src/storage/index.js';

/**
 * The backend with every opened log passed through `wrap` (e.g. `interceptAppend` to hold or refuse appends);
 * everything else is the inner backend's.
 */
export function withWrappedLogs(
  inner: StorageBackend,
  wrap: (logId: string, log: ShardLog) => ShardLog,
): StorageBackend {
  return {
    meta: inner.meta,
    leases: inner.leases,
    capabilities: inner.capabilities,
    close: () => inner.close(),
    logs: {
      capabilities: inner.logs.capabilities,
      list: () => inner.logs.list(),
      delete: (logId) => inner.logs.delete(logId),
      close: () => inner.logs.close(),
      open: async (logId) => wrap(logId, await inner.logs.open(logId)),
    },
  };
}
