/**
 * Recursive-descent parser of application code, with a precedence-climbing (Pratt) parser for expressions
 * (ADR 0019). Grammar, from the Amazon Kinesis Data Analytics SQL Reference ("CREATE STREAM",
 * "CREATE PUMP", "SELECT statement", "WINDOW clause", "WINDOWED BY", "JOIN clause", "GROUP BY clause"):
 *
 *   code        := statement (';' statement)* [';']
 *   statement   := CREATE [OR REPLACE] STREAM name '(' column type (',' column type)* ')' [DESCRIPTION 'text']
 *                | CREATE [OR REPLACE] PUMP name [DESCRIPTION 'text'] AS INSERT INTO name ['(' column, … ')'] query
 *   query       := term (UNION ALL term)*
 *   term        := select | '(' query ')'
 *   select      := SELECT [STREAM] [DISTINCT | ALL] item, … FROM from [WHERE expr]
 *                  [GROUP BY expr, …] [WINDOWED BY STAGGER '(' [PARTITION BY expr, …] RANGE interval ')']
 *                  [HAVING expr] [WINDOW name AS '(' spec ')', …] [ORDER BY expr [ASC|DESC], …]
 *   from        := source ({[INNER] | LEFT [OUTER] | RIGHT [OUTER] | FULL [OUTER] | CROSS} JOIN source [ON expr])*
 *   source      := (name | '(' query ')') [OVER window] [[AS] alias] [OVER window]
 *   window      := name | '(' [name] [PARTITION BY expr, …] [ORDER BY ROWTIME]
 *                  [RANGE interval PRECEDING | ROWS n PRECEDING | RANGE|ROWS CURRENT ROW] ')'
 *
 * Precedence, loosest first: OR; AND; NOT; comparison, IS, LIKE, SIMILAR TO, BETWEEN, IN; ||; + -; * / %; unary.
 * A syntax error names the line, column and what the parser would have accepted there.
 */
import type {
  CreatePump,
  CreateStream,
  Expr,
  FromItem,
  Query,
  Select,
  SelectItem,
  Statement,
  TimeUnit,
  WindowRef,
  WindowSpec,
} from './ast.js';
import { SqlCodeError, type SourcePos } from './errors.js';
import { type Token, tokenize } from './lexer.js';
import { DEFAULT_DECIMAL_PRECISION, type SqlType, TYPE_SYNONYMS } from './types.js';

/** Words that end an expression or a clause: they are never taken as a bare alias or column name. */
const RESERVED = new Set([
  'ALL',
  'AND',
  'AS',
  'BETWEEN',
  'BY',
  'CASE',
  'CAST',
  'CREATE',
  'CROSS',
  'DESCRIPTION',
  'DISTINCT',
  'ELSE',
  'END',
  'ESCAPE',
  'FALSE',
  'FROM',
  'FULL',
  'GROUP',
  'HAVING',
  'IN',
  'INNER',
  'INSERT',
  'INTERVAL',
  'INTO',
  'IS',
  'JOIN',
  'LEFT',
  'LIKE',
  'NOT',
  'NULL',
  'ON',
  'OR',
  'ORDER',
  'OUTER',
  'OVER',
  'PARTITION',
  'RIGHT',
  'SELECT',
  'SIMILAR',
  'THEN',
  'TRUE',
  'UNION',
  'UNKNOWN',
  'WHEN',
  'WHERE',
  'WINDOW',
  'WINDOWED',
]);

const TIME_UNITS: Readonly<Record<string, TimeUnit>> = {
  YEAR: 'YEAR',
  MONTH: 'MONTH',
  DAY: 'DAY',
  HOUR: 'HOUR',
  MINUTE: 'MINUTE',
  SECOND: 'SECOND',
  MILLISECOND: 'MILLISECOND',
};
const UNIT_MS: Readonly<Record<TimeUnit, number>> = {
  YEAR: 0,
  MONTH: 0,
  DAY: 86_400_000,
  HOUR: 3_600_000,
  MINUTE: 60_000,
  SECOND: 1000,
  MILLISECOND: 1,
};

/** Binding power of infix operators (higher binds tighter). */
const COMPARISON = 4;
const INFIX: Readonly<Record<string, number>> = {
  OR: 1,
  AND: 2,
  '=': COMPARISON,
  '<>': COMPARISON,
  '<': COMPARISON,
  '>': COMPARISON,
  '<=': COMPARISON,
  '>=': COMPARISON,
  IS: COMPARISON,
  LIKE: COMPARISON,
  SIMILAR: COMPARISON,
  BETWEEN: COMPARISON,
  IN: COMPARISON,
  NOT: COMPARISON, // NOT LIKE / NOT IN / NOT BETWEEN / NOT SIMILAR
  '||': 5,
  '+': 6,
  '-': 6,
  '*': 7,
  '/': 7,
  '%': 7,
};

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof':
      return 'end of input';
    case 'string':
      return `'${t.text}'`;
    case 'qident':
      return `"${t.text}"`;
    default:
      return `"${t.text}"`;
  }
}

/** Deepest nesting of expressions and queries accepted (far beyond hand-written code, far below the stack). */
const MAX_DEPTH = 256;

class Parser {
  private pos = 0;
  private depth = 0;
  constructor(private readonly tokens: Token[]) {}

  private get t(): Token {
    return this.tokens[this.pos]!;
  }
  private peek(k = 1): Token {
    return this.tokens[Math.min(this.pos + k, this.tokens.length - 1)]!;
  }
  private at(t: Token): SourcePos {
    return { line: t.line, column: t.column };
  }
  private fail(expected: string[]): never {
    throw new SqlCodeError(`Encountered ${describe(this.t)}`, this.t.line, this.t.column, expected);
  }
  private isWord(w: string, t: Token = this.t): boolean {
    return t.kind === 'word' && t.text === w;
  }
  private isOp(o: string, t: Token = this.t): boolean {
    return t.kind === 'op' && t.text === o;
  }
  private acceptWord(w: string): boolean {
    if (!this.isWord(w)) return false;
    this.pos++;
    return true;
  }
  private acceptOp(o: string): boolean {
    if (!this.isOp(o)) return false;
    this.pos++;
    return true;
  }
  private expectWord(...alternatives: string[]): string {
    for (const w of alternatives) if (this.acceptWord(w)) return w;
    this.fail(alternatives);
  }
  private expectOp(o: string): Token {
    const t = this.t;
    if (!this.acceptOp(o)) this.fail([`"${o}"`]);
    return t;
  }
  /** An identifier: quoted (as written) or an unquoted non-reserved word (folded). */
  private identifier(what = '<identifier>'): string {
    const t = this.t;
    if (t.kind === 'qident' || (t.kind === 'word' && !RESERVED.has(t.text))) {
      this.pos++;
      return t.text;
    }
    this.fail([what]);
  }
  private isIdentifier(t: Token = this.t): boolean {
    return t.kind === 'qident' || (t.kind === 'word' && !RESERVED.has(t.text));
  }

  private atEnd(): boolean {
    return this.t.kind === 'eof';
  }

  expectEnd(): void {
    if (this.t.kind !== 'eof') this.fail(['end of input']);
  }

  // ---- statements ----

  program(): Statement[] {
    const out: Statement[] = [];
    for (;;) {
      while (this.acceptOp(';'));
      if (this.t.kind === 'eof') break;
      out.push(this.statement());
      if (!this.atEnd() && !this.isOp(';')) this.fail(['";"', 'end of input']);
    }
    return out;
  }

  private statement(): Statement {
    const start = this.t;
    this.expectWord('CREATE');
    let orReplace = false;
    if (this.acceptWord('OR')) {
      this.expectWord('REPLACE');
      orReplace = true;
    }
    const what = this.expectWord('STREAM', 'PUMP');
    return what === 'STREAM' ? this.createStream(orReplace, start) : this.createPump(orReplace, start);
  }

  private createStream(orReplace: boolean, start: Token): CreateStream {
    const name = this.identifier('<stream name>');
    this.expectOp('(');
    const columns: CreateStream['columns'] = [];
    do {
      const colTok = this.t;
      const colName = this.identifier('<column name>');
      columns.push({ name: colName, type: this.sqlType(), pos: this.at(colTok) });
    } while (this.acceptOp(','));
    this.expectOp(')');
    let description: string | null = null;
    if (this.acceptWord('DESCRIPTION')) description = this.stringLiteral();
    return { k: 'createStream', orReplace, name, columns, description, pos: this.at(start) };
  }

  private createPump(orReplace: boolean, start: Token): CreatePump {
    const name = this.identifier('<pump name>');
    if (this.acceptWord('DESCRIPTION')) this.stringLiteral();
    this.expectWord('AS');
    this.expectWord('INSERT');
    this.expectWord('INTO');
    const target = this.identifier('<stream name>');
    let targetColumns: CreatePump['targetColumns'] = null;
    if (this.isOp('(') && !this.isWord('SELECT', this.peek())) {
      this.pos++;
      targetColumns = [];
      do {
        const tok = this.t;
        targetColumns.push({ name: this.identifier('<column name>'), pos: this.at(tok) });
      } while (this.acceptOp(','));
      this.expectOp(')');
    }
    const queryTok = this.t;
    const query = this.query();
    if (!firstSelect(query).stream)
      throw new SqlCodeError('A pump needs a streaming query', queryTok.line, queryTok.column, ['SELECT STREAM']);
    return { k: 'createPump', orReplace, name, target, targetColumns, query, pos: this.at(start) };
  }

  private stringLiteral(): string {
    const t = this.t;
    if (t.kind !== 'string') this.fail(['<string literal>']);
    this.pos++;
    return t.text;
  }

  private integerLiteral(): number {
    const t = this.t;
    if (t.kind !== 'number' || !/^\d+$/.test(t.text)) this.fail(['<unsigned integer>']);
    this.pos++;
    return Number(t.text);
  }

  sqlType(): SqlType {
    const t = this.t;
    if (t.kind !== 'word' || TYPE_SYNONYMS[t.text] === undefined) this.fail(['<data type>']);
    this.pos++;
    let kind = TYPE_SYNONYMS[t.text]!;
    if (kind === 'CHAR' && this.acceptWord('VARYING')) kind = 'VARCHAR';
    if (kind === 'DOUBLE') this.acceptWord('PRECISION');
    const type: SqlType = { kind };
    if (this.acceptOp('(')) {
      const a = this.integerLiteral();
      if (kind === 'DECIMAL') {
        type.length = a;
        type.scale = this.acceptOp(',') ? this.integerLiteral() : 0;
      } else if (kind === 'CHAR' || kind === 'VARCHAR' || kind === 'BINARY' || kind === 'VARBINARY') type.length = a;
      else if (kind !== 'TIMESTAMP' && kind !== 'TIME')
        throw new SqlCodeError(`${kind} takes no length`, t.line, t.column, []);
      this.expectOp(')');
    } else if (kind === 'DECIMAL') {
      type.length = DEFAULT_DECIMAL_PRECISION;
      type.scale = 0;
    } else if (kind === 'CHAR' || kind === 'BINARY') type.length = 1;
    else if (kind === 'VARCHAR' || kind === 'VARBINARY')
      throw new SqlCodeError(`${kind} needs a length`, this.t.line, this.t.column, ['"("']);
    return type;
  }

  // ---- queries ----

  query(): Query {
    let left = this.queryTerm();
    while (this.isWord('UNION')) {
      const tok = this.t;
      this.pos++;
      this.expectWord('ALL');
      const right = this.queryTerm();
      left = { k: 'union', left, right, pos: this.at(tok) };
    }
    return left;
  }

  private queryTerm(): Query {
    if (this.acceptOp('(')) {
      this.enter();
      const q = this.query();
      this.depth--;
      this.expectOp(')');
      return q;
    }
    return this.select();
  }

  private select(): Select {
    const start = this.t;
    this.expectWord('SELECT');
    const stream = this.acceptWord('STREAM');
    let distinct = false;
    if (this.acceptWord('DISTINCT')) distinct = true;
    else this.acceptWord('ALL');
    const items: SelectItem[] = [];
    do items.push(this.selectItem());
    while (this.acceptOp(','));
    this.expectWord('FROM');
    const from = this.fromClause();
    const where = this.acceptWord('WHERE') ? this.expr() : null;
    let groupBy: Expr[] | null = null;
    if (this.acceptWord('GROUP')) {
      this.expectWord('BY');
      groupBy = this.exprList();
    }
    let stagger: Select['stagger'] = null;
    if (this.isWord('WINDOWED')) {
      const tok = this.t;
      this.pos++;
      this.expectWord('BY');
      this.expectWord('STAGGER');
      this.expectOp('(');
      let partitionBy: Expr[] = [];
      if (this.acceptWord('PARTITION')) {
        this.expectWord('BY');
        partitionBy = this.exprList();
      }
      this.expectWord('RANGE');
      const interval = this.intervalLiteral();
      this.expectOp(')');
      stagger = { partitionBy, rangeMs: interval.ms, pos: this.at(tok) };
    }
    const having = this.acceptWord('HAVING') ? this.expr() : null;
    const windows = new Map<string, WindowSpec>();
    if (this.acceptWord('WINDOW')) {
      do {
        const nameTok = this.t;
        const name = this.identifier('<window name>');
        if (windows.has(name))
          throw new SqlCodeError(`Duplicate window name ${name}`, nameTok.line, nameTok.column, []);
        this.expectWord('AS');
        windows.set(name, this.windowSpec());
      } while (this.acceptOp(','));
    }
    let orderBy: Select['orderBy'] = null;
    if (this.acceptWord('ORDER')) {
      this.expectWord('BY');
      orderBy = [];
      do {
        const expr = this.expr();
        let desc = false;
        if (this.acceptWord('DESC')) desc = true;
        else this.acceptWord('ASC');
        orderBy.push({ expr, desc });
      } while (this.acceptOp(','));
    }
    return {
      k: 'select',
      stream,
      distinct,
      items,
      from,
      where,
      groupBy,
      stagger,
      having,
      windows,
      orderBy,
      pos: this.at(start),
    };
  }

  private selectItem(): SelectItem {
    const tok = this.t;
    if (this.acceptOp('*')) return { k: 'star', qualifier: null, pos: this.at(tok) };
    if (this.isIdentifier() && this.isOp('.', this.peek()) && this.isOp('*', this.peek(2))) {
      const qualifier = this.identifier();
      this.pos += 2;
      return { k: 'star', qualifier, pos: this.at(tok) };
    }
    const expr = this.expr();
    let alias: string | null = null;
    if (this.acceptWord('AS')) alias = this.identifier('<alias>');
    else if (this.isIdentifier()) alias = this.identifier();
    return { k: 'expr', expr, alias, pos: this.at(tok) };
  }

  private fromClause(): FromItem {
    let left = this.fromSource();
    for (;;) {
      const tok = this.t;
      let kind: 'INNER' | 'LEFT' | 'RIGHT' | 'FULL' | 'CROSS';
      if (this.acceptWord('JOIN')) kind = 'INNER';
      else if (this.acceptWord('INNER')) {
        this.expectWord('JOIN');
        kind = 'INNER';
      } else if (this.isWord('LEFT') || this.isWord('RIGHT') || this.isWord('FULL')) {
        kind = this.t.text as 'LEFT' | 'RIGHT' | 'FULL';
        this.pos++;
        this.acceptWord('OUTER');
        this.expectWord('JOIN');
      } else if (this.acceptWord('CROSS')) {
        this.expectWord('JOIN');
        kind = 'CROSS';
      } else if (this.acceptOp(',')) kind = 'CROSS';
      else return left;
      const right = this.fromSource();
      let on: Expr | null = null;
      if (kind !== 'CROSS') {
        this.expectWord('ON');
        on = this.expr();
      }
      left = { k: 'join', kind, left, right, on, pos: this.at(tok) };
    }
  }

  private fromSource(): FromItem {
    const tok = this.t;
    let item: FromItem;
    if (this.acceptOp('(')) {
      this.enter();
      const query = this.query();
      this.depth--;
      this.expectOp(')');
      item = { k: 'subquery', query, alias: null, over: null, pos: this.at(tok) };
    } else item = { k: 'stream', name: this.identifier('<stream name>'), alias: null, over: null, pos: this.at(tok) };
    if (this.acceptWord('OVER')) item.over = this.windowRef();
    if (this.acceptWord('AS')) item.alias = this.identifier('<alias>');
    else if (this.isIdentifier()) item.alias = this.identifier();
    if (item.over === null && this.acceptWord('OVER')) item.over = this.windowRef();
    return item;
  }

  private windowRef(): WindowRef {
    const tok = this.t;
    if (this.isOp('(')) return this.windowSpec();
    return { name: this.identifier('<window name>'), pos: this.at(tok) };
  }

  private windowSpec(): WindowSpec {
    const open = this.expectOp('(');
    const spec: WindowSpec = { base: null, partitionBy: [], rangeMs: null, rows: null, pos: this.at(open) };
    if (this.isIdentifier() && !this.isWord('RANGE') && !this.isWord('ROWS')) spec.base = this.identifier();
    if (this.acceptWord('PARTITION')) {
      this.expectWord('BY');
      spec.partitionBy = this.exprList();
    }
    if (this.acceptWord('ORDER')) {
      this.expectWord('BY');
      const tok = this.t;
      const e = this.expr();
      if (e.k !== 'col' || e.name !== 'ROWTIME')
        throw new SqlCodeError('A window can only be ordered by ROWTIME', tok.line, tok.column, ['ROWTIME']);
    }
    if (this.acceptWord('RANGE')) {
      if (this.acceptWord('CURRENT')) {
        this.expectWord('ROW');
        spec.rangeMs = 0;
      } else {
        const interval = this.intervalLiteral();
        if (interval.months)
          throw new SqlCodeError('A RANGE window needs a day-time interval', interval.pos.line, interval.pos.column, [
            'DAY',
            'HOUR',
            'MINUTE',
            'SECOND',
          ]);
        spec.rangeMs = interval.ms;
        this.expectWord('PRECEDING');
      }
    } else if (this.acceptWord('ROWS')) {
      if (this.acceptWord('CURRENT')) {
        this.expectWord('ROW');
        spec.rows = 0;
      } else {
        spec.rows = this.integerLiteral();
        this.expectWord('PRECEDING');
      }
    }
    this.expectOp(')');
    return spec;
  }

  private exprList(): Expr[] {
    const out: Expr[] = [];
    do out.push(this.expr());
    while (this.acceptOp(','));
    return out;
  }

  // ---- expressions ----

  expr(minPower = 0): Expr {
    this.enter();
    try {
      return this.exprAt(minPower);
    } finally {
      this.depth--;
    }
  }

  /** Guards the recursion: code nested deeper than MAX_DEPTH is refused instead of overflowing the stack. */
  private enter(): void {
    if (++this.depth > MAX_DEPTH) {
      this.depth = 0;
      throw new SqlCodeError(`Code is nested more than ${MAX_DEPTH} levels deep`, this.t.line, this.t.column, []);
    }
  }

  private exprAt(minPower: number): Expr {
    let left = this.prefix();
    for (;;) {
      const t = this.t;
      const power = t.kind === 'op' || t.kind === 'word' ? INFIX[t.text] : undefined;
      if (power === undefined || power <= minPower) return left;
      if (t.kind === 'word' && t.text === 'NOT') {
        const next = this.peek();
        if (
          !(
            this.isWord('LIKE', next) ||
            this.isWord('IN', next) ||
            this.isWord('BETWEEN', next) ||
            this.isWord('SIMILAR', next)
          )
        )
          return left;
      }
      left = this.infix(left, power);
    }
  }

  private infix(left: Expr, power: number): Expr {
    const t = this.t;
    const pos = this.at(t);
    this.pos++;
    if (t.kind === 'op' || t.text === 'AND' || t.text === 'OR')
      return { k: 'binary', op: t.text, left, right: this.expr(power), pos };
    if (t.text === 'IS') {
      const not = this.acceptWord('NOT');
      const w = this.expectWord('NULL', 'TRUE', 'FALSE', 'UNKNOWN');
      if (w === 'NULL' || w === 'UNKNOWN') return { k: 'isnull', operand: left, not, pos };
      return { k: 'istruth', operand: left, value: w === 'TRUE', not, pos };
    }
    let not = false;
    let word = t.text;
    if (word === 'NOT') {
      not = true;
      word = this.expectWord('LIKE', 'IN', 'BETWEEN', 'SIMILAR');
    }
    switch (word) {
      case 'LIKE':
      case 'SIMILAR': {
        if (word === 'SIMILAR') this.expectWord('TO');
        const pattern = this.expr(COMPARISON);
        const escapeChar = this.acceptWord('ESCAPE') ? this.expr(COMPARISON) : null;
        return { k: 'like', operand: left, pattern, escape: escapeChar, not, similar: word === 'SIMILAR', pos };
      }
      case 'BETWEEN': {
        this.acceptWord('SYMMETRIC') || this.acceptWord('ASYMMETRIC');
        const low = this.expr(COMPARISON);
        this.expectWord('AND');
        const high = this.expr(COMPARISON);
        return { k: 'between', operand: left, low, high, not, pos };
      }
      default: {
        this.expectOp('(');
        const list = this.exprList();
        this.expectOp(')');
        return { k: 'in', operand: left, list, not, pos };
      }
    }
  }

  private prefix(): Expr {
    const t = this.t;
    const pos = this.at(t);
    switch (t.kind) {
      case 'number':
        this.pos++;
        return numberLiteral(t.text, pos);
      case 'string':
        this.pos++;
        return { k: 'lit', value: t.text, type: { kind: 'CHAR', length: t.text.length }, pos };
      case 'op':
        if (t.text === '(') {
          this.pos++;
          const e = this.expr();
          this.expectOp(')');
          return e;
        }
        if (t.text === '-' || t.text === '+') {
          this.pos++;
          const operand = this.expr(7);
          if (t.text === '-' && operand.k === 'lit' && typeof operand.value === 'number')
            return { ...operand, value: -operand.value, pos };
          if (t.text === '-' && operand.k === 'lit' && typeof operand.value === 'bigint') {
            const v = -operand.value;
            return v === -2147483648n
              ? { ...operand, value: -2147483648, type: { kind: 'INTEGER' }, pos }
              : { ...operand, value: v, pos };
          }
          if (t.text === '-' && operand.k === 'interval') return { ...operand, ms: -operand.ms, pos };
          return { k: 'unary', op: t.text, operand, pos };
        }
        break;
      case 'qident':
        return this.columnOrCall();
      case 'word':
        return this.wordExpr();
      default:
        break;
    }
    this.fail(['<expression>']);
  }

  private wordExpr(): Expr {
    const t = this.t;
    const pos = this.at(t);
    switch (t.text) {
      case 'NULL':
        this.pos++;
        return { k: 'lit', value: null, type: { kind: 'NULL' }, pos };
      case 'TRUE':
      case 'FALSE':
        this.pos++;
        return { k: 'lit', value: t.text === 'TRUE', type: { kind: 'BOOLEAN' }, pos };
      case 'UNKNOWN':
        this.pos++;
        return { k: 'lit', value: null, type: { kind: 'BOOLEAN' }, pos };
      case 'NOT':
        this.pos++;
        return { k: 'unary', op: 'NOT', operand: this.expr(3), pos };
      case 'INTERVAL':
        return this.intervalLiteral();
      case 'CASE':
        return this.caseExpr();
      case 'CAST': {
        this.pos++;
        this.expectOp('(');
        const operand = this.expr();
        this.expectWord('AS');
        const type = this.sqlType();
        this.expectOp(')');
        return { k: 'cast', operand, type, pos };
      }
      case 'TIMESTAMP':
      case 'DATE':
      case 'TIME':
        if (this.peek().kind === 'string') {
          this.pos++;
          const text = this.stringLiteral();
          const value = parseDatetimeLiteral(t.text as 'TIMESTAMP' | 'DATE' | 'TIME', text);
          if (value === null) throw new SqlCodeError(`Invalid ${t.text} literal '${text}'`, t.line, t.column, []);
          return { k: 'lit', value, type: { kind: t.text as 'TIMESTAMP' }, pos };
        }
        break;
      default:
        break;
    }
    if (RESERVED.has(t.text)) this.fail(['<expression>']);
    return this.columnOrCall();
  }

  private caseExpr(): Expr {
    const pos = this.at(this.t);
    this.pos++;
    const operand = this.isWord('WHEN') ? null : this.expr();
    const whens: { when: Expr; result: Expr }[] = [];
    while (this.acceptWord('WHEN')) {
      const when = this.expr();
      this.expectWord('THEN');
      whens.push({ when, result: this.expr() });
    }
    if (whens.length === 0) this.fail(['WHEN']);
    const otherwise = this.acceptWord('ELSE') ? this.expr() : null;
    this.expectWord('END');
    return { k: 'case', operand, whens, otherwise, pos };
  }

  intervalLiteral(): Extract<Expr, { k: 'interval' }> {
    const tok = this.t;
    this.expectWord('INTERVAL');
    let sign = 1;
    if (this.acceptOp('-')) sign = -1;
    else this.acceptOp('+');
    const valueTok = this.t;
    const text = this.stringLiteral().trim();
    const unit = this.timeUnit();
    if (this.acceptOp('(')) {
      this.integerLiteral();
      this.expectOp(')');
    }
    let to: TimeUnit | null = null;
    if (this.acceptWord('TO')) to = this.timeUnit();
    const months = unit === 'YEAR' || unit === 'MONTH';
    const amount = parseIntervalText(text, unit, to);
    if (amount === null)
      throw new SqlCodeError(`Invalid interval literal '${text}'`, valueTok.line, valueTok.column, []);
    return { k: 'interval', ms: sign * amount, months, pos: this.at(tok) };
  }

  private timeUnit(): TimeUnit {
    const t = this.t;
    const u = t.kind === 'word' ? TIME_UNITS[t.text] : undefined;
    if (u === undefined) this.fail(['YEAR', 'MONTH', 'DAY', 'HOUR', 'MINUTE', 'SECOND']);
    this.pos++;
    return u;
  }

  private columnOrCall(): Expr {
    const tok = this.t;
    const pos = this.at(tok);
    const first = this.identifier('<expression>');
    if (this.isOp('(') && tok.kind === 'word') return this.call(first, pos);
    if (tok.kind === 'word' && (first === 'CURRENT_ROW_TIMESTAMP' || first === 'CURRENT_TIMESTAMP'))
      return { k: 'call', name: first, args: [], distinct: false, star: false, over: null, pos };
    if (this.acceptOp('.')) {
      const name = this.identifier('<column name>');
      if (this.isOp('.')) {
        // stream.column.field (row-typed results): part 2.
        this.fail(['<expression>']);
      }
      return { k: 'col', qualifier: first, name, pos };
    }
    return { k: 'col', qualifier: null, name: first, pos };
  }

  private call(name: string, pos: SourcePos): Expr {
    this.expectOp('(');
    const node = (args: Expr[], distinct = false, star = false): Expr => {
      this.expectOp(')');
      const over = this.acceptWord('OVER') ? this.windowRef() : null;
      return { k: 'call', name, args, distinct, star, over, pos };
    };
    switch (name) {
      case 'STEP': {
        const operand = this.expr();
        this.expectWord('BY');
        const interval = this.intervalLiteral();
        if (interval.months || interval.ms <= 0)
          throw new SqlCodeError('STEP needs a positive day-time interval', interval.pos.line, interval.pos.column, []);
        this.expectOp(')');
        return { k: 'step', operand, ms: interval.ms, pos };
      }
      case 'FLOOR':
      case 'CEIL':
      case 'CEILING': {
        const operand = this.expr();
        if (this.acceptWord('TO')) {
          const unit = this.timeUnit();
          this.expectOp(')');
          return { k: 'floorTo', operand, unit, ceil: name !== 'FLOOR', pos };
        }
        return node([operand]);
      }
      case 'EXTRACT': {
        const unit = this.timeUnit();
        this.expectWord('FROM');
        const operand = this.expr();
        this.expectOp(')');
        return { k: 'extract', unit, operand, pos };
      }
      case 'POSITION': {
        const needle = this.expr(COMPARISON);
        this.expectWord('IN');
        const haystack = this.expr();
        return node([needle, haystack]);
      }
      case 'SUBSTRING': {
        const s = this.expr();
        const args = [s];
        if (this.acceptWord('FROM')) {
          args.push(this.expr());
          if (this.acceptWord('FOR')) args.push(this.expr());
        } else while (this.acceptOp(',')) args.push(this.expr());
        return node(args);
      }
      case 'OVERLAY': {
        const s = this.expr();
        this.expectWord('PLACING');
        const r = this.expr();
        this.expectWord('FROM');
        const args = [s, r, this.expr()];
        if (this.acceptWord('FOR')) args.push(this.expr());
        return node(args);
      }
      case 'TRIM': {
        // TRIM([[BOTH | LEADING | TRAILING] [chars] FROM] s): args are (mode, chars, s).
        let mode = 'BOTH';
        if (this.isWord('BOTH') || this.isWord('LEADING') || this.isWord('TRAILING')) {
          mode = this.t.text;
          this.pos++;
        }
        let chars: Expr = { k: 'lit', value: ' ', type: { kind: 'CHAR', length: 1 }, pos };
        let s: Expr;
        if (this.acceptWord('FROM')) s = this.expr();
        else {
          const first = this.expr();
          if (this.acceptWord('FROM')) {
            chars = first;
            s = this.expr();
          } else s = first;
        }
        const modeLit: Expr = { k: 'lit', value: mode, type: { kind: 'VARCHAR', length: 8 }, pos };
        return node([modeLit, chars, s]);
      }
      default:
        break;
    }
    if (this.isOp('*')) {
      this.pos++;
      return node([], false, true);
    }
    if (this.isOp(')')) return node([]);
    const distinct = this.acceptWord('DISTINCT');
    if (!distinct) this.acceptWord('ALL');
    return node(this.exprList(), distinct);
  }
}

function firstSelect(q: Query): Select {
  return q.k === 'select' ? q : firstSelect(q.left);
}

function numberLiteral(text: string, pos: SourcePos): Expr {
  if (/^\d+$/.test(text)) {
    const big = BigInt(text);
    if (big <= 2147483647n) return { k: 'lit', value: Number(text), type: { kind: 'INTEGER' }, pos };
    return { k: 'lit', value: big, type: { kind: 'BIGINT' }, pos };
  }
  if (/[eE]/.test(text)) return { k: 'lit', value: Number(text), type: { kind: 'DOUBLE' }, pos };
  const [whole = '', frac = ''] = text.split('.');
  const digits = whole.replace(/^0+/, '').length + frac.length;
  return {
    k: 'lit',
    value: Number(text),
    type: { kind: 'DECIMAL', length: Math.max(digits, 1), scale: frac.length },
    pos,
  };
}

/** The amount of an interval literal: ms for day-time units, months for YEAR/MONTH. `'1:30' MINUTE TO SECOND`. */
function parseIntervalText(text: string, unit: TimeUnit, to: TimeUnit | null): number | null {
  if (to === null) {
    if (!/^\d+(\.\d+)?$/.test(text)) return null;
    const n = Number(text);
    if (unit === 'YEAR') return n * 12;
    if (unit === 'MONTH') return n;
    return Math.round(n * UNIT_MS[unit]);
  }
  if (unit === 'YEAR' && to === 'MONTH') {
    const m = /^(\d+)-(\d+)$/.exec(text);
    return m === null ? null : Number(m[1]) * 12 + Number(m[2]);
  }
  const order: TimeUnit[] = ['DAY', 'HOUR', 'MINUTE', 'SECOND'];
  const from = order.indexOf(unit);
  const until = order.indexOf(to);
  if (from < 0 || until <= from) return null;
  const parts = text.split(/[ :]/);
  if (parts.length !== until - from + 1 || parts.some((p) => !/^\d+(\.\d+)?$/.test(p))) return null;
  let ms = 0;
  parts.forEach((p, i) => {
    ms += Number(p) * UNIT_MS[order[from + i]!];
  });
  return Math.round(ms);
}

/** TIMESTAMP 'yyyy-MM-dd HH:mm:ss[.fff]', DATE 'yyyy-MM-dd', TIME 'HH:mm:ss[.fff]' (UTC). */
export function parseDatetimeLiteral(kind: 'TIMESTAMP' | 'DATE' | 'TIME', text: string): Date | null {
  const s = text.trim();
  let m: RegExpExecArray | null;
  if (kind === 'DATE') {
    m = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(s);
    return m === null ? null : validDate(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])), m);
  }
  if (kind === 'TIME') {
    m = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/.exec(s);
    if (m === null) return null;
    const ms = Number(m[1]) * 3_600_000 + Number(m[2]) * 60_000 + Number(m[3] ?? 0) * 1000 + fraction(m[4]);
    return Number(m[1]) < 24 && Number(m[2]) < 60 && Number(m[3] ?? 0) < 60 ? new Date(ms) : null;
  }
  m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?$/.exec(s);
  if (m === null) return null;
  if (Number(m[4] ?? 0) > 23 || Number(m[5] ?? 0) > 59 || Number(m[6] ?? 0) > 59) return null;
  const t = Date.UTC(
    Number(m[1]),
    Number(m[2]) - 1,
    Number(m[3]),
    Number(m[4] ?? 0),
    Number(m[5] ?? 0),
    Number(m[6] ?? 0),
    fraction(m[7]),
  );
  return validDate(t, m);
}

function fraction(digits: string | undefined): number {
  return digits === undefined ? 0 : Math.floor(Number(`0.${digits}`) * 1000);
}

/** Rejects dates that Date.UTC silently rolled over (2024-02-31). */
function validDate(t: number, m: RegExpExecArray): Date | null {
  const d = new Date(t);
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3])
    ? d
    : null;
}

/** Parses application code into statements. Throws SqlCodeError with the position and the expected tokens. */
export function parseCode(code: string): Statement[] {
  return new Parser(tokenize(code)).program();
}

/** Parses one SQL type, as written in InputSchema RecordColumns[].SqlType (`VARCHAR(16)`, `DECIMAL(8,2)`). */
export function parseSqlType(text: string): SqlType {
  const p = new Parser(tokenize(text));
  const t = p.sqlType();
  p.expectEnd();
  return t;
}

/** Parses one expression (tests and the sample endpoint's filters). */
export function parseExpression(text: string): Expr {
  const p = new Parser(tokenize(text));
  const e = p.expr();
  p.expectEnd();
  return e;
}
