/**
 * Application code checks: the SQL of an application is compiled (src/analytics/sql) against its inputs'
 * in-application streams and its reference tables whenever the code or those change (CreateApplication,
 * UpdateApplication, AddApplicationInput, AddApplicationReferenceDataSource, DeleteApplicationReferenceDataSource)
 * and before it starts. A syntax or type error answers CodeValidationException (API references: "The
 * user-provided application code (query) is not valid") with the compiler's message, which names line, column
 * and what was expected; the refused change stores nothing.
 */
import { type CompiledApplication, compileApplication, type InStreamDef, SqlCodeError } from './sql/index.js';
import { type ApplicationDraft, type ApplicationState, inAppStreamNames } from './application.js';
import { analyticsError } from './errors.js';

type AnyApp = ApplicationDraft | ApplicationState;

/**
 * Columns the service adds to every row of a streaming input, after the schema's columns and in this order
 * (Developer Guide, "Configuring Application Input": APPROXIMATE_ARRIVAL_TIME; the Kinesis record's shard, partition
 * key and sequence number). They are implicit: selectable by name, not part of `SELECT *`.
 */
export const IMPLICIT_INPUT_COLUMNS = [
  { name: 'APPROXIMATE_ARRIVAL_TIME', sqlType: 'TIMESTAMP', implicit: true },
  { name: 'SHARD_ID', sqlType: 'VARCHAR(64)', implicit: true },
  { name: 'PARTITION_KEY', sqlType: 'VARCHAR(256)', implicit: true },
  { name: 'SEQUENCE_NUMBER', sqlType: 'VARCHAR(128)', implicit: true },
] as const;

/** The in-application input streams and reference tables the code may read. */
export function codeEnvironment(app: AnyApp): { inputs: InStreamDef[]; referenceTables: InStreamDef[] } {
  const columns = (schema: AnyApp['inputs'][number]['schema']) =>
    schema.RecordColumns.map((c) => ({ name: c.Name, sqlType: c.SqlType }));
  return {
    inputs: app.inputs.flatMap((i) =>
      inAppStreamNames(i).map((name) => ({ name, columns: [...columns(i.schema), ...IMPLICIT_INPUT_COLUMNS] })),
    ),
    referenceTables: app.references.map((r) => ({ name: r.tableName, columns: columns(r.schema) })),
  };
}

/** The compiled code (undefined when the application has none); CodeValidationException when it does not compile. */
export function compileCode(app: AnyApp): CompiledApplication | undefined {
  if (app.code === undefined || app.code.trim() === '') return undefined;
  try {
    return compileApplication(app.code, codeEnvironment(app));
  } catch (err) {
    if (err instanceof SqlCodeError) throw analyticsError('CodeValidationException', err.message);
    throw err;
  }
}

/** Throws CodeValidationException when the application's code does not compile against its configuration. */
export function checkCode(app: AnyApp): void {
  compileCode(app);
}
