/** Storage interface, conformance suite and decorators. Concrete backends are imported by `src/server` only. */
export type {
  AppendEntry,
  AppendResult,
  AppendValue,
  Capabilities,
  DurabilityPolicy,
  ExpectedRevision,
  Lease,
  Leases,
  LogRecord,
  LogStore,
  MetaChange,
  MetaStore,
  MetaWriteOptions,
  ReadOptions,
  ReadableMetaStore,
  ReadableShardLog,
  RecordView,
  RecordVisitor,
  ScanResult,
  RemoteMetaChange,
  ShardLog,
  StorageBackend,
  Versioned,
} from './types.js';
export {
  StorageError,
  StorageErrorCode,
  isConflict,
  isNoSpaceErrno,
  isRetriableStorageCode,
  isStorageError,
} from './errors.js';
export {
  COMMIT_RECORDS_BOUNDS,
  type HistogramSnapshot,
  StatsHistogram,
  type StorageStats,
  SYNC_SECONDS_BOUNDS,
} from './stats.js';
export { appendValueLength, isAppendValue } from './append-value.js';
export { storageConformance, type ConformanceFactory } from './conformance/index.js';
export { interceptAppend } from './decorators/intercept-append.js';
export type { AppendInterceptor } from './decorators/intercept-append.js';
export { scopeLeases, scopeMeta } from './decorators/scoped-meta.js';
export { FENCING_FIELD, fencedPut } from './fencing.js';
export {
  newIncarnationId,
  ResourceCatalog,
  type CatalogMutator,
  type CatalogResource,
  type ResourceCatalogOptions,
} from './resource-catalog.js';
