/**
 * Record → row mapping of an application's input (Developer Guide, "Configuring Application Input",
 * "Using the Schema Discovery Feature", "JSONPath"; InputSchema / RecordFormat API reference):
 * 1. JSON: RecordRowPath (`$`, or `$.records[0:]`) selects the row objects of one record; each column's Mapping is
 *    a JSONPath: `$.a.b` (nested members), `$.arr[0:]` (the whole array as one VARCHAR), `$.arr[0:].x` (one row
 *    per array element, the other columns repeated). One array may be flattened per schema. A missing path is
 *    NULL; an empty flattened array still gives one row, with NULL in the flattened columns.
 * 2. CSV: the record splits into rows at RecordRowDelimiter and into fields at RecordColumnDelimiter; columns are
 *    positional. A row with fewer fields than columns has NULL in the missing ones; extra fields are ignored.
 * 3. Coercion into the column's SqlType: JSON null → NULL; booleans → 1/0 for numeric columns, "true"/"false" for
 *    character columns; a number that does not fit the column (overflow, or a fraction for an integer column) is
 *    an error; strings are cast; strings longer than the column are cut to its length; arrays and objects map
 *    only to character columns (as their JSON text); timestamps accept `yyyy-MM-dd`, `yyyy-MM-dd HH:mm:ss[.S…]`
 *    and ISO 8601 with a zone.
 * A record that cannot be parsed, or a value that cannot be coerced, produces a MappingError for the whole
 * record (its rows are dropped); the caller writes it to error_stream.
 */
import {
  castValue,
  type ColumnDef,
  isNumeric,
  isString,
  parseDatetimeLiteral,
  parseSqlType,
  SqlRuntimeError,
  type SqlType,
  type SqlValue,
} from '../sql/index.js';

/** RecordFormat of an InputSchema or ReferenceSchema, flattened. */
export type RecordFormat =
  | { type: 'JSON'; recordRowPath: string }
  | { type: 'CSV'; rowDelimiter: string; columnDelimiter: string };

/** A RecordColumn: name, SqlType and (JSON) its Mapping path. */
export interface MappedColumn extends ColumnDef {
  mapping?: string;
}

/** Why a record produced no rows. TODO(#10): AWS's error_stream ERROR_NAME texts for these are not documented. */
export interface MappingError {
  errorName: 'RECORD_PARSE_ERROR' | 'COERCION_ERROR';
  message: string;
}

/** The rows of one record, or why it has none. */
export type MappingResult = { rows: SqlValue[][]; error: null } | { rows: null; error: MappingError };

/** Maps records of one format to rows of one schema. Build once per input, call per record. */
export interface RecordMapper {
  map(data: Buffer | string): MappingResult;
}

type Segment = string | { array: true };

/** Parses the JSONPath subset: `$`, `.name`, `['name']`, `[0:]` (array of all elements). */
function parsePath(path: string): Segment[] {
  const p = path.trim();
  if (!p.startsWith('$')) throw new SqlRuntimeError('INVALID_MAPPING', `Invalid JSONPath '${path}': must start with $`);
  const out: Segment[] = [];
  let i = 1;
  while (i < p.length) {
    if (p[i] === '.') {
      let j = i + 1;
      while (j < p.length && p[j] !== '.' && p[j] !== '[') j++;
      const name = p.slice(i + 1, j);
      if (name.length === 0) throw new SqlRuntimeError('INVALID_MAPPING', `Invalid JSONPath '${path}'`);
      out.push(name);
      i = j;
    } else if (p.startsWith('[0:]', i) || p.startsWith('[*]', i)) {
      out.push({ array: true });
      i += p.startsWith('[0:]', i) ? 4 : 3;
    } else if (p[i] === '[' && (p[i + 1] === "'" || p[i + 1] === '"')) {
      const q = p[i + 1]!;
      const end = p.indexOf(`${q}]`, i + 2);
      if (end < 0) throw new SqlRuntimeError('INVALID_MAPPING', `Invalid JSONPath '${path}'`);
      out.push(p.slice(i + 2, end));
      i = end + 2;
    } else throw new SqlRuntimeError('INVALID_MAPPING', `Invalid JSONPath '${path}'`);
  }
  return out;
}

function walk(v: unknown, segs: readonly Segment[], from: number, to: number): unknown {
  let cur = v;
  for (let i = from; i < to; i++) {
    const s = segs[i]!;
    if (typeof s !== 'string') return cur;
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[s];
    if (cur === undefined) return undefined;
  }
  return cur;
}

class CoercionError extends Error {}

/** A JSON value coerced into a column type (module comment, rule 3). */
export function coerceJsonValue(v: unknown, t: SqlType): SqlValue {
  if (v === undefined || v === null) return null;
  try {
    if (typeof v === 'boolean') {
      if (isNumeric(t)) return castValue(v ? 1 : 0, { kind: 'INTEGER' }, t);
      if (isString(t)) return castValue(v ? 'true' : 'false', { kind: 'VARCHAR' }, t);
      if (t.kind === 'BOOLEAN') return v;
      throw new CoercionError(`Cannot coerce boolean to ${t.kind}`);
    }
    if (typeof v === 'number') {
      if (t.kind === 'DOUBLE') return v;
      if (
        (t.kind === 'INTEGER' || t.kind === 'SMALLINT' || t.kind === 'TINYINT' || t.kind === 'BIGINT') &&
        !Number.isInteger(v)
      )
        throw new CoercionError(`Value ${v} has a fraction and cannot be coerced to ${t.kind}`);
      if (t.kind === 'BIGINT' && !Number.isSafeInteger(v))
        throw new CoercionError(`Value ${v} cannot be represented exactly as BIGINT`);
      if (t.kind === 'TIMESTAMP' || t.kind === 'DATE' || t.kind === 'TIME')
        throw new CoercionError(`Cannot coerce number ${v} to ${t.kind}`);
      return castValue(v, { kind: 'DOUBLE' }, t);
    }
    if (typeof v === 'string') {
      if (t.kind === 'TIMESTAMP') return parseTimestampText(v);
      return castValue(v, { kind: 'VARCHAR' }, t);
    }
    if (isString(t)) return castValue(JSON.stringify(v), { kind: 'VARCHAR' }, t);
    throw new CoercionError(`Cannot coerce ${Array.isArray(v) ? 'an array' : 'an object'} to ${t.kind}`);
  } catch (err) {
    if (err instanceof SqlRuntimeError) throw new CoercionError(err.message);
    throw err;
  }
}

/**
 * The coercion of one column, specialised on its type: the common cases (a number into DOUBLE or an integer
 * column, a short enough string into VARCHAR) skip the general path; everything else goes through it.
 */
function columnCoercer(t: SqlType): (v: unknown) => SqlValue {
  const general = (v: unknown): SqlValue => coerceJsonValue(v, t);
  switch (t.kind) {
    case 'DOUBLE':
      return (v) => (typeof v === 'number' ? v : general(v));
    case 'INTEGER':
      return (v) => (typeof v === 'number' && (v | 0) === v ? v | 0 : general(v));
    case 'BIGINT':
      return (v) => (typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : general(v));
    case 'VARCHAR': {
      const max = t.length ?? Number.POSITIVE_INFINITY;
      return (v) => (typeof v === 'string' && v.length <= max ? v : general(v));
    }
    default:
      return general;
  }
}

function parseTimestampText(s: string): Date {
  const d = parseDatetimeLiteral('TIMESTAMP', s);
  if (d !== null) return d;
  // ISO 8601 with a zone (2026-01-01T10:00:00Z, +02:00).
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(s.trim())) {
    const t = Date.parse(s.trim());
    if (!Number.isNaN(t)) return new Date(t);
  }
  throw new CoercionError(`Cannot coerce '${s}' to TIMESTAMP`);
}

function jsonMapper(recordRowPath: string, columns: MappedColumn[]): RecordMapper {
  const rowPath = parsePath(recordRowPath);
  const rowArray = rowPath.findIndex((s) => typeof s !== 'string');
  const types = columns.map((c) => parseSqlType(c.sqlType));
  const coercers = types.map(columnCoercer);
  const paths = columns.map((c) => parsePath(c.mapping ?? `$.${c.name}`));
  // The flattened array: a path with [0:] followed by more segments. `$.arr[0:]` alone is the whole array.
  let flatPrefix: Segment[] | null = null;
  const flat = paths.map((p) => {
    const i = p.findIndex((s) => typeof s !== 'string');
    if (i < 0 || i === p.length - 1) return -1;
    const prefix = p.slice(0, i);
    if (flatPrefix === null) flatPrefix = prefix;
    else if (flatPrefix.join('.') !== prefix.join('.'))
      throw new SqlRuntimeError('INVALID_MAPPING', 'Only one array may be flattened per schema');
    return i;
  });
  const anyFlat = flat.some((i) => i >= 0);
  const n = columns.length;
  const mapRow = (obj: unknown, out: SqlValue[][]): void => {
    let elements: unknown[] | null = null;
    if (anyFlat) {
      const i = flat.find((x) => x >= 0)!;
      const arr = walk(obj, paths[flat.indexOf(i)]!, 0, i);
      elements = Array.isArray(arr) && arr.length > 0 ? arr : [undefined];
    }
    const count = elements === null ? 1 : elements.length;
    for (let e = 0; e < count; e++) {
      const row: SqlValue[] = new Array(n);
      for (let c = 0; c < n; c++) {
        const p = paths[c]!;
        const fi = flat[c]!;
        let v: unknown;
        if (fi >= 0) v = walk(elements![e], p, fi + 1, p.length);
        else {
          const last = p.length > 0 && typeof p[p.length - 1] !== 'string';
          v = walk(obj, p, 0, last ? p.length - 1 : p.length);
          if (last && v !== undefined && !Array.isArray(v)) v = undefined;
        }
        row[c] = coercers[c]!(v);
      }
      out.push(row);
    }
  };
  return {
    map(data) {
      let doc: unknown;
      try {
        doc = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
      } catch (err) {
        return {
          rows: null,
          error: { errorName: 'RECORD_PARSE_ERROR', message: `Invalid JSON: ${(err as Error).message}` },
        };
      }
      const rows: SqlValue[][] = [];
      try {
        if (rowArray < 0) mapRow(walk(doc, rowPath, 0, rowPath.length), rows);
        else {
          const arr = walk(doc, rowPath, 0, rowArray);
          if (Array.isArray(arr))
            for (const item of arr) mapRow(walk(item, rowPath, rowArray + 1, rowPath.length), rows);
        }
      } catch (err) {
        if (err instanceof CoercionError)
          return { rows: null, error: { errorName: 'COERCION_ERROR', message: err.message } };
        throw err;
      }
      return { rows, error: null };
    },
  };
}

function csvMapper(rowDelimiter: string, columnDelimiter: string, columns: MappedColumn[]): RecordMapper {
  const types = columns.map((c) => parseSqlType(c.sqlType));
  const n = columns.length;
  const text: SqlType = { kind: 'VARCHAR' };
  return {
    map(data) {
      const s = typeof data === 'string' ? data : data.toString('utf8');
      const rows: SqlValue[][] = [];
      for (const line of s.split(rowDelimiter)) {
        if (line.length === 0) continue;
        const fields = line.split(columnDelimiter);
        const row: SqlValue[] = new Array(n);
        for (let c = 0; c < n; c++) {
          const f = fields[c];
          try {
            row[c] =
              f === undefined
                ? null
                : types[c]!.kind === 'TIMESTAMP'
                  ? parseTimestampText(f)
                  : castValue(f, text, types[c]!);
          } catch (err) {
            if (err instanceof SqlRuntimeError || err instanceof CoercionError)
              return { rows: null, error: { errorName: 'COERCION_ERROR', message: err.message } };
            throw err;
          }
        }
        rows.push(row);
      }
      return { rows, error: null };
    },
  };
}

/**
 * A mapper for one input or reference schema. Throws SqlRuntimeError (INVALID_MAPPING) for a path outside the
 * supported subset, and SqlCodeError for an unknown SqlType.
 */
export function createRecordMapper(format: RecordFormat, columns: MappedColumn[]): RecordMapper {
  return format.type === 'JSON'
    ? jsonMapper(format.recordRowPath, columns)
    : csvMapper(format.rowDelimiter, format.columnDelimiter, columns);
}
