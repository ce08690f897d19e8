/**
 * JSON 1.1 output encoding compiled from the output shape, written straight into bytes.
 *
 * The generic path (./codec.ts) first copies a handler's output into plain JSON data (blobs → base64, dates →
 * epoch seconds), runs `JSON.stringify` over the copy, which scans every character of every string again for
 * escapes (GetRecords: 10,000 base64 blobs), then copies the text into a Buffer: three walks over the output. It
 * was about 40% of the server's time answering GetRecords (docs/adr/0024-shape-compiled-json-output.md). An
 * encoder compiled from the shape writes each member's text from the handler's value in one walk: a structure's
 * members are read by name in code generated once per shape (a fixed property name per read site), strings of
 * the output go through `JSON.stringify` one by one, blobs are base64 (never escaped), and the text goes into a
 * growing byte buffer in pieces of a few kilobytes, so no long chain of concatenated strings is ever flattened.
 *
 * Output rules are the generic path's (AWS JSON 1.1 protocol, Smithy specification awsJson1_1): blobs as base64
 * text, timestamps as epoch seconds (`1764000000.123`), absent (`undefined`/`null`) members omitted, list
 * elements that are absent written as `null`. A structure writes the members of its shape, in model order: the
 * output shape is the contract, as in AWS's own serializers, and a member a handler sets outside it is not
 * sent. A value whose type does not match its shape is written by the generic conversion, so its text is the
 * one the generic path gives.
 */
import type { ServiceModel, Shape } from '../shapes.js';

/**
 * Strings JSON writes as they are (well-formed JSON.stringify escapes `"`, `\\`, control characters and lone
 * surrogates only). Testing for them and quoting is measured 2.5x cheaper than a `JSON.stringify` call for the
 * short strings of outputs (sequence numbers, shard ids); anything else takes `JSON.stringify`, surrogate pairs
 * included.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON escapes exactly these control characters.
const PLAIN_STRING = /^[^"\\\u0000-\u001f\ud800-\udfff]*$/;

/** A string's JSON text, as `JSON.stringify` writes it. */
export function quoteJson(s: string): string {
  return PLAIN_STRING.test(s) ? `"${s}"` : JSON.stringify(s);
}

/** Text pending past this many UTF-16 units is moved into the byte buffer. */
const FLUSH_AT = 8192;
/** Bytes the byte buffer gets beyond what a growth asked for (see `grow`). */
const GROW_HEADROOM = 4096;

/**
 * Where an encoder writes: `text` collects the pending JSON text; {@link flush} moves it into the byte buffer
 * (with `Buffer#write`, measured 2x cheaper than building one long string and converting it at the end). The byte
 * buffer is made at the first flush: an output that never reaches {@link FLUSH_AT} characters (most answers, and
 * every audit record but those of large batches) becomes bytes with one `Buffer.from` and allocates nothing else
 * (a 4 KiB buffer made up front per response cost requests/s with 64 single-record clients, in alternating runs).
 */
export class JsonByteWriter {
  text = '';
  private bytes: Buffer | undefined;
  /** Bytes of the byte buffer in use: where the next direct write (see {@link room}) goes. */
  used = 0;

  /** Moves the pending text into the byte buffer, growing it as needed. */
  flush(): void {
    const t = this.text;
    if (t.length === 0) return;
    // A UTF-16 unit is at most 3 bytes of UTF-8 (a surrogate pair, two units, is 4).
    const target = this.grow(t.length * 3);
    this.used += target.write(t, this.used, 'utf8');
    this.text = '';
  }

  /**
   * Moves the pending text into the byte buffer and returns that buffer with room for `n` more bytes at
   * {@link used}: a caller writing bytes directly (a list that writes its own JSON, {@link OWN_JSON}) writes them
   * there and advances `used` past them.
   */
  room(n: number): Buffer {
    if (this.text.length > 0) this.flush();
    return this.grow(n);
  }

  private grow(n: number): Buffer {
    const need = this.used + n;
    const bytes = this.bytes;
    if (bytes !== undefined && need <= bytes.length) return bytes;
    // Headroom past the request: a large list written in one piece (GetRecords' prepared records, ~2 MB) is
    // followed by a few short members, which would otherwise grow, and so copy, the whole buffer once more.
    const grown = Buffer.allocUnsafe(Math.max(need + GROW_HEADROOM, (bytes?.length ?? 0) * 2));
    bytes?.copy(grown, 0, 0, this.used);
    this.bytes = grown;
    return grown;
  }

  /** The bytes written; the writer is not used after this. */
  finish(): Buffer {
    if (this.bytes === undefined) return Buffer.from(this.text, 'utf8');
    this.flush();
    return this.bytes.subarray(0, this.used);
  }
}

/**
 * A list value of an output may carry, under this key, a function that writes the whole list's JSON text itself
 * (bytes straight into {@link JsonByteWriter.room}); the list encoder then calls it instead of encoding element by
 * element. Only the hottest outputs use it (GetRecords' and SubscribeToShard's records, PutRecords' result entries:
 * src/streams/records-json.ts), where building a string per member and re-encoding it was most of the answer's
 * cost. The list stays an ordinary array of ordinary elements for every other reader (CBOR, tests), and its
 * writer must give the text the shape-compiled encoder gives (tests compare the two).
 */
export const OWN_JSON: unique symbol = Symbol('tributary.ownJson');

/** The writer a list carries under {@link OWN_JSON}. */
export type OwnJsonWriter = (w: JsonByteWriter, list: readonly unknown[]) => void;

/** Gives `list` its own JSON writer (see {@link OWN_JSON}); returns the list. */
export function withOwnJson<T extends unknown[]>(list: T, writer: OwnJsonWriter): T {
  Object.defineProperty(list, OWN_JSON, { value: writer, enumerable: false, configurable: true, writable: true });
  return list;
}

/** Strings whose JSON text is their ASCII bytes between quotes: printable ASCII except `"` and `\\`. */
const PLAIN_ASCII = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * `Buffer.prototype.latin1Write` (what `buf.write(s, at, 'latin1')` ends in; not in Node's typings): called directly
 * it skips `write`'s argument checks, measured 2–4x cheaper than copying a 56-digit sequence number byte by byte in
 * JS. Undefined if a Node version drops it; then `write` is used.
 */
const nativeLatin1Write = (
  Buffer.prototype as unknown as { latin1Write?: (this: Buffer, s: string, at: number) => number }
).latin1Write;

/** Writes ASCII text `s` at `at` in `out`; returns the bytes written. */
function latin1Into(out: Buffer, s: string, at: number): number {
  return nativeLatin1Write ? nativeLatin1Write.call(out, s, at) : out.write(s, at, 'latin1');
}

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
/** ASCII of the base64 digit pair for each 12-bit value: low byte first char, high byte second. */
const BASE64_PAIRS = new Uint16Array(4096);
for (let i = 0; i < 4096; i++) {
  BASE64_PAIRS[i] = BASE64_ALPHABET.charCodeAt(i >> 6) | (BASE64_ALPHABET.charCodeAt(i & 63) << 8);
}

/** Bytes of the base64 text of `n` bytes (padded). */
export function base64Length(n: number): number {
  return Math.ceil(n / 3) * 4;
}

/**
 * Writes the base64 text of `src[start, end)` (standard alphabet, padded, as {@link base64Of} writes it) into `out` at
 * `at`, which must have room for {@link base64Length} bytes; returns the position after it. In JS, two digits per
 * table lookup: no string is made per blob (the native encoder returns a string, which would then be copied into the
 * output again).
 */
export function writeBase64(src: Uint8Array, start: number, end: number, out: Uint8Array, at: number): number {
  const T = BASE64_PAIRS;
  let o = at;
  let i = start;
  for (; i + 3 <= end; i += 3) {
    const v = (src[i]! << 16) | (src[i + 1]! << 8) | src[i + 2]!;
    const a = T[v >>> 12]!;
    const b = T[v & 4095]!;
    out[o] = a & 0xff;
    out[o + 1] = a >>> 8;
    out[o + 2] = b & 0xff;
    out[o + 3] = b >>> 8;
    o += 4;
  }
  const rest = end - i;
  if (rest > 0) {
    const v = (src[i]! << 16) | (rest === 2 ? src[i + 1]! << 8 : 0);
    const a = T[v >>> 12]!;
    out[o] = a & 0xff;
    out[o + 1] = a >>> 8;
    out[o + 2] = rest === 2 ? T[v & 4095]! & 0xff : 0x3d;
    out[o + 3] = 0x3d;
    o += 4;
  }
  return o;
}

/**
 * Writes a list's JSON text straight into a {@link JsonByteWriter}'s bytes (see {@link OWN_JSON}). Made with an
 * estimate of the bytes to come, so the buffer is usually sized once; every write still checks its room and grows
 * the buffer when the estimate was short (strings that need escapes). {@link done} hands the position back to the
 * writer.
 */
export class JsonByteCursor {
  private out: Buffer;
  private p: number;

  constructor(
    private readonly w: JsonByteWriter,
    estimate: number,
  ) {
    this.out = w.room(estimate);
    this.p = w.used;
  }

  private ensure(n: number): void {
    if (this.p + n <= this.out.length) return;
    this.w.used = this.p;
    this.out = this.w.room(n);
    this.p = this.w.used;
  }

  /** One ASCII byte (punctuation). */
  byte(c: number): void {
    this.ensure(1);
    this.out[this.p++] = c;
  }

  /** Bytes as they are (fixed text such as member names: measured cheaper than writing their text). */
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.out.set(b, this.p);
    this.p += b.length;
  }

  /** ASCII text that needs no escaping (numbers). */
  ascii(s: string): void {
    this.ensure(s.length);
    this.p += latin1Into(this.out, s, this.p);
  }

  /**
   * A JSON string, quotes included: printable ASCII without `"` and `\\` is copied as it is, anything else is
   * written as `JSON.stringify` writes it.
   */
  string(s: string): void {
    if (!PLAIN_ASCII.test(s)) {
      const text = JSON.stringify(s);
      this.ensure(text.length * 3);
      this.p += this.out.write(text, this.p, 'utf8');
      return;
    }
    this.ensure(s.length + 2);
    const out = this.out;
    const at = this.p;
    out[at] = 0x22;
    const end = at + 1 + latin1Into(out, s, at + 1);
    out[end] = 0x22;
    this.p = end + 1;
  }

  /** A blob as the JSON string of its base64 text (standard alphabet, padded, as {@link base64Of} writes it). */
  base64(src: Uint8Array): void {
    this.ensure(base64Length(src.length) + 2);
    const out = this.out;
    out[this.p] = 0x22;
    const end = writeBase64(src, 0, src.length, out, this.p + 1);
    out[end] = 0x22;
    this.p = end + 1;
  }

  /** Hands the position back to the writer; the cursor is not used after this. */
  done(): void {
    this.w.used = this.p;
  }
}

/** Appends the JSON text of one present (non-null) value of a shape. */
export type Encode = (w: JsonByteWriter, v: unknown) => void;

/** The generic JSON text of one value, for values that do not match their shape. */
export type GenericEncode = (v: unknown) => string;

/** Options of {@link createShapeWriter}. */
export interface ShapeWriterOptions {
  /**
   * Leave blob members out of structures (and write blobs inside lists and maps as `null`): the audit log's
   * requestParameters, where record payloads are never written (src/server/audit.ts).
   */
  readonly omitBlobs?: boolean;
}

interface Compiler {
  readonly model: ServiceModel;
  readonly byShape: Map<string, Encode>;
  readonly generic: GenericEncode;
  readonly omitBlobs: boolean;
}

/**
 * Node's native base64 encoder (`Buffer.prototype.base64Slice`, what `buf.toString('base64')` ends in; not in
 * Node's typings) accepts any Uint8Array as `this`, which skips the `Buffer` view `Buffer.from(…)` would allocate
 * per blob. Undefined if a Node version drops it; then the view is made.
 */
const nativeBase64 = (
  Buffer.prototype as unknown as { base64Slice?: (this: Uint8Array, start: number, end: number) => string }
).base64Slice;

/** Base64 text of `bytes` (standard alphabet, padded), as AWS JSON 1.1 writes blobs. */
export function base64Of(bytes: Uint8Array): string {
  return nativeBase64
    ? nativeBase64.call(bytes, 0, bytes.byteLength)
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function encoderFor(c: Compiler, name: string): Encode {
  const hit = c.byShape.get(name);
  if (hit) return hit;
  const shape = c.model.shapes[name];
  if (!shape) throw new Error(`model has no shape ${name}`);
  // Recursive shapes reach themselves while compiling: forward through a late-bound reference.
  let real: Encode | undefined;
  c.byShape.set(name, (w, v) => real!(w, v));
  real = buildEncoder(c, shape);
  c.byShape.set(name, real);
  return real;
}

/** Objects a structure or map encoder writes member by member (not arrays, bytes or dates). */
function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && !(v instanceof Date);
}

/**
 * A structure's encoder as generated code: one `o["Member"]` read per member, so each read site sees one
 * property name (a loop over names made every read a lookup by a changing key, measured slower than the
 * generic path). Names come from the generated model and are embedded as JSON string literals.
 */
function structureEncoder(c: Compiler, shape: Extract<Shape, { type: 'structure' }>): Encode {
  const names = Object.keys(shape.members).filter(
    (m) => !(c.omitBlobs && c.model.shapes[shape.members[m]!.shape]?.type === 'blob'),
  );
  const members = names.map((m) => encoderFor(c, shape.members[m]!.shape));
  const lines = names.map((name, i) => {
    const key = JSON.stringify(`${JSON.stringify(name)}:`);
    const later = JSON.stringify(`,${JSON.stringify(name)}:`);
    return `x = o[${JSON.stringify(name)}]; if (x !== undefined && x !== null) { w.text += first ? ${key} : ${later}; first = false; m[${i}](w, x); }`;
  });
  const body = `return function encodeStructure(w, o) { let x; let first = true; w.text += '{'; ${lines.join(' ')} w.text += '}'; };`;
  const generated = new Function('m', body)(members) as Encode;
  const generic = c.generic;
  return (w, v) => {
    if (isRecord(v)) generated(w, v);
    else w.text += generic(v);
  };
}

function buildEncoder(c: Compiler, shape: Shape): Encode {
  const generic = c.generic;
  switch (shape.type) {
    case 'string':
      return (w, v) => {
        w.text += typeof v === 'string' ? quoteJson(v) : generic(v);
      };
    case 'integer':
    case 'long':
    case 'double':
    case 'float':
      // A finite number's JavaScript text is its JSON text; NaN and the infinities are JSON null.
      return (w, v) => {
        w.text += typeof v === 'number' ? (Number.isFinite(v) ? `${v}` : 'null') : generic(v);
      };
    case 'boolean':
      return (w, v) => {
        w.text += v === true ? 'true' : v === false ? 'false' : generic(v);
      };
    case 'blob':
      if (c.omitBlobs)
        return (w) => {
          w.text += 'null';
        };
      return (w, v) => {
        w.text += v instanceof Uint8Array ? `"${base64Of(v)}"` : generic(v);
      };
    case 'timestamp':
      return (w, v) => {
        if (!(v instanceof Date)) {
          w.text += generic(v);
          return;
        }
        const ms = v.getTime();
        w.text += Number.isNaN(ms) ? 'null' : `${ms / 1000}`;
      };
    case 'list': {
      const memberName = shape.member.shape;
      let member: Encode | undefined;
      return (w, v) => {
        if (!Array.isArray(v)) {
          w.text += generic(v);
          return;
        }
        const own = (v as { [OWN_JSON]?: OwnJsonWriter })[OWN_JSON];
        if (own !== undefined && !c.omitBlobs) {
          own(w, v);
          return;
        }
        member ??= encoderFor(c, memberName);
        w.text += '[';
        for (let i = 0; i < v.length; i++) {
          const e: unknown = v[i];
          if (i > 0) w.text += ',';
          if (e === undefined || e === null) w.text += 'null';
          else member(w, e);
          if (w.text.length > FLUSH_AT) w.flush();
        }
        w.text += ']';
      };
    }
    case 'map': {
      const valueName = shape.value.shape;
      let value: Encode | undefined;
      return (w, v) => {
        if (!isRecord(v)) {
          w.text += generic(v);
          return;
        }
        value ??= encoderFor(c, valueName);
        w.text += '{';
        let first = true;
        const entries: Iterable<[unknown, unknown]> = v instanceof Map ? v : Object.entries(v);
        for (const [k, x] of entries) {
          if (x === undefined || x === null) continue;
          w.text += `${first ? '' : ','}${JSON.stringify(String(k))}:`;
          first = false;
          value(w, x);
        }
        w.text += '}';
      };
    }
    case 'structure':
      return structureEncoder(c, shape);
  }
}

/**
 * Builds a shape-compiled writer: `(model, shapeName)` → the function that appends a value of that shape to a
 * {@link JsonByteWriter}. Encoders are compiled once per model and shape.
 */
export function createShapeWriter(
  generic: GenericEncode,
  options: ShapeWriterOptions = {},
): (model: ServiceModel, shapeName: string) => Encode {
  const compilers = new WeakMap<ServiceModel, Compiler>();
  return (model, shapeName) => {
    let c = compilers.get(model);
    if (c === undefined) {
      c = { model, byShape: new Map(), generic, omitBlobs: options.omitBlobs === true };
      compilers.set(model, c);
    }
    return encoderFor(c, shapeName);
  };
}
