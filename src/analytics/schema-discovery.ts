/**
 * Schema inference of DiscoverInputSchema (DiscoverInputSchema API reference; developer guide "Using the Schema
 * Discovery Feature on Streaming Data" and "Working with JSONPath"), pure: sample records in, InputSchema and
 * parsed rows out.
 *
 * Rules:
 * 1. JSON when every non-empty record is a JSON object (RecordRowPath `$`); otherwise CSV when every record
 *    splits into the same number (≥ 2) of fields on one of `,` `|` `\t` `;` (rows are lines, RecordRowDelimiter
 *    `\n`); otherwise nothing is detected (UnableToDetectSchemaException).
 * 2. JSON columns: one per leaf path seen in the sample, in first-seen order; nested objects are flattened
 *    (`$.a.b`); an array is one VARCHAR column mapped with `[0:]` (the whole array as text).
 * 3. Column names are the leaf keys; a name that collides with another gets its parent keys joined by `_`; a
 *    name that is a SQL reserved word, holds characters other than letters, digits and `_`, starts with a digit
 *    or passes 100 characters gets the prefix `COL_` (and is cut to 100 characters). CSV columns are `COL1`….
 * 4. Types: the narrowest that holds every sampled value: integers TINYINT, SMALLINT, INTEGER, BIGINT; other
 *    numbers REAL, or DOUBLE past REAL's range; booleans BOOLEAN; strings of `yyyy-MM-dd[ HH:mm:ss[.S…]]` (or
 *    with `T`) TIMESTAMP; other strings VARCHAR(n), n the longest length rounded up to a power of two; values of
 *    different kinds, objects and arrays VARCHAR. A column with only nulls is VARCHAR(8).
 */
import type { RecordColumn, SourceSchema } from './shapes/index.js';

export interface DiscoveredSchema {
  readonly schema: SourceSchema;
  /** One row per record (per line for CSV): each column's value as text ('' for null). */
  readonly parsed: string[][];
}

const RESERVED = new Set(
  (
    'ALL ALTER AND ANY ARRAY AS ASC BETWEEN BIGINT BOOLEAN BOTH BY CASE CAST CHAR CHARACTER CHECK COLUMN CREATE ' +
    'CROSS CURRENT CURRENT_DATE CURRENT_ROW_TIMESTAMP CURRENT_TIME CURRENT_TIMESTAMP CURSOR DATE DAY DECIMAL DEFAULT ' +
    'DELETE DESC DESCRIPTION DISTINCT DOUBLE DROP ELSE END ESCAPE EXCEPT EXISTS FALSE FETCH FLOAT FLOOR FOR FROM FULL ' +
    'GROUP HAVING HOUR IN INNER INSERT INT INTEGER INTERSECT INTERVAL INTO IS JOIN LEADING LEFT LIKE LIMIT MINUTE ' +
    'MONTH NATURAL NOT NULL NUMERIC OF ON OR ORDER OUTER OVER PARTITION PRECEDING PUMP RANGE REAL RIGHT ROW ROWS ' +
    'ROWTIME SECOND SELECT SET SIMILAR SMALLINT STEP STREAM TABLE THEN TIME TIMESTAMP TINYINT TO TRAILING TRUE ' +
    'UNION UNIQUE UPDATE USING VALUES VARCHAR WHEN WHERE WINDOW WITH YEAR'
  ).split(' '),
);

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const REAL_MAX = 3.4028234663852886e38;

type Kind = 'null' | 'int' | 'float' | 'bool' | 'timestamp' | 'string' | 'complex';

interface ColumnStats {
  path: string[];
  array: boolean;
  kind: Kind;
  min: number;
  max: number;
  maxLength: number;
}

function merge(a: Kind, b: Kind): Kind {
  if (a === 'null') return b;
  if (b === 'null' || a === b) return a;
  if ((a === 'int' && b === 'float') || (a === 'float' && b === 'int')) return 'float';
  return 'complex';
}

function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'string') return TIMESTAMP.test(v) ? 'timestamp' : 'string';
  return 'complex';
}

function textOf(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function powerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

function sqlType(c: ColumnStats): string {
  switch (c.kind) {
    case 'int':
      if (c.min >= -128 && c.max <= 127) return 'TINYINT';
      if (c.min >= -32768 && c.max <= 32767) return 'SMALLINT';
      if (c.min >= -2147483648 && c.max <= 2147483647) return 'INTEGER';
      return 'BIGINT';
    case 'float':
      return Math.max(Math.abs(c.min), Math.abs(c.max)) > REAL_MAX ? 'DOUBLE' : 'REAL';
    case 'bool':
      return 'BOOLEAN';
    case 'timestamp':
      return 'TIMESTAMP';
    case 'null':
      return 'VARCHAR(8)';
    default:
      return `VARCHAR(${powerOfTwo(Math.max(1, c.maxLength))})`;
  }
}

/** Rule 3. */
export function columnName(raw: string): string {
  let name = raw;
  if (RESERVED.has(name.toUpperCase()) || /[^A-Za-z0-9_]/.test(name) || /^[0-9]/.test(name) || name.length > 100)
    name = `COL_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
  return name.slice(0, 100);
}

function observe(c: ColumnStats, v: unknown): void {
  const k = c.array ? (v === undefined || v === null ? 'null' : 'complex') : kindOf(v);
  c.kind = merge(c.kind, k);
  if (typeof v === 'number') {
    c.min = Math.min(c.min, v);
    c.max = Math.max(c.max, v);
  }
  c.maxLength = Math.max(c.maxLength, textOf(v).length);
}

function walk(obj: Record<string, unknown>, prefix: string[], out: Array<{ path: string[]; array: boolean }>): void {
  for (const [k, v] of Object.entries(obj)) {
    const path = [...prefix, k];
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) walk(v as Record<string, unknown>, path, out);
    else out.push({ path, array: Array.isArray(v) });
  }
}

function valueAt(obj: unknown, path: readonly string[]): unknown {
  let cur = obj;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
}

function jsonPath(path: readonly string[], array: boolean): string {
  const body = path
    .map((k) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `.${k}` : `['${k.replace(/'/g, "\\'")}']`))
    .join('');
  return `$${body}${array ? '[0:]' : ''}`;
}

function discoverJson(objects: Record<string, unknown>[]): DiscoveredSchema | undefined {
  const columns = new Map<string, ColumnStats>();
  for (const o of objects) {
    const leaves: Array<{ path: string[]; array: boolean }> = [];
    walk(o, [], leaves);
    for (const leaf of leaves) {
      const key = JSON.stringify(leaf.path);
      let c = columns.get(key);
      if (!c) {
        c = { path: leaf.path, array: leaf.array, kind: 'null', min: Infinity, max: -Infinity, maxLength: 0 };
        columns.set(key, c);
      }
      if (leaf.array) c.array = true;
    }
  }
  if (columns.size === 0) return undefined;
  for (const c of columns.values()) for (const o of objects) observe(c, valueAt(o, c.path));
  const stats = [...columns.values()];
  const leafCount = new Map<string, number>();
  for (const c of stats) leafCount.set(c.path.at(-1)!, (leafCount.get(c.path.at(-1)!) ?? 0) + 1);
  const used = new Set<string>();
  const recordColumns: RecordColumn[] = stats.map((c) => {
    const leaf = c.path.at(-1)!;
    let name = columnName(leafCount.get(leaf)! > 1 ? c.path.join('_') : leaf);
    for (let i = 2; used.has(name); i++) name = `${name.slice(0, 96)}_${i}`;
    used.add(name);
    return { Name: name, Mapping: jsonPath(c.path, c.array), SqlType: sqlType(c) };
  });
  const parsed = objects.map((o) => stats.map((c) => textOf(valueAt(o, c.path))));
  return {
    schema: {
      RecordFormat: { RecordFormatType: 'JSON', MappingParameters: { JSONMappingParameters: { RecordRowPath: '$' } } },
      RecordEncoding: 'UTF-8',
      RecordColumns: recordColumns,
    },
    parsed,
  };
}

const DELIMITERS = [',', '|', '\t', ';'];

function discoverCsv(texts: string[]): DiscoveredSchema | undefined {
  const lines = texts
    .flatMap((t) => t.split('\n'))
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.length > 0);
  if (lines.length === 0) return undefined;
  for (const d of DELIMITERS) {
    const rows = lines.map((l) => l.split(d));
    const n = rows[0]!.length;
    if (n < 2 || !rows.every((r) => r.length === n)) continue;
    const stats: ColumnStats[] = [];
    for (let i = 0; i < n; i++) {
      const c: ColumnStats = { path: [], array: false, kind: 'null', min: Infinity, max: -Infinity, maxLength: 0 };
      for (const r of rows) {
        const text = r[i]!;
        const num = text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : undefined;
        observe(c, num ?? (text === 'true' || text === 'false' ? text === 'true' : text === '' ? null : text));
      }
      stats.push(c);
    }
    return {
      schema: {
        RecordFormat: {
          RecordFormatType: 'CSV',
          MappingParameters: { CSVMappingParameters: { RecordRowDelimiter: '\n', RecordColumnDelimiter: d } },
        },
        RecordEncoding: 'UTF-8',
        RecordColumns: stats.map((c, i) => ({ Name: `COL${i + 1}`, SqlType: sqlType(c) })),
      },
      parsed: rows,
    };
  }
  return undefined;
}

/** Rules 1–4 over the sampled records (as text); undefined when no schema fits. */
export function discoverSchema(records: readonly string[]): DiscoveredSchema | undefined {
  const texts = records.filter((r) => r.trim().length > 0);
  if (texts.length === 0) return undefined;
  const objects: Record<string, unknown>[] = [];
  let allJson = true;
  for (const t of texts) {
    try {
      const v: unknown = JSON.parse(t);
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        allJson = false;
        break;
      }
      objects.push(v as Record<string, unknown>);
    } catch {
      allJson = false;
      break;
    }
  }
  if (allJson) return discoverJson(objects);
  return discoverCsv(texts);
}
