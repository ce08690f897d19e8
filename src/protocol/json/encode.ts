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
  private used = 0;

  /** Moves the pending text into the byte buffer, growing it as needed. */
  flush(): void {
    const t = this.text;
    if (t.length === 0) return;
    // A UTF-16 unit is at most 3 bytes of UTF-8 (a surrogate pair, two units, is 4).
    const worst = this.used + t.length * 3;
    const size = this.bytes?.length ?? 0;
    if (worst > size) {
      const grown = Buffer.allocUnsafe(Math.max(worst, size * 2));
      this.bytes?.copy(grown, 0, 0, this.used);
      this.bytes = grown;
    }
    this.used += this.bytes!.write(t, this.used, 'utf8');
    this.text = '';
  }

  /** The bytes written; the writer is not used after this. */
  finish(): Buffer {
    if (this.bytes === undefined) return Buffer.from(this.text, 'utf8');
    this.flush();
    return this.bytes.subarray(0, this.used);
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
