/**
 * Operations on SQL values shared by the type checker's compiled expressions and the engine: CAST between the
 * SQL types (Amazon Kinesis Data Analytics SQL Reference, "CAST"), comparison, formatting, and the runtime error
 * that sends a row to `error_stream` instead of stopping the application (Developer Guide, "Error Handling").
 */
import { parseDatetimeLiteral } from './parser.js';
import { BIGINT_MAX, BIGINT_MIN, INT_RANGE, isNumeric, isString, type SqlType, type SqlValue } from './types.js';

/**
 * A data exception while evaluating one row (division by zero, bad cast, overflow). The engine writes it to
 * `error_stream` with `errorName` in ERROR_NAME and carries on with the next row.
 * TODO(#10): AWS's exact ERROR_NAME and MESSAGE texts for each case are not documented; these names follow the
 * SQL:2008 data-exception condition names.
 */
export class SqlRuntimeError extends Error {
  override readonly name = 'SqlRuntimeError';
  constructor(
    readonly errorName: string,
    message: string,
  ) {
    super(message);
  }
}

export const DIVISION_BY_ZERO = 'DIVISION_BY_ZERO';
export const NUMERIC_OUT_OF_RANGE = 'NUMERIC_VALUE_OUT_OF_RANGE';
export const INVALID_CAST = 'INVALID_CHARACTER_VALUE_FOR_CAST';
export const INVALID_ARGUMENT = 'INVALID_ARGUMENT';

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** `yyyy-MM-dd HH:mm:ss.SSS` (UTC), the text form of a TIMESTAMP. */
export function formatTimestamp(d: Date): string {
  return `${formatDate(d)} ${formatTime(d)}`;
}
export function formatDate(d: Date): string {
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}
export function formatTime(d: Date): string {
  return `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}`;
}

/** The text of a value as CAST(… AS VARCHAR) gives it. */
export function valueToText(v: Exclude<SqlValue, null>, from: SqlType): string {
  if (v instanceof Date)
    return from.kind === 'DATE' ? formatDate(v) : from.kind === 'TIME' ? formatTime(v) : formatTimestamp(v);
  if (Buffer.isBuffer(v)) return v.toString('hex').toUpperCase();
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number' && from.kind === 'DECIMAL') return v.toFixed(from.scale ?? 0);
  return String(v);
}

function outOfRange(v: SqlValue, to: SqlType): SqlRuntimeError {
  return new SqlRuntimeError(NUMERIC_OUT_OF_RANGE, `Value ${String(v)} is out of range for type ${to.kind}`);
}

function invalidCast(v: SqlValue, to: SqlType): SqlRuntimeError {
  return new SqlRuntimeError(INVALID_CAST, `Cannot cast '${String(v)}' to ${to.kind}`);
}

/** A JS number checked against an integer type's range (and made integral by truncation toward zero). */
export function toIntegerNumber(n: number, to: SqlType): number {
  if (!Number.isFinite(n)) throw outOfRange(n, to);
  const t = Math.trunc(n);
  const range = INT_RANGE[to.kind];
  if (range !== undefined && (t < range[0] || t > range[1])) throw outOfRange(n, to);
  return t === 0 ? 0 : t;
}

export function toBigint(v: number | bigint, to: SqlType): bigint {
  if (typeof v === 'bigint') {
    if (v < BIGINT_MIN || v > BIGINT_MAX) throw outOfRange(v, to);
    return v;
  }
  if (!Number.isFinite(v)) throw outOfRange(v, to);
  const b = BigInt(Math.trunc(v));
  if (b < BIGINT_MIN || b > BIGINT_MAX) throw outOfRange(v, to);
  return b;
}

/** DECIMAL(p,s): rounded half away from zero to s digits; more than p-s integer digits is an overflow. */
export function toDecimal(n: number, to: SqlType): number {
  if (!Number.isFinite(n)) throw outOfRange(n, to);
  const scale = to.scale ?? 0;
  const f = 10 ** scale;
  const r = (Math.sign(n) * Math.round(Math.abs(n) * f)) / f;
  const precision = to.length ?? 19;
  if (Math.abs(r) >= 10 ** (precision - scale)) throw outOfRange(n, to);
  return r === 0 ? 0 : r;
}

function numberOf(v: SqlValue): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return null;
}

/** A numeric string as SQL accepts it in CAST: optional sign, digits, fraction, exponent; surrounding blanks. */
const NUMERIC_TEXT = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;
const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/;

/**
 * CAST(v AS to) where v has type `from` (SQL:2008 §6.12 "cast specification", as the Kinesis Data Analytics SQL
 * Reference's CAST page lists the conversions): numbers convert between each other with range checks; text parses
 * into numbers, booleans and datetimes; anything converts to text; strings longer than a CHAR/VARCHAR length are
 * cut to it. A value that does not convert raises SqlRuntimeError.
 */
export function castValue(v: SqlValue, from: SqlType, to: SqlType): SqlValue {
  if (v === null) return null;
  switch (to.kind) {
    case 'VARCHAR':
    case 'CHAR': {
      let s = typeof v === 'string' ? v : valueToText(v, from);
      const len = to.length;
      if (len !== undefined && s.length > len) s = s.slice(0, len);
      if (to.kind === 'CHAR' && len !== undefined && s.length < len) s = s.padEnd(len, ' ');
      return s;
    }
    case 'TINYINT':
    case 'SMALLINT':
    case 'INTEGER': {
      if (typeof v === 'string') {
        if (!NUMERIC_TEXT.test(v)) throw invalidCast(v, to);
        return toIntegerNumber(Number(v), to);
      }
      const n = numberOf(v);
      if (n === null) throw invalidCast(v, to);
      return toIntegerNumber(n, to);
    }
    case 'BIGINT': {
      if (typeof v === 'string') {
        if (INTEGER_TEXT.test(v)) return toBigint(BigInt(v.trim()), to);
        if (!NUMERIC_TEXT.test(v)) throw invalidCast(v, to);
        return toBigint(Number(v), to);
      }
      if (typeof v === 'bigint') return v;
      const n = numberOf(v);
      if (n === null) throw invalidCast(v, to);
      return toBigint(n, to);
    }
    case 'DECIMAL':
    case 'REAL':
    case 'DOUBLE': {
      let n: number | null;
      if (typeof v === 'string') {
        if (!NUMERIC_TEXT.test(v)) throw invalidCast(v, to);
        n = Number(v);
      } else n = numberOf(v);
      if (n === null) throw invalidCast(v, to);
      if (to.kind === 'DECIMAL') return toDecimal(n, to);
      if (to.kind === 'REAL') {
        const f = Math.fround(n);
        if (!Number.isFinite(f) && Number.isFinite(n)) throw outOfRange(v, to);
        return f;
      }
      return n;
    }
    case 'BOOLEAN': {
      if (typeof v === 'boolean') return v;
      if (typeof v === 'string') {
        const t = v.trim().toUpperCase();
        if (t === 'TRUE') return true;
        if (t === 'FALSE') return false;
        throw invalidCast(v, to);
      }
      const n = numberOf(v);
      if (n === null) throw invalidCast(v, to);
      return n !== 0;
    }
    case 'TIMESTAMP':
    case 'DATE':
    case 'TIME': {
      let d: Date | null;
      if (v instanceof Date) d = v;
      else if (typeof v === 'string') {
        d = parseDatetimeLiteral(to.kind, v);
        if (d === null && to.kind !== 'TIMESTAMP') d = parseDatetimeLiteral('TIMESTAMP', v);
      } else d = null;
      if (d === null) throw invalidCast(v, to);
      const t = d.getTime();
      if (to.kind === 'DATE') return new Date(t - (((t % 86_400_000) + 86_400_000) % 86_400_000));
      if (to.kind === 'TIME') return new Date(((t % 86_400_000) + 86_400_000) % 86_400_000);
      return d;
    }
    case 'BINARY':
    case 'VARBINARY': {
      let b: Buffer;
      if (Buffer.isBuffer(v)) b = v;
      else if (typeof v === 'string') b = Buffer.from(v, 'utf8');
      else throw invalidCast(v, to);
      return to.length !== undefined && b.length > to.length ? b.subarray(0, to.length) : b;
    }
    default:
      return v;
  }
}

/**
 * Orders two non-null values of comparable types: numbers (bigint and number mixed), strings by UTF-16 code
 * units, datetimes by instant, booleans FALSE < TRUE, binaries bytewise.
 */
export function compareValues(a: Exclude<SqlValue, null>, b: Exclude<SqlValue, null>): number {
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return Buffer.compare(a, b);
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  const x = typeof a === 'bigint' ? Number(a) : (a as number | boolean);
  const y = typeof b === 'bigint' ? Number(b) : (b as number | boolean);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A key for Maps: equal SQL values give equal keys (numbers and bigints of one value alike, Dates by instant). */
export function valueKey(v: SqlValue): string | number | boolean | null {
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'string') return `s${v}`;
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : `b${v}`;
  if (v instanceof Date) return v.getTime();
  return `x${v.toString('hex')}`;
}

/** One Map key for several values (group keys, partition keys, join keys). */
export function compositeKey(values: SqlValue[]): string | number | boolean | null {
  if (values.length === 1) return valueKey(values[0]!);
  let k = '';
  for (const v of values) {
    const part = valueKey(v);
    k += `${typeof part}:${String(part)}\u0001`;
  }
  return k;
}

/** Whether a value fits the assignment check of a column type (used by the engine's INSERT). */
export function isAssignableValueType(t: SqlType): boolean {
  return isNumeric(t) || isString(t);
}
