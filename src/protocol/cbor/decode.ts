/**
 * CBOR 1.1 request decoding: parse with cbor-x, then the shape-driven type checks and constraint
 * validation shared with JSON 1.1 (../json/decode.ts), with CBOR's blob and timestamp forms.
 *
 * Wire format (`application/x-amz-cbor-1.1`, RFC 8949 as the AWS Java SDKs v1/v2 write it; aws-sdk-java-v2,
 * `core/protocols/aws-cbor-protocol`):
 * - The body is one CBOR map (major type 5) whose text-string keys are the input shape's member names.
 * - Blobs are byte strings (major type 2). A text string is read as base64, as Jackson's CBOR parser
 *   does when a binary value is asked of a text token.
 * - Timestamps are tag 1 around an integer (or float) of epoch **milliseconds**, not RFC 8949's seconds:
 *   the Java SDKs write `Instant.toEpochMilli()` under tag 1. A bare number is read as milliseconds too.
 * - Integers are major types 0/1 (up to 64 bits), floats major type 7; true/false/null as usual.
 *   CBOR `undefined` counts as null. Other tags are transparent (Jackson ignores tags): their content is
 *   type-checked in their place.
 *
 * cbor-x specifics this file relies on: its built-in tag-1 reader turns the tagged number `n` into
 * `new Date(round(n * 1000))` (it assumes seconds), so a decoded `Date` holds the Java SDK's milliseconds
 * times 1000, exact up to epoch ms 8.64e12 (year 2243) where `Date` ends; `int64AsNumber` makes 64-bit
 * integers plain numbers so such a tag (ms need more than 32 bits) does not meet a `bigint`. Known
 * limits of that mode: a negative integer below -2^32 (`3b` head) decodes wrongly (cbor-x 1.6.8 applies a
 * 32-bit `~`), and a stray break byte nested inside an item reads as an empty map; no Java SDK request
 * contains either. Overriding tag 1 instead would mean changing cbor-x's process-wide extension table.
 */
import { Decoder, Tag, type Options } from 'cbor-x';
import { CommonErrors } from '../errors.js';
import { decodeBase64, createInputDecoder, type InputDecoder, type WireScalars } from '../json/decode.js';
import { ServiceError } from '../service-error.js';

/** Content type of AWS CBOR 1.1 requests and responses (the AWS Java SDKs' default). */
export const CBOR_1_1_CONTENT_TYPE = 'application/x-amz-cbor-1.1';

// `int64AsNumber` exists in cbor-x 1.6.8 but is missing from its typings.
const decoderOptions: Options & { int64AsNumber: boolean } = {
  useRecords: false,
  mapsAsObjects: true,
  int64AsNumber: true,
};
const decoder = new Decoder(decoderOptions);
// cbor-x returns its internal break marker (an empty object) for a stray break byte (`ff`) instead of
// failing; it is one shared object, so a body that is nothing but a break can be told apart by identity.
const STRAY_BREAK: unknown = decoder.decode(Buffer.from([0xff]));

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A CBOR map decoded as a JS `Map` (tag 259): text keys, prototype-safe. */
function mapToObject(m: Map<unknown, unknown>): Record<string, unknown> {
  return Object.fromEntries(Array.from(m, ([k, v]) => [String(k), v]));
}

/**
 * Parses a CBOR 1.1 request body. Malformed CBOR, trailing bytes, or a top-level value that is not a
 * map answer SerializationException without a message (docs/architecture.md, "Request lifecycle", as for JSON).
 */
export function parseCborBody(body: Buffer): Record<string, unknown> {
  let v: unknown;
  try {
    v = decoder.decode(body);
  } catch (e) {
    throw new ServiceError(CommonErrors.SerializationException, undefined, { cause: e });
  }
  // Tags around the whole body (e.g. a self-describing 55799 that cbor-x does not strip) are transparent.
  while (v instanceof Tag) v = v.value;
  if (v instanceof Map) v = mapToObject(v);
  if (!isPlainObject(v) || v === STRAY_BREAK) throw new ServiceError(CommonErrors.SerializationException);
  return v;
}

/** The epoch milliseconds a tag-1 `Date` from cbor-x stands for (it scaled the number by 1000). */
function taggedMillis(d: Date): number {
  return d.getTime() / 1000;
}

const TIMESTAMP_OUT_OF_RANGE = 'Tagged value can not be converted to milliseconds since epoch';

/** How CBOR carries what JSON 1.1 carries differently (see the file header). */
export const cborScalars: WireScalars = {
  blob(v) {
    if (v instanceof Uint8Array) {
      // cbor-x hands out byte strings as views of the request body (no copy); keep them as Buffers.
      return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    }
    return typeof v === 'string' ? decodeBase64(v) : undefined;
  },
  timestamp(v) {
    if (v instanceof Date) {
      const ms = taggedMillis(v);
      if (Number.isNaN(ms)) throw new ServiceError(CommonErrors.SerializationException, TIMESTAMP_OUT_OF_RANGE);
      return new Date(Math.round(ms));
    }
    // Lenient: an untagged number is taken as epoch milliseconds as well.
    return typeof v === 'number' ? new Date(Math.round(v)) : undefined;
  },
  unwrap(v) {
    if (v instanceof Tag) return v.value;
    // A tag 1 outside a timestamp member: Jackson ignores the tag and sees the number.
    if (v instanceof Date) return taggedMillis(v);
    // Only bignum tags (2, 3) produce bigints once int64AsNumber is on; coral truncates them like numbers.
    if (typeof v === 'bigint') return Number(v);
    if (v instanceof Map) return mapToObject(v);
    if (v instanceof Set) return Array.from(v);
    return v;
  },
  className(v) {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || isPlainObject(v)) return undefined;
    // Java's name for byte[], which is what Jackson's CBOR parser hands coral for a byte string.
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return 'class [B';
    return 'class java.lang.Object';
  },
};

/**
 * Type-checks and converts a parsed CBOR 1.1 body against `operation`'s input shape, then validates its
 * constraints, exactly as `decodeInput` does for JSON 1.1: blobs come back as `Buffer` (views of
 * the request body), timestamps as `Date`. Throws SerializationException, ValidationException or
 * UnknownOperationException.
 */
export const decodeCborInput: InputDecoder = createInputDecoder(cborScalars);
