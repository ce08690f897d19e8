/**
 * The latest rows of every in-application stream of running applications, for the sample endpoint (the AWS
 * console's "real-time analytics" tab shows the same; it is not part of the API): a ring of the last
 * {@link SAMPLE_ROWS} rows per stream, in memory, as JSON-ready objects.
 */
import { type SqlValue, type TypedColumn, valueToText } from './sql/index.js';

export const SAMPLE_ROWS = 1_000;

export interface SampleRow {
  readonly ROWTIME: string;
  readonly [column: string]: unknown;
}

export class SampleBuffer {
  readonly #rings = new Map<string, { rows: SampleRow[]; next: number }>();
  readonly #listeners = new Map<string, Set<(row: SampleRow) => void>>();

  add(
    appId: string,
    stream: string,
    columns: readonly TypedColumn[],
    rowtime: number,
    values: readonly SqlValue[],
  ): void {
    const key = `${appId}/${stream}`;
    const row: Record<string, unknown> = { ROWTIME: valueToText(new Date(rowtime), { kind: 'TIMESTAMP' }) };
    for (let i = 0; i < columns.length; i++) {
      const v = values[i];
      const c = columns[i]!;
      row[c.name] =
        v === null || v === undefined
          ? null
          : typeof v === 'number' || typeof v === 'boolean'
            ? v
            : typeof v === 'bigint'
              ? v.toString()
              : valueToText(v, c.type);
    }
    let ring = this.#rings.get(key);
    if (!ring) {
      ring = { rows: [], next: 0 };
      this.#rings.set(key, ring);
    }
    if (ring.rows.length < SAMPLE_ROWS) ring.rows.push(row as SampleRow);
    else ring.rows[ring.next] = row as SampleRow;
    ring.next = (ring.next + 1) % SAMPLE_ROWS;
    for (const f of this.#listeners.get(key) ?? []) f(row as SampleRow);
  }

  /** The last `limit` rows of a stream, oldest first. */
  latest(appId: string, stream: string, limit = SAMPLE_ROWS): SampleRow[] {
    const ring = this.#rings.get(`${appId}/${stream}`);
    if (!ring) return [];
    const ordered =
      ring.rows.length < SAMPLE_ROWS ? ring.rows : [...ring.rows.slice(ring.next), ...ring.rows.slice(0, ring.next)];
    return ordered.slice(Math.max(0, ordered.length - limit));
  }

  /** Calls `f` for each new row of a stream until the returned function is called. */
  follow(appId: string, stream: string, f: (row: SampleRow) => void): () => void {
    const key = `${appId}/${stream}`;
    let set = this.#listeners.get(key);
    if (!set) {
      set = new Set();
      this.#listeners.set(key, set);
    }
    set.add(f);
    return () => {
      set.delete(f);
      if (set.size === 0) this.#listeners.delete(key);
    };
  }

  /** Forgets an application's rows (deleted). */
  drop(appId: string): void {
    for (const key of [...this.#rings.keys()]) if (key.startsWith(`${appId}/`)) this.#rings.delete(key);
  }
}
