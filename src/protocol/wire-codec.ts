/**
 * The seam between the server and a wire encoding. The server picks a codec by the request's
 * content type (JSON 1.1 `application/x-amz-json-1.1` or CBOR 1.1 `application/x-amz-cbor-1.1`) and runs:
 * `parse` → `decode` → handler → `encodeOutput`, or `encodeError` for any failure.
 */
import { hasTribCode, TribErrorCode } from '../errors/index.js';
import { CommonErrors } from './errors.js';
import { ServiceError } from './service-error.js';
import type { ServiceModel } from './shapes.js';

/** One wire encoding of AWS's JSON-family protocols. Implementations are pure: no I/O. */
export interface WireCodec {
  /** Content type this codec reads and answers with, e.g. `application/x-amz-json-1.1`. */
  readonly contentType: string;
  /** Parses a request body; throws SerializationException (no message) when it is not an object. */
  parse(body: Buffer): Record<string, unknown>;
  /**
   * Type-checks, converts (blobs → bytes, timestamps → `Date`) and validates the parsed body against
   * the operation's input shape. Throws SerializationException or ValidationException as AWS does.
   */
  decode(model: ServiceModel, operation: string, raw: Record<string, unknown>): Record<string, unknown>;
  /**
   * Encodes a handler's output (`undefined` → empty object). With the model and operation, a codec may write
   * the output by its shape (the JSON codec does; ./json/encode.ts).
   */
  encodeOutput(output: unknown, model?: ServiceModel, operation?: string): Buffer;
  /** Encodes an AWS error body. */
  encodeError(err: ServiceError): Buffer;
}

/**
 * Normalises anything thrown while serving a request: ServiceErrors pass through; anything else
 * becomes InternalFailure without a message (internal details stay in `cause`, for the log only).
 */
export function toServiceError(e: unknown): ServiceError {
  if (e instanceof ServiceError) return e;
  // A full disk is temporary and the client may retry (ServiceUnavailable, a 5xx the SDKs retry; ADR 0015): say so
  // rather than fail with no message. It reaches here from control-plane writes (metadata); record writes answer it
  // themselves (src/streams/write-path.ts).
  if (hasTribCode(e, TribErrorCode.STORAGE_NO_SPACE)) {
    return new ServiceError(
      CommonErrors.ServiceUnavailable,
      'The server has no disk space left for this change. Retry after space is freed.',
      { cause: e },
    );
  }
  return new ServiceError(CommonErrors.InternalFailure, undefined, { cause: e });
}
