/** Scalar functions and CAST of part 1, each evaluated through a pump on one input row; expected by hand. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SqlValue } from '../../../src/analytics/sql/index.js';
import { harness } from '../helpers.js';

const INPUT = {
  name: 'IN',
  columns: [
    { name: 'S', sqlType: 'VARCHAR(32)' },
    { name: 'I', sqlType: 'INTEGER' },
    { name: 'D', sqlType: 'DOUBLE' },
    { name: 'B', sqlType: 'BIGINT' },
    { name: 'T', sqlType: 'TIMESTAMP' },
  ],
};
const ROW: SqlValue[] = [
  '  Hello World  ',
  7,
  2.5,
  9007199254740993n,
  new Date(Date.UTC(2026, 2, 15, 10, 45, 30, 250)),
];

/** Evaluates `expr` (typed `type`) on ROW; returns the value, or the error_stream name. */
function evaluate(expr: string, type: string, row: SqlValue[] = ROW): SqlValue | { error: string } {
  const h = harness(
    `CREATE STREAM "DESTINATION_SQL_STREAM" (x ${type});
     CREATE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM" SELECT STREAM ${expr} FROM "IN";`,
    { inputs: [INPUT] },
  );
  h.push(row, 1000, 'IN');
  if (h.errors.length > 0) return { error: h.errors[0]!.errorName };
  return h.out()[0]![1]!;
}

describe('analytics SQL functions', () => {
  it('string functions', () => {
    const cases: [string, string, SqlValue][] = [
      ['CHAR_LENGTH(s)', 'INTEGER', 15],
      ['CHARACTER_LENGTH(TRIM(s))', 'INTEGER', 11],
      ['UPPER(s)', 'VARCHAR(32)', '  HELLO WORLD  '],
      ['LOWER(TRIM(BOTH FROM s))', 'VARCHAR(32)', 'hello world'],
      ["TRIM(LEADING ' ' FROM s)", 'VARCHAR(32)', 'Hello World  '],
      ['TRIM(TRAILING FROM s)', 'VARCHAR(32)', '  Hello World'],
      ["TRIM(BOTH 'x' FROM 'xxaxx')", 'VARCHAR(32)', 'a'],
      ['SUBSTRING(s FROM 3 FOR 5)', 'VARCHAR(32)', 'Hello'],
      ['SUBSTRING(s, 9)', 'VARCHAR(32)', 'World  '],
      ["SUBSTRING('abc' FROM 0 FOR 2)", 'VARCHAR(32)', 'a'],
      ["POSITION('World' IN s)", 'INTEGER', 9],
      ["POSITION('nope' IN s)", 'INTEGER', 0],
      ["OVERLAY('abcdef' PLACING 'XY' FROM 2 FOR 3)", 'VARCHAR(32)', 'aXYef'],
      ["OVERLAY('abcdef' PLACING 'XY' FROM 3)", 'VARCHAR(32)', 'abXYef'],
      ["'a' || 'b' || CAST(i AS VARCHAR(4))", 'VARCHAR(8)', 'ab7'],
      ["INITCAP('hello wORLD-x')", 'VARCHAR(32)', 'Hello World-X'],
      ["CASE WHEN s LIKE '%World%' THEN 'y' ELSE 'n' END", 'VARCHAR(1)', 'y'],
      ["CASE WHEN 'ab_d' LIKE 'ab!_%' ESCAPE '!' THEN 'y' ELSE 'n' END", 'VARCHAR(1)', 'y'],
      ["CASE WHEN 'abd' SIMILAR TO 'a(b|c)d' THEN 'y' ELSE 'n' END", 'VARCHAR(1)', 'y'],
      ["CASE WHEN 'aed' SIMILAR TO 'a(b|c)d' THEN 'y' ELSE 'n' END", 'VARCHAR(1)', 'n'],
      ['UPPER(CAST(NULL AS VARCHAR(3)))', 'VARCHAR(3)', null],
    ];
    for (const [expr, type, want] of cases) assert.deepEqual(evaluate(expr, type), want, expr);
  });

  it('numeric functions and arithmetic', () => {
    const cases: [string, string, SqlValue][] = [
      ['ABS(-i)', 'INTEGER', 7],
      ['ABS(-2.5)', 'DOUBLE', 2.5],
      ['MOD(i, 3)', 'INTEGER', 1],
      ['MOD(-i, 3)', 'INTEGER', -1],
      ['POWER(d, 2)', 'DOUBLE', 6.25],
      ['LN(EXP(d))', 'DOUBLE', 2.5],
      ['EXP(0)', 'DOUBLE', 1],
      ['FLOOR(d)', 'DOUBLE', 2],
      ['CEIL(d)', 'DOUBLE', 3],
      ['FLOOR(-d)', 'DOUBLE', -3],
      ['i / 2', 'INTEGER', 3],
      ['-i / 2', 'INTEGER', -3],
      ['i / 2.0', 'DOUBLE', 3.5],
      ['i % 4', 'INTEGER', 3],
      ['b + 1', 'BIGINT', 9007199254740994n],
      ['b * 2 - b', 'BIGINT', 9007199254740993n],
      ['i + 1 BETWEEN 8 AND 9', 'BOOLEAN', true],
      ['i NOT IN (1, 2, NULL)', 'BOOLEAN', null],
      ['i IN (1, 7)', 'BOOLEAN', true],
      ['(i > 1) IS TRUE', 'BOOLEAN', true],
      ['NULL IS NULL', 'BOOLEAN', true],
      ["CAST('ab' AS CHAR(4)) = 'ab'", 'BOOLEAN', true],
      ["CAST('ab' AS VARCHAR(4)) = 'ab '", 'BOOLEAN', true],
      ["CAST('ab ' AS VARCHAR(4)) = CAST('ab' AS VARCHAR(4))", 'BOOLEAN', false],
    ];
    for (const [expr, type, want] of cases) assert.deepEqual(evaluate(expr, type), want, expr);
  });

  it('date and time functions', () => {
    const t = ROW[4] as Date;
    const cases: [string, string, SqlValue][] = [
      ['FLOOR(t TO HOUR)', 'TIMESTAMP', new Date(Date.UTC(2026, 2, 15, 10))],
      ['FLOOR(t TO MONTH)', 'TIMESTAMP', new Date(Date.UTC(2026, 2, 1))],
      ['CEIL(t TO MINUTE)', 'TIMESTAMP', new Date(Date.UTC(2026, 2, 15, 10, 46))],
      ["STEP(t BY INTERVAL '15' MINUTE)", 'TIMESTAMP', new Date(Date.UTC(2026, 2, 15, 10, 45))],
      ["t - INTERVAL '1' DAY", 'TIMESTAMP', new Date(t.getTime() - 86_400_000)],
      ["t + INTERVAL '1:30' MINUTE TO SECOND", 'TIMESTAMP', new Date(t.getTime() + 90_000)],
      ["t + INTERVAL '1' MONTH", 'TIMESTAMP', new Date(Date.UTC(2026, 3, 15, 10, 45, 30, 250))],
      ["TSDIFF(t, TIMESTAMP '2026-03-15 10:45:00')", 'BIGINT', 30_250n],
      ['TSDIFF(t, CAST(NULL AS TIMESTAMP))', 'BIGINT', null],
      ['UNIX_TIMESTAMP(t)', 'BIGINT', BigInt(t.getTime())],
      ['TO_TIMESTAMP(UNIX_TIMESTAMP(t))', 'TIMESTAMP', t],
      ['EXTRACT(HOUR FROM t)', 'INTEGER', 10],
      ['CURRENT_ROW_TIMESTAMP', 'TIMESTAMP', new Date(Date.UTC(2026, 0, 1))],
      [
        "CHAR_TO_TIMESTAMP('yyyy-MM-dd hh:mm:ss a', '2026-03-15 10:45:30 PM')",
        'TIMESTAMP',
        new Date(Date.UTC(2026, 2, 15, 22, 45, 30)),
      ],
      [
        "CHAR_TO_TIMESTAMP('dd/MMM/yyyy:HH:mm:ss Z', '15/Mar/2026:10:45:30 +0200')",
        'TIMESTAMP',
        new Date(Date.UTC(2026, 2, 15, 8, 45, 30)),
      ],
      ["CHAR_TO_TIMESTAMP('yyyyMMddHHmmssSSS', '20260315104530250')", 'TIMESTAMP', t],
      ["TIMESTAMP_TO_CHAR('yyyy-MM-dd''T''HH:mm:ss.SSS', t)", 'VARCHAR(32)', '2026-03-15T10:45:30.250'],
      ["TIMESTAMP_TO_CHAR('EEE, d MMMM yy h:mm a', t)", 'VARCHAR(32)', 'Sun, 15 March 26 10:45 AM'],
    ];
    for (const [expr, type, want] of cases) assert.deepEqual(evaluate(expr, type), want, expr);
  });

  it('CAST between the SQL types', () => {
    const cases: [string, string, SqlValue][] = [
      ["CAST('42' AS INTEGER)", 'INTEGER', 42],
      ["CAST(' -42 ' AS BIGINT)", 'BIGINT', -42n],
      ["CAST('1.5e2' AS DOUBLE)", 'DOUBLE', 150],
      ["CAST('3.14159' AS DECIMAL(5,2))", 'DECIMAL(5,2)', 3.14],
      ['CAST(d AS INTEGER)', 'INTEGER', 2],
      ['CAST(i AS VARCHAR(8))', 'VARCHAR(8)', '7'],
      ['CAST(t AS VARCHAR(32))', 'VARCHAR(32)', '2026-03-15 10:45:30.250'],
      ['CAST(t AS DATE)', 'DATE', new Date(Date.UTC(2026, 2, 15))],
      ["CAST('2026-03-15 10:45:30' AS TIMESTAMP)", 'TIMESTAMP', new Date(Date.UTC(2026, 2, 15, 10, 45, 30))],
      ["CAST('true' AS BOOLEAN)", 'BOOLEAN', true],
      ['CAST(TRUE AS INTEGER)', 'INTEGER', 1],
      ["CAST('abc' AS CHAR(5))", 'CHAR(5)', 'abc  '],
      ["CAST('abcdef' AS VARCHAR(3))", 'VARCHAR(3)', 'abc'],
      ['CAST(b AS DOUBLE)', 'DOUBLE', 9007199254740992],
    ];
    for (const [expr, type, want] of cases) assert.deepEqual(evaluate(expr, type), want, expr);
  });

  it('data errors go to error_stream: division by zero, bad casts, overflow, invalid arguments', () => {
    const cases: [string, string, string][] = [
      ['i / 0', 'INTEGER', 'DIVISION_BY_ZERO'],
      ['d / 0', 'DOUBLE', 'DIVISION_BY_ZERO'],
      ['MOD(i, 0)', 'INTEGER', 'DIVISION_BY_ZERO'],
      ["CAST('x1' AS INTEGER)", 'INTEGER', 'INVALID_CHARACTER_VALUE_FOR_CAST'],
      ["CAST('2026-13-01' AS TIMESTAMP)", 'TIMESTAMP', 'INVALID_CHARACTER_VALUE_FOR_CAST'],
      ['i * 2147483647', 'INTEGER', 'NUMERIC_VALUE_OUT_OF_RANGE'],
      ['b * b', 'BIGINT', 'NUMERIC_VALUE_OUT_OF_RANGE'],
      ['CAST(1000 AS TINYINT)', 'TINYINT', 'NUMERIC_VALUE_OUT_OF_RANGE'],
      ["CAST('123.456' AS DECIMAL(4,2))", 'DECIMAL(4,2)', 'NUMERIC_VALUE_OUT_OF_RANGE'],
      ['LN(0)', 'DOUBLE', 'INVALID_ARGUMENT'],
      ["CHAR_TO_TIMESTAMP('yyyy-MM-dd', '2026-02-30')", 'TIMESTAMP', 'INVALID_CHARACTER_VALUE_FOR_CAST'],
      ["CHAR_TO_TIMESTAMP('yyyy-MM-dd', '2026-02-01 extra')", 'TIMESTAMP', 'INVALID_CHARACTER_VALUE_FOR_CAST'],
      ['i', 'SMALLINT', 'none'],
    ];
    for (const [expr, type, name] of cases) {
      const got = evaluate(expr, type);
      if (name === 'none') assert.equal(got, 7, expr);
      else assert.deepEqual(got, { error: name }, expr);
    }
    // A value too large for the target column is an error too, not a silent wrap.
    assert.deepEqual(evaluate('i * 10000', 'SMALLINT'), { error: 'NUMERIC_VALUE_OUT_OF_RANGE' });
  });
});
