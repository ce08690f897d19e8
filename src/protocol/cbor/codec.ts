/**
 * AWS CBOR 1.1 body codec (`application/x-amz-cbor-1.1`), the AWS Java SDKs' default for Kinesis.
 *
 * Wire format (RFC 8949 data items as the AWS Java SDKs v1/v2 read and write them; aws-sdk-java-v2,
 * `core/protocols/aws-cbor-protocol`):
 * - Request: `Content-Type: application/x-amz-cbor-1.1`, `X-Amz-Target: <prefix>.<Operation>`, body one
 *   CBOR map (see ./decode.ts for member types).
 * - Success: HTTP 200, the output structure as a CBOR map with text keys, an empty map (`a0`) when there
 *   is none; absent (`undefined`/`null`) members are left out, as AWS does.
 *   - blobs: byte strings (major type 2), never base64 text and never the typed-array tag 64;
 *   - timestamps: tag 1 (`c1`) around an **integer** of epoch milliseconds (major type 0/1; `1b` + 8 bytes
 *     once it needs more than 32 bits), which the Java SDK reads with `Instant.ofEpochMilli`;
 *   - integers: major types 0/1 (a JS integer beyond 32 bits is written as a 64-bit integer, not a
 *     float); other numbers float64; strings text (major type 3); lists arrays; booleans `f4`/`f5`.
 * - Error: the map `{"__type": <Code>, "message": <text>}` (`Message` for SerializationException, no
 *   message member when AWS sends none), with the same HTTP status and `x-amzn-ErrorType` as JSON 1.1.
 *
 * Encoding goes through cbor-x with records, packing and typed-array tags off (plain RFC 8949 items
 * only), after one walk that puts dates, large integers and absent members into that form.
 */
import { Encoder, Tag, type Options } from 'cbor-x';
import type { ServiceError } from '../service-error.js';
import type { WireCodec } from '../wire-codec.js';
import { CBOR_1_1_CONTENT_TYPE, decodeCborInput, parseCborBody } from './decode.js';

// Plain CBOR: no record/structure extensions, no tag 64 on Uint8Array, definite-length maps sized to
// their content ("preferred serialization" of the header) rather than always map16.
const encoderOptions: Options = {
  useRecords: false,
  mapsAsObjects: true,
  variableMapSize: true,
  tagUint8Array: false,
};
const encoder = new Encoder(encoderOptions);

const UINT32_MAX = 0xffffffff;
const NEG_UINT32_MIN = -0x100000000;

/** A timestamp as tag 1 + integer epoch ms; `undefined` for an invalid `Date` (the member is left out). */
function timestampItem(d: Date): Tag | undefined {
  const ms = d.getTime();
  if (Number.isNaN(ms)) return undefined;
  return new Tag(integerItem(ms), 1);
}

/** cbor-x writes JS numbers beyond 32 bits as floats; a bigint makes it write a 64-bit integer. */
function integerItem(n: number): number | bigint {
  return n > UINT32_MAX || n < NEG_UINT32_MIN ? BigInt(n) : n;
}

/**
 * Converts an output value to what cbor-x should write: `Date` → tag 1 + integer ms, integers beyond
 * 32 bits → bigint, `Map` → object, `null`/`undefined` members dropped; `Uint8Array`s stay as they are
 * (byte strings). Returns `undefined` for a value to leave out.
 */
function toCborItem(v: unknown): unknown {
  if (typeof v !== 'object') {
    return typeof v === 'number' && (v > UINT32_MAX || v < NEG_UINT32_MIN) && Number.isSafeInteger(v) ? BigInt(v) : v;
  }
  if (v === null) return undefined;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = toCborItem(v[i]) ?? null;
    return out;
  }
  if (v instanceof Uint8Array) return v;
  if (v instanceof Date) return timestampItem(v);
  const out: Record<string, unknown> = {};
  if (v instanceof Map) {
    for (const [k, x] of v as Map<unknown, unknown>) {
      const item = toCborItem(x);
      if (item !== undefined) out[String(k)] = item;
    }
    return out;
  }
  const keys = Object.keys(v);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    // AWS omits absent members; neither undefined nor null is written.
    const item = toCborItem((v as Record<string, unknown>)[k]);
    if (item !== undefined) out[k] = item;
  }
  return out;
}

/** An empty map, for operations without output. */
const EMPTY_MAP = Buffer.from([0xa0]);

/**
 * Encodes an operation's output as a CBOR 1.1 body: byte strings for blobs, tag 1 + integer epoch ms for
 * timestamps, absent members left out, an empty map for an undefined output.
 */
export function encodeCborOutput(output: unknown): Buffer {
  if (output === undefined || output === null) return EMPTY_MAP;
  return encoder.encode(toCborItem(output));
}

/** Encodes an AWS error body: the map `{__type, message}` (`Message` for SerializationException). */
export function encodeCborError(err: ServiceError): Buffer {
  const body: Record<string, string> = { __type: err.code };
  if (err.hasMessage) body[err.messageField] = err.message;
  return encoder.encode(body);
}

/** The CBOR 1.1 {@link WireCodec}. */
export const cborCodec: WireCodec = {
  contentType: CBOR_1_1_CONTENT_TYPE,
  parse: parseCborBody,
  decode: decodeCborInput,
  encodeOutput: encodeCborOutput,
  encodeError: encodeCborError,
};
