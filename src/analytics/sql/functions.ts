/**
 * Scalar functions of part 1 (Amazon Kinesis Data Analytics SQL Reference, "String and Search Functions",
 * "Numeric Functions", "Date and Time Functions"). Each entry checks its argument types at compile time and
 * returns the result type and an implementation over non-null arguments: unless `nullAware` is set, a NULL
 * argument makes the result NULL without calling it.
 */
import { formatWithPattern, parseWithPattern } from './datetime-format.js';
import { type SourcePos, semanticError } from './errors.js';
import type { SqlType, SqlValue } from './types.js';
import { isDatetime, isNumeric, isString, numericCommon } from './types.js';
import {
  DIVISION_BY_ZERO,
  INVALID_ARGUMENT,
  NUMERIC_OUT_OF_RANGE,
  SqlRuntimeError,
  toIntegerNumber,
} from './values.js';

/** A compiled scalar function: its result type and its body. */
export interface ScalarFunction {
  type: SqlType;
  /** Called with the argument values; when `nullAware` is false, never with a NULL. */
  call: (args: SqlValue[], now: () => number) => SqlValue;
  nullAware?: boolean;
}

type Builder = (types: SqlType[], pos: SourcePos, name: string) => ScalarFunction;

function arity(name: string, types: SqlType[], min: number, max: number, pos: SourcePos): void {
  if (types.length < min || types.length > max)
    throw semanticError(`No match found for function signature ${name}(${types.map((t) => t.kind).join(', ')})`, pos);
}

function need(ok: boolean, name: string, types: SqlType[], pos: SourcePos): void {
  if (!ok)
    throw semanticError(
      `Cannot apply '${name}' to arguments of type ${name}(${types.map((t) => `<${t.kind}>`).join(', ')})`,
      pos,
    );
}

const stringOrNull = (t: SqlType): boolean => isString(t) || t.kind === 'NULL';
const numberOrNull = (t: SqlType): boolean => isNumeric(t) || t.kind === 'NULL';
const VARCHAR_ANY: SqlType = { kind: 'VARCHAR', length: 65535 };

function num(v: SqlValue): number {
  return typeof v === 'bigint' ? Number(v) : (v as number);
}

/** The numeric result of an exact function over a DOUBLE, made to fit its declared type. */
function fitNumber(n: number, t: SqlType): SqlValue {
  if (!Number.isFinite(n)) throw new SqlRuntimeError(NUMERIC_OUT_OF_RANGE, `Numeric result ${n} is out of range`);
  if (t.kind === 'BIGINT') return BigInt(Math.trunc(n));
  if (t.kind === 'INTEGER' || t.kind === 'SMALLINT' || t.kind === 'TINYINT') return toIntegerNumber(n, t);
  return n;
}

const stringFn =
  (f: (s: string) => SqlValue, type: (t: SqlType) => SqlType): Builder =>
  (types, pos, name) => {
    arity(name, types, 1, 1, pos);
    need(stringOrNull(types[0]!), name, types, pos);
    return { type: type(types[0]!), call: (a) => f(a[0] as string) };
  };

const mathFn =
  (f: (x: number) => number): Builder =>
  (types, pos, name) => {
    arity(name, types, 1, 1, pos);
    need(numberOrNull(types[0]!), name, types, pos);
    return {
      type: { kind: 'DOUBLE' },
      call: (a) => {
        const r = f(num(a[0]!));
        if (Number.isNaN(r))
          throw new SqlRuntimeError(INVALID_ARGUMENT, `Invalid argument ${String(a[0])} for function ${name}`);
        return fitNumber(r, { kind: 'DOUBLE' });
      },
    };
  };

function sameNumeric(t: SqlType): SqlType {
  return t.kind === 'NULL' ? { kind: 'INTEGER' } : t;
}

export const SCALAR_FUNCTIONS: Readonly<Record<string, Builder>> = {
  CHAR_LENGTH: stringFn(
    (s) => s.length,
    () => ({ kind: 'INTEGER' }),
  ),
  CHARACTER_LENGTH: stringFn(
    (s) => s.length,
    () => ({ kind: 'INTEGER' }),
  ),
  LOWER: stringFn(
    (s) => s.toLowerCase(),
    (t) => t,
  ),
  UPPER: stringFn(
    (s) => s.toUpperCase(),
    (t) => t,
  ),
  INITCAP: stringFn(
    (s) => s.toLowerCase().replace(/(^|[^A-Za-z0-9])([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase()),
    (t) => t,
  ),
  /** SUBSTRING(s FROM start [FOR length]), 1-based (SQL:2008 §6.29). */
  SUBSTRING: (types, pos, name) => {
    arity(name, types, 2, 3, pos);
    need(stringOrNull(types[0]!) && types.slice(1).every(numberOrNull), name, types, pos);
    return {
      type: types[0]!.kind === 'NULL' ? VARCHAR_ANY : { kind: 'VARCHAR', length: types[0]!.length ?? 65535 },
      call: (a) => {
        const s = a[0] as string;
        const start = num(a[1]!);
        if (a.length === 2) return s.slice(Math.max(start - 1, 0));
        const len = num(a[2]!);
        if (len < 0) throw new SqlRuntimeError('SUBSTRING_ERROR', `Negative substring length ${len}`);
        const end = start + len;
        return s.slice(Math.max(start - 1, 0), Math.max(end - 1, 0));
      },
    };
  },
  /** TRIM(mode, chars, s): the parser turns TRIM([BOTH|LEADING|TRAILING] [chars] FROM s) into this. */
  TRIM: (types, pos, name) => {
    arity(name, types, 3, 3, pos);
    need(types.every(stringOrNull), name, types, pos);
    return {
      type: types[2]!.kind === 'NULL' ? VARCHAR_ANY : { kind: 'VARCHAR', length: types[2]!.length ?? 65535 },
      call: (a) => {
        const mode = a[0] as string;
        const chars = a[1] as string;
        let s = a[2] as string;
        if (chars.length !== 1)
          throw new SqlRuntimeError('TRIM_ERROR', `Trim character must be exactly one character: '${chars}'`);
        if (mode !== 'TRAILING') {
          let i = 0;
          while (i < s.length && s[i] === chars) i++;
          s = s.slice(i);
        }
        if (mode !== 'LEADING') {
          let j = s.length;
          while (j > 0 && s[j - 1] === chars) j--;
          s = s.slice(0, j);
        }
        return s;
      },
    };
  },
  /** POSITION(needle IN haystack): 1-based, 0 when absent (SQL:2008 §6.28). */
  POSITION: (types, pos, name) => {
    arity(name, types, 2, 2, pos);
    need(types.every(stringOrNull), name, types, pos);
    return { type: { kind: 'INTEGER' }, call: (a) => (a[1] as string).indexOf(a[0] as string) + 1 };
  },
  /** OVERLAY(s PLACING r FROM start [FOR length]) (SQL:2008 §6.29). */
  OVERLAY: (types, pos, name) => {
    arity(name, types, 3, 4, pos);
    need(stringOrNull(types[0]!) && stringOrNull(types[1]!) && types.slice(2).every(numberOrNull), name, types, pos);
    return {
      type: VARCHAR_ANY,
      call: (a) => {
        const s = a[0] as string;
        const r = a[1] as string;
        const start = num(a[2]!);
        const len = a.length === 4 ? num(a[3]!) : r.length;
        return s.slice(0, Math.max(start - 1, 0)) + r + s.slice(Math.max(start - 1 + len, 0));
      },
    };
  },
  ABS: (types, pos, name) => {
    arity(name, types, 1, 1, pos);
    need(numberOrNull(types[0]!), name, types, pos);
    const t = sameNumeric(types[0]!);
    return {
      type: t,
      call: (a) => {
        const v = a[0]!;
        if (typeof v === 'bigint') {
          if (v === -(2n ** 63n)) throw new SqlRuntimeError(NUMERIC_OUT_OF_RANGE, `ABS(${v}) is out of range`);
          return v < 0n ? -v : v;
        }
        return fitNumber(Math.abs(v as number), t);
      },
    };
  },
  /** MOD(a, b): exact numerics only; the result has the sign of `a`; MOD(a, 0) is a division by zero. */
  MOD: (types, pos, name) => {
    arity(name, types, 2, 2, pos);
    need(
      types.every(
        (t) =>
          t.kind === 'NULL' ||
          t.kind === 'TINYINT' ||
          t.kind === 'SMALLINT' ||
          t.kind === 'INTEGER' ||
          t.kind === 'BIGINT' ||
          (t.kind === 'DECIMAL' && (t.scale ?? 0) === 0),
      ),
      name,
      types,
      pos,
    );
    const t = sameNumeric(types[1]!);
    return {
      type: t,
      call: (a) => {
        const x = a[0]!;
        const y = a[1]!;
        if (typeof x === 'bigint' || typeof y === 'bigint') {
          const bx = BigInt(x as number | bigint);
          const by = BigInt(y as number | bigint);
          if (by === 0n) throw new SqlRuntimeError(DIVISION_BY_ZERO, 'Division by zero');
          const r = bx % by;
          return t.kind === 'BIGINT' ? r : Number(r);
        }
        if (y === 0) throw new SqlRuntimeError(DIVISION_BY_ZERO, 'Division by zero');
        const r = (x as number) % (y as number);
        return r === 0 ? 0 : r;
      },
    };
  },
  POWER: (types, pos, name) => {
    arity(name, types, 2, 2, pos);
    need(types.every(numberOrNull), name, types, pos);
    return {
      type: { kind: 'DOUBLE' },
      call: (a) => {
        const r = num(a[0]!) ** num(a[1]!);
        if (Number.isNaN(r))
          throw new SqlRuntimeError(INVALID_ARGUMENT, `Invalid arguments ${String(a[0])}, ${String(a[1])} for POWER`);
        return fitNumber(r, { kind: 'DOUBLE' });
      },
    };
  },
  LN: mathFn((x) => (x <= 0 ? Number.NaN : Math.log(x))),
  LOG10: mathFn((x) => (x <= 0 ? Number.NaN : Math.log10(x))),
  EXP: mathFn(Math.exp),
  SQRT: mathFn((x) => (x < 0 ? Number.NaN : Math.sqrt(x))),
  /** FLOOR / CEIL of a number (the datetime forms `FLOOR(ts TO unit)` are their own node). */
  FLOOR: (types, pos, name) => {
    arity(name, types, 1, 1, pos);
    need(numberOrNull(types[0]!), name, types, pos);
    const t = sameNumeric(types[0]!);
    return { type: t, call: (a) => (typeof a[0] === 'bigint' ? a[0] : Math.floor(a[0] as number)) };
  },
  CEIL: (types, pos, name) => {
    arity(name, types, 1, 1, pos);
    need(numberOrNull(types[0]!), name, types, pos);
    const t = sameNumeric(types[0]!);
    return { type: t, call: (a) => (typeof a[0] === 'bigint' ? a[0] : Math.ceil(a[0] as number) || 0) };
  },
  /** TSDIFF(a, b): a − b in milliseconds as BIGINT; NULL if either is NULL (SQL Reference, "TSDIFF"). */
  TSDIFF: (types, pos, name) => {
    arity(name, types, 2, 2, pos);
    need(
      types.every((t) => t.kind === 'NULL' || isDatetime(t)),
      name,
      types,
      pos,
    );
    return { type: { kind: 'BIGINT' }, call: (a) => BigInt((a[0] as Date).getTime() - (a[1] as Date).getTime()) };
  },
  /** CURRENT_ROW_TIMESTAMP: the engine clock's time when the row is evaluated (SQL Reference). */
  CURRENT_ROW_TIMESTAMP: (types, pos, name) => {
    arity(name, types, 0, 0, pos);
    return { type: { kind: 'TIMESTAMP' }, call: (_a, now) => new Date(now()) };
  },
  CURRENT_TIMESTAMP: (types, pos, name) => {
    arity(name, types, 0, 0, pos);
    return { type: { kind: 'TIMESTAMP' }, call: (_a, now) => new Date(now()) };
  },
  /** UNIX_TIMESTAMP(ts): milliseconds since the epoch as BIGINT (SQL Reference, "UNIX_TIMESTAMP"). */
  UNIX_TIMESTAMP: (types, pos, name) => {
    arity(name, types, 1, 1, pos);
    need(types[0]!.kind === 'NULL' || isDatetime(types[0]!), name, types, pos);
    return { type: { kind: 'BIGINT' }, call: (a) => BigInt((a[0] as Date).getTime()) };
  },
  /** TO_TIMESTAMP(ms): the TIMESTAMP that many milliseconds after the epoch (SQL Reference, "TO_TIMESTAMP"). */
  TO_TIMESTAMP: (types, pos, name) => {
    arity(name, types, 1, 1, pos);
    need(numberOrNull(types[0]!), name, types, pos);
    return { type: { kind: 'TIMESTAMP' }, call: (a) => new Date(num(a[0]!)) };
  },
  /** CHAR_TO_TIMESTAMP(format, text): `format` is a Java SimpleDateFormat pattern (SQL Reference). */
  CHAR_TO_TIMESTAMP: (types, pos, name) => {
    arity(name, types, 2, 2, pos);
    need(types.every(stringOrNull), name, types, pos);
    return { type: { kind: 'TIMESTAMP' }, call: (a) => parseWithPattern(a[0] as string, a[1] as string) };
  },
  /** TIMESTAMP_TO_CHAR(format, ts): `format` is a Java SimpleDateFormat pattern (SQL Reference). */
  TIMESTAMP_TO_CHAR: (types, pos, name) => {
    arity(name, types, 2, 2, pos);
    need(stringOrNull(types[0]!) && (types[1]!.kind === 'NULL' || isDatetime(types[1]!)), name, types, pos);
    return { type: VARCHAR_ANY, call: (a) => formatWithPattern(a[0] as string, a[1] as Date) };
  },
  COALESCE: (types, pos, name) => {
    arity(name, types, 1, 64, pos);
    const t = commonType(types, pos, name);
    return {
      type: t,
      nullAware: true,
      call: (a) => {
        for (const v of a) if (v !== null) return v;
        return null;
      },
    };
  },
};

/** The type CASE branches, COALESCE arguments and UNION ALL columns share (same family required). */
export function commonType(types: SqlType[], pos: SourcePos, what: string): SqlType {
  let t: SqlType = { kind: 'NULL' };
  for (const u of types) {
    if (u.kind === 'NULL') continue;
    if (t.kind === 'NULL') t = u;
    else if (isNumeric(t) && isNumeric(u)) t = numericCommon(t, u);
    else if (isString(t) && isString(u)) t = { kind: 'VARCHAR', length: Math.max(t.length ?? 1, u.length ?? 1) };
    else if (t.kind !== u.kind) throw semanticError(`Incompatible types ${t.kind} and ${u.kind} in ${what}`, pos);
  }
  return t;
}
