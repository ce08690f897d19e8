/**
 * Internal errors of the local backend: stable `TRIB_ERR_*` codes, `cause` chains, and a brand so
 * `instanceof` works across two copies of the module.
 */

/** Stable error codes raised by the local backend. */
export const LocalStorageErrorCode = {
  /** The store or log was closed; the operation did not happen. */
  closed: 'TRIB_ERR_STORAGE_CLOSED',
  /** Bytes on disk failed their checksum outside the recoverable tail. */
  corrupt: 'TRIB_ERR_STORAGE_CORRUPT',
  /** A write or fsync failed; the log refuses further appends until reopened (its tail state is unknown). */
  writeFailed: 'TRIB_ERR_STORAGE_WRITE_FAILED',
  /** Invalid argument (log id, key size, value type, timestamp). */
  invalidArgument: 'TRIB_ERR_STORAGE_INVALID_ARGUMENT',
} as const;
/** One of {@link LocalStorageErrorCode}. */
export type LocalStorageErrorCode = (typeof LocalStorageErrorCode)[keyof typeof LocalStorageErrorCode];

const BRAND = Symbol.for('tributary.LocalStorageError');

/** Error raised by the local storage backend. Never retriable as such: callers decide. */
export class LocalStorageError extends Error {
  readonly code: LocalStorageErrorCode;

  constructor(code: LocalStorageErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalStorageError';
    this.code = code;
  }

  get [BRAND](): true {
    return true;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}
