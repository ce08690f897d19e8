/**
 * The checked form of application code that the engine runs: for each pump, a tree of plan nodes whose
 * expressions are already compiled to evaluators over a row's values. Built by `compileApplication`
 * (compile.ts); executed by src/analytics/engine. Windows and aggregates follow ADR 0019.
 */
import type { SqlType, SqlValue } from './types.js';

/** What an evaluator may need besides the row: aggregate results, the engine clock. */
export interface EvalCtx {
  /** Results of the aggregates of the current group or window, by slot. */
  aggs: SqlValue[];
  /** The engine clock (CURRENT_ROW_TIMESTAMP). */
  now: () => number;
}

/** An expression compiled over one row: its column values and its ROWTIME (epoch ms). */
export type Evaluator = (values: SqlValue[], rowtime: number, ctx: EvalCtx) => SqlValue;

/** A column of a relation inside a query; `hidden` columns (a joined side's ROWTIME) are not selected by `*`. */
export interface ColumnInfo {
  qualifier: string | null;
  name: string;
  type: SqlType;
  hidden?: boolean;
  /** Left out of `SELECT *` but resolvable by name (input metadata columns). */
  implicit?: boolean;
}

export type AggregateName =
  | 'COUNT'
  | 'SUM'
  | 'AVG'
  | 'MIN'
  | 'MAX'
  | 'FIRST_VALUE'
  | 'LAST_VALUE'
  | 'STDDEV_POP'
  | 'STDDEV_SAMP'
  | 'VAR_POP'
  | 'VAR_SAMP';

/** One aggregate call: its argument over the input row (null for COUNT(*)), and its result type. */
export interface AggregateSpec {
  fn: AggregateName;
  arg: Evaluator | null;
  argType: SqlType;
  distinct: boolean;
  type: SqlType;
}

/** A sliding window of a SELECT with OVER: its aggregates fill `ctx.aggs[slots[i]]`. */
export interface SlidingWindowPlan {
  partitionBy: Evaluator[];
  /** RANGE INTERVAL … PRECEDING in ms, or null for a ROWS window. */
  rangeMs: number | null;
  /** ROWS n PRECEDING, or null for a RANGE window. */
  rows: number | null;
  aggs: AggregateSpec[];
  slots: number[];
}

/** ORDER BY of the rows a window emits at once (the leading ROWTIME key is implied). */
export interface SortKey {
  expr: Evaluator;
  desc: boolean;
}

export type PlanNode =
  | { k: 'scan'; stream: string }
  | { k: 'filter'; input: PlanNode; predicate: Evaluator }
  /** Per-row projection; `rowtime` when the SELECT list names a ROWTIME column. */
  | { k: 'project'; input: PlanNode; exprs: Evaluator[]; rowtime: Evaluator | null }
  /**
   * Tumbling GROUP BY: `keys` are the GROUP BY expressions, `windowStart` the one monotonic in ROWTIME
   * (STEP / FLOOR of ROWTIME) and `windowEnd` maps its value (ms) to the window's end (ms).
   */
  | {
      k: 'tumble';
      input: PlanNode;
      keys: Evaluator[];
      windowStart: Evaluator;
      windowEnd: (startMs: number) => number;
      aggs: AggregateSpec[];
      outputs: Evaluator[];
      having: Evaluator | null;
      order: SortKey[];
    }
  /** WINDOWED BY STAGGER: one window per partition key, opened by its first row, `rangeMs` long. */
  | {
      k: 'stagger';
      input: PlanNode;
      partitionBy: Evaluator[];
      rangeMs: number;
      aggs: AggregateSpec[];
      outputs: Evaluator[];
      having: Evaluator | null;
      order: SortKey[];
    }
  /** Aggregates OVER sliding windows: one output row per input row. */
  | { k: 'slide'; input: PlanNode; windows: SlidingWindowPlan[]; aggCount: number; outputs: Evaluator[] }
  /**
   * Stream-to-stream join: rows of the `driver` side (the one without OVER) are matched against the buffered
   * rows of the `windowed` side. Output values are the left columns, the right columns, then the windowed row's
   * ROWTIME (a hidden TIMESTAMP column; the output ROWTIME is the driver row's).
   */
  | {
      k: 'join';
      left: PlanNode;
      right: PlanNode;
      driver: 'left' | 'right';
      outer: boolean;
      rangeMs: number | null;
      rows: number | null;
      on: Evaluator | null;
      driverKeys: Evaluator[];
      windowedKeys: Evaluator[];
      leftWidth: number;
      rightWidth: number;
    }
  /** Stream-to-reference-table join (lookup); output values are stream columns then table columns. */
  | {
      k: 'lookup';
      input: PlanNode;
      table: string;
      outer: boolean;
      on: Evaluator | null;
      streamKeys: Evaluator[];
      /** Table column indexes compared for equality with `streamKeys` (a hash index is built on them). */
      tableKeys: number[];
      tableWidth: number;
      streamWidth: number;
    }
  | { k: 'union'; inputs: PlanNode[] }
  /** SELECT STREAM DISTINCT: a row passes the first time it is seen in its period (`windowStart` of ROWTIME). */
  | { k: 'distinct'; input: PlanNode; windowStart: Evaluator };

/** One pump: its plan, and how the plan's output columns go into the target stream's columns. */
export interface PumpPlan {
  name: string;
  target: string;
  plan: PlanNode;
  /** For each target column, the plan output column that fills it, or -1 for NULL. */
  mapping: number[];
  /** Type of each plan output column, for the conversion into the target column type. */
  sourceTypes: SqlType[];
}
