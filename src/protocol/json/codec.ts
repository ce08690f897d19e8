/**
 * AWS JSON 1.1 (awsJson1_1) body codec.
 *
 * Wire format:
 * - Request: `Content-Type: application/x-amz-json-1.1`, `X-Amz-Target: <prefix>.<Operation>`, body one
 *   JSON object (see ./decode.ts for member types).
 * - Success: HTTP 200, the output structure as a JSON object, `{}` when there is none. Blobs are
 *   base64 text; timestamps are epoch seconds as a plain decimal with at most a millisecond
 *   fraction (`1764000000.123`, `1764000000`), never exponent notation (AWS JSON 1.1 protocol, Smithy
 *   specification awsJson1_1, `epoch-seconds`).
 * - Error: `{"__type":"<Code>","message":"<text>"}`; SerializationException names the member
 *   `Message`; an error without a message has no message member (AWS JSON 1.1 protocol, Smithy specification
 *   awsJson1_1; `Message` as AWS sends it, docs/principles.md, principle 1).
 */
import { CommonErrors } from '../errors.js';
import { ServiceError } from '../service-error.js';
import type { WireCodec } from '../wire-codec.js';
import { decodeInput } from './decode.js';
import { base64Of, createShapeWriter, JsonByteWriter } from './encode.js';
import type { ServiceModel } from '../shapes.js';

/** Content type of AWS JSON 1.1 requests and responses. */
export const JSON_1_1_CONTENT_TYPE = 'application/x-amz-json-1.1';

/**
 * Parses a JSON 1.1 request body. A body that is not valid JSON, or is valid JSON but not an object,
 * answers SerializationException without a message (docs/architecture.md, "Request lifecycle").
 */
export function parseJsonBody(body: Buffer): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ServiceError(CommonErrors.SerializationException);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new ServiceError(CommonErrors.SerializationException);
  return v as Record<string, unknown>;
}

/**
 * Converts an output value to plain JSON data: `Uint8Array` → base64 text, `Date` → epoch seconds
 * (a plain number: JavaScript prints the shortest round-trip decimal, `1764000000.123`, and uses exponent
 * notation only beyond 1e21), `Map` → object, `null`/`undefined` members dropped. The result goes through
 * the native `JSON.stringify`, measured ~2x faster than building the text by concatenation in JS.
 */
function toJsonValue(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) {
    if (typeof v === 'bigint') throw new RangeError('bigint values are not JSON 1.1 output');
    return typeof v === 'number' && !Number.isFinite(v) ? null : v;
  }
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = toJsonValue(v[i]);
      out[i] = x === undefined ? null : x;
    }
    return out;
  }
  if (v instanceof Uint8Array) return base64Of(v);
  if (v instanceof Date) {
    const ms = v.getTime();
    return Number.isNaN(ms) ? null : ms / 1000;
  }
  const out: Record<string, unknown> = {};
  const entries: Iterable<[unknown, unknown]> | undefined = v instanceof Map ? v.entries() : undefined;
  if (entries) {
    for (const [k, x] of entries) if (x !== undefined && x !== null) out[String(k)] = toJsonValue(x);
    return out;
  }
  for (const k in v) {
    if (!Object.hasOwn(v, k)) continue;
    const x = (v as Record<string, unknown>)[k];
    // AWS omits absent members; neither undefined nor null is written.
    if (x !== undefined && x !== null) out[k] = toJsonValue(x);
  }
  return out;
}

/** The generic text of one value (the shape-compiled encoder's path for values that do not match their shape). */
function genericJson(v: unknown): string {
  return JSON.stringify(toJsonValue(v)) ?? 'null';
}

const outputWriter = createShapeWriter(genericJson);
const withoutBlobsWriter = createShapeWriter(genericJson, { omitBlobs: true });

/**
 * Appends `value` as JSON text of the model's shape `shapeName` without its blob members (record payloads), the
 * way the audit log writes a request (CloudTrail's requestParameters; src/server/audit.ts). `value` may be a
 * parsed, not yet type-checked body: a member of another type than its shape is written as it came, and members
 * the shape does not have are left out.
 */
export function writeJsonWithoutBlobs(w: JsonByteWriter, model: ServiceModel, shapeName: string, value: unknown): void {
  if (value === undefined || value === null) w.text += 'null';
  else withoutBlobsWriter(model, shapeName)(w, value);
}

/**
 * Encodes an operation's output as a JSON 1.1 body: `Uint8Array`/`Buffer` values as base64 strings,
 * `Date` values as epoch seconds (`1764000000.123`), `undefined` and `null` members omitted, `{}` for an
 * undefined output. Given the model and operation, the output is written by the encoder compiled from its
 * output shape (./encode.ts: one walk, only the shape's members, in model order); without them, or for an
 * operation without an output shape, by the generic conversion.
 */
export function encodeJsonOutput(output: unknown, model?: ServiceModel, operation?: string): Buffer {
  if (output === undefined || output === null) return Buffer.from('{}');
  const shapeName = operation === undefined ? undefined : model?.operations[operation]?.output;
  if (model === undefined || shapeName === undefined) return Buffer.from(JSON.stringify(toJsonValue(output)), 'utf8');
  const w = new JsonByteWriter();
  outputWriter(model, shapeName)(w, output);
  return w.finish();
}

/** Encodes an AWS error body: `{"__type":"<code>","message":"…"}` (`Message` for SerializationException). */
export function encodeJsonError(err: ServiceError): Buffer {
  let s = `{"__type":${JSON.stringify(err.code)}`;
  if (err.hasMessage) s += `,"${err.messageField}":${JSON.stringify(err.message)}`;
  return Buffer.from(`${s}}`, 'utf8');
}

/** The JSON 1.1 {@link WireCodec}. */
export const jsonCodec: WireCodec = {
  contentType: JSON_1_1_CONTENT_TYPE,
  parse: parseJsonBody,
  decode: decodeInput,
  encodeOutput: encodeJsonOutput,
  encodeError: encodeJsonError,
};
