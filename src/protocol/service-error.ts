/**
 * The one error class for AWS-facing failures. Each service declares its errors once, as data
 * ({@link ErrorTable}); code throws `new ServiceError(table.X, message)`. Retry logic reads only `retriable`.
 */

/** One row of an error table. */
export interface ErrorSpec {
  /** AWS error type, sent as `__type` and `x-amzn-ErrorType` (e.g. `ResourceNotFoundException`). */
  readonly code: string;
  /** HTTP status AWS answers with. */
  readonly httpStatus: number;
  /** Whether a client may retry the same request unchanged. */
  readonly retriable: boolean;
  /** Body member carrying the message: AWS uses `Message` for SerializationException, `message` elsewhere. */
  readonly messageField?: 'message' | 'Message';
}

/** A service's error catalogue, keyed by AWS error type. */
export type ErrorTable = Readonly<Record<string, ErrorSpec>>;

const BRAND = Symbol.for('tributary.ServiceError');

/** An error to answer with an AWS error body. `message` undefined means the body has no message member. */
export class ServiceError extends Error {
  readonly code: string;
  readonly httpStatus: number;
  readonly retriable: boolean;
  readonly messageField: 'message' | 'Message';
  /** Whether AWS sends a message at all for this occurrence. */
  readonly hasMessage: boolean;

  constructor(spec: ErrorSpec, message?: string, options?: { cause?: unknown }) {
    super(message ?? spec.code, options);
    this.name = spec.code;
    this.code = spec.code;
    this.httpStatus = spec.httpStatus;
    this.retriable = spec.retriable;
    this.messageField = spec.messageField ?? 'message';
    this.hasMessage = message !== undefined;
  }

  get [BRAND](): true {
    return true;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/** Helper to build a table with checked keys: `defineErrors({ X: { httpStatus: 400, retriable: false } })`. */
export function defineErrors<K extends string>(
  rows: Record<K, Omit<ErrorSpec, 'code'>>,
): Readonly<Record<K, ErrorSpec>> {
  const out = {} as Record<K, ErrorSpec>;
  for (const key of Object.keys(rows) as K[]) out[key] = { code: key, ...rows[key] };
  return Object.freeze(out);
}
