/** Tumbling windows: GROUP BY STEP / FLOOR of ROWTIME, emitted at window end by row or by timer. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { harness } from '../helpers.js';

const DEST = `CREATE OR REPLACE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(4), n BIGINT, total DOUBLE, lo DOUBLE, hi DOUBLE, win TIMESTAMP);`;

describe('analytics engine: tumbling windows', () => {
  it('emits one row per group when the window closes on the timer, with ROWTIME = window end', async () => {
    const h = harness(`${DEST}
      CREATE OR REPLACE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
        SELECT STREAM ticker_symbol, COUNT(*), SUM(price), MIN(price), MAX(price), STEP(s.ROWTIME BY INTERVAL '10' SECOND)
        FROM "SOURCE_SQL_STREAM_001" AS s
        GROUP BY ticker_symbol, STEP(s.ROWTIME BY INTERVAL '10' SECOND)
        ORDER BY STEP(s.ROWTIME BY INTERVAL '10' SECOND), ticker_symbol DESC;`);
    h.push(['A', 's', 0, 10], 0);
    h.push(['B', 's', 0, 3], 1500);
    h.push(['A', 's', 0, 20], 9999);
    await h.at(9999);
    assert.deepEqual(h.out(), [], 'nothing before the window ends');
    await h.at(10_000);
    const w0 = new Date(h.t0);
    assert.deepEqual(h.out(), [
      [10_000, 'B', 1n, 3, 3, 3, w0],
      [10_000, 'A', 2n, 30, 10, 20, w0],
    ]);
    // An empty window emits nothing; the next one closes by a row arriving after its end.
    h.push(['A', 's', 0, 1], 25_000);
    h.push(['A', 's', 0, 2], 31_000);
    assert.deepEqual(h.out().slice(2), [[30_000, 'A', 1n, 1, 1, 1, new Date(h.t0 + 20_000)]]);
    await h.at(40_000);
    assert.deepEqual(h.out().slice(3), [[40_000, 'A', 1n, 2, 2, 2, new Date(h.t0 + 30_000)]]);
  });

  it('groups by FLOOR(ROWTIME TO MINUTE) and by a second (event-time) key, with HAVING', async () => {
    const h = harness(`
      CREATE STREAM "DESTINATION_SQL_STREAM" (sector VARCHAR(16), n BIGINT, avg_change REAL);
      CREATE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
        SELECT STREAM sector, COUNT(ticker_symbol), AVG(change)
        FROM "SOURCE_SQL_STREAM_001"
        GROUP BY FLOOR("SOURCE_SQL_STREAM_001".ROWTIME TO MINUTE), sector
        HAVING COUNT(*) > 1;`);
    h.push(['A', 'TECH', 1, 0], 1000);
    h.push([null, 'TECH', 2, 0], 2000);
    h.push(['C', 'RETAIL', 3, 0], 3000);
    h.push(['D', 'TECH', 4.5, 0], 59_999);
    await h.at(60_000);
    assert.deepEqual(h.out(), [[60_000, 'TECH', 2n, 2.5]]);
  });

  it('computes every aggregate of part 1 over integers with the documented types', async () => {
    const h = harness(
      `CREATE STREAM "DESTINATION_SQL_STREAM" (c BIGINT, cd BIGINT, s INTEGER, a INTEGER, fv INTEGER, lv INTEGER,
          vp INTEGER, sp DOUBLE, ss DOUBLE, vs DOUBLE);
       CREATE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
         SELECT STREAM COUNT(v), COUNT(DISTINCT v), SUM(v), AVG(v), FIRST_VALUE(v), LAST_VALUE(v),
           VAR_POP(v), STDDEV_POP(d), STDDEV_SAMP(d), VAR_SAMP(d)
         FROM "IN" GROUP BY STEP("IN".ROWTIME BY INTERVAL '1' SECOND);`,
      {
        inputs: [
          {
            name: 'IN',
            columns: [
              { name: 'V', sqlType: 'INTEGER' },
              { name: 'D', sqlType: 'DOUBLE' },
            ],
          },
        ],
      },
    );
    for (const [i, v] of [2, 4, 4, 4, 5, 5, 7, 9].entries()) h.engine.push('IN', [v, v], h.t0 + i);
    h.engine.push('IN', [null, null], h.t0 + 9);
    await h.at(1000);
    // Values 2,4,4,4,5,5,7,9: mean 5, population variance 4, sample variance 32/7.
    assert.deepEqual(h.out(), [[1000, 8n, 5n, 40, 5, 2, null, 4, 2, Math.sqrt(32 / 7), 32 / 7]]);
  });
});
