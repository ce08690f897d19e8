/**
 * The streaming engine of Kinesis Data Analytics SQL applications (ADR 0019):
 * `startEngine` runs a `CompiledApplication` row by row, with windows closed by the injected clock's timers.
 */
export { engineClock } from './clock.js';
export { encodeDataRow } from './convert.js';
export {
  type EngineClock,
  type EngineOptions,
  type EngineSink,
  type ErrorRow,
  type Row,
  type RunningApplication,
  startEngine,
} from './engine.js';
export {
  coerceJsonValue,
  createRecordMapper,
  type MappedColumn,
  type MappingError,
  type MappingResult,
  type RecordFormat,
  type RecordMapper,
} from './mapping.js';
export { createRowEncoder, describeColumns, type RowEncoder } from './output.js';
export type { SqlValue } from '../sql/index.js';
