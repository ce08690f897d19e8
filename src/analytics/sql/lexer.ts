/**
 * Lexer of the Kinesis Data Analytics SQL dialect (Amazon Kinesis Data Analytics SQL Reference, "Identifiers",
 * "Comments", "Literals"):
 * 1. Unquoted identifiers fold to upper case; double-quoted identifiers keep their case ("" is a quote inside).
 * 2. Comments run from `--` or `//` to the end of the line (the AWS samples use `//`), or between `/*` and `*\/`.
 * 3. String literals are single-quoted ('' is a quote inside).
 * 4. Numbers: digits with an optional fraction and exponent.
 * Every token carries the line and column (both 1-based) where it starts, for error messages.
 */
import { SqlCodeError } from './errors.js';

/** Token kinds: `word` is an unquoted identifier or keyword (text upper-cased), `qident` a quoted identifier. */
export type TokenKind = 'word' | 'qident' | 'string' | 'number' | 'op' | 'eof';

/** One token; `text` is the folded identifier, the string's value, the number's digits or the operator. */
export interface Token {
  kind: TokenKind;
  text: string;
  line: number;
  column: number;
}

const OPERATORS = ['<>', '!=', '<=', '>=', '||', '=', '<', '>', '+', '-', '*', '/', '%', '(', ')', ',', '.', ';'];

function isIdentStart(c: string): boolean {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c === '_' || c === '$' || c > '\u007f';
}

function isIdentPart(c: string): boolean {
  return isIdentStart(c) || (c >= '0' && c <= '9');
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** Splits application code into tokens; the last token is always `eof`. Throws SqlCodeError. */
export function tokenize(code: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = code.length;
  while (i < n) {
    const c = code[i]!;
    if (c === '\n') {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f') {
      i++;
      continue;
    }
    const column = i - lineStart + 1;
    if ((c === '-' && code[i + 1] === '-') || (c === '/' && code[i + 1] === '/')) {
      while (i < n && code[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && code[i + 1] === '*') {
      const end = code.indexOf('*/', i + 2);
      if (end < 0) throw new SqlCodeError('Unterminated comment', line, column, ['*/']);
      for (let j = i; j < end; j++)
        if (code[j] === '\n') {
          line++;
          lineStart = j + 1;
        }
      i = end + 2;
      continue;
    }
    if (c === "'" || c === '"') {
      const startLine = line;
      let text = '';
      let j = i + 1;
      for (;;) {
        if (j >= n)
          throw new SqlCodeError(
            c === "'" ? 'Unterminated string literal' : 'Unterminated quoted identifier',
            startLine,
            column,
            [c],
          );
        const d = code[j]!;
        if (d === c) {
          if (code[j + 1] === c) {
            text += c;
            j += 2;
            continue;
          }
          break;
        }
        if (d === '\n') {
          line++;
          lineStart = j + 1;
        }
        text += d;
        j++;
      }
      if (c === '"' && text.length === 0) throw new SqlCodeError('Empty quoted identifier', startLine, column, []);
      tokens.push({ kind: c === "'" ? 'string' : 'qident', text, line: startLine, column });
      i = j + 1;
      continue;
    }
    if (isDigit(c) || (c === '.' && isDigit(code[i + 1]))) {
      let j = i;
      while (isDigit(code[j])) j++;
      if (code[j] === '.' && isDigit(code[j + 1])) {
        j++;
        while (isDigit(code[j])) j++;
      } else if (code[j] === '.' && !isIdentStart(code[j + 1] ?? ' ')) j++;
      if (
        (code[j] === 'e' || code[j] === 'E') &&
        (isDigit(code[j + 1]) || ((code[j + 1] === '-' || code[j + 1] === '+') && isDigit(code[j + 2])))
      ) {
        j += 2;
        while (isDigit(code[j])) j++;
      }
      tokens.push({ kind: 'number', text: code.slice(i, j), line, column });
      i = j;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdentPart(code[j]!)) j++;
      tokens.push({ kind: 'word', text: code.slice(i, j).toUpperCase(), line, column });
      i = j;
      continue;
    }
    const op = OPERATORS.find((o) => code.startsWith(o, i));
    if (op === undefined) throw new SqlCodeError(`Unexpected character '${c}'`, line, column, []);
    tokens.push({ kind: 'op', text: op === '!=' ? '<>' : op, line, column });
    i += op.length;
  }
  tokens.push({ kind: 'eof', text: '', line, column: i - lineStart + 1 });
  return tokens;
}
