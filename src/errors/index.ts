/**
 * Tributary's internal errors: one base class and one list of stable `TRIB_ERR_*` codes (the undici pattern:
 * a code per failure, `cause` chains, and a `Symbol.for` brand so `instanceof` holds across two copies of the
 * module). AWS-facing errors are a different thing: they are `ServiceError`s built from each service's error
 * table (src/protocol). An internal error reaching the request pipeline answers InternalFailure.
 *
 * This area is a leaf: it imports nothing, and every other area may import it.
 */

/**
 * Every internal error code, grouped by the area that raises it. Codes are stable: tests, logs and the
 * conformance suite match on them, never on message text. `docs/errors.md` lists them.
 */
export const TribErrorCode = {
  // storage: raised by every backend alike (checked by the conformance suite)
  /** The store or log was closed; the operation did not happen. */
  STORAGE_CLOSED: 'TRIB_ERR_STORAGE_CLOSED',
  /** Bytes on disk (or in the cluster) failed their checksum outside the recoverable tail. */
  STORAGE_CORRUPT: 'TRIB_ERR_STORAGE_CORRUPT',
  /** A write or sync failed; the log refuses further appends until reopened (its tail state is unknown). */
  STORAGE_WRITE_FAILED: 'TRIB_ERR_STORAGE_WRITE_FAILED',
  /**
   * The disk (or the user's quota) is full: nothing of the failed write was kept, and the same write may succeed
   * once space is freed. Retriable; the store stays usable (unlike {@link TribErrorCode.STORAGE_WRITE_FAILED}).
   */
  STORAGE_NO_SPACE: 'TRIB_ERR_STORAGE_NO_SPACE',
  /** Invalid argument (log id, key size, value type, timestamp). */
  STORAGE_INVALID_ARGUMENT: 'TRIB_ERR_STORAGE_INVALID_ARGUMENT',
  /** A compare-and-set write found another revision than expected; nothing was written. */
  STORAGE_CONFLICT: 'TRIB_ERR_STORAGE_CONFLICT',
  /** The backend cannot be reached or did not answer in time; the operation may be retried. */
  STORAGE_UNAVAILABLE: 'TRIB_ERR_STORAGE_UNAVAILABLE',
  /**
   * The log was sealed (its shard closed by resharding): it refuses appends for good, nothing of the refused append
   * was kept; reads go on. The writer routed by an outdated shard map.
   */
  STORAGE_SEALED: 'TRIB_ERR_STORAGE_SEALED',
  /** A lease was renewed after another holder took it over. */
  LEASE_LOST: 'TRIB_ERR_LEASE_LOST',

  // jobs: the scheduler and the worker host
  /** The scheduler or worker host was closed; nothing was scheduled or started. */
  JOBS_CLOSED: 'TRIB_ERR_JOBS_CLOSED',
  /** A timer kind, job or worker name is malformed or already registered, or an interval is not positive. */
  JOBS_INVALID_ARGUMENT: 'TRIB_ERR_JOBS_INVALID_ARGUMENT',

  // configuration and security set-up
  /** A command-line flag, environment variable or config value is invalid. */
  CONFIG: 'TRIB_ERR_CONFIG',
  /** The credentials file cannot be read or is malformed. */
  AUTH_CONFIG: 'TRIB_ERR_AUTH_CONFIG',
  /** An IAM-style policy document is malformed or uses something the server does not support. */
  POLICY: 'TRIB_ERR_POLICY',
  /** The server would listen beyond loopback without credentials. */
  INSECURE: 'TRIB_ERR_INSECURE',

  // streams
  /** The local KMS key file cannot be read or is malformed. */
  KMS_KEY_FILE: 'TRIB_ERR_KMS_KEY_FILE',
  /** A KPL aggregated record is malformed. */
  KPL_FORMAT: 'TRIB_ERR_KPL_FORMAT',
} as const;
/** One of {@link TribErrorCode}. */
export type TribErrorCode = (typeof TribErrorCode)[keyof typeof TribErrorCode];

/** The brand one class puts on its instances: `Symbol.for` makes it the same symbol in every copy of the module. */
function brandOf(cls: { readonly name: string }): symbol {
  return Symbol.for(`tributary.error.${cls.name}`);
}

/** Options of {@link TribError}. */
export interface TribErrorOptions {
  readonly cause?: unknown;
}

/**
 * The base of every internal error. Subclasses set `name` and pass their code; `code` is one of
 * {@link TribErrorCode}. `instanceof TribError` and `instanceof` each subclass work across two copies of this
 * module: each instance carries a `Symbol.for` brand per class of its chain, and `instanceof` checks the brand.
 */
export class TribError extends Error {
  readonly code: TribErrorCode;

  constructor(code: TribErrorCode, message: string, options?: TribErrorOptions) {
    super(message, options);
    this.name = 'TribError';
    this.code = code;
    for (let cls: unknown = new.target; typeof cls === 'function' && cls !== Error; cls = Object.getPrototypeOf(cls)) {
      Object.defineProperty(this, brandOf(cls as { name: string }), { value: true });
    }
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class `instanceof` asks about (a subclass too)
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brandOf(this)] === true;
  }
}

/** Whether `err` is a {@link TribError} with this code. */
export function hasTribCode(err: unknown, code: TribErrorCode): err is TribError {
  return err instanceof TribError && err.code === code;
}
