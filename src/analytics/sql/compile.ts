/**
 * The type checker and planner: resolves names against the declared in-application streams and reference
 * tables, types every expression, compiles it to an evaluator, and turns each pump's query into a plan
 * (plan.ts). Rules, from the Amazon Kinesis Data Analytics SQL Reference and Developer Guide:
 * 1. Unquoted names were folded to upper case by the lexer; names match exactly after that ("Identifiers").
 * 2. A pump inserts into an in-application stream created earlier in the code; its query's columns match the
 *    target's (or the listed target columns) in number and type family ("CREATE PUMP", "INSERT").
 * 3. Aggregates without OVER need a GROUP BY with an expression monotonic in ROWTIME (STEP or FLOOR of ROWTIME)
 *    or WINDOWED BY STAGGER ("Aggregate Functions", "Tumbling Windows", "Stagger Windows").
 * 4. Aggregates with OVER are evaluated over a sliding window per row ("Sliding Windows", "WINDOW clause").
 * 5. A stream-to-stream join needs a window (OVER) on one side; a reference table joins without one
 *    ("JOIN clause", "Streaming Data Operations: Stream Joins").
 * 6. ORDER BY on a stream leads with a monotonic ROWTIME expression ("ORDER BY clause").
 * Semantic choices where AWS is silent are recorded in ADR 0019.
 */
import type { Expr, FromItem, Query, Select, Statement, WindowRef, WindowSpec } from './ast.js';
import { type SourcePos, SqlCodeError, semanticError } from './errors.js';
import { commonType, SCALAR_FUNCTIONS } from './functions.js';
import { parseCode, parseSqlType } from './parser.js';
import type {
  AggregateName,
  AggregateSpec,
  ColumnInfo,
  EvalCtx,
  Evaluator,
  PlanNode,
  PumpPlan,
  SlidingWindowPlan,
  SortKey,
} from './plan.js';
import {
  assignable,
  BIGINT_MAX,
  BIGINT_MIN,
  formatSqlType,
  INT_RANGE,
  isDatetime,
  isNumeric,
  isString,
  numericCommon,
  type SqlType,
  type SqlValue,
} from './types.js';
import { castValue, compareValues, DIVISION_BY_ZERO, NUMERIC_OUT_OF_RANGE, SqlRuntimeError } from './values.js';

/** A column of an input stream, reference table or created stream: SqlType as in InputSchema RecordColumns. */
export interface ColumnDef {
  name: string;
  sqlType: string;
  /**
   * An implicit column (APPROXIMATE_ARRIVAL_TIME, SHARD_ID, …): selectable by name, left out of `SELECT *`
   * (Developer Guide, "Configuring Application Input": columns the service adds to the in-application stream).
   */
  implicit?: boolean;
}
/** An in-application stream (e.g. SOURCE_SQL_STREAM_001) and its columns. */
export interface InStreamDef {
  name: string;
  columns: ColumnDef[];
}
/** An in-application reference table and its columns. */
export interface RefTableDef {
  name: string;
  columns: ColumnDef[];
}

/** A column with its parsed type. */
export interface TypedColumn {
  name: string;
  type: SqlType;
  implicit?: boolean;
}

/** Checked application code, ready for `startEngine`. */
export interface CompiledApplication {
  /** Every in-application stream created by the code, in creation order. */
  streams: InStreamDef[];
  /** Pump names, in creation order. */
  pumps: string[];
  /** Input streams as declared by the application's input configuration. */
  inputs: InStreamDef[];
  referenceTables: RefTableDef[];
  /** Column types of every stream (inputs and created) and reference table, by name. */
  schemas: Map<string, TypedColumn[]>;
  /** The pumps' plans, in creation order. */
  plans: PumpPlan[];
}

/** Names resolvable in an expression: a relation's columns, and which qualifiers' ROWTIME is the row's. */
interface Scope {
  columns: ScopeColumn[];
  /** Number of values in a row of this relation (columns plus hidden slots). */
  width: number;
  rowtimeQualifiers: Set<string>;
}

/** A column in a scope, with the index of its value in the relation's rows. */
interface ScopeColumn extends ColumnInfo {
  slot: number;
}

/** A typed, compiled expression. */
interface Typed {
  t: SqlType;
  ev: Evaluator;
}

/** Where aggregate calls go while binding a SELECT list, HAVING or ORDER BY. */
type AggCollector =
  | { mode: 'group'; scope: Scope; aggs: AggregateSpec[] }
  | {
      mode: 'slide';
      scope: Scope;
      windows: Map<string, SlidingWindowPlan>;
      named: Map<string, WindowSpec>;
      count: number;
    };

const AGGREGATES: Readonly<Record<string, AggregateName>> = {
  COUNT: 'COUNT',
  SUM: 'SUM',
  AVG: 'AVG',
  MIN: 'MIN',
  MAX: 'MAX',
  FIRST_VALUE: 'FIRST_VALUE',
  LAST_VALUE: 'LAST_VALUE',
  STDDEV_POP: 'STDDEV_POP',
  STDDEV_SAMP: 'STDDEV_SAMP',
  STDDEV: 'STDDEV_SAMP',
  VAR_POP: 'VAR_POP',
  VAR_SAMP: 'VAR_SAMP',
  VARIANCE: 'VAR_SAMP',
};

const BOOLEAN: SqlType = { kind: 'BOOLEAN' };
const TIMESTAMP: SqlType = { kind: 'TIMESTAMP' };
const INTEGER: SqlType = { kind: 'INTEGER' };
const BIGINT: SqlType = { kind: 'BIGINT' };

const UNIT_MS: Readonly<Record<string, number>> = {
  DAY: 86_400_000,
  HOUR: 3_600_000,
  MINUTE: 60_000,
  SECOND: 1000,
  MILLISECOND: 1,
};

/** Start of the `unit` period containing `t` (UTC). */
export function floorTime(t: number, unit: string): number {
  const ms = UNIT_MS[unit];
  if (ms !== undefined) return Math.floor(t / ms) * ms;
  const d = new Date(t);
  return unit === 'MONTH' ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1) : Date.UTC(d.getUTCFullYear(), 0, 1);
}

/** Start of the `unit` period after the one starting at `start` (UTC). */
export function nextTime(start: number, unit: string): number {
  const ms = UNIT_MS[unit];
  if (ms !== undefined) return start + ms;
  const d = new Date(start);
  return unit === 'MONTH'
    ? Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)
    : Date.UTC(d.getUTCFullYear() + 1, 0, 1);
}

function addMonths(t: number, months: number): number {
  const d = new Date(t);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d.getTime();
}

function overflow(v: unknown, t: SqlType): SqlRuntimeError {
  return new SqlRuntimeError(NUMERIC_OUT_OF_RANGE, `Overflow: value ${String(v)} does not fit ${t.kind}`);
}

function typeName(t: SqlType): string {
  return t.kind === 'NULL' ? 'NULL' : formatSqlType(t);
}

function isAgg(e: Expr): e is Extract<Expr, { k: 'call' }> {
  return e.k === 'call' && AGGREGATES[e.name] !== undefined;
}

/** Calls every sub-expression (not descending into aggregate arguments when `skipAggArgs`). */
function walk(e: Expr, f: (e: Expr) => void): void {
  f(e);
  switch (e.k) {
    case 'binary':
      walk(e.left, f);
      walk(e.right, f);
      break;
    case 'unary':
    case 'cast':
    case 'isnull':
    case 'istruth':
    case 'step':
    case 'floorTo':
    case 'extract':
      walk(e.operand, f);
      break;
    case 'call':
      for (const a of e.args) walk(a, f);
      break;
    case 'case':
      if (e.operand) walk(e.operand, f);
      for (const w of e.whens) {
        walk(w.when, f);
        walk(w.result, f);
      }
      if (e.otherwise) walk(e.otherwise, f);
      break;
    case 'like':
      walk(e.operand, f);
      walk(e.pattern, f);
      if (e.escape) walk(e.escape, f);
      break;
    case 'between':
      walk(e.operand, f);
      walk(e.low, f);
      walk(e.high, f);
      break;
    case 'in':
      walk(e.operand, f);
      for (const x of e.list) walk(x, f);
      break;
    default:
      break;
  }
}

/** SQL LIKE pattern → RegExp (`%` any run, `_` one character, `escapeChar` makes the next character literal). */
export function likeToRegExp(pattern: string, escapeChar: string | null, similar: boolean): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (escapeChar !== null && c === escapeChar) {
      const next = pattern[++i];
      if (next === undefined)
        throw new SqlRuntimeError('INVALID_ESCAPE_SEQUENCE', `Invalid escape sequence '${pattern}'`);
      re += next.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    } else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else if (similar && '|*+?{}()[]'.includes(c)) re += c;
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  try {
    return new RegExp(`^(?:${re})$`, 'u');
  } catch {
    throw new SqlRuntimeError('INVALID_REGULAR_EXPRESSION', `Invalid SIMILAR TO pattern '${pattern}'`);
  }
}

class Binder {
  constructor(
    readonly streams: Map<string, TypedColumn[]>,
    readonly tables: Map<string, TypedColumn[]>,
  ) {}

  // ---- queries ----

  bindQuery(q: Query): { node: PlanNode; columns: ColumnInfo[] } {
    if (q.k === 'select') return this.bindSelect(q);
    const left = this.bindQuery(q.left);
    const right = this.bindQuery(q.right);
    if (left.columns.length !== right.columns.length)
      throw semanticError(
        `Column count mismatch in UNION ALL: ${left.columns.length} and ${right.columns.length}`,
        q.pos,
      );
    const columns = left.columns.map((c, i) => ({
      qualifier: null,
      name: c.name,
      type: commonType([c.type, right.columns[i]!.type], q.pos, 'UNION ALL'),
    }));
    const inputs = [left.node, right.node].flatMap((n) => (n.k === 'union' ? n.inputs : [n]));
    return { node: { k: 'union', inputs }, columns };
  }

  private resolveWindow(ref: WindowRef, named: Map<string, WindowSpec>): WindowSpec {
    if ('name' in ref) {
      const w = named.get(ref.name);
      if (w === undefined) throw semanticError(`Window '${ref.name}' not found`, ref.pos);
      return this.resolveWindow(w, named);
    }
    if (ref.base === null) return ref;
    const base = named.get(ref.base);
    if (base === undefined) throw semanticError(`Window '${ref.base}' not found`, ref.pos);
    const b = this.resolveWindow(base, named);
    return {
      base: null,
      partitionBy: ref.partitionBy.length > 0 ? ref.partitionBy : b.partitionBy,
      rangeMs: ref.rangeMs ?? (ref.rows === null ? b.rangeMs : null),
      rows: ref.rows ?? (ref.rangeMs === null ? b.rows : null),
      pos: ref.pos,
    };
  }

  /** A FROM item: a stream relation (plan + scope), or a reference table (only valid as a join side). */
  private bindFrom(
    f: FromItem,
    named: Map<string, WindowSpec>,
  ):
    | { k: 'stream'; node: PlanNode; scope: Scope; over: WindowSpec | null; pos: SourcePos }
    | { k: 'table'; name: string; scope: Scope; pos: SourcePos } {
    if (f.k === 'stream') {
      const q = f.alias ?? f.name;
      const table = this.tables.get(f.name);
      if (table !== undefined) {
        if (f.over !== null) throw semanticError(`Reference table '${f.name}' cannot have a window`, f.pos);
        return {
          k: 'table',
          name: f.name,
          scope: {
            columns: table.map((c, slot) => ({ qualifier: q, name: c.name, type: c.type, slot })),
            width: table.length,
            rowtimeQualifiers: new Set(),
          },
          pos: f.pos,
        };
      }
      const cols = this.streams.get(f.name);
      if (cols === undefined) throw semanticError(`Object '${f.name}' not found`, f.pos);
      return {
        k: 'stream',
        node: { k: 'scan', stream: f.name },
        scope: {
          columns: cols.map((c, slot) => ({
            qualifier: q,
            name: c.name,
            type: c.type,
            slot,
            implicit: c.implicit === true,
          })),
          width: cols.length,
          rowtimeQualifiers: new Set([q]),
        },
        over: f.over === null ? null : this.resolveWindow(f.over, named),
        pos: f.pos,
      };
    }
    if (f.k === 'subquery') {
      const inner = this.bindQuery(f.query);
      const q = f.alias;
      return {
        k: 'stream',
        node: inner.node,
        scope: {
          columns: inner.columns.map((c, slot) => ({ qualifier: q, name: c.name, type: c.type, slot })),
          width: inner.columns.length,
          rowtimeQualifiers: new Set(q === null ? [] : [q]),
        },
        over: f.over === null ? null : this.resolveWindow(f.over, named),
        pos: f.pos,
      };
    }
    return this.bindJoin(f, named);
  }

  private bindJoin(
    f: Extract<FromItem, { k: 'join' }>,
    named: Map<string, WindowSpec>,
  ): { k: 'stream'; node: PlanNode; scope: Scope; over: null; pos: SourcePos } {
    const left = this.bindFrom(f.left, named);
    const right = this.bindFrom(f.right, named);
    if (f.kind === 'CROSS' || f.kind === 'FULL')
      // TODO(#10): CROSS and FULL OUTER stream joins are not supported yet; AWS's wording for them is unknown.
      throw semanticError(`${f.kind} JOIN of streams is not supported`, f.pos);
    if (left.k === 'table')
      throw semanticError('A reference table must be on the right side of a join with a stream', left.pos);
    if (right.k === 'table') {
      if (f.kind === 'RIGHT') throw semanticError('RIGHT JOIN with a reference table is not supported', f.pos);
      const scope: Scope = {
        columns: [...left.scope.columns, ...shift(right.scope.columns, left.scope.width)],
        width: left.scope.width + right.scope.width,
        rowtimeQualifiers: left.scope.rowtimeQualifiers,
      };
      const keys = this.equalityKeys(f.on, left.scope, right.scope);
      const tableKeys = keys.right.map((k) => k.index);
      return {
        k: 'stream',
        node: {
          k: 'lookup',
          input: left.node,
          table: right.name,
          outer: f.kind === 'LEFT',
          on: f.on === null ? null : this.predicate(f.on, scope),
          streamKeys: keys.left.map((k) => k.ev),
          tableKeys,
          tableWidth: right.scope.width,
          streamWidth: left.scope.width,
        },
        scope,
        over: null,
        pos: f.pos,
      };
    }
    if ((left.over === null) === (right.over === null))
      throw semanticError(
        left.over === null
          ? 'A join of two streams needs a window (OVER) on one side'
          : 'A join of two streams takes a window (OVER) on one side only',
        f.pos,
      );
    const driver = left.over === null ? 'left' : 'right';
    const windowed = driver === 'left' ? right : left;
    const spec = windowed.over!;
    if (spec.partitionBy.length > 0) throw semanticError('A join window cannot be partitioned', spec.pos);
    if (spec.rangeMs === null && spec.rows === null) throw semanticError('A join window needs RANGE or ROWS', spec.pos);
    if ((f.kind === 'LEFT' && driver !== 'left') || (f.kind === 'RIGHT' && driver !== 'right'))
      throw semanticError(`${f.kind} OUTER JOIN needs the window on the other side`, f.pos);
    // The windowed row's ROWTIME is kept in one hidden slot after both sides' values.
    const width = left.scope.width + right.scope.width;
    const hidden: ScopeColumn[] = [...windowed.scope.rowtimeQualifiers].map((q) => ({
      qualifier: q,
      name: 'ROWTIME',
      type: TIMESTAMP,
      hidden: true,
      slot: width,
    }));
    const scope: Scope = {
      columns: [...left.scope.columns, ...shift(right.scope.columns, left.scope.width), ...hidden],
      width: width + 1,
      rowtimeQualifiers: (driver === 'left' ? left : right).scope.rowtimeQualifiers,
    };
    const driverScope = (driver === 'left' ? left : right).scope;
    const keys = this.equalityKeys(f.on, driverScope, windowed.scope);
    return {
      k: 'stream',
      node: {
        k: 'join',
        left: left.node,
        right: right.node,
        driver,
        outer: f.kind !== 'INNER',
        rangeMs: spec.rangeMs,
        rows: spec.rows,
        on: f.on === null ? null : this.predicate(f.on, scope),
        driverKeys: keys.left.map((k) => k.ev),
        windowedKeys: keys.right.map((k) => k.ev),
        leftWidth: left.scope.width,
        rightWidth: right.scope.width,
      },
      scope,
      over: null,
      pos: f.pos,
    };
  }

  /** Conjuncts `a = b` of ON with `a` over the `l` side only and `b` over the `r` side only (or swapped). */
  private equalityKeys(on: Expr | null, l: Scope, r: Scope): { left: Typed[]; right: (Typed & { index: number })[] } {
    const out = { left: [] as Typed[], right: [] as (Typed & { index: number })[] };
    const conjuncts: Expr[] = [];
    const split = (e: Expr): void => {
      if (e.k === 'binary' && e.op === 'AND') {
        split(e.left);
        split(e.right);
      } else conjuncts.push(e);
    };
    if (on !== null) split(on);
    for (const c of conjuncts) {
      if (c.k !== 'binary' || c.op !== '=') continue;
      for (const [a, b] of [
        [c.left, c.right],
        [c.right, c.left],
      ] as const) {
        const ta = this.tryBind(a, l);
        const tb = this.tryBind(b, r);
        if (ta === null || tb === null || !sameKeyFamily(ta.t, tb.t)) continue;
        const index =
          b.k === 'col'
            ? (r.columns.find(
                (x) => !x.hidden && x.name === b.name && (b.qualifier === null || b.qualifier === x.qualifier),
              )?.slot ?? -1)
            : -1;
        out.left.push(ta);
        out.right.push({ ...tb, index });
        break;
      }
    }
    // Table keys must be plain columns (the table is indexed by them).
    if (out.right.some((k) => k.index < 0)) {
      const keep = out.right.map((k) => k.index >= 0);
      out.left = out.left.filter((_k, i) => keep[i]);
      out.right = out.right.filter((_k, i) => keep[i]);
    }
    return out;
  }

  private tryBind(e: Expr, scope: Scope): Typed | null {
    let found = true;
    walk(e, (x) => {
      if (isAgg(x)) found = false;
      if (x.k === 'col') {
        if (x.name === 'ROWTIME') found = false;
        else if (
          !scope.columns.some(
            (c) => !c.hidden && c.name === x.name && (x.qualifier === null || c.qualifier === x.qualifier),
          )
        )
          found = false;
      }
    });
    if (!found) return null;
    try {
      return this.bindExpr(e, scope, null);
    } catch {
      return null;
    }
  }

  private predicate(e: Expr, scope: Scope, agg: AggCollector | null = null): Evaluator {
    const p = this.bindExpr(e, scope, agg);
    if (p.t.kind !== 'BOOLEAN' && p.t.kind !== 'NULL')
      throw semanticError(`Expected a BOOLEAN condition but found ${typeName(p.t)}`, e.pos);
    return p.ev;
  }

  /** Whether `e` is ROWTIME of the current row, or STEP / FLOOR of it; returns the window length or unit. */
  private rowtimeWindow(e: Expr, scope: Scope): { stepMs: number } | { unit: string } | null {
    const isRowtime = (x: Expr): boolean =>
      x.k === 'col' && x.name === 'ROWTIME' && (x.qualifier === null || scope.rowtimeQualifiers.has(x.qualifier));
    if (e.k === 'step' && isRowtime(e.operand)) return { stepMs: e.ms };
    if (e.k === 'floorTo' && !e.ceil && isRowtime(e.operand)) return { unit: e.unit };
    return null;
  }

  bindSelect(s: Select): { node: PlanNode; columns: ColumnInfo[] } {
    const from = this.bindFrom(s.from, s.windows);
    if (from.k === 'table')
      throw semanticError('A query needs a stream in FROM; a reference table can only be joined', from.pos);
    let node = from.node;
    const scope = from.scope;
    if (s.where !== null) {
      for (const x of [s.where])
        walk(x, (y) => {
          if (isAgg(y)) throw semanticError('Aggregate functions are not allowed in WHERE', y.pos);
        });
      node = { k: 'filter', input: node, predicate: this.predicate(s.where, scope) };
    }
    let groupAggs = false;
    let overAggs = false;
    const scan = (e: Expr): void =>
      walk(e, (x) => {
        if (isAgg(x)) {
          if (x.over === null) groupAggs = true;
          else overAggs = true;
        }
      });
    for (const it of s.items) if (it.k === 'expr') scan(it.expr);
    if (s.having !== null) scan(s.having);
    if (s.orderBy !== null) for (const o of s.orderBy) scan(o.expr);
    const grouped = s.groupBy !== null || s.stagger !== null || groupAggs;
    if (grouped && overAggs) throw semanticError('Cannot mix aggregates with OVER and aggregates with GROUP BY', s.pos);
    if (s.groupBy !== null && s.stagger !== null)
      throw semanticError('WINDOWED BY STAGGER replaces GROUP BY; use one of them', s.stagger.pos);
    if (!grouped && s.having !== null) throw semanticError('HAVING needs GROUP BY', s.having.pos);

    if (s.distinct && (grouped || overAggs))
      throw semanticError('SELECT DISTINCT cannot be combined with aggregates; use GROUP BY', s.pos);
    if (grouped) return this.bindGrouped(s, node, scope);
    if (overAggs) {
      const agg: AggCollector = { mode: 'slide', scope, windows: new Map(), named: s.windows, count: 0 };
      const { exprs, columns } = this.selectList(s, scope, agg);
      this.checkStreamOrder(s, scope);
      return {
        node: {
          k: 'slide',
          input: node,
          windows: [...agg.windows.values()],
          aggCount: agg.count,
          outputs: exprs.map((e) => e.ev),
        },
        columns,
      };
    }
    const { exprs, columns, rowtime } = this.selectList(s, scope, null);
    this.checkStreamOrder(s, scope);
    const identity =
      rowtime === null &&
      exprs.length === scope.width &&
      exprs.every((e, i) => (e as Typed & { column?: number }).column === i);
    const projected: PlanNode = identity
      ? node
      : { k: 'project', input: node, exprs: exprs.map((e) => e.ev), rowtime: rowtime?.ev ?? null };
    if (!s.distinct) return { node: projected, columns };
    // SELECT STREAM DISTINCT: the select list must hold a monotonic ROWTIME expression; a row is emitted the
    // first time it is seen within that expression's period, so state is one period's distinct rows (ADR 0019).
    let period: { stepMs: number } | { unit: string } | null = null;
    for (const it of s.items) if (it.k === 'expr' && period === null) period = this.rowtimeWindow(it.expr, scope);
    if (period === null || rowtime !== null)
      throw semanticError(
        'SELECT DISTINCT on a stream needs a monotonic expression of ROWTIME (STEP or FLOOR of ROWTIME) in the select list',
        s.pos,
      );
    const p = period;
    const windowStart: Evaluator =
      'stepMs' in p ? (_v, rt) => Math.floor(rt / p.stepMs) * p.stepMs : (_v, rt) => floorTime(rt, p.unit);
    return { node: { k: 'distinct', input: projected, windowStart }, columns };
  }

  /** ORDER BY of a non-aggregating streaming query: only a monotonic ROWTIME expression (a no-op) is allowed. */
  private checkStreamOrder(s: Select, scope: Scope): void {
    if (s.orderBy === null) return;
    const first = s.orderBy[0]!;
    const isRowtime = first.expr.k === 'col' && first.expr.name === 'ROWTIME';
    if (s.orderBy.length > 1 || first.desc || (!isRowtime && this.rowtimeWindow(first.expr, scope) === null))
      throw semanticError('ORDER BY on a stream must be on a monotonic expression of ROWTIME', first.expr.pos);
  }

  private bindGrouped(s: Select, input: PlanNode, scope: Scope): { node: PlanNode; columns: ColumnInfo[] } {
    const agg: AggCollector = { mode: 'group', scope, aggs: [] };
    let timeKey: { index: number; stepMs: number } | { index: number; unit: string; ms: number } | null = null;
    const keyExprs = s.groupBy ?? [];
    keyExprs.forEach((e, index) => {
      const w = this.rowtimeWindow(e, scope);
      if (w === null) return;
      const ms = 'stepMs' in w ? w.stepMs : (UNIT_MS[w.unit] ?? 31 * 86_400_000);
      const size = timeKey === null ? Number.POSITIVE_INFINITY : 'stepMs' in timeKey ? timeKey.stepMs : timeKey.ms;
      if (ms < size) timeKey = 'stepMs' in w ? { index, stepMs: w.stepMs } : { index, unit: w.unit, ms };
    });
    const { exprs, columns } = this.selectList(s, scope, agg);
    const having = s.having === null ? null : this.predicate(s.having, scope, agg);
    const order = this.groupOrder(s, scope, agg, columns, exprs);
    if (s.stagger !== null) {
      const partitionBy = s.stagger.partitionBy.map((e) => this.bindExpr(e, scope, null).ev);
      if (s.stagger.rangeMs <= 0) throw semanticError('A stagger window needs a positive interval', s.stagger.pos);
      return {
        node: {
          k: 'stagger',
          input,
          partitionBy,
          rangeMs: s.stagger.rangeMs,
          aggs: agg.aggs,
          outputs: exprs.map((e) => e.ev),
          having,
          order,
        },
        columns,
      };
    }
    if (timeKey === null)
      // "Aggregate Functions": without it "the query will never complete and no rows will be emitted"; we refuse
      // it instead of holding unbounded state. TODO(#10): AWS's CodeValidationException text, if it has one.
      throw semanticError(
        'An aggregate on a stream needs GROUP BY with a monotonic expression of ROWTIME, such as STEP(ROWTIME BY INTERVAL ...) or FLOOR(ROWTIME TO unit)',
        s.groupBy?.[0]?.pos ?? s.pos,
      );
    const tk = timeKey as { index: number; stepMs: number } | { index: number; unit: string; ms: number };
    const keys = keyExprs.filter((_e, i) => i !== tk.index).map((e) => this.bindExpr(e, scope, null).ev);
    let windowStart: Evaluator;
    let windowEnd: (start: number) => number;
    if ('stepMs' in tk) {
      const step = tk.stepMs;
      windowStart = (_v, rt) => Math.floor(rt / step) * step;
      windowEnd = (start) => start + step;
    } else {
      const unit = tk.unit;
      windowStart = (_v, rt) => floorTime(rt, unit);
      windowEnd = (start) => nextTime(start, unit);
    }
    return {
      node: {
        k: 'tumble',
        input,
        keys,
        windowStart,
        windowEnd,
        aggs: agg.aggs,
        outputs: exprs.map((e) => e.ev),
        having,
        order,
      },
      columns,
    };
  }

  /** ORDER BY of an aggregating query: a leading monotonic ROWTIME key, then keys sorting each window's rows. */
  private groupOrder(s: Select, scope: Scope, agg: AggCollector, columns: ColumnInfo[], exprs: Typed[]): SortKey[] {
    if (s.orderBy === null) return [];
    const first = s.orderBy[0]!;
    const isRowtime = first.expr.k === 'col' && first.expr.name === 'ROWTIME';
    if (first.desc || (!isRowtime && this.rowtimeWindow(first.expr, scope) === null))
      throw semanticError('ORDER BY on a stream must lead with a monotonic expression of ROWTIME', first.expr.pos);
    return s.orderBy.slice(1).map((o) => {
      if (o.expr.k === 'col' && o.expr.qualifier === null) {
        const name = o.expr.name;
        const i = columns.findIndex((c) => c.name === name);
        if (i >= 0) return { expr: exprs[i]!.ev, desc: o.desc };
      }
      if (o.expr.k === 'lit' && typeof o.expr.value === 'number' && Number.isInteger(o.expr.value)) {
        const i = o.expr.value - 1;
        if (i < 0 || i >= exprs.length)
          throw semanticError(`ORDER BY column ${o.expr.value} is out of range`, o.expr.pos);
        return { expr: exprs[i]!.ev, desc: o.desc };
      }
      return { expr: this.bindExpr(o.expr, scope, agg).ev, desc: o.desc };
    });
  }

  /** The SELECT list: `*` expanded, names given, a ROWTIME item taken out as the output ROWTIME. */
  private selectList(
    s: Select,
    scope: Scope,
    agg: AggCollector | null,
  ): { exprs: Typed[]; columns: ColumnInfo[]; rowtime: Typed | null } {
    const exprs: Typed[] = [];
    const columns: ColumnInfo[] = [];
    let rowtime: Typed | null = null;
    for (const it of s.items) {
      if (it.k === 'star') {
        let any = false;
        scope.columns.forEach((c) => {
          if (c.hidden || c.implicit || (it.qualifier !== null && c.qualifier !== it.qualifier)) return;
          any = true;
          const i = c.slot;
          const t: Typed & { column: number } = { t: c.type, ev: (v) => v[i]!, column: i };
          exprs.push(t);
          columns.push({ qualifier: null, name: c.name, type: c.type });
        });
        if (!any) throw semanticError(`Unknown table '${it.qualifier}'`, it.pos);
        continue;
      }
      const typed = this.bindExpr(it.expr, scope, agg);
      const name = it.alias ?? (it.expr.k === 'col' ? it.expr.name : `EXPR$${columns.length}`);
      if (name === 'ROWTIME') {
        if (!isDatetime(typed.t)) throw semanticError('ROWTIME must be a TIMESTAMP', it.pos);
        if (agg === null) rowtime = typed;
        continue;
      }
      exprs.push(typed);
      columns.push({ qualifier: null, name, type: typed.t });
    }
    return { exprs, columns, rowtime };
  }

  // ---- expressions ----

  private column(e: Extract<Expr, { k: 'col' }>, scope: Scope): Typed {
    if (e.name === 'ROWTIME' && (e.qualifier === null || scope.rowtimeQualifiers.has(e.qualifier)))
      return { t: TIMESTAMP, ev: (_v, rt) => new Date(rt) };
    const matches: number[] = [];
    scope.columns.forEach((c, i) => {
      if (c.name === e.name && (e.qualifier === null ? !c.hidden : c.qualifier === e.qualifier)) matches.push(i);
    });
    if (matches.length === 0) {
      if (e.qualifier !== null && !scope.columns.some((c) => c.qualifier === e.qualifier))
        throw semanticError(`Table '${e.qualifier}' not found`, e.pos);
      throw semanticError(
        e.qualifier === null
          ? `Column '${e.name}' not found in any table`
          : `Column '${e.name}' not found in table '${e.qualifier}'`,
        e.pos,
      );
    }
    if (matches.length > 1) throw semanticError(`Column '${e.name}' is ambiguous`, e.pos);
    const col = scope.columns[matches[0]!]!;
    const i = col.slot;
    const t: Typed & { column: number } = { t: col.type, ev: (v) => v[i]!, column: i };
    return t;
  }

  bindExpr(e: Expr, scope: Scope, agg: AggCollector | null): Typed {
    switch (e.k) {
      case 'lit': {
        const value = e.value;
        return { t: e.type, ev: () => value };
      }
      case 'interval': {
        const ms = e.ms;
        return { t: { kind: 'INTERVAL', length: e.months ? 1 : 0 }, ev: () => ms };
      }
      case 'col':
        return this.column(e, scope);
      case 'unary':
        return this.unary(e, scope, agg);
      case 'binary':
        return this.binary(e, scope, agg);
      case 'call':
        return isAgg(e) ? this.aggregate(e, agg) : this.scalarCall(e, scope, agg);
      case 'case':
        return this.caseExpr(e, scope, agg);
      case 'cast': {
        const x = this.bindExpr(e.operand, scope, agg);
        const from = x.t;
        const to = e.type;
        if (!castable(from, to))
          throw semanticError(
            `Cast function cannot convert value of type ${typeName(from)} to type ${typeName(to)}`,
            e.pos,
          );
        const f = x.ev;
        return { t: to, ev: (v, rt, c) => castValue(f(v, rt, c), from, to) };
      }
      case 'isnull': {
        const f = this.bindExpr(e.operand, scope, agg).ev;
        const not = e.not;
        return { t: BOOLEAN, ev: (v, rt, c) => (f(v, rt, c) === null) !== not };
      }
      case 'istruth': {
        const x = this.bindExpr(e.operand, scope, agg);
        if (x.t.kind !== 'BOOLEAN' && x.t.kind !== 'NULL')
          throw semanticError(`Expected BOOLEAN but found ${typeName(x.t)}`, e.pos);
        const f = x.ev;
        const want = e.value;
        const not = e.not;
        return { t: BOOLEAN, ev: (v, rt, c) => (f(v, rt, c) === want) !== not };
      }
      case 'like':
        return this.like(e, scope, agg);
      case 'between': {
        const x = this.bindExpr(e.operand, scope, agg);
        const lo = this.bindExpr(e.low, scope, agg);
        const hi = this.bindExpr(e.high, scope, agg);
        comparable(x.t, lo.t, e.pos);
        comparable(x.t, hi.t, e.pos);
        const [fx, fl, fh] = [x.ev, lo.ev, hi.ev];
        const not = e.not;
        return {
          t: BOOLEAN,
          ev: (v, rt, c) => {
            const a = fx(v, rt, c);
            const l = fl(v, rt, c);
            const h = fh(v, rt, c);
            const ge = a === null || l === null ? null : compareValues(a, l) >= 0;
            const le = a === null || h === null ? null : compareValues(a, h) <= 0;
            const r = ge === false || le === false ? false : ge === null || le === null ? null : true;
            return r === null ? null : r !== not;
          },
        };
      }
      case 'in': {
        const x = this.bindExpr(e.operand, scope, agg);
        const list = e.list.map((y) => {
          const t = this.bindExpr(y, scope, agg);
          comparable(x.t, t.t, y.pos);
          return t.ev;
        });
        const fx = x.ev;
        const not = e.not;
        return {
          t: BOOLEAN,
          ev: (v, rt, c) => {
            const a = fx(v, rt, c);
            if (a === null) return null;
            let sawNull = false;
            for (const f of list) {
              const b = f(v, rt, c);
              if (b === null) sawNull = true;
              else if (compareValues(a, b) === 0) return !not;
            }
            return sawNull ? null : not;
          },
        };
      }
      case 'step': {
        const x = this.bindExpr(e.operand, scope, agg);
        if (!isDatetime(x.t)) throw semanticError(`STEP needs a TIMESTAMP but found ${typeName(x.t)}`, e.pos);
        const f = x.ev;
        const ms = e.ms;
        return {
          t: x.t,
          ev: (v, rt, c) => {
            const d = f(v, rt, c) as Date | null;
            return d === null ? null : new Date(Math.floor(d.getTime() / ms) * ms);
          },
        };
      }
      case 'floorTo': {
        const x = this.bindExpr(e.operand, scope, agg);
        if (!isDatetime(x.t))
          throw semanticError(
            `${e.ceil ? 'CEIL' : 'FLOOR'} ... TO needs a TIMESTAMP but found ${typeName(x.t)}`,
            e.pos,
          );
        const f = x.ev;
        const unit = e.unit;
        const ceil = e.ceil;
        return {
          t: x.t,
          ev: (v, rt, c) => {
            const d = f(v, rt, c) as Date | null;
            if (d === null) return null;
            const t = d.getTime();
            const start = floorTime(t, unit);
            return new Date(ceil && start !== t ? nextTime(start, unit) : start);
          },
        };
      }
      case 'extract': {
        const x = this.bindExpr(e.operand, scope, agg);
        if (!isDatetime(x.t)) throw semanticError(`EXTRACT needs a datetime but found ${typeName(x.t)}`, e.pos);
        const f = x.ev;
        const unit = e.unit;
        const part = (d: Date): number => {
          switch (unit) {
            case 'YEAR':
              return d.getUTCFullYear();
            case 'MONTH':
              return d.getUTCMonth() + 1;
            case 'DAY':
              return d.getUTCDate();
            case 'HOUR':
              return d.getUTCHours();
            case 'MINUTE':
              return d.getUTCMinutes();
            case 'SECOND':
              return d.getUTCSeconds();
            default:
              return d.getUTCMilliseconds();
          }
        };
        return {
          t: INTEGER,
          ev: (v, rt, c) => {
            const d = f(v, rt, c) as Date | null;
            return d === null ? null : part(d);
          },
        };
      }
    }
  }

  private unary(e: Extract<Expr, { k: 'unary' }>, scope: Scope, agg: AggCollector | null): Typed {
    const x = this.bindExpr(e.operand, scope, agg);
    const f = x.ev;
    if (e.op === 'NOT') {
      if (x.t.kind !== 'BOOLEAN' && x.t.kind !== 'NULL')
        throw semanticError(`Expected BOOLEAN but found ${typeName(x.t)}`, e.pos);
      return {
        t: BOOLEAN,
        ev: (v, rt, c) => {
          const a = f(v, rt, c);
          return a === null ? null : !a;
        },
      };
    }
    if (!isNumeric(x.t) && x.t.kind !== 'INTERVAL')
      throw semanticError(`Cannot apply '${e.op}' to ${typeName(x.t)}`, e.pos);
    if (e.op === '+') return x;
    const t = x.t;
    const range = INT_RANGE[t.kind];
    return {
      t,
      ev: (v, rt, c) => {
        const a = f(v, rt, c);
        if (a === null) return null;
        if (typeof a === 'bigint') {
          if (-a > BIGINT_MAX) throw overflow(-a, t);
          return -a;
        }
        const r = -(a as number);
        if (range !== undefined && r > range[1]) throw overflow(r, t);
        return r === 0 ? 0 : r;
      },
    };
  }

  private binary(e: Extract<Expr, { k: 'binary' }>, scope: Scope, agg: AggCollector | null): Typed {
    const l = this.bindExpr(e.left, scope, agg);
    const r = this.bindExpr(e.right, scope, agg);
    const fl = l.ev;
    const fr = r.ev;
    switch (e.op) {
      case 'AND':
      case 'OR': {
        for (const x of [l, r])
          if (x.t.kind !== 'BOOLEAN' && x.t.kind !== 'NULL')
            throw semanticError(`Expected BOOLEAN operands for ${e.op} but found ${typeName(x.t)}`, e.pos);
        if (e.op === 'AND')
          return {
            t: BOOLEAN,
            ev: (v, rt, c) => {
              const a = fl(v, rt, c);
              if (a === false) return false;
              const b = fr(v, rt, c);
              if (b === false) return false;
              return a === null || b === null ? null : true;
            },
          };
        return {
          t: BOOLEAN,
          ev: (v, rt, c) => {
            const a = fl(v, rt, c);
            if (a === true) return true;
            const b = fr(v, rt, c);
            if (b === true) return true;
            return a === null || b === null ? null : false;
          },
        };
      }
      case '=':
      case '<>':
      case '<':
      case '>':
      case '<=':
      case '>=':
        comparable(l.t, r.t, e.pos);
        // CHAR compares with PAD SPACE: trailing spaces do not count (SQL:2008 §8.2 "comparison predicate").
        if (isString(l.t) && isString(r.t) && (l.t.kind === 'CHAR' || r.t.kind === 'CHAR'))
          return { t: BOOLEAN, ev: comparison(e.op, unpadded(fl), unpadded(fr), false) };
        return { t: BOOLEAN, ev: comparison(e.op, fl, fr, plainNumber(l.t) && plainNumber(r.t)) };
      case '||': {
        if (!(isString(l.t) || l.t.kind === 'NULL') || !(isString(r.t) || r.t.kind === 'NULL'))
          throw semanticError(`Cannot apply '||' to arguments of type ${typeName(l.t)} and ${typeName(r.t)}`, e.pos);
        return {
          t: { kind: 'VARCHAR', length: (l.t.length ?? 0) + (r.t.length ?? 0) || 1 },
          ev: (v, rt, c) => {
            const a = fl(v, rt, c);
            if (a === null) return null;
            const b = fr(v, rt, c);
            return b === null ? null : (a as string) + (b as string);
          },
        };
      }
      default:
        return this.arithmetic(e, l, r);
    }
  }

  private arithmetic(e: Extract<Expr, { k: 'binary' }>, l: Typed, r: Typed): Typed {
    const op = e.op;
    const fl = l.ev;
    const fr = r.ev;
    // Datetime ± interval, interval + datetime.
    if (isDatetime(l.t) && r.t.kind === 'INTERVAL' && (op === '+' || op === '-')) {
      const months = r.t.length === 1;
      const sign = op === '+' ? 1 : -1;
      return {
        t: l.t,
        ev: (v, rt, c) => {
          const a = fl(v, rt, c) as Date | null;
          const b = fr(v, rt, c) as number | null;
          if (a === null || b === null) return null;
          return new Date(months ? addMonths(a.getTime(), sign * b) : a.getTime() + sign * b);
        },
      };
    }
    if (l.t.kind === 'INTERVAL' && isDatetime(r.t) && op === '+')
      return this.arithmetic({ ...e, left: e.right, right: e.left }, r, l);
    if (l.t.kind === 'INTERVAL' && r.t.kind === 'INTERVAL' && (op === '+' || op === '-') && l.t.length === r.t.length)
      return {
        t: l.t,
        ev: (v, rt, c) => {
          const a = fl(v, rt, c) as number | null;
          const b = fr(v, rt, c) as number | null;
          return a === null || b === null ? null : op === '+' ? a + b : a - b;
        },
      };
    const ln = isNumeric(l.t) || l.t.kind === 'NULL';
    const rn = isNumeric(r.t) || r.t.kind === 'NULL';
    if (!ln || !rn)
      throw semanticError(`Cannot apply '${op}' to arguments of type ${typeName(l.t)} ${op} ${typeName(r.t)}`, e.pos);
    let t = numericCommon(l.t, r.t);
    if (t.kind === 'NULL') t = INTEGER;
    if (t.kind === 'TINYINT' || t.kind === 'SMALLINT') t = INTEGER;
    if (t.kind === 'BIGINT') {
      const toBig = (x: SqlValue): bigint => (typeof x === 'bigint' ? x : BigInt(x as number));
      return {
        t,
        ev: (v, rt, c) => {
          const a = fl(v, rt, c);
          if (a === null) return null;
          const b = fr(v, rt, c);
          if (b === null) return null;
          const x = toBig(a);
          const y = toBig(b);
          let z: bigint;
          switch (op) {
            case '+':
              z = x + y;
              break;
            case '-':
              z = x - y;
              break;
            case '*':
              z = x * y;
              break;
            default:
              if (y === 0n) throw new SqlRuntimeError(DIVISION_BY_ZERO, 'Division by zero');
              z = op === '/' ? x / y : x % y;
          }
          if (z < BIGINT_MIN || z > BIGINT_MAX) throw overflow(z, t);
          return z;
        },
      };
    }
    const integral = t.kind === 'INTEGER';
    const range = INT_RANGE.INTEGER!;
    const num = (x: SqlValue): number => (typeof x === 'bigint' ? Number(x) : (x as number));
    const rt0 = t;
    return {
      t,
      ev: (v, rt, c) => {
        const a = fl(v, rt, c);
        if (a === null) return null;
        const b = fr(v, rt, c);
        if (b === null) return null;
        const x = num(a);
        const y = num(b);
        let z: number;
        switch (op) {
          case '+':
            z = x + y;
            break;
          case '-':
            z = x - y;
            break;
          case '*':
            z = x * y;
            break;
          case '/':
            if (y === 0) throw new SqlRuntimeError(DIVISION_BY_ZERO, 'Division by zero');
            z = integral ? Math.trunc(x / y) : x / y;
            break;
          default:
            if (y === 0) throw new SqlRuntimeError(DIVISION_BY_ZERO, 'Division by zero');
            z = x % y;
        }
        if (integral ? z < range[0] || z > range[1] : !Number.isFinite(z)) throw overflow(z, rt0);
        return z === 0 ? 0 : z;
      },
    };
  }

  private like(e: Extract<Expr, { k: 'like' }>, scope: Scope, agg: AggCollector | null): Typed {
    const x = this.bindExpr(e.operand, scope, agg);
    const p = this.bindExpr(e.pattern, scope, agg);
    const esc = e.escape === null ? null : this.bindExpr(e.escape, scope, agg);
    for (const y of [x, p, ...(esc ? [esc] : [])])
      if (!isString(y.t) && y.t.kind !== 'NULL')
        throw semanticError(`Cannot apply '${e.similar ? 'SIMILAR TO' : 'LIKE'}' to ${typeName(y.t)}`, e.pos);
    const fx = x.ev;
    const not = e.not;
    const similar = e.similar;
    if (e.pattern.k === 'lit' && (e.escape === null || e.escape.k === 'lit')) {
      const pattern = e.pattern.value as string | null;
      const escapeChar = e.escape === null ? null : (e.escape.value as string | null);
      if (pattern === null) return { t: BOOLEAN, ev: () => null };
      if (escapeChar !== null && escapeChar.length !== 1)
        throw semanticError(`Invalid escape character '${escapeChar}'`, e.pos);
      let re: RegExp;
      try {
        re = likeToRegExp(pattern, escapeChar, similar);
      } catch (err) {
        throw semanticError((err as Error).message, e.pattern.pos);
      }
      return {
        t: BOOLEAN,
        ev: (v, rt, c) => {
          const a = fx(v, rt, c);
          return a === null ? null : re.test(a as string) !== not;
        },
      };
    }
    const fp = p.ev;
    const fe = esc?.ev ?? null;
    return {
      t: BOOLEAN,
      ev: (v, rt, c) => {
        const a = fx(v, rt, c);
        const b = fp(v, rt, c);
        const escapeChar = fe === null ? null : fe(v, rt, c);
        if (a === null || b === null || (fe !== null && escapeChar === null)) return null;
        return likeToRegExp(b as string, escapeChar as string | null, similar).test(a as string) !== not;
      },
    };
  }

  private caseExpr(e: Extract<Expr, { k: 'case' }>, scope: Scope, agg: AggCollector | null): Typed {
    const operand = e.operand === null ? null : this.bindExpr(e.operand, scope, agg);
    const whens = e.whens.map((w) => {
      const cond = this.bindExpr(w.when, scope, agg);
      if (operand !== null) comparable(operand.t, cond.t, w.when.pos);
      else if (cond.t.kind !== 'BOOLEAN' && cond.t.kind !== 'NULL')
        throw semanticError(`Expected a BOOLEAN condition but found ${typeName(cond.t)}`, w.when.pos);
      return { cond: cond.ev, result: this.bindExpr(w.result, scope, agg) };
    });
    const otherwise = e.otherwise === null ? null : this.bindExpr(e.otherwise, scope, agg);
    const types = [...whens.map((w) => w.result.t), ...(otherwise ? [otherwise.t] : [])];
    const t = commonType(types, e.pos, 'CASE');
    const conv = (x: Typed): Evaluator => {
      if (x.t.kind === t.kind || x.t.kind === 'NULL' || (isString(x.t) && isString(t))) return x.ev;
      const from = x.t;
      const f = x.ev;
      return (v, rt, c) => castValue(f(v, rt, c), from, t);
    };
    const branches = whens.map((w) => ({ cond: w.cond, result: conv(w.result) }));
    const other = otherwise === null ? null : conv(otherwise);
    const fo = operand?.ev ?? null;
    return {
      t,
      ev: (v, rt, c) => {
        if (fo === null) {
          for (const b of branches) if (b.cond(v, rt, c) === true) return b.result(v, rt, c);
        } else {
          const a = fo(v, rt, c);
          if (a !== null)
            for (const b of branches) {
              const w = b.cond(v, rt, c);
              if (w !== null && compareValues(a, w) === 0) return b.result(v, rt, c);
            }
        }
        return other === null ? null : other(v, rt, c);
      },
    };
  }

  private scalarCall(e: Extract<Expr, { k: 'call' }>, scope: Scope, agg: AggCollector | null): Typed {
    if (e.over !== null) throw semanticError(`${e.name} is not an aggregate function and cannot have OVER`, e.pos);
    const builder = SCALAR_FUNCTIONS[e.name];
    const args = e.args.map((a) => this.bindExpr(a, scope, agg));
    if (builder === undefined || e.star || e.distinct)
      throw semanticError(
        `No match found for function signature ${e.name}(${args.map((a) => `<${a.t.kind}>`).join(', ')})`,
        e.pos,
      );
    const fn = builder(
      args.map((a) => a.t),
      e.pos,
      e.name,
    );
    const evs = args.map((a) => a.ev);
    const call = fn.call;
    const nullAware = fn.nullAware === true;
    return {
      t: fn.type,
      ev: (v, rt, c) => {
        const vals: SqlValue[] = new Array(evs.length);
        for (let i = 0; i < evs.length; i++) {
          const x = evs[i]!(v, rt, c);
          if (x === null && !nullAware) return null;
          vals[i] = x;
        }
        return call(vals, c.now);
      },
    };
  }

  private aggregate(e: Extract<Expr, { k: 'call' }>, agg: AggCollector | null): Typed {
    const fn = AGGREGATES[e.name]!;
    if (agg === null) throw semanticError(`Aggregate function ${e.name} is not allowed here`, e.pos);
    if (e.over !== null && agg.mode !== 'slide') throw semanticError('OVER is not allowed here', e.pos);
    if (e.over === null && agg.mode !== 'group') throw semanticError(`${e.name} needs OVER here`, e.pos);
    if (e.star && fn !== 'COUNT') throw semanticError(`${e.name}(*) is not allowed`, e.pos);
    if (!e.star && e.args.length !== 1)
      throw semanticError(`Invalid number of arguments to function '${e.name}'`, e.pos);
    let argType: SqlType = { kind: 'NULL' };
    let arg: Evaluator | null = null;
    if (!e.star) {
      for (const a of e.args)
        walk(a, (x) => {
          if (isAgg(x)) throw semanticError('Aggregate expressions cannot be nested', x.pos);
        });
      const typed = this.bindExpr(e.args[0]!, agg.scope, null);
      argType = typed.t;
      arg = typed.ev;
    }
    let type: SqlType;
    switch (fn) {
      case 'COUNT':
        type = BIGINT;
        break;
      case 'MIN':
      case 'MAX':
      case 'FIRST_VALUE':
      case 'LAST_VALUE':
        type = argType;
        break;
      default:
        if (!isNumeric(argType))
          throw semanticError(`Cannot apply '${e.name}' to arguments of type ${e.name}(<${argType.kind}>)`, e.pos);
        // Result type is the argument's type, as in the SQLstream / Eigenbase lineage (ADR 0019).
        type = argType;
    }
    if (e.distinct && fn !== 'COUNT') throw semanticError(`DISTINCT is only supported in COUNT`, e.pos);
    const spec: AggregateSpec = { fn, arg, argType, distinct: e.distinct, type };
    let slot: number;
    if (agg.mode === 'group') {
      slot = agg.aggs.length;
      agg.aggs.push(spec);
    } else {
      const w = this.resolveWindow(e.over!, agg.named);
      if (w.rangeMs === null && w.rows === null)
        throw semanticError('A sliding window needs RANGE INTERVAL ... PRECEDING or ROWS n PRECEDING', w.pos);
      const key = 'name' in e.over! ? `name:${e.over.name}` : `inline:${e.pos.line}:${e.pos.column}`;
      let plan = agg.windows.get(key);
      if (plan === undefined) {
        plan = {
          partitionBy: w.partitionBy.map((p) => this.bindExpr(p, agg.scope, null).ev),
          rangeMs: w.rangeMs,
          rows: w.rows,
          aggs: [],
          slots: [],
        };
        agg.windows.set(key, plan);
      }
      slot = agg.count++;
      plan.aggs.push(spec);
      plan.slots.push(slot);
    }
    return { t: type, ev: (_v, _rt, c) => c.aggs[slot]! };
  }
}

function unpadded(f: Evaluator): Evaluator {
  return (v, rt, c) => {
    const x = f(v, rt, c);
    return x === null ? null : (x as string).replace(/ +$/, '');
  };
}

function shift(columns: ScopeColumn[], by: number): ScopeColumn[] {
  return columns.map((c) => ({ ...c, slot: c.slot + by }));
}

function plainNumber(t: SqlType): boolean {
  return t.kind !== 'BIGINT' && isNumeric(t);
}

function sameKeyFamily(a: SqlType, b: SqlType): boolean {
  return (isNumeric(a) && isNumeric(b)) || (isString(a) && isString(b)) || a.kind === b.kind;
}

function comparable(a: SqlType, b: SqlType, pos: SourcePos): void {
  if (a.kind === 'NULL' || b.kind === 'NULL') return;
  if ((isNumeric(a) && isNumeric(b)) || (isString(a) && isString(b)) || (isDatetime(a) && isDatetime(b))) return;
  if (a.kind === b.kind) return;
  throw semanticError(`Cannot compare values of type ${typeName(a)} and ${typeName(b)}`, pos);
}

function castable(from: SqlType, to: SqlType): boolean {
  if (from.kind === 'NULL' || from.kind === to.kind) return true;
  if (isString(from) || isString(to)) return from.kind !== 'INTERVAL' && to.kind !== 'INTERVAL';
  if (isNumeric(from)) return isNumeric(to) || to.kind === 'BOOLEAN';
  if (from.kind === 'BOOLEAN') return isNumeric(to);
  if (isDatetime(from)) return isDatetime(to);
  return (from.kind === 'BINARY' || from.kind === 'VARBINARY') && (to.kind === 'BINARY' || to.kind === 'VARBINARY');
}

function comparison(op: string, fl: Evaluator, fr: Evaluator, numbers: boolean): Evaluator {
  if (numbers) {
    switch (op) {
      case '=':
        return (v, rt, c) => {
          const a = fl(v, rt, c);
          if (a === null) return null;
          const b = fr(v, rt, c);
          return b === null ? null : a === b;
        };
      case '<':
        return (v, rt, c) => {
          const a = fl(v, rt, c);
          if (a === null) return null;
          const b = fr(v, rt, c);
          return b === null ? null : (a as number) < (b as number);
        };
      case '>':
        return (v, rt, c) => {
          const a = fl(v, rt, c);
          if (a === null) return null;
          const b = fr(v, rt, c);
          return b === null ? null : (a as number) > (b as number);
        };
      default:
        break;
    }
  }
  const test: (d: number) => boolean =
    op === '='
      ? (d) => d === 0
      : op === '<>'
        ? (d) => d !== 0
        : op === '<'
          ? (d) => d < 0
          : op === '>'
            ? (d) => d > 0
            : op === '<='
              ? (d) => d <= 0
              : (d) => d >= 0;
  return (v, rt, c) => {
    const a = fl(v, rt, c);
    if (a === null) return null;
    const b = fr(v, rt, c);
    return b === null ? null : test(compareValues(a, b));
  };
}

function typedColumns(cols: ColumnDef[], owner: string): TypedColumn[] {
  return cols.map((c) => {
    try {
      return { name: c.name, type: parseSqlType(c.sqlType), implicit: c.implicit === true };
    } catch (err) {
      if (err instanceof SqlCodeError)
        throw new SqlCodeError(`Invalid SqlType '${c.sqlType}' of column '${c.name}' in '${owner}'`, 1, 1, []);
      throw err;
    }
  });
}

/**
 * Parses and checks application code against the declared in-application input streams and reference tables.
 * Throws SqlCodeError (line, column, what was expected) for syntax and semantic errors alike.
 */
export function compileApplication(
  code: string,
  env: { inputs: InStreamDef[]; referenceTables: RefTableDef[] },
): CompiledApplication {
  const statements: Statement[] = parseCode(code);
  const schemas = new Map<string, TypedColumn[]>();
  const streams = new Map<string, TypedColumn[]>();
  const tables = new Map<string, TypedColumn[]>();
  for (const i of env.inputs) {
    const cols = typedColumns(i.columns, i.name);
    streams.set(i.name, cols);
    schemas.set(i.name, cols);
  }
  for (const t of env.referenceTables) {
    const cols = typedColumns(t.columns, t.name);
    tables.set(t.name, cols);
    schemas.set(t.name, cols);
  }
  const inputNames = new Set(env.inputs.map((i) => i.name));
  const created = new Map<string, CreatedStream>();
  const pumps = new Map<string, PumpPlan>();
  const binder = new Binder(streams, tables);
  for (const st of statements) {
    if (st.k === 'createStream') {
      if (inputNames.has(st.name) || tables.has(st.name))
        throw semanticError(`Object '${st.name}' already exists`, st.pos);
      if (created.has(st.name) && !st.orReplace) throw semanticError(`Stream '${st.name}' already exists`, st.pos);
      const seen = new Set<string>();
      for (const c of st.columns) {
        if (seen.has(c.name)) throw semanticError(`Duplicate column name '${c.name}'`, c.pos);
        if (c.name === 'ROWTIME') throw semanticError('ROWTIME is a system column and cannot be declared', c.pos);
        seen.add(c.name);
      }
      const cols = st.columns.map((c) => ({ name: c.name, type: c.type }));
      created.set(st.name, { name: st.name, columns: cols });
      streams.set(st.name, cols);
      schemas.set(st.name, cols);
      continue;
    }
    if (pumps.has(st.name) && !st.orReplace) throw semanticError(`Pump '${st.name}' already exists`, st.pos);
    const target = created.get(st.target);
    if (target === undefined)
      throw semanticError(
        inputNames.has(st.target)
          ? `Cannot insert into input stream '${st.target}'`
          : `Object '${st.target}' not found`,
        st.pos,
      );
    const { node, columns } = binder.bindQuery(st.query);
    let targetIndexes: number[];
    if (st.targetColumns === null) targetIndexes = target.columns.map((_c, i) => i);
    else
      targetIndexes = st.targetColumns.map((tc) => {
        const i = target.columns.findIndex((c) => c.name === tc.name);
        if (i < 0) throw semanticError(`Unknown target column '${tc.name}'`, tc.pos);
        return i;
      });
    if (columns.length !== targetIndexes.length)
      throw semanticError(
        `Number of INSERT target columns (${targetIndexes.length}) does not equal number of source items (${columns.length})`,
        st.pos,
      );
    const mapping = target.columns.map(() => -1);
    targetIndexes.forEach((ti, si) => {
      const to = target.columns[ti]!;
      const from = columns[si]!;
      if (!assignable(from.type, to.type))
        throw semanticError(
          `Cannot assign to target field '${to.name}' of type ${typeName(to.type)} from source field '${from.name}' of type ${typeName(from.type)}`,
          st.pos,
        );
      mapping[ti] = si;
    });
    pumps.set(st.name, {
      name: st.name,
      target: st.target,
      plan: node,
      mapping,
      sourceTypes: columns.map((c) => c.type),
    });
  }
  return {
    streams: [...created.values()].map((s) => ({
      name: s.name,
      columns: s.columns.map((c) => ({ name: c.name, sqlType: formatSqlType(c.type) })),
    })),
    pumps: [...pumps.keys()],
    inputs: env.inputs,
    referenceTables: env.referenceTables,
    schemas,
    plans: [...pumps.values()],
  };
}

interface CreatedStream {
  name: string;
  columns: TypedColumn[];
}

/** An evaluation context with no aggregates, for evaluating expressions outside a window. */
export function plainContext(now: () => number): EvalCtx {
  return { aggs: [], now };
}
