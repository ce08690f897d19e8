/**
 * The contract between the server (routing, wire codecs) and a service (Data Streams, Firehose, ...).
 * A service is data plus handlers: its model (shapes and constraints), its error table and one handler
 * per operation. The server decodes and validates the input against the model before the handler
 * runs, so handlers receive well-typed values: blobs as `Uint8Array`, timestamps as `Date`.
 * Handlers return plain objects with the same conventions; the codec encodes them.
 */
import type { ErrorTable } from './service-error.js';
import type { ServiceModel } from './shapes.js';
import type { WireCodec } from './wire-codec.js';

/** Facts about one request that handlers may use. */
export interface RequestContext {
  /** The `x-amzn-RequestId` of this request. */
  readonly requestId: string;
  /** Region from the SigV4 credential scope, else the configured default. */
  readonly region: string;
  /** Account id derived from the access key, else the configured default. */
  readonly accountId: string;
  /** Wall-clock time the request was received, epoch ms. */
  readonly receivedAt: number;
  /** Aborted when the client goes away (long-lived responses stop on it). */
  readonly signal: AbortSignal;
  /**
   * The wire codec of the request (JSON 1.1 or CBOR 1.1). Long-lived responses (SubscribeToShard's event
   * stream) encode their event payloads with it, as AWS answers in the request's encoding.
   */
  readonly codec?: WireCodec;
}

/** An operation handler: decoded, validated input in; output object (or nothing) out; ServiceError thrown on failure. */
export type OperationHandler = (input: any, ctx: RequestContext) => unknown | Promise<unknown>;

/** A JSON 1.1 / CBOR service as the server mounts it. */
export interface ServiceDefinition {
  /** Short name, e.g. `kinesis`. */
  readonly name: string;
  /** `X-Amz-Target` prefix, e.g. `Kinesis_20131202`. */
  readonly targetPrefix: string;
  readonly model: ServiceModel;
  readonly errors: ErrorTable;
  /** Implemented operations by name. Operations in the model but not here answer UnknownOperationException. */
  readonly handlers: Readonly<Record<string, OperationHandler>>;
  /**
   * The resource ARNs an operation acts on when only the service can tell from the decoded input (GetRecords:
   * the stream is inside the opaque shard iterator). Used for authorization; undefined = not known.
   */
  readonly resourceArns?: (
    operation: string,
    input: Readonly<Record<string, unknown>>,
  ) => readonly string[] | undefined;
}
