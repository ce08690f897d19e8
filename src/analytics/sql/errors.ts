/**
 * The one error the SQL front end raises: where in the application code, and what the parser expected there.
 * The service module turns it into CodeValidationException (CreateApplication / UpdateApplication API reference:
 * "The user-provided application code (query) is not valid").
 */
export class SqlCodeError extends Error {
  override readonly name = 'SqlCodeError';
  /** 1-based line of the offending token. */
  readonly line: number;
  /** 1-based column of the offending token. */
  readonly column: number;
  /** What would have been accepted there (keywords, operators, token classes); empty for semantic errors. */
  readonly expected: string[];
  /** The problem alone, without the position prefix. */
  readonly reason: string;

  constructor(reason: string, line: number, column: number, expected: string[]) {
    super(
      `${reason} at line ${line}, column ${column}${expected.length > 0 ? `. Was expecting one of: ${expected.join(', ')}` : ''}`,
    );
    this.reason = reason;
    this.line = line;
    this.column = column;
    this.expected = expected;
  }
}

/** A position in the code, kept on AST nodes so that checks after parsing can point at the source. */
export interface SourcePos {
  line: number;
  column: number;
}

/** A check failure at `pos` (unknown column, type mismatch, ...): no "expected" list. */
export function semanticError(reason: string, pos: SourcePos): SqlCodeError {
  return new SqlCodeError(reason, pos.line, pos.column, []);
}
