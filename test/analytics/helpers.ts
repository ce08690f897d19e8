/** Shared set-up of the analytics SQL and engine tests: compile code, run it on a manual clock, collect rows. */
import {
  engineClock,
  type ErrorRow,
  type Row,
  type RunningApplication,
  startEngine,
} from '../../src/analytics/engine/index.js';
import {
  type CompiledApplication,
  compileApplication,
  type InStreamDef,
  type RefTableDef,
  type SqlValue,
} from '../../src/analytics/sql/index.js';
import { ManualTimerClock } from '../helpers/timers.js';

/** The ticker demo's input stream (Developer Guide, "Getting Started"). */
export const TICKER_INPUT: InStreamDef = {
  name: 'SOURCE_SQL_STREAM_001',
  columns: [
    { name: 'TICKER_SYMBOL', sqlType: 'VARCHAR(4)' },
    { name: 'SECTOR', sqlType: 'VARCHAR(16)' },
    { name: 'CHANGE', sqlType: 'REAL' },
    { name: 'PRICE', sqlType: 'DOUBLE' },
  ],
};

/** A running application with a manual clock and every row and error it produced. */
export interface Harness {
  app: CompiledApplication;
  engine: RunningApplication;
  clock: ManualTimerClock;
  rows: Map<string, Row[]>;
  errors: ErrorRow[];
  /** Rows of one stream as [rowtime offset from the start, ...values]. */
  out(stream?: string): SqlValue[][];
  /** Pushes a row to SOURCE_SQL_STREAM_001 (or `stream`) arriving `offsetMs` after the start. */
  push(values: SqlValue[], offsetMs: number, stream?: string): void;
  /** Moves the clock to `offsetMs` after the start, firing due timers. */
  at(offsetMs: number): Promise<void>;
  t0: number;
}

export function harness(
  code: string,
  env: { inputs?: InStreamDef[]; referenceTables?: RefTableDef[]; referenceData?: Map<string, SqlValue[][]> } = {},
): Harness {
  const app = compileApplication(code, {
    inputs: env.inputs ?? [TICKER_INPUT],
    referenceTables: env.referenceTables ?? [],
  });
  const clock = new ManualTimerClock();
  clock.t = Date.UTC(2026, 0, 1, 0, 0, 0);
  const t0 = clock.t;
  const rows = new Map<string, Row[]>();
  const errors: ErrorRow[] = [];
  const engine = startEngine(app, {
    clock: engineClock(clock),
    sink: {
      row(stream, row) {
        let list = rows.get(stream);
        if (list === undefined) rows.set(stream, (list = []));
        list.push(row);
      },
      error(row) {
        errors.push(row);
      },
    },
    referenceData: env.referenceData ?? new Map(),
  });
  return {
    app,
    engine,
    clock,
    rows,
    errors,
    t0,
    out: (stream = 'DESTINATION_SQL_STREAM') => (rows.get(stream) ?? []).map((r) => [r.rowtime - t0, ...r.values]),
    push(values, offsetMs, stream = 'SOURCE_SQL_STREAM_001') {
      engine.push(stream, values, t0 + offsetMs);
    },
    async at(offsetMs) {
      await clock.advance(t0 + offsetMs - clock.t);
    },
  };
}
