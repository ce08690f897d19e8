/**
 * Application code checks: the SQL of an application is compiled against its inputs' in-application streams and
 * its reference tables whenever the code or those change (CreateApplication, UpdateApplication,
 * AddApplicationInput, AddApplicationReferenceDataSource API references: CodeValidationException "User-provided
 * application code (query) is not valid"). A refused change stores nothing.
 */
import type { ApplicationDraft, ApplicationState } from './application.js';

/** Compiles the draft's code against its configuration; throws CodeValidationException when it does not compile. */
export function checkCode(_app: ApplicationDraft | ApplicationState): void {
  // Wired to the SQL compiler (src/analytics/sql) once it lands on main; until then code is stored unchecked.
}
