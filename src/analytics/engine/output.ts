/**
 * Encoding of in-application stream rows for an output destination (DestinationSchema RecordFormatType JSON or
 * CSV; Developer Guide, "Configuring Application Output"):
 * 1. JSON: one object per row, members named as the stream's columns, in column order; NULL → null; BIGINT as a
 *    JSON number written with all its digits (exact); TIMESTAMP as `yyyy-MM-dd HH:mm:ss.SSS`, DATE as
 *    `yyyy-MM-dd`, TIME as `HH:mm:ss.SSS`; binary as base64. ROWTIME is not a column and is not written.
 * 2. CSV: the values in column order separated by `,`, the row ended by `\n`; NULL is an empty field; a value
 *    containing `,`, `"` or a line break is double-quoted with `"` doubled.
 * TODO(#10): AWS's exact text for BINARY values and for DOUBLE exponents in outputs is not documented.
 */
import { formatSqlType, type SqlType, type SqlValue, type TypedColumn, valueToText } from '../sql/index.js';

/** An encoder for the rows of one stream. */
export type RowEncoder = (values: readonly SqlValue[]) => string;

function jsonValue(v: SqlValue, t: SqlType): string {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? JSON.stringify(v) : 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Buffer.isBuffer(v)) return JSON.stringify(v.toString('base64'));
  return JSON.stringify(typeof v === 'string' ? v : valueToText(v, t));
}

function csvValue(v: SqlValue, t: SqlType): string {
  if (v === null) return '';
  const s =
    typeof v === 'string'
      ? v
      : Buffer.isBuffer(v)
        ? v.toString('base64')
        : typeof v === 'boolean'
          ? String(v)
          : valueToText(v, t);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A JSON or CSV encoder for rows of a stream with these columns. */
export function createRowEncoder(format: 'JSON' | 'CSV', columns: TypedColumn[]): RowEncoder {
  const types = columns.map((c) => c.type);
  if (format === 'CSV')
    return (values) => {
      let line = '';
      for (let i = 0; i < types.length; i++) line += (i === 0 ? '' : ',') + csvValue(values[i]!, types[i]!);
      return `${line}\n`;
    };
  const keys = columns.map((c) => `${JSON.stringify(c.name)}:`);
  return (values) => {
    let out = '{';
    for (let i = 0; i < keys.length; i++) out += (i === 0 ? '' : ',') + keys[i]! + jsonValue(values[i]!, types[i]!);
    return `${out}}`;
  };
}

/** Column types of a stream as DescribeApplication would list them (for diagnostics and samples). */
export function describeColumns(columns: TypedColumn[]): { name: string; sqlType: string }[] {
  return columns.map((c) => ({ name: c.name, sqlType: formatSqlType(c.type) }));
}
