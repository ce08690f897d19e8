/** Projection, filter, chained pumps, ROWTIME and error_stream: expected rows computed by hand. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { harness } from '../helpers.js';

describe('analytics engine: projection and filter', () => {
  it('projects and filters row by row, carrying ROWTIME (arrival, made monotonic)', () => {
    const h = harness(`
      CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(4), pct DOUBLE, label VARCHAR(8));
      CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
        SELECT STREAM ticker_symbol, change / price * 100,
               CASE WHEN price >= 100 THEN 'high' WHEN price IS NULL THEN 'none' ELSE 'low' END
        FROM "SOURCE_SQL_STREAM_001"
        WHERE sector IN ('TECH', 'ENERGY') AND ticker_symbol LIKE 'A%';`);
    h.push(['AMZN', 'TECH', 5, 200], 0);
    h.push(['ABC', 'RETAIL', 1, 10], 10);
    h.push(['BB', 'TECH', 1, 10], 20);
    h.push(['AXP', 'ENERGY', -1, 50], 30);
    h.push(['AAA', 'TECH', 2, null], 25); // arrives "earlier": ROWTIME stays at 30
    assert.deepEqual(h.out(), [
      [0, 'AMZN', 2.5, 'high'],
      [30, 'AXP', -2, 'low'],
      [30, 'AAA', null, 'none'],
    ]);
    // Input streams are in-application streams too: the sink sees every input row.
    assert.equal(h.rows.get('SOURCE_SQL_STREAM_001')!.length, 5);
    assert.deepEqual(h.errors, []);
  });

  it('chains pumps through in-application streams, and truncates strings to the target column', () => {
    const h = harness(`
      CREATE STREAM "MID" (t VARCHAR(4), p DOUBLE);
      CREATE STREAM "DESTINATION_SQL_STREAM" (t2 VARCHAR(2), doubled DECIMAL(8,2), at_ts TIMESTAMP);
      CREATE PUMP "P1" AS INSERT INTO "MID" SELECT STREAM ticker_symbol, price FROM "SOURCE_SQL_STREAM_001" WHERE price > 1;
      CREATE PUMP "P2" AS INSERT INTO "DESTINATION_SQL_STREAM" SELECT STREAM LOWER(t), p * 2, m.ROWTIME AS at_ts FROM "MID" AS m;`);
    h.push(['ABCD', 'x', 0, 1.005], 5);
    h.push(['QRST', 'x', 0, 0.5], 6);
    h.push(['WXYZ', 'x', 0, 2.125], 7);
    assert.deepEqual(h.out(), [
      [5, 'ab', 2.01, new Date(h.t0 + 5)],
      [7, 'wx', 4.25, new Date(h.t0 + 7)],
    ]);
    assert.equal(h.out('MID').length, 2);
  });

  it('sends runtime errors to error_stream with the pump name and keeps running', () => {
    const h = harness(`
      CREATE STREAM "DESTINATION_SQL_STREAM" (q INTEGER, c SMALLINT);
      CREATE PUMP "DIVIDE" AS INSERT INTO "DESTINATION_SQL_STREAM"
        SELECT STREAM 10 / CAST(change AS INTEGER), CAST(sector AS SMALLINT) FROM "SOURCE_SQL_STREAM_001";`);
    h.push(['A', '7', 2, 0], 1);
    h.push(['B', '7', 0, 0], 2); // division by zero
    h.push(['C', 'seven', 1, 0], 3); // bad cast
    h.push(['D', '70000', 1, 0], 4); // SMALLINT overflow
    h.push(['E', '-3', -4, 0], 5);
    assert.deepEqual(h.out(), [
      [1, 5, 7],
      [5, -2, -3],
    ]);
    assert.deepEqual(
      h.errors.map((e) => [e.errorName, e.pumpName, e.dataRowtime! - h.t0, e.errorLevel]),
      [
        ['DIVISION_BY_ZERO', 'DIVIDE', 2, 'ERROR'],
        ['INVALID_CHARACTER_VALUE_FOR_CAST', 'DIVIDE', 3, 'ERROR'],
        ['NUMERIC_VALUE_OUT_OF_RANGE', 'DIVIDE', 4, 'ERROR'],
      ],
    );
    assert.equal(Buffer.from(h.errors[0]!.dataRow!, 'hex').toString(), '["B","7",0,0]');
  });

  it('UNION ALL merges two queries into one stream', () => {
    const h = harness(`
      CREATE STREAM "DESTINATION_SQL_STREAM" (t VARCHAR(8));
      CREATE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
        SELECT STREAM ticker_symbol FROM "SOURCE_SQL_STREAM_001" WHERE price > 10
        UNION ALL
        SELECT STREAM sector FROM "SOURCE_SQL_STREAM_001" WHERE price < 5;`);
    h.push(['A', 'S1', 0, 20], 1);
    h.push(['B', 'S2', 0, 1], 2);
    h.push(['C', 'S3', 0, 7], 3);
    assert.deepEqual(h.out(), [
      [1, 'A'],
      [2, 'S2'],
    ]);
  });
});

describe('analytics engine: SELECT STREAM DISTINCT', () => {
  it('emits each distinct row once per period of its monotonic ROWTIME expression', () => {
    const h = harness(`
      CREATE STREAM "DESTINATION_SQL_STREAM" (minute_ts TIMESTAMP, t VARCHAR(4));
      CREATE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
        SELECT STREAM DISTINCT FLOOR(s.ROWTIME TO MINUTE), ticker_symbol FROM "SOURCE_SQL_STREAM_001" AS s;`);
    for (const [t, at] of [
      ['A', 1000],
      ['B', 2000],
      ['A', 3000],
      ['A', 61_000],
      ['B', 62_000],
      ['B', 63_000],
    ] as const)
      h.push([t, 'x', 0, 1], at);
    const m = (n: number) => new Date(h.t0 + n * 60_000);
    assert.deepEqual(h.out(), [
      [1000, m(0), 'A'],
      [2000, m(0), 'B'],
      [61_000, m(1), 'A'],
      [62_000, m(1), 'B'],
    ]);
    assert.equal(h.engine.stateSize(), 2, 'only the current minute is remembered');
  });

  it('is refused without a monotonic ROWTIME expression to bound its state', () => {
    assert.throws(
      () =>
        harness(`CREATE STREAM "D" (t VARCHAR(4));
          CREATE PUMP "P" AS INSERT INTO "D" SELECT STREAM DISTINCT ticker_symbol FROM "SOURCE_SQL_STREAM_001";`),
      /SELECT DISTINCT on a stream needs a monotonic expression of ROWTIME/,
    );
  });
});
