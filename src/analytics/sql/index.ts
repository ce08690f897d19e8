/**
 * The SQL front end of Kinesis Data Analytics applications: lexer, parser, type checker and planner of the
 * dialect (ADR 0019). `compileApplication` is the one entry point the service module needs;
 * the engine (src/analytics/engine) runs its result.
 */
export type { Expr, Statement } from './ast.js';
export {
  type ColumnDef,
  type CompiledApplication,
  compileApplication,
  floorTime,
  type InStreamDef,
  nextTime,
  type RefTableDef,
  type TypedColumn,
} from './compile.js';
export { SqlCodeError, type SourcePos } from './errors.js';
export { parseCode, parseDatetimeLiteral, parseExpression, parseSqlType } from './parser.js';
export type {
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
export {
  formatSqlType,
  INT_RANGE,
  isDatetime,
  isNumeric,
  isString,
  type SqlType,
  type SqlTypeKind,
  type SqlValue,
} from './types.js';
export {
  castValue,
  compareValues,
  compositeKey,
  formatTimestamp,
  SqlRuntimeError,
  valueKey,
  valueToText,
} from './values.js';
