/**
 * SQL data types of the dialect (Amazon Kinesis Data Analytics SQL Reference, "Data Types") and how their values
 * are held in JavaScript (ADR 0019):
 * - CHAR, VARCHAR → string; BOOLEAN → boolean;
 * - TINYINT, SMALLINT, INTEGER, REAL, DOUBLE, DECIMAL → number (DECIMAL rounded to its scale when stored);
 * - BIGINT → bigint (exact over the whole 64-bit range);
 * - TIMESTAMP, DATE, TIME → Date (UTC; DATE at midnight, TIME on 1970-01-01);
 * - BINARY, VARBINARY → Buffer; NULL → null.
 */

/** A value of any SQL type, see the module comment for the mapping. */
export type SqlValue = string | number | bigint | boolean | null | Date | Buffer;

/** Type names; INTERVAL appears only in expressions (day-time intervals, held as milliseconds). */
export type SqlTypeKind =
  | 'CHAR'
  | 'VARCHAR'
  | 'BOOLEAN'
  | 'TINYINT'
  | 'SMALLINT'
  | 'INTEGER'
  | 'BIGINT'
  | 'DECIMAL'
  | 'REAL'
  | 'DOUBLE'
  | 'TIMESTAMP'
  | 'DATE'
  | 'TIME'
  | 'BINARY'
  | 'VARBINARY'
  | 'INTERVAL'
  | 'NULL';

/** A type with its length (CHAR, VARCHAR, BINARY, VARBINARY), or precision and scale (DECIMAL). */
export interface SqlType {
  kind: SqlTypeKind;
  length?: number;
  scale?: number;
}

/** Synonyms accepted in code and in InputSchema SqlType strings. */
export const TYPE_SYNONYMS: Readonly<Record<string, SqlTypeKind>> = {
  CHAR: 'CHAR',
  CHARACTER: 'CHAR',
  VARCHAR: 'VARCHAR',
  BOOLEAN: 'BOOLEAN',
  TINYINT: 'TINYINT',
  SMALLINT: 'SMALLINT',
  INT: 'INTEGER',
  INTEGER: 'INTEGER',
  BIGINT: 'BIGINT',
  DECIMAL: 'DECIMAL',
  DEC: 'DECIMAL',
  NUMERIC: 'DECIMAL',
  REAL: 'REAL',
  FLOAT: 'DOUBLE',
  DOUBLE: 'DOUBLE',
  TIMESTAMP: 'TIMESTAMP',
  DATE: 'DATE',
  TIME: 'TIME',
  BINARY: 'BINARY',
  VARBINARY: 'VARBINARY',
};

export const INTEGER_KINDS: ReadonlySet<SqlTypeKind> = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT']);
export const NUMERIC_KINDS: ReadonlySet<SqlTypeKind> = new Set([
  'TINYINT',
  'SMALLINT',
  'INTEGER',
  'BIGINT',
  'DECIMAL',
  'REAL',
  'DOUBLE',
]);
export const STRING_KINDS: ReadonlySet<SqlTypeKind> = new Set(['CHAR', 'VARCHAR']);
export const DATETIME_KINDS: ReadonlySet<SqlTypeKind> = new Set(['TIMESTAMP', 'DATE', 'TIME']);
export const BINARY_KINDS: ReadonlySet<SqlTypeKind> = new Set(['BINARY', 'VARBINARY']);

/** Value ranges of the exact integer types held as numbers. */
export const INT_RANGE: Readonly<Partial<Record<SqlTypeKind, readonly [number, number]>>> = {
  TINYINT: [-128, 127],
  SMALLINT: [-32768, 32767],
  INTEGER: [-2147483648, 2147483647],
};
export const BIGINT_MIN = -(2n ** 63n);
export const BIGINT_MAX = 2n ** 63n - 1n;

/** Default length of CHAR/VARCHAR/BINARY without one, and default DECIMAL precision (SQL:2008 defaults). */
const DEFAULT_LENGTH = 1;
export const DEFAULT_DECIMAL_PRECISION = 19;

/** The canonical spelling, as DescribeApplication would show it: `VARCHAR(16)`, `DECIMAL(8,2)`, `INTEGER`. */
export function formatSqlType(t: SqlType): string {
  switch (t.kind) {
    case 'CHAR':
    case 'VARCHAR':
    case 'BINARY':
    case 'VARBINARY':
      return `${t.kind}(${t.length ?? DEFAULT_LENGTH})`;
    case 'DECIMAL':
      return `DECIMAL(${t.length ?? DEFAULT_DECIMAL_PRECISION},${t.scale ?? 0})`;
    default:
      return t.kind;
  }
}

export function isNumeric(t: SqlType): boolean {
  return NUMERIC_KINDS.has(t.kind);
}
export function isString(t: SqlType): boolean {
  return STRING_KINDS.has(t.kind);
}
export function isDatetime(t: SqlType): boolean {
  return DATETIME_KINDS.has(t.kind);
}

/**
 * Whether a value of type `from` may be inserted into a column of type `to` (INSERT, "column lists must match by
 * type"): same family; NULL goes anywhere.
 */
export function assignable(from: SqlType, to: SqlType): boolean {
  if (from.kind === 'NULL') return true;
  if (isNumeric(from) && isNumeric(to)) return true;
  if (isString(from) && isString(to)) return true;
  if (isDatetime(from) && isDatetime(to)) return from.kind === to.kind || to.kind === 'TIMESTAMP';
  if (BINARY_KINDS.has(from.kind) && BINARY_KINDS.has(to.kind)) return true;
  return from.kind === to.kind;
}

/** The smallest type both numeric operands fit in (SQL:2008 "Result of data type combinations", simplified). */
export function numericCommon(a: SqlType, b: SqlType): SqlType {
  const order: SqlTypeKind[] = ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'DECIMAL', 'REAL', 'DOUBLE'];
  if (a.kind === 'NULL') return b;
  if (b.kind === 'NULL') return a;
  const k = order[Math.max(order.indexOf(a.kind), order.indexOf(b.kind))]!;
  if (k === 'DECIMAL') {
    const scale = Math.max(a.scale ?? 0, b.scale ?? 0);
    return { kind: 'DECIMAL', length: DEFAULT_DECIMAL_PRECISION, scale };
  }
  return { kind: k };
}
