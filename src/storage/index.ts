/** Storage interface, conformance suite and decorators. Concrete backends are imported by `src/server` only. */
export type {
  AppendEntry,
  AppendResult,
  Capabilities,
  DurabilityPolicy,
  LogRecord,
  LogStore,
  MetaStore,
  ReadOptions,
  ReadableShardLog,
  ShardLog,
  StorageBackend,
} from './types.js';
export { storageConformance, type ConformanceFactory } from './conformance/index.js';
export { interceptAppend } from './decorators/intercept-append.js';
export type { AppendInterceptor } from './decorators/intercept-append.js';
