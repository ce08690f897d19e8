/**
 * JSON 1.1 input decoding: type checks and wire-type conversion of a parsed request body against the
 * operation's input shape, then the shared constraint validation.
 *
 * Wire format (awsJson1_1): the body is one JSON object whose members are the input shape's members
 * by their model names; blobs are base64 text; timestamps are epoch seconds as JSON numbers (may be
 * fractional); integers and longs are JSON numbers.
 *
 * AWS behaviour reproduced (streams.md §3 step 10 and §4.2, coral/Jackson texts):
 * 1. Unknown members and JSON nulls are dropped before anything else.
 * 2. Members are type-checked in the order they appear in the body; the first mismatch answers with
 *    SerializationException (body member `Message`) and AWS's text.
 * 3. Fractional numbers for integer/long members are truncated; integers clamp to the Java int range.
 * Conversion: blobs → `Buffer`, timestamps → `Date`.
 */
import { CommonErrors } from '../errors.js';
import { ServiceError } from '../service-error.js';
import type { ServiceModel, Shape } from '../shapes.js';
import { validateInput } from '../validate.js';

/** Converts a non-null JSON value to its decoded form or throws SerializationException. */
type Decode = (v: unknown) => unknown;

const START_STRUCT = 'Start of structure or map found where not expected.';
const START_LIST = 'Start of list found where not expected';
const BIG_NUMBER = 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber';
const JAVA_INT_MIN = -2147483648;
const JAVA_INT_MAX = 2147483647;

const cache = new WeakMap<ServiceModel, Map<string, Decode>>();

function fail(message: string): never {
  throw new ServiceError(CommonErrors.SerializationException, message);
}

/** The error for an object or array where a scalar of `target` (e.g. `an Integer`) belongs. */
function containerMismatch(v: object): never {
  fail(Array.isArray(v) ? START_LIST : START_STRUCT);
}

/** Jackson's target names, article included, exactly as AWS prints them (`an String` sic). */
const TARGET = {
  string: 'an String',
  integer: 'an Integer',
  long: 'an Long',
  double: 'an Double',
  float: 'an Float',
  boolean: 'an Boolean',
  blob: 'a Blob',
  timestamp: 'milliseconds since epoch',
} as const;

/** Slow path, only on failure: the whole text is well-formed (one anchored class scan). */
const B64_WELL_FORMED = /^[A-Za-z0-9+/]*={0,2}$/;
/** Slow path, only on failure: the first offending character (a `=` not followed by `=` is one). */
const B64_BAD_CHAR = /[^A-Za-z0-9+/=]|=[^=]/;

function b64Value(c: number): number {
  if (c >= 65 && c <= 90) return c - 65;
  if (c >= 97 && c <= 122) return c - 71;
  if (c >= 48 && c <= 57) return c + 4;
  return c === 43 ? 62 : 63;
}

/**
 * Strict base64 as AWS's (Jackson) decoder applies it, with its texts (streams.md §4.2):
 * length a multiple of 4, only the standard alphabet with `=` padding at the end, and the unused
 * low bits of the last non-pad character zero.
 */
function decodeBase64(s: string): Buffer {
  const prefix = `'${s}' can not be converted to a Blob: `;
  if (s.length % 4 !== 0) {
    fail(`${prefix}Base64 encoded length is expected a multiple of 4 bytes but found: ${s.length}`);
  }
  // Fast path (measured ~2.5x cheaper than a regex scan per record): text that re-encodes to itself is
  // canonical base64, which passes every check below. Node's decoder is lenient, so only a mismatch
  // needs the detailed checks that name AWS's error.
  const decoded = Buffer.from(s, 'base64');
  if (decoded.toString('base64') === s) return decoded;
  if (!B64_WELL_FORMED.test(s)) {
    const bad = B64_BAD_CHAR.exec(s);
    if (bad) fail(`${prefix}Invalid Base64 character: '${bad[0][0]}'`);
  }
  let pads = 0;
  while (pads < s.length && s.charCodeAt(s.length - 1 - pads) === 61) pads++;
  if (pads > 0) {
    const last = s.length - 1 - pads;
    const unusedBits = pads === 1 ? 0x3 : 0xf;
    if (pads > 2 || last < 0 || (b64Value(s.charCodeAt(last)) & unusedBits) !== 0) {
      fail(`${prefix}Invalid last non-pad Base64 character dectected`);
    }
  }
  return decoded;
}

function shapeOf(model: ServiceModel, name: string): Shape {
  const s = model.shapes[name];
  if (!s) throw new Error(`model has no shape ${name}`);
  return s;
}

function decoderFor(model: ServiceModel, name: string): Decode {
  let byShape = cache.get(model);
  if (!byShape) {
    byShape = new Map();
    cache.set(model, byShape);
  }
  const hit = byShape.get(name);
  if (hit) return hit;
  // Recursive shapes reach themselves while compiling: forward through a late-bound reference.
  let real: Decode | undefined;
  byShape.set(name, (v) => real!(v));
  real = buildDecoder(model, shapeOf(model, name));
  byShape.set(name, real);
  return real;
}

function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  // A `__proto__` key from JSON.parse is an own property; keep it one instead of changing the prototype.
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

function buildDecoder(model: ServiceModel, shape: Shape): Decode {
  switch (shape.type) {
    case 'string':
      return (v) => {
        if (typeof v === 'string') return v;
        if (typeof v === 'boolean') fail(`class java.lang.Boolean can not be converted to ${TARGET.string}`);
        if (typeof v === 'number') fail(`${BIG_NUMBER} can not be converted to ${TARGET.string}`);
        return containerMismatch(v as object);
      };
    case 'integer':
    case 'long':
    case 'double':
    case 'float': {
      const target = TARGET[shape.type];
      const integral = shape.type === 'integer' || shape.type === 'long';
      const clamp = shape.type === 'integer';
      return (v) => {
        if (typeof v === 'number') {
          if (!integral) return v;
          // Coral's TruncatingBigNumber truncates toward zero; `+ 0` turns -0 into 0.
          const t = Math.trunc(v) + 0;
          return clamp ? Math.min(JAVA_INT_MAX, Math.max(JAVA_INT_MIN, t)) : t;
        }
        if (typeof v === 'string') fail(`class java.lang.String can not be converted to ${target}`);
        if (typeof v === 'boolean') fail(`class java.lang.Boolean can not be converted to ${target}`);
        return containerMismatch(v as object);
      };
    }
    case 'boolean':
      return (v) => {
        if (typeof v === 'boolean') return v;
        if (typeof v === 'number') fail(`${BIG_NUMBER} can not be converted to ${TARGET.boolean}`);
        if (typeof v === 'string') {
          // Jackson coerces a few textual booleans; anything else fails with the value upper-cased.
          const u = v.toUpperCase();
          if (u === 'TRUE' || u === 'YES' || u === '1') return true;
          if (u === 'FALSE' || u === 'NO' || u === '0') return false;
          fail(`'${u}' can not be converted to ${TARGET.boolean}`);
        }
        return containerMismatch(v as object);
      };
    case 'blob':
      return (v) => {
        if (typeof v === 'string') return decodeBase64(v);
        if (typeof v === 'boolean') fail(`class java.lang.Boolean can not be converted to ${TARGET.blob}`);
        if (typeof v === 'number') fail(`${BIG_NUMBER} can not be converted to ${TARGET.blob}`);
        return containerMismatch(v as object);
      };
    case 'timestamp':
      return (v) => {
        // Epoch seconds, possibly fractional; rounded to whole milliseconds (float noise in v * 1000).
        if (typeof v === 'number') return new Date(Math.round(v * 1000));
        if (typeof v === 'string') fail(`class java.lang.String can not be converted to ${TARGET.timestamp}`);
        if (typeof v === 'boolean') fail(`class java.lang.Boolean can not be converted to ${TARGET.timestamp}`);
        return containerMismatch(v as object);
      };
    case 'list': {
      const memberName = shape.member.shape;
      let member: Decode | undefined;
      return (v) => {
        if (!Array.isArray(v)) {
          if (typeof v === 'object') fail(START_STRUCT);
          fail('Expected list or null');
        }
        member ??= decoderFor(model, memberName);
        const out = new Array<unknown>(v.length);
        for (let i = 0; i < v.length; i++) {
          const e = v[i];
          out[i] = e === null ? null : member(e);
        }
        return out;
      };
    }
    case 'map': {
      const valueName = shape.value.shape;
      let value: Decode | undefined;
      return (v) => {
        if (typeof v !== 'object') fail('Expected map or null');
        if (Array.isArray(v)) fail(START_LIST);
        value ??= decoderFor(model, valueName);
        const src = v as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const k of Object.keys(src)) {
          const e = src[k];
          if (e !== null) setOwn(out, k, value(e));
        }
        return out;
      };
    }
    case 'structure': {
      const memberShapes = new Map<string, string>();
      for (const [m, ref] of Object.entries(shape.members)) memberShapes.set(m, ref.shape);
      let members: Map<string, Decode> | undefined;
      return (v) => {
        if (typeof v !== 'object') fail('Expected null');
        if (Array.isArray(v)) fail(START_LIST);
        if (members === undefined) {
          members = new Map();
          for (const [m, s] of memberShapes) members.set(m, decoderFor(model, s));
        }
        const src = v as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const k in src) {
          const d = members.get(k);
          if (d === undefined) continue;
          const e = src[k];
          if (e !== null && e !== undefined) out[k] = d(e);
        }
        return out;
      };
    }
  }
}

/**
 * Type-checks and converts a parsed JSON 1.1 body against `operation`'s input shape, then validates
 * its constraints. Returns a new object (unknown members and nulls dropped, blobs as `Buffer`,
 * timestamps as `Date`). Throws `ServiceError` SerializationException (type errors),
 * ValidationException (constraints) or UnknownOperationException (operation not in the model).
 */
export function decodeInput(model: ServiceModel, operation: string, raw: Record<string, unknown>): Record<string, unknown> {
  const op = model.operations[operation];
  if (!op) throw new ServiceError(CommonErrors.UnknownOperationException);
  if (op.input === undefined) return {};
  const input = decoderFor(model, op.input)(raw) as Record<string, unknown>;
  validateInput(model, operation, input);
  return input;
}
