/**
 * Backend-neutral storage errors. Every backend raises {@link StorageError} with one of the storage codes of
 * {@link TribErrorCode}, so services and the retry decorator never need to know which backend failed. Whether
 * an operation may be retried is a property of the code ({@link isRetriableStorageCode}), never of the message.
 */
import { TribError, TribErrorCode, type TribErrorOptions } from '../errors/index.js';

/** The codes a {@link StorageError} may carry: the storage group of {@link TribErrorCode}. */
export const StorageErrorCode = {
  closed: TribErrorCode.STORAGE_CLOSED,
  corrupt: TribErrorCode.STORAGE_CORRUPT,
  writeFailed: TribErrorCode.STORAGE_WRITE_FAILED,
  noSpace: TribErrorCode.STORAGE_NO_SPACE,
  invalidArgument: TribErrorCode.STORAGE_INVALID_ARGUMENT,
  conflict: TribErrorCode.STORAGE_CONFLICT,
  unavailable: TribErrorCode.STORAGE_UNAVAILABLE,
  sealed: TribErrorCode.STORAGE_SEALED,
  leaseLost: TribErrorCode.LEASE_LOST,
} as const;
/** One of {@link StorageErrorCode}. */
export type StorageErrorCode = (typeof StorageErrorCode)[keyof typeof StorageErrorCode];

/**
 * Whether an operation that failed with `code` may succeed when tried again as it is: an unreachable backend
 * may come back, a compare-and-set conflict may pass after re-reading the current revision, and a write refused
 * for lack of disk space (nothing of it kept) succeeds once space is freed. Everything else (closed store,
 * corruption, failed write or sync, bad argument, lost lease) needs a decision by the caller.
 */
export function isRetriableStorageCode(code: StorageErrorCode): boolean {
  return (
    code === StorageErrorCode.unavailable || code === StorageErrorCode.conflict || code === StorageErrorCode.noSpace
  );
}

/** An error raised by a storage backend. `instanceof` works across two copies of the module (see TribError). */
export class StorageError extends TribError {
  declare readonly code: StorageErrorCode;

  constructor(code: StorageErrorCode, message: string, options?: TribErrorOptions) {
    super(code, message, options);
    this.name = 'StorageError';
  }

  /** Whether the failed operation may be retried unchanged (derived from {@link code}). */
  get retriable(): boolean {
    return isRetriableStorageCode(this.code);
  }
}

/** Whether `err` is a {@link StorageError}, optionally with this code. */
export function isStorageError(err: unknown, code?: StorageErrorCode): err is StorageError {
  return err instanceof StorageError && (code === undefined || err.code === code);
}

/** Whether `err` is a compare-and-set conflict (nothing was written). */
export function isConflict(err: unknown): err is StorageError {
  return isStorageError(err, StorageErrorCode.conflict);
}

/** Whether `err` is a Node.js file-system error saying the disk or the user's quota is full (ENOSPC, EDQUOT). */
export function isNoSpaceErrno(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
