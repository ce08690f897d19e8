/**
 * The dialect's parser and checker: the constructs of issue 10 parse, identifiers fold as documented, and errors
 * name the line, the column and what was expected.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  compileApplication,
  type InStreamDef,
  parseCode,
  parseExpression,
  parseSqlType,
  SqlCodeError,
} from '../../../src/analytics/sql/index.js';
import { TICKER_INPUT } from '../helpers.js';

const env = { inputs: [TICKER_INPUT], referenceTables: [] };

function codeError(fn: () => unknown): SqlCodeError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SqlCodeError, `expected SqlCodeError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a SqlCodeError');
}

const DEST = `CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker_symbol VARCHAR(4), sector VARCHAR(16), change REAL, price DOUBLE);`;

describe('analytics SQL parser', () => {
  it('parses the AWS getting-started application (streams, pumps, // and -- comments, quoted names)', () => {
    const app = compileApplication(
      `-- Create an output stream with four columns
      CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker_symbol VARCHAR(4), sector VARCHAR(16), change REAL, price REAL);
      // Create a pump that inserts into it
      CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
        SELECT STREAM ticker_symbol, sector, change, price
        FROM "SOURCE_SQL_STREAM_001"
        WHERE sector SIMILAR TO '%TECH%';`,
      env,
    );
    assert.deepEqual(app.pumps, ['STREAM_PUMP']);
    assert.deepEqual(app.streams, [
      {
        name: 'DESTINATION_SQL_STREAM',
        columns: [
          { name: 'TICKER_SYMBOL', sqlType: 'VARCHAR(4)' },
          { name: 'SECTOR', sqlType: 'VARCHAR(16)' },
          { name: 'CHANGE', sqlType: 'REAL' },
          { name: 'PRICE', sqlType: 'REAL' },
        ],
      },
    ]);
  });

  it('folds unquoted identifiers to upper case and keeps quoted ones as written', () => {
    const [st] = parseCode('create stream "lower_Case" (abc integer, "Mixed" varchar(3))');
    assert.ok(st?.k === 'createStream');
    assert.equal(st.name, 'lower_Case');
    assert.deepEqual(
      st.columns.map((c) => c.name),
      ['ABC', 'Mixed'],
    );
    // "destination_sql_stream" (quoted, lower case) is another stream than DESTINATION_SQL_STREAM.
    const err = codeError(() =>
      compileApplication(
        `${DEST} CREATE PUMP p AS INSERT INTO "destination_sql_stream" SELECT STREAM * FROM source_sql_stream_001;`,
        env,
      ),
    );
    assert.match(err.message, /Object 'destination_sql_stream' not found/);
  });

  it('parses types as InputSchema writes them', () => {
    assert.deepEqual(parseSqlType('VARCHAR(16)'), { kind: 'VARCHAR', length: 16 });
    assert.deepEqual(parseSqlType('DECIMAL(8,2)'), { kind: 'DECIMAL', length: 8, scale: 2 });
    assert.deepEqual(parseSqlType('int'), { kind: 'INTEGER' });
    assert.deepEqual(parseSqlType('CHAR(4)'), { kind: 'CHAR', length: 4 });
    assert.deepEqual(parseSqlType('VARBINARY(64)'), { kind: 'VARBINARY', length: 64 });
    assert.deepEqual(parseSqlType('DOUBLE PRECISION'), { kind: 'DOUBLE' });
    for (const t of ['TINYINT', 'SMALLINT', 'BIGINT', 'REAL', 'BOOLEAN', 'DATE', 'TIME', 'TIMESTAMP'])
      assert.equal(parseSqlType(t).kind, t);
    assert.throws(() => parseSqlType('VARCHAR'), SqlCodeError);
    assert.throws(() => parseSqlType('STRING'), SqlCodeError);
  });

  it('gives operators their SQL precedence', () => {
    const e = parseExpression('a + b * c = d OR NOT e AND f');
    assert.ok(e.k === 'binary' && e.op === 'OR');
    assert.ok(e.left.k === 'binary' && e.left.op === '=');
    assert.ok(e.left.left.k === 'binary' && e.left.left.op === '+');
    assert.ok(e.left.left.right.k === 'binary' && e.left.left.right.op === '*');
    assert.ok(e.right.k === 'binary' && e.right.op === 'AND');
    assert.ok(e.right.left.k === 'unary' && e.right.left.op === 'NOT');
  });

  it('parses the special forms: CASE, CAST, IS [NOT] NULL, LIKE ESCAPE, BETWEEN, IN, STEP, FLOOR TO, TRIM, POSITION, OVERLAY, SUBSTRING', () => {
    const forms: [string, string][] = [
      ["CASE WHEN x > 1 THEN 'a' ELSE 'b' END", 'case'],
      ['CASE x WHEN 1 THEN 2 END', 'case'],
      ['CAST(x AS DECIMAL(8,2))', 'cast'],
      ['x IS NOT NULL', 'isnull'],
      ["x NOT LIKE 'a!%%' ESCAPE '!'", 'like'],
      ["x SIMILAR TO '(a|b)%'", 'like'],
      ['x NOT BETWEEN 1 AND 2 + 3', 'between'],
      ["x IN ('a', 'b')", 'in'],
      ["STEP(s.ROWTIME BY INTERVAL '30' SECOND)", 'step'],
      ['FLOOR(ROWTIME TO MINUTE)', 'floorTo'],
      ["TRIM(LEADING 'x' FROM s)", 'call'],
      ["POSITION('a' IN s)", 'call'],
      ["OVERLAY(s PLACING 'ab' FROM 2 FOR 1)", 'call'],
      ['SUBSTRING(s FROM 2 FOR 3)', 'call'],
      ['COUNT(*) OVER w', 'call'],
      ["SUM(x) OVER (PARTITION BY k RANGE INTERVAL '1' MINUTE PRECEDING)", 'call'],
    ];
    for (const [text, k] of forms) assert.equal(parseExpression(text).k, k, text);
  });

  it('parses windows, stagger, joins over windows, reference joins, subqueries and UNION ALL', () => {
    const stmts = parseCode(`
      CREATE STREAM s2 (a INTEGER);
      CREATE PUMP p1 AS INSERT INTO s2
        SELECT STREAM COUNT(*) OVER last_minute FROM s WINDOW last_minute AS (PARTITION BY k RANGE INTERVAL '1' MINUTE PRECEDING),
          three AS (ROWS 2 PRECEDING);
      CREATE PUMP p2 AS INSERT INTO s2
        SELECT STREAM k, COUNT(*) FROM s WINDOWED BY STAGGER (PARTITION BY k, FLOOR(t TO MINUTE) RANGE INTERVAL '1' MINUTE) HAVING COUNT(*) > 1;
      CREATE PUMP p3 AS INSERT INTO s2
        SELECT STREAM o.a FROM orders AS o LEFT OUTER JOIN trades OVER (RANGE INTERVAL '1' MINUTE PRECEDING) AS t ON o.id = t.id;
      CREATE PUMP p4 AS INSERT INTO s2
        SELECT STREAM x.a FROM (SELECT STREAM a FROM s WHERE a > 1) AS x JOIN "companies" c ON x.a = c.id
        UNION ALL SELECT STREAM a FROM s3 ORDER BY FLOOR(ROWTIME TO SECOND);`);
    assert.equal(stmts.length, 5);
  });

  it('names line, column and the expected tokens in syntax errors', () => {
    const err = codeError(() =>
      parseCode(`CREATE OR REPLACE STREAM "D" (a INTEGER);
CREATE OR REPLACE PUMP "P" AS INSERT INTO "D"
  SELECT STREAM a
  FROM "SOURCE_SQL_STREAM_001" WHERE a >
  GROUP BY a;`),
    );
    assert.equal(err.line, 5);
    assert.equal(err.column, 3);
    assert.deepEqual(err.expected, ['<expression>']);
    assert.match(err.message, /line 5, column 3/);

    const e2 = codeError(() => parseCode('CREATE STREAM s (a INTEGER'));
    assert.equal(e2.line, 1);
    assert.equal(e2.column, 27);
    assert.deepEqual(e2.expected, ['")"']);

    const e3 = codeError(() => parseCode('CREATE PUMP p AS INSERT INTO d SELECT a FROM s'));
    assert.match(e3.message, /streaming query/);
    assert.deepEqual(e3.expected, ['SELECT STREAM']);

    const e4 = codeError(() => parseCode("CREATE STREAM s (a INTEGER) DESCRIPTION 'unterminated"));
    assert.equal(e4.column, 41);
    assert.match(e4.message, /Unterminated string/);
  });

  it('checks names and types against the inputs and created streams', () => {
    const cases: [string, RegExp][] = [
      [
        `${DEST} CREATE PUMP p AS INSERT INTO DESTINATION_SQL_STREAM SELECT STREAM nope, sector, change, price FROM SOURCE_SQL_STREAM_001;`,
        /Column 'NOPE' not found/,
      ],
      [
        `${DEST} CREATE PUMP p AS INSERT INTO DESTINATION_SQL_STREAM SELECT STREAM ticker_symbol FROM SOURCE_SQL_STREAM_001;`,
        /Number of INSERT target columns \(4\) does not equal number of source items \(1\)/,
      ],
      [
        `${DEST} CREATE PUMP p AS INSERT INTO DESTINATION_SQL_STREAM SELECT STREAM price, sector, change, price FROM SOURCE_SQL_STREAM_001;`,
        /Cannot assign to target field 'TICKER_SYMBOL'/,
      ],
      [
        `${DEST} CREATE PUMP p AS INSERT INTO DESTINATION_SQL_STREAM SELECT STREAM ticker_symbol, sector, change, price + 'x' FROM SOURCE_SQL_STREAM_001;`,
        /Cannot apply '\+'/,
      ],
      [
        `${DEST} CREATE PUMP p AS INSERT INTO DESTINATION_SQL_STREAM SELECT STREAM ticker_symbol, sector, COUNT(*), price FROM SOURCE_SQL_STREAM_001 GROUP BY ticker_symbol, sector, price;`,
        /monotonic expression of ROWTIME/,
      ],
      [
        `${DEST} CREATE PUMP p AS INSERT INTO SOURCE_SQL_STREAM_001 SELECT STREAM * FROM SOURCE_SQL_STREAM_001;`,
        /Cannot insert into input stream/,
      ],
      [
        `${DEST} CREATE PUMP p AS INSERT INTO DESTINATION_SQL_STREAM SELECT STREAM * FROM SOURCE_SQL_STREAM_001 WHERE FOO(price) > 1;`,
        /No match found for function signature FOO/,
      ],
      [
        `${DEST} CREATE PUMP p AS INSERT INTO DESTINATION_SQL_STREAM SELECT STREAM * FROM SOURCE_SQL_STREAM_001 WHERE price;`,
        /Expected a BOOLEAN condition/,
      ],
      [`${DEST} ${DEST.replace('OR REPLACE ', '')}`, /already exists/],
      [
        `${DEST} CREATE PUMP p AS INSERT INTO DESTINATION_SQL_STREAM SELECT STREAM a.* FROM SOURCE_SQL_STREAM_001 AS a JOIN SOURCE_SQL_STREAM_001 AS b ON a.price = b.price;`,
        /needs a window \(OVER\) on one side/,
      ],
    ];
    for (const [code, re] of cases) {
      const err = codeError(() => compileApplication(code, env));
      assert.match(err.message, re, code);
      assert.ok(err.line >= 1 && err.column >= 1);
    }
    // The position points at the offending name.
    const err = codeError(() =>
      compileApplication(
        `${DEST}\nCREATE PUMP p AS INSERT INTO DESTINATION_SQL_STREAM\nSELECT STREAM ticker_symbol, sector, chnge, price FROM SOURCE_SQL_STREAM_001;`,
        env,
      ),
    );
    assert.equal(err.line, 3);
    assert.equal(err.column, 38);
  });

  it('accepts a column list in INSERT and fills the other columns with NULL', () => {
    const app = compileApplication(
      `${DEST} CREATE PUMP p AS INSERT INTO DESTINATION_SQL_STREAM (price, ticker_symbol) SELECT STREAM price, ticker_symbol FROM SOURCE_SQL_STREAM_001;`,
      env,
    );
    assert.deepEqual(app.plans[0]!.mapping, [1, -1, -1, 0]);
  });

  it('rejects an input schema with an unknown SqlType', () => {
    const bad: InStreamDef = { name: 'SOURCE_SQL_STREAM_001', columns: [{ name: 'A', sqlType: 'STRING' }] };
    const err = codeError(() => compileApplication('', { inputs: [bad], referenceTables: [] }));
    assert.match(err.message, /Invalid SqlType 'STRING'/);
  });
});
