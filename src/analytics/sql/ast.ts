/**
 * Syntax tree of application code, as the parser builds it (no names resolved, no types). Identifiers are already
 * folded: unquoted ones upper-cased, quoted ones as written. Every node that a later check may complain about
 * keeps its source position.
 */
import type { SourcePos } from './errors.js';
import type { SqlType, SqlValue } from './types.js';

/** Units of INTERVAL literals, FLOOR/CEIL(... TO unit) and EXTRACT. */
export type TimeUnit = 'YEAR' | 'MONTH' | 'DAY' | 'HOUR' | 'MINUTE' | 'SECOND' | 'MILLISECOND';

export type Expr =
  | { k: 'lit'; value: SqlValue; type: SqlType; pos: SourcePos }
  /** A day-time interval in milliseconds, or a year-month interval in months (`months` set). */
  | { k: 'interval'; ms: number; months: boolean; pos: SourcePos }
  | { k: 'col'; qualifier: string | null; name: string; pos: SourcePos }
  | { k: 'binary'; op: string; left: Expr; right: Expr; pos: SourcePos }
  | { k: 'unary'; op: '-' | '+' | 'NOT'; operand: Expr; pos: SourcePos }
  | {
      k: 'call';
      name: string;
      args: Expr[];
      distinct: boolean;
      star: boolean;
      over: WindowRef | null;
      pos: SourcePos;
    }
  | { k: 'case'; operand: Expr | null; whens: { when: Expr; result: Expr }[]; otherwise: Expr | null; pos: SourcePos }
  | { k: 'cast'; operand: Expr; type: SqlType; pos: SourcePos }
  | { k: 'isnull'; operand: Expr; not: boolean; pos: SourcePos }
  | { k: 'istruth'; operand: Expr; value: boolean; not: boolean; pos: SourcePos }
  | { k: 'like'; operand: Expr; pattern: Expr; escape: Expr | null; not: boolean; similar: boolean; pos: SourcePos }
  | { k: 'between'; operand: Expr; low: Expr; high: Expr; not: boolean; pos: SourcePos }
  | { k: 'in'; operand: Expr; list: Expr[]; not: boolean; pos: SourcePos }
  | { k: 'step'; operand: Expr; ms: number; pos: SourcePos }
  | { k: 'floorTo'; operand: Expr; unit: TimeUnit; ceil: boolean; pos: SourcePos }
  | { k: 'extract'; unit: TimeUnit; operand: Expr; pos: SourcePos };

/** A window: `OVER name`, or an inline specification (which may start from a named one). */
export interface WindowSpec {
  base: string | null;
  partitionBy: Expr[];
  /** RANGE INTERVAL … PRECEDING in ms (0 for RANGE CURRENT ROW), or null. */
  rangeMs: number | null;
  /** ROWS n PRECEDING (0 for ROWS CURRENT ROW), or null. */
  rows: number | null;
  pos: SourcePos;
}
export type WindowRef = { name: string; pos: SourcePos } | WindowSpec;

export type SelectItem =
  | { k: 'expr'; expr: Expr; alias: string | null; pos: SourcePos }
  | { k: 'star'; qualifier: string | null; pos: SourcePos };

export type FromItem =
  | { k: 'stream'; name: string; alias: string | null; over: WindowRef | null; pos: SourcePos }
  | { k: 'subquery'; query: Query; alias: string | null; over: WindowRef | null; pos: SourcePos }
  | {
      k: 'join';
      kind: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'CROSS';
      left: FromItem;
      right: FromItem;
      on: Expr | null;
      pos: SourcePos;
    };

export interface Select {
  k: 'select';
  stream: boolean;
  distinct: boolean;
  items: SelectItem[];
  from: FromItem;
  where: Expr | null;
  groupBy: Expr[] | null;
  stagger: { partitionBy: Expr[]; rangeMs: number; pos: SourcePos } | null;
  having: Expr | null;
  windows: Map<string, WindowSpec>;
  orderBy: { expr: Expr; desc: boolean }[] | null;
  pos: SourcePos;
}

export type Query = Select | { k: 'union'; left: Query; right: Query; pos: SourcePos };

export interface CreateStream {
  k: 'createStream';
  orReplace: boolean;
  name: string;
  columns: { name: string; type: SqlType; pos: SourcePos }[];
  description: string | null;
  pos: SourcePos;
}

export interface CreatePump {
  k: 'createPump';
  orReplace: boolean;
  name: string;
  target: string;
  targetColumns: { name: string; pos: SourcePos }[] | null;
  query: Query;
  pos: SourcePos;
}

export type Statement = CreateStream | CreatePump;
