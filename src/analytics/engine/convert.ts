/** Fitting computed numbers into their SQL type, and encoding rows for error_stream's DATA_ROW. */
import { castValue, type SqlType, type SqlValue, valueToText } from '../sql/index.js';

/** A computed number made to fit its SQL type (integers truncate toward zero; out of range raises). */
export function fitNumber(v: number | bigint, t: SqlType): SqlValue {
  if (t.kind === 'DOUBLE' && typeof v === 'number') return v;
  return castValue(v, typeof v === 'bigint' ? { kind: 'BIGINT' } : { kind: 'DOUBLE' }, t);
}

/**
 * DATA_ROW of an error_stream row: the row's values as a JSON array (TIMESTAMP as text, BIGINT as a string,
 * binary as hex), UTF-8, hex-encoded. AWS documents DATA_ROW only as hex of the offending row; its exact
 * serialisation of a row that has already been parsed is not documented (ADR 0019).
 */
export function encodeDataRow(values: readonly SqlValue[]): string {
  const parts = values.map((v) =>
    v === null
      ? null
      : typeof v === 'bigint'
        ? v.toString()
        : v instanceof Date || Buffer.isBuffer(v)
          ? valueToText(v, { kind: 'TIMESTAMP' })
          : v,
  );
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('hex');
}
