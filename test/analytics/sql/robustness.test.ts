/**
 * Bad code never crashes the compiler: whatever the text, compileApplication returns or throws SqlCodeError with
 * a position inside the code (fast-check over random text, token soup and mutations of a valid application).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileApplication, SqlCodeError } from '../../../src/analytics/sql/index.js';
import { TICKER_INPUT } from '../helpers.js';

const env = {
  inputs: [TICKER_INPUT],
  referenceTables: [{ name: 'REF', columns: [{ name: 'K', sqlType: 'VARCHAR(4)' }] }],
};

const VALID = `CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (t VARCHAR(4), n BIGINT, p DOUBLE);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
  SELECT STREAM s.ticker_symbol, COUNT(*), MAX(price) FROM "SOURCE_SQL_STREAM_001" AS s
  LEFT JOIN REF AS r ON s.ticker_symbol = r.k
  WHERE s.price BETWEEN 1 AND 100 AND s.sector LIKE 'T%'
  GROUP BY s.ticker_symbol, STEP(s.ROWTIME BY INTERVAL '10' SECOND)
  HAVING COUNT(*) > 1;`;

const TOKENS = [
  'CREATE',
  'OR',
  'REPLACE',
  'STREAM',
  'PUMP',
  'AS',
  'INSERT',
  'INTO',
  'SELECT',
  'FROM',
  'WHERE',
  'GROUP',
  'BY',
  'WINDOW',
  'WINDOWED',
  'STAGGER',
  'OVER',
  'RANGE',
  'ROWS',
  'PRECEDING',
  'PARTITION',
  'JOIN',
  'LEFT',
  'ON',
  'UNION',
  'ALL',
  'CASE',
  'WHEN',
  'THEN',
  'ELSE',
  'END',
  'CAST',
  'INTERVAL',
  "'1'",
  'SECOND',
  'STEP',
  'FLOOR',
  'TO',
  'MINUTE',
  'COUNT',
  '(',
  ')',
  '*',
  ',',
  ';',
  '.',
  '+',
  '-',
  '/',
  '=',
  '<',
  'AND',
  'NOT',
  'NULL',
  'IS',
  'IN',
  'LIKE',
  'BETWEEN',
  '"SOURCE_SQL_STREAM_001"',
  '"D"',
  'price',
  'ticker_symbol',
  'ROWTIME',
  '1',
  '2.5',
  "'x'",
  'VARCHAR',
  'INTEGER',
  '//c\n',
];

function check(code: string): void {
  try {
    compileApplication(code, env);
  } catch (err) {
    if (!(err instanceof SqlCodeError)) throw err;
    const lines = code.split('\n').length;
    assert.ok(err.line >= 1 && err.line <= lines, `line ${err.line} of ${lines}`);
    assert.ok(err.column >= 1, `column ${err.column}`);
  }
}

describe('analytics SQL compiler robustness', () => {
  it('compiles the reference application', () => {
    assert.deepEqual(compileApplication(VALID, env).pumps, ['P']);
  });

  it('answers random text with SqlCodeError only', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), check), { numRuns: 300 });
  });

  it('answers token soup with SqlCodeError only', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }), (tokens) => check(tokens.join(' '))),
      { numRuns: 500 },
    );
  });

  it('answers mutations of a valid application with SqlCodeError only', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: VALID.length }),
        fc.integer({ min: 0, max: 12 }),
        fc.constantFrom(...TOKENS, ''),
        (at, cut, insert) => check(VALID.slice(0, at) + insert + VALID.slice(at + cut)),
      ),
      { numRuns: 500 },
    );
  });

  it('refuses pathologically deep nesting with a position instead of overflowing the stack', () => {
    const deep = `CREATE STREAM d (a INTEGER); CREATE PUMP p AS INSERT INTO d SELECT STREAM ${'('.repeat(100_000)}1${')'.repeat(100_000)} FROM "SOURCE_SQL_STREAM_001";`;
    assert.throws(
      () => compileApplication(deep, env),
      (err: unknown) => err instanceof SqlCodeError && /nested/.test(err.message),
    );
    const ok = `CREATE STREAM d (a INTEGER); CREATE PUMP p AS INSERT INTO d SELECT STREAM ${'('.repeat(100)}1${')'.repeat(100)} FROM "SOURCE_SQL_STREAM_001";`;
    assert.equal(compileApplication(ok, env).pumps.length, 1);
  });
});
