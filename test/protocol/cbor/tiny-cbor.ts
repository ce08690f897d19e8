/**
 * A tiny test-only CBOR (RFC 8949) encoder and decoder, written from the RFC and independent of cbor-x,
 * so tests check the server's bytes against the format rather than against the library that made them.
 *
 * Encoding: integers (number or bigint) in the shortest head of major type 0/1, other numbers float64,
 * strings as text (3), `Uint8Array` as byte strings (2), arrays (4), plain objects and `Map`s as maps (5),
 * {@link Tagged} as tags (6), booleans/null/undefined as simple values (7). Definite lengths only.
 * Decoding: the same, plus floats in all three widths and indefinite-length items; floats come back as
 * {@link Float} so a test can tell `1` from `1.0`, integers beyond 2^53 as bigint.
 */

/** A CBOR tag (major type 6) around a value. */
export class Tagged {
  constructor(
    readonly tag: number,
    readonly value: unknown,
  ) {}
}

/** A decoded floating-point number (major type 7, additional info 25–27). */
export class Float {
  constructor(readonly value: number) {}
}

function head(major: number, n: number | bigint): Buffer {
  const m = major << 5;
  const v = BigInt(n);
  if (v < 24n) return Buffer.from([m | Number(v)]);
  if (v < 0x100n) return Buffer.from([m | 24, Number(v)]);
  if (v < 0x10000n) {
    const b = Buffer.alloc(3);
    b[0] = m | 25;
    b.writeUInt16BE(Number(v), 1);
    return b;
  }
  if (v < 0x100000000n) {
    const b = Buffer.alloc(5);
    b[0] = m | 26;
    b.writeUInt32BE(Number(v), 1);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = m | 27;
  b.writeBigUInt64BE(v, 1);
  return b;
}

function integer(n: bigint): Buffer {
  return n >= 0n ? head(0, n) : head(1, -1n - n);
}

/** Encodes `v` as CBOR (see the file header for the mapping). */
export function cbor(v: unknown): Buffer {
  if (v === undefined) return Buffer.from([0xf7]);
  if (v === null) return Buffer.from([0xf6]);
  if (v === false) return Buffer.from([0xf4]);
  if (v === true) return Buffer.from([0xf5]);
  if (typeof v === 'bigint') return integer(v);
  if (typeof v === 'number') {
    if (Number.isSafeInteger(v)) return integer(BigInt(v));
    const b = Buffer.alloc(9);
    b[0] = 0xfb;
    b.writeDoubleBE(v, 1);
    return b;
  }
  if (typeof v === 'string') {
    const bytes = Buffer.from(v, 'utf8');
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (v instanceof Uint8Array) return Buffer.concat([head(2, v.length), v]);
  if (v instanceof Float) {
    const b = Buffer.alloc(9);
    b[0] = 0xfb;
    b.writeDoubleBE(v.value, 1);
    return b;
  }
  if (v instanceof Tagged) return Buffer.concat([head(6, v.tag), cbor(v.value)]);
  if (Array.isArray(v)) return Buffer.concat([head(4, v.length), ...v.map(cbor)]);
  const entries = v instanceof Map ? [...v.entries()] : Object.entries(v as object);
  return Buffer.concat([head(5, entries.length), ...entries.flatMap(([k, x]) => [cbor(k), cbor(x)])]);
}

const BREAK = Symbol('break');

/** Decodes one CBOR data item that must fill `bytes` exactly. */
export function uncbor(bytes: Uint8Array): unknown {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;

  function need(n: number): void {
    if (pos + n > buf.length) throw new Error(`truncated CBOR at ${pos}`);
  }

  function argument(info: number): number | bigint {
    if (info < 24) return info;
    if (info === 24) return (need(1), buf[pos++]!);
    if (info === 25) return (need(2), (pos += 2), buf.readUInt16BE(pos - 2));
    if (info === 26) return (need(4), (pos += 4), buf.readUInt32BE(pos - 4));
    if (info === 27) {
      need(8);
      pos += 8;
      const v = buf.readBigUInt64BE(pos - 8);
      return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
    throw new Error(`bad additional info ${info}`);
  }

  function item(): unknown {
    need(1);
    const first = buf[pos++]!;
    const major = first >> 5;
    const info = first & 0x1f;
    if (info === 31) {
      if (major === 7) return BREAK;
      const parts: unknown[] = [];
      for (let x = item(); x !== BREAK; x = item()) parts.push(x);
      if (major === 2) return Buffer.concat(parts as Buffer[]);
      if (major === 3) return parts.join('');
      if (major === 4) return parts;
      if (major === 5) return toObject(parts);
      throw new Error(`indefinite length for major type ${major}`);
    }
    if (major === 7) {
      if (info === 20) return false;
      if (info === 21) return true;
      if (info === 22) return null;
      if (info === 23) return undefined;
      if (info === 25) return (need(2), (pos += 2), new Float(half(buf.readUInt16BE(pos - 2))));
      if (info === 26) return (need(4), (pos += 4), new Float(buf.readFloatBE(pos - 4)));
      if (info === 27) return (need(8), (pos += 8), new Float(buf.readDoubleBE(pos - 8)));
      throw new Error(`unsupported simple value ${info}`);
    }
    const n = argument(info);
    switch (major) {
      case 0:
        return n;
      case 1:
        return typeof n === 'bigint' ? -1n - n : -1 - n;
      case 2:
      case 3: {
        const len = Number(n);
        need(len);
        const slice = buf.subarray(pos, (pos += len));
        return major === 2 ? Buffer.from(slice) : slice.toString('utf8');
      }
      case 4:
        return Array.from({ length: Number(n) }, () => item());
      case 5:
        return toObject(Array.from({ length: Number(n) * 2 }, () => item()));
      default:
        return new Tagged(Number(n), item());
    }
  }

  const value = item();
  if (pos !== buf.length) throw new Error(`${buf.length - pos} trailing bytes`);
  return value;
}

function toObject(kv: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < kv.length; i += 2) {
    if (typeof kv[i] !== 'string') throw new Error('map key is not a text string');
    out[kv[i] as string] = kv[i + 1];
  }
  return out;
}

function half(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (mant + 1024) * 2 ** (exp - 25);
}
