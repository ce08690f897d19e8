/**
 * AWS JSON 1.1 (awsJson1_1) body codec.
 *
 * Wire format:
 * - Request: `Content-Type: application/x-amz-json-1.1`, `X-Amz-Target: <prefix>.<Operation>`, body one
 *   JSON object (see ./decode.ts for member types).
 * - Success: HTTP 200, the output structure as a JSON object, `{}` when there is none. Blobs are
 *   base64 text; timestamps are epoch seconds as a plain decimal with at most a millisecond
 *   fraction (`1764000000.123`, `1764000000`), never exponent notation (streams.md §1).
 * - Error: `{"__type":"<Code>","message":"<text>"}`; SerializationException names the member
 *   `Message`; an error without a message has no message member (streams.md §4).
 */
import { CommonErrors } from '../errors.js';
import { ServiceError } from '../service-error.js';
import type { WireCodec } from '../wire-codec.js';
import { decodeInput } from './decode.js';

/** Content type of AWS JSON 1.1 requests and responses. */
export const JSON_1_1_CONTENT_TYPE = 'application/x-amz-json-1.1';

/**
 * Parses a JSON 1.1 request body. A body that is not valid JSON, or is valid JSON but not an object,
 * answers SerializationException without a message (streams.md §3 step 6).
 */
export function parseJsonBody(body: Buffer): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ServiceError(CommonErrors.SerializationException);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ServiceError(CommonErrors.SerializationException);
  return v as Record<string, unknown>;
}

/** Epoch seconds with a millisecond fraction, plain decimal, trailing zeros dropped. */
function epochSeconds(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  const whole = Math.floor(abs / 1000);
  const frac = abs - whole * 1000;
  if (frac === 0) return sign + whole;
  return sign + whole + '.' + String(frac).padStart(3, '0').replace(/0+$/, '');
}

function encodeValue(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'object': {
      if (v === null) return undefined;
      if (v instanceof Uint8Array) {
        // The base64 alphabet needs no JSON escaping.
        return '"' + Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') + '"';
      }
      if (v instanceof Date) {
        const ms = v.getTime();
        return Number.isNaN(ms) ? 'null' : epochSeconds(ms);
      }
      if (Array.isArray(v)) {
        let s = '[';
        for (let i = 0; i < v.length; i++) {
          if (i > 0) s += ',';
          s += encodeValue(v[i]) ?? 'null';
        }
        return s + ']';
      }
      const entries: Iterable<[string, unknown]> = v instanceof Map ? v.entries() : Object.entries(v);
      let s = '{';
      let first = true;
      for (const [k, x] of entries) {
        // AWS omits absent members; neither undefined nor null is written.
        const e = encodeValue(x);
        if (e === undefined) continue;
        s += (first ? '' : ',') + JSON.stringify(String(k)) + ':' + e;
        first = false;
      }
      return s + '}';
    }
    default:
      return undefined;
  }
}

/**
 * Encodes an operation's output as a JSON 1.1 body in one pass: `Uint8Array`/`Buffer` values as
 * base64 strings, `Date` values as epoch seconds (`1764000000.123`), `undefined` and `null` members
 * omitted, `{}` for an undefined output.
 */
export function encodeJsonOutput(output: unknown): Buffer {
  return Buffer.from(encodeValue(output) ?? '{}', 'utf8');
}

/** Encodes an AWS error body: `{"__type":"<code>","message":"…"}` (`Message` for SerializationException). */
export function encodeJsonError(err: ServiceError): Buffer {
  let s = '{"__type":' + JSON.stringify(err.code);
  if (err.hasMessage) s += ',"' + err.messageField + '":' + JSON.stringify(err.message);
  return Buffer.from(s + '}', 'utf8');
}

/** The JSON 1.1 {@link WireCodec}. */
export const jsonCodec: WireCodec = {
  contentType: JSON_1_1_CONTENT_TYPE,
  parse: parseJsonBody,
  decode: decodeInput,
  encodeOutput: encodeJsonOutput,
  encodeError: encodeJsonError,
};
