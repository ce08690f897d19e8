/**
 * JSON 1.1 input decoding: type checks and wire-type conversion of a parsed request body against the
 * operation's input shape, then the shared constraint validation.
 *
 * Wire format (awsJson1_1): the body is one JSON object whose members are the input shape's members
 * by their model names; blobs are base64 text; timestamps are epoch seconds as JSON numbers (may be
 * fractional); integers and longs are JSON numbers.
 *
 * AWS behaviour reproduced (docs/architecture.md, "Request lifecycle"; coral/Jackson texts observed from AWS,
 * docs/principles.md, principle 1):
 * 1. Unknown members and JSON nulls are dropped before anything else.
 * 2. Members are type-checked in the order they appear in the body; the first mismatch answers with
 *    SerializationException (body member `Message`) and AWS's text.
 * 3. Fractional numbers for integer/long members are truncated; integers clamp to the Java int range.
 * Conversion: blobs → `Buffer`, timestamps → `Date`.
 *
 * The shape walk is shared with CBOR 1.1 ({@link createInputDecoder}): AWS's coral front end runs one
 * Jackson-based type check for both encodings, and only blobs and timestamps look different on the wire,
 * so a wire supplies those two conversions (plus how to read values JSON cannot carry) as {@link WireScalars}.
 */
import { CommonErrors } from '../errors.js';
import { ServiceError } from '../service-error.js';
import type { ServiceModel, Shape } from '../shapes.js';
import { validateInput } from '../validate.js';

/** Converts a non-null JSON value to its decoded form or throws SerializationException. */
type Decode = (v: unknown) => unknown;

/**
 * What differs between the JSON-family wires for the shared type checks. Each conversion returns
 * `undefined` for a value of the wrong type; the common type errors then answer.
 */
export interface WireScalars {
  /** A blob member's value as bytes (JSON: base64 text). */
  readonly blob: (v: unknown) => Uint8Array | undefined;
  /** A timestamp member's value as a `Date` (JSON: epoch seconds). */
  readonly timestamp: (v: unknown) => Date | undefined;
  /**
   * Maps a value that has no JSON form to the JSON-like value it stands for (e.g. an unknown CBOR tag
   * to its content); returns `v` itself when there is none. Called only off the fast path.
   */
  readonly unwrap?: (v: unknown) => unknown;
  /**
   * For a value that has no JSON form (not a string, number, boolean, array or plain object): the Java
   * class name AWS would print for it in a type error (e.g. `class [B` for bytes); `undefined` for JSON
   * values. Such a value is never taken for a structure, map or list.
   */
  readonly className?: (v: unknown) => string | undefined;
}

/** Type-checks, converts and validates an operation input (the signature of {@link decodeInput}). */
export type InputDecoder = (
  model: ServiceModel,
  operation: string,
  raw: Record<string, unknown>,
) => Record<string, unknown>;

/** One wire's compiled decoders for one model, by shape name. */
interface Compiler {
  readonly wire: WireScalars;
  readonly model: ServiceModel;
  readonly byShape: Map<string, Decode>;
}

const START_STRUCT = 'Start of structure or map found where not expected.';
const START_LIST = 'Start of list found where not expected';
const BIG_NUMBER = 'class com.amazon.coral.value.json.numbers.TruncatingBigNumber';
const JAVA_INT_MIN = -2147483648;
const JAVA_INT_MAX = 2147483647;

function fail(message: string): never {
  throw new ServiceError(CommonErrors.SerializationException, message);
}

/** The error for an object or array where a scalar of `target` (e.g. `an Integer`) belongs. */
function containerMismatch(v: object): never {
  fail(Array.isArray(v) ? START_LIST : START_STRUCT);
}

/**
 * The slow path of every scalar check of `target` (e.g. `an Integer`): a value of the wrong type. A value
 * with no JSON form is first unwrapped by the wire and checked again (`retry`); otherwise the Jackson
 * text for its type answers.
 */
function mismatchFor(wire: WireScalars, target: string): (v: unknown, retry: Decode) => unknown {
  return (v, retry) => {
    if (wire.unwrap !== undefined) {
      const u = wire.unwrap(v);
      if (u !== v) return retry(u);
    }
    if (typeof v === 'boolean') fail(`class java.lang.Boolean can not be converted to ${target}`);
    if (typeof v === 'number' || typeof v === 'bigint') fail(`${BIG_NUMBER} can not be converted to ${target}`);
    if (typeof v === 'string') fail(`class java.lang.String can not be converted to ${target}`);
    const name = wire.className?.(v);
    if (name !== undefined) fail(`${name} can not be converted to ${target}`);
    return containerMismatch(v as object);
  };
}

/** A value the wire maps to something else (`undefined` when there is nothing to unwrap). */
function unwrapped(wire: WireScalars, v: unknown): unknown {
  if (wire.unwrap === undefined) return undefined;
  const u = wire.unwrap(v);
  return u === v ? undefined : u;
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
 * Strict base64 as AWS's (Jackson) decoder applies it, with its texts (observed from AWS, docs/principles.md, principle
 * 1): length a multiple of 4, only the standard alphabet with `=` padding at the end, and the unused low bits of the
 * last non-pad character zero.
 */
export function decodeBase64(s: string): Buffer {
  const n = s.length;
  // Fast path: Node's decoder is lenient (it skips characters outside the alphabet and stops at a `=`, so the
  // output comes out short; it takes the URL alphabet's `-` and `_` as 62 and 63), hence text is canonical base64,
  // which passes every check below, exactly when the output has the full length, neither `-` nor `_` occurs and
  // the padded group's unused bits are zero. Checked against re-encoding, which costs ~200 ns more per 100-byte
  // record, by test/protocol/json-base64.test.ts. Only a failure takes the detailed checks that name AWS's error.
  if (n % 4 === 0) {
    const decoded = Buffer.from(s, 'base64');
    const pads = n === 0 || s.charCodeAt(n - 1) !== 61 ? 0 : s.charCodeAt(n - 2) === 61 ? 2 : 1;
    if (
      decoded.length === (n >> 2) * 3 - pads &&
      s.indexOf('-') < 0 &&
      s.indexOf('_') < 0 &&
      (pads === 0 || (b64Value(s.charCodeAt(n - 1 - pads)) & (pads === 1 ? 0x3 : 0xf)) === 0)
    ) {
      return decoded;
    }
  }
  return decodeBase64Strictly(s);
}

/** The slow path of {@link decodeBase64}: each of AWS's checks in turn, failing with its text. */
function decodeBase64Strictly(s: string): Buffer {
  const prefix = `'${s}' can not be converted to a Blob: `;
  if (s.length % 4 !== 0) {
    fail(`${prefix}Base64 encoded length is expected a multiple of 4 bytes but found: ${s.length}`);
  }
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

function decoderFor(c: Compiler, name: string): Decode {
  const hit = c.byShape.get(name);
  if (hit) return hit;
  // Recursive shapes reach themselves while compiling: forward through a late-bound reference.
  let real: Decode | undefined;
  c.byShape.set(name, (v) => real!(v));
  real = buildDecoder(c, shapeOf(c.model, name));
  c.byShape.set(name, real);
  return real;
}

function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  // A `__proto__` key from JSON.parse is an own property; keep it one instead of changing the prototype.
  if (k === '__proto__')
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

function buildDecoder(c: Compiler, shape: Shape): Decode {
  const wire = c.wire;
  switch (shape.type) {
    case 'string': {
      const mismatch = mismatchFor(wire, TARGET.string);
      const d: Decode = (v) => (typeof v === 'string' ? v : mismatch(v, d));
      return d;
    }
    case 'integer':
    case 'long':
    case 'double':
    case 'float': {
      const mismatch = mismatchFor(wire, TARGET[shape.type]);
      const integral = shape.type === 'integer' || shape.type === 'long';
      const clamp = shape.type === 'integer';
      const d: Decode = (v) => {
        if (typeof v === 'number') {
          if (!integral) return v;
          // Coral's TruncatingBigNumber truncates toward zero; `+ 0` turns -0 into 0.
          const t = Math.trunc(v) + 0;
          return clamp ? Math.min(JAVA_INT_MAX, Math.max(JAVA_INT_MIN, t)) : t;
        }
        return mismatch(v, d);
      };
      return d;
    }
    case 'boolean': {
      const mismatch = mismatchFor(wire, TARGET.boolean);
      const d: Decode = (v) => {
        if (typeof v === 'boolean') return v;
        if (typeof v === 'string') {
          // Jackson coerces a few textual booleans; anything else fails with the value upper-cased.
          const u = v.toUpperCase();
          if (u === 'TRUE' || u === 'YES' || u === '1') return true;
          if (u === 'FALSE' || u === 'NO' || u === '0') return false;
          fail(`'${u}' can not be converted to ${TARGET.boolean}`);
        }
        return mismatch(v, d);
      };
      return d;
    }
    case 'blob': {
      const mismatch = mismatchFor(wire, TARGET.blob);
      const d: Decode = (v) => wire.blob(v) ?? mismatch(v, d);
      return d;
    }
    case 'timestamp': {
      const mismatch = mismatchFor(wire, TARGET.timestamp);
      const d: Decode = (v) => wire.timestamp(v) ?? mismatch(v, d);
      return d;
    }
    case 'list': {
      const memberName = shape.member.shape;
      let member: Decode | undefined;
      const d: Decode = (v) => {
        if (!Array.isArray(v)) {
          const u = unwrapped(wire, v);
          if (u !== undefined) return d(u);
          if (typeof v === 'object' && wire.className?.(v) === undefined) fail(START_STRUCT);
          fail('Expected list or null');
        }
        member ??= decoderFor(c, memberName);
        const out = new Array<unknown>(v.length);
        for (let i = 0; i < v.length; i++) {
          const e = v[i];
          // `undefined` only comes from wires that have it (CBOR's undefined): absent, like null.
          out[i] = e === null || e === undefined ? null : member(e);
        }
        return out;
      };
      return d;
    }
    case 'map': {
      const valueName = shape.value.shape;
      let value: Decode | undefined;
      const d: Decode = (v) => {
        if (typeof v !== 'object' || wire.className?.(v) !== undefined) {
          const u = unwrapped(wire, v);
          if (u !== undefined) return d(u);
          fail('Expected map or null');
        }
        if (Array.isArray(v)) fail(START_LIST);
        value ??= decoderFor(c, valueName);
        const src = v as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const k of Object.keys(src)) {
          const e = src[k];
          if (e !== null && e !== undefined) setOwn(out, k, value(e));
        }
        return out;
      };
      return d;
    }
    case 'structure': {
      const memberShapes = new Map<string, string>();
      for (const [m, ref] of Object.entries(shape.members)) memberShapes.set(m, ref.shape);
      let members: Map<string, Decode> | undefined;
      const d: Decode = (v) => {
        if (typeof v !== 'object' || wire.className?.(v) !== undefined) {
          const u = unwrapped(wire, v);
          if (u !== undefined) return d(u);
          fail('Expected null');
        }
        if (Array.isArray(v)) fail(START_LIST);
        if (members === undefined) {
          members = new Map();
          for (const [m, s] of memberShapes) members.set(m, decoderFor(c, s));
        }
        const src = v as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const k in src) {
          const dm = members.get(k);
          if (dm === undefined) continue;
          const e = src[k];
          if (e !== null && e !== undefined) out[k] = dm(e);
        }
        return out;
      };
      return d;
    }
  }
}

/**
 * Builds the shared shape-driven input decoder for one wire: type checks in body order with AWS's
 * SerializationException texts, the wire's blob and timestamp conversions, then the constraint checks
 * of ../validate.ts. Decoders are compiled once per model and shape.
 */
export function createInputDecoder(wire: WireScalars): InputDecoder {
  const compilers = new WeakMap<ServiceModel, Compiler>();
  return (model, operation, raw) => {
    const op = model.operations[operation];
    if (!op) throw new ServiceError(CommonErrors.UnknownOperationException);
    if (op.input === undefined) return {};
    let c = compilers.get(model);
    if (c === undefined) {
      c = { wire, model, byShape: new Map() };
      compilers.set(model, c);
    }
    const input = decoderFor(c, op.input)(raw) as Record<string, unknown>;
    validateInput(model, operation, input);
    return input;
  };
}

/** JSON 1.1: blobs are base64 text, timestamps epoch seconds (possibly fractional). */
const JSON_SCALARS: WireScalars = {
  blob: (v) => (typeof v === 'string' ? decodeBase64(v) : undefined),
  // Epoch seconds, possibly fractional; rounded to whole milliseconds (float noise in v * 1000).
  timestamp: (v) => (typeof v === 'number' ? new Date(Math.round(v * 1000)) : undefined),
};

/**
 * Type-checks and converts a parsed JSON 1.1 body against `operation`'s input shape, then validates
 * its constraints. Returns a new object (unknown members and nulls dropped, blobs as `Buffer`,
 * timestamps as `Date`). Throws `ServiceError` SerializationException (type errors),
 * ValidationException (constraints) or UnknownOperationException (operation not in the model).
 */
export const decodeInput: InputDecoder = createInputDecoder(JSON_SCALARS);
