/**
 * Whole applications in the shape of the AWS Developer Guide's examples, subqueries, several pumps into one
 * stream, implicit input columns, bounded state and stop(). Expected rows computed by hand.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { engineClock, startEngine } from '../../../src/analytics/engine/index.js';
import { compileApplication, type InStreamDef } from '../../../src/analytics/sql/index.js';
import { ManualTimerClock } from '../../helpers/timers.js';
import { harness, TICKER_INPUT } from '../helpers.js';

describe('analytics applications', () => {
  it('runs the "tumbling window" example: count per ticker per minute', async () => {
    const h = harness(`
      CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (
          ticker_symbol VARCHAR(4),
          ticker_symbol_count INTEGER);
      CREATE OR REPLACE PUMP "STREAM_PUMP" AS
        INSERT INTO "DESTINATION_SQL_STREAM"
          SELECT STREAM ticker_symbol, COUNT(*) AS ticker_symbol_count
          FROM "SOURCE_SQL_STREAM_001"
          GROUP BY ticker_symbol,
                   STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '60' SECOND);`);
    for (let i = 0; i < 10; i++) h.push([i % 3 === 0 ? 'AAA' : 'BBB', 'x', 0, i], i * 5000);
    await h.at(60_000);
    assert.deepEqual(
      h.out().sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
      [
        [60_000, 'AAA', 4],
        [60_000, 'BBB', 6],
      ],
    );
  });

  it('runs the "sliding window" example: MIN/MAX/AVG per ticker over the last minute', () => {
    const h = harness(`
      CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker_symbol VARCHAR(4), Min_Price DOUBLE, Max_Price DOUBLE, Avg_Price DOUBLE);
      CREATE OR REPLACE PUMP "STREAM_PUMP" AS INSERT INTO "DESTINATION_SQL_STREAM"
      SELECT STREAM ticker_symbol,
                    MIN(Price) OVER W1 AS Min_Price,
                    MAX(Price) OVER W1 AS Max_Price,
                    AVG(Price) OVER W1 AS Avg_Price
      FROM   "SOURCE_SQL_STREAM_001"
      WINDOW W1 AS (
         PARTITION BY ticker_symbol
         RANGE INTERVAL '1' MINUTE PRECEDING);`);
    h.push(['A', 'x', 0, 10], 0);
    h.push(['A', 'x', 0, 20], 30_000);
    h.push(['A', 'x', 0, 60], 61_000);
    assert.deepEqual(h.out(), [
      [0, 'A', 10, 10, 10],
      [30_000, 'A', 10, 20, 15],
      [61_000, 'A', 20, 60, 40],
    ]);
  });

  it('runs the two-window event-time pattern with an implicit APPROXIMATE_ARRIVAL_TIME column', async () => {
    const input: InStreamDef = {
      name: 'SOURCE_SQL_STREAM_001',
      columns: [...TICKER_INPUT.columns, { name: 'APPROXIMATE_ARRIVAL_TIME', sqlType: 'TIMESTAMP', implicit: true }],
    };
    const h = harness(
      `CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(4), arrival_minute TIMESTAMP, n INTEGER);
       CREATE OR REPLACE STREAM "ALL_COLUMNS" (a VARCHAR(4), b VARCHAR(16), c REAL, d DOUBLE);
       CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
         SELECT STREAM ticker_symbol, STEP(s.APPROXIMATE_ARRIVAL_TIME BY INTERVAL '60' SECOND), COUNT(*)
         FROM "SOURCE_SQL_STREAM_001" AS s
         GROUP BY ticker_symbol, STEP(s.ROWTIME BY INTERVAL '60' SECOND), STEP(s.APPROXIMATE_ARRIVAL_TIME BY INTERVAL '60' SECOND);
       CREATE OR REPLACE PUMP "STAR" AS INSERT INTO "ALL_COLUMNS" SELECT STREAM * FROM "SOURCE_SQL_STREAM_001";`,
      { inputs: [input] },
    );
    const minute = (m: number) => new Date(h.t0 + m * 60_000);
    h.push(['A', 'x', 0, 1, new Date(h.t0 + 1000)], 2000);
    h.push(['A', 'x', 0, 1, new Date(h.t0 - 1000)], 3000); // late: arrived in the previous minute
    h.push(['A', 'x', 0, 1, new Date(h.t0 + 5000)], 6000);
    await h.at(60_000);
    assert.deepEqual(
      h.out().sort((a, b) => (a[2] as Date).getTime() - (b[2] as Date).getTime()),
      [
        [60_000, 'A', minute(-1), 1],
        [60_000, 'A', minute(0), 2],
      ],
    );
    assert.equal(h.out('ALL_COLUMNS')[0]!.length, 5, 'SELECT * leaves the implicit column out');
  });

  it('reads from a subquery in FROM and merges two pumps into one stream', () => {
    const h = harness(`
      CREATE STREAM "DESTINATION_SQL_STREAM" (label VARCHAR(8), v DOUBLE);
      CREATE PUMP "BIG" AS INSERT INTO "DESTINATION_SQL_STREAM"
        SELECT STREAM 'big', x.doubled FROM (SELECT STREAM price * 2 AS doubled FROM "SOURCE_SQL_STREAM_001") AS x
        WHERE x.doubled > 100;
      CREATE PUMP "NEG" AS INSERT INTO "DESTINATION_SQL_STREAM"
        SELECT STREAM 'neg', change FROM "SOURCE_SQL_STREAM_001" WHERE change < 0;`);
    h.push(['A', 'x', -1, 60], 1);
    h.push(['A', 'x', 2, 10], 2);
    assert.deepEqual(h.out(), [
      [1, 'big', 120],
      [1, 'neg', -1],
    ]);
  });

  it('holds no more state than the windows need', () => {
    const h = harness(
      `CREATE STREAM "DESTINATION_SQL_STREAM" (t VARCHAR(4), n BIGINT);
       CREATE STREAM "T" (t VARCHAR(4), n BIGINT);
       CREATE STREAM "J" (t VARCHAR(4), p DOUBLE);
       CREATE PUMP "SLIDE" AS INSERT INTO "DESTINATION_SQL_STREAM"
         SELECT STREAM ticker_symbol, COUNT(*) OVER (PARTITION BY ticker_symbol RANGE INTERVAL '1' SECOND PRECEDING)
         FROM "SOURCE_SQL_STREAM_001";
       CREATE PUMP "TUMBLE" AS INSERT INTO "T"
         SELECT STREAM ticker_symbol, COUNT(*) FROM "SOURCE_SQL_STREAM_001"
         GROUP BY ticker_symbol, STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '1' SECOND);
       CREATE PUMP "JOIN" AS INSERT INTO "J"
         SELECT STREAM a.ticker_symbol, b.price FROM "SOURCE_SQL_STREAM_001" AS a
         JOIN "SOURCE_SQL_STREAM_001" OVER (RANGE INTERVAL '1' SECOND PRECEDING) AS b ON a.ticker_symbol = b.ticker_symbol;`,
    );
    let peak = 0;
    for (let i = 0; i < 20_000; i++) {
      // 10 rows per ms over 2000 ms, tickers rotating over 50 keys, each key seen once per 5 ms.
      h.push([`K${i % 50}`, 'x', 0, i], Math.floor(i / 10));
      peak = Math.max(peak, h.engine.stateSize());
    }
    // Sliding and join windows hold at most ~1 s of rows (10 000) plus the sweep slack (4096 rows), each;
    // the tumbling window holds one group per key.
    assert.ok(peak < 2 * (10_000 + 10 + 4096) + 50, `peak state ${peak}`);
    assert.ok(peak > 10_000, `peak state ${peak} shows the windows were filled`);
  });

  it('stop() cancels the timers: no window closes afterwards, and pushes are refused', async () => {
    const h = harness(`
      CREATE STREAM "DESTINATION_SQL_STREAM" (n BIGINT);
      CREATE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
        SELECT STREAM COUNT(*) FROM "SOURCE_SQL_STREAM_001" GROUP BY FLOOR("SOURCE_SQL_STREAM_001".ROWTIME TO SECOND);`);
    h.push(['A', 'x', 0, 1], 10);
    assert.equal(h.clock.armed, 1);
    h.engine.stop();
    assert.equal(h.clock.armed, 0);
    await h.at(5000);
    assert.deepEqual(h.out(), []);
    assert.throws(() => h.push(['A', 'x', 0, 1], 6000), /stopped/);
    assert.throws(() => h.engine.reloadReferenceData('nope', []), RangeError);
  });
});

describe('analytics engine isolation from its sink', () => {
  it('a sink that throws on a row costs that row only, also when a timer closes the window', async () => {
    const app = compileApplication(
      `CREATE STREAM "DESTINATION_SQL_STREAM" (t VARCHAR(4), n BIGINT);
       CREATE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
         SELECT STREAM ticker_symbol, COUNT(*) FROM "SOURCE_SQL_STREAM_001"
         GROUP BY ticker_symbol, STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '1' SECOND);`,
      { inputs: [TICKER_INPUT], referenceTables: [] },
    );
    const clock = new ManualTimerClock();
    const t0 = clock.t;
    const delivered: unknown[][] = [];
    const errors: string[] = [];
    const engine = startEngine(app, {
      clock: engineClock(clock),
      sink: {
        row(stream, row) {
          if (stream !== 'DESTINATION_SQL_STREAM') return;
          if (row.values[0] === 'BAD') throw new Error('destination refused the row');
          delivered.push(row.values);
        },
        error(e) {
          if (e.errorName !== 'INTERNAL_ERROR') return; // (a throw here would be swallowed like the one below)
          errors.push(`${e.pumpName}: ${e.message}`);
          throw new Error('and the error sink fails too');
        },
      },
      referenceData: new Map(),
    });
    engine.push('SOURCE_SQL_STREAM_001', ['BAD', 'x', 0, 1], t0 + 1);
    engine.push('SOURCE_SQL_STREAM_001', ['OK', 'x', 0, 1], t0 + 2);
    await clock.advance(1000);
    assert.deepEqual(delivered, [['OK', 1n]]);
    assert.deepEqual(errors, ['null: destination refused the row']);
  });
});
