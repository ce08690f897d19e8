/** Sliding windows (RANGE and ROWS, per partition) and stagger windows; expected rows computed by hand. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { harness } from '../helpers.js';

describe('analytics engine: sliding windows', () => {
  it('emits one row per input row with the aggregate over the preceding time range of its partition', () => {
    const h = harness(`
      CREATE STREAM "DESTINATION_SQL_STREAM" (t VARCHAR(4), n BIGINT, total DOUBLE, lo DOUBLE, hi DOUBLE, first_p DOUBLE);
      CREATE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
        SELECT STREAM ticker_symbol, COUNT(*) OVER w, SUM(price) OVER w, MIN(price) OVER w, MAX(price) OVER w,
          FIRST_VALUE(price) OVER w
        FROM "SOURCE_SQL_STREAM_001"
        WINDOW w AS (PARTITION BY ticker_symbol RANGE INTERVAL '10' SECOND PRECEDING);`);
    h.push(['A', 's', 0, 5], 0);
    h.push(['B', 's', 0, 100], 1000);
    h.push(['A', 's', 0, 3], 4000);
    h.push(['A', 's', 0, 7], 10_000); // the row at 0 is exactly 10 s back: still inside (inclusive bound)
    h.push(['A', 's', 0, 1], 10_001); // now it is out
    h.push(['B', 's', 0, 50], 30_000); // B's earlier row expired
    assert.deepEqual(h.out(), [
      [0, 'A', 1n, 5, 5, 5, 5],
      [1000, 'B', 1n, 100, 100, 100, 100],
      [4000, 'A', 2n, 8, 3, 5, 5],
      [10_000, 'A', 3n, 15, 3, 7, 5],
      [10_001, 'A', 3n, 11, 1, 7, 3],
      [30_000, 'B', 1n, 50, 50, 50, 50],
    ]);
  });

  it('ROWS n PRECEDING holds the current row and n before it; two windows in one query', () => {
    const h = harness(`
      CREATE STREAM "DESTINATION_SQL_STREAM" (p DOUBLE, avg3 DOUBLE, n_all BIGINT, last_p DOUBLE);
      CREATE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
        SELECT STREAM price, AVG(price) OVER (ROWS 2 PRECEDING), COUNT(*) OVER (RANGE INTERVAL '1' HOUR PRECEDING),
          LAST_VALUE(price) OVER (ROWS 2 PRECEDING)
        FROM "SOURCE_SQL_STREAM_001";`);
    for (const [i, p] of [3, 6, 9, 12, 0].entries()) h.push(['A', 's', 0, p], i * 1000);
    assert.deepEqual(h.out(), [
      [0, 3, 3, 1n, 3],
      [1000, 6, 4.5, 2n, 6],
      [2000, 9, 6, 3n, 9],
      [3000, 12, 9, 4n, 12],
      [4000, 0, 7, 5n, 0],
    ]);
  });

  it('keeps MIN/MAX right while values leave the window (monotonic deque)', () => {
    const h = harness(`
      CREATE STREAM "DESTINATION_SQL_STREAM" (lo DOUBLE, hi DOUBLE);
      CREATE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
        SELECT STREAM MIN(price) OVER w, MAX(price) OVER w FROM "SOURCE_SQL_STREAM_001" WINDOW w AS (ROWS 3 PRECEDING);`);
    const prices = [5, 1, 4, 8, 2, 7, 3, 3, 9, 0, 6];
    prices.forEach((p, i) => {
      h.push(['A', 's', 0, p], i);
    });
    const expected = prices.map((_p, i) => {
      const w = prices.slice(Math.max(0, i - 3), i + 1);
      return [i, Math.min(...w), Math.max(...w)];
    });
    assert.deepEqual(h.out(), expected);
  });
});

describe('analytics engine: stagger windows', () => {
  it('opens a window per partition key at its first row and emits it at open + interval, on the timer', async () => {
    const h = harness(`
      CREATE STREAM "DESTINATION_SQL_STREAM" (t VARCHAR(4), n BIGINT, total DOUBLE);
      CREATE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
        SELECT STREAM ticker_symbol, COUNT(*), SUM(price)
        FROM "SOURCE_SQL_STREAM_001"
        WINDOWED BY STAGGER (PARTITION BY ticker_symbol RANGE INTERVAL '1' MINUTE);`);
    h.push(['A', 's', 0, 1], 5000); // A opens at 5 s, closes at 65 s
    h.push(['B', 's', 0, 10], 20_000); // B opens at 20 s, closes at 80 s
    h.push(['A', 's', 0, 2], 64_999);
    await h.at(65_000);
    assert.deepEqual(h.out(), [[65_000, 'A', 2n, 3]]);
    h.push(['A', 's', 0, 4], 70_000); // a new window for A: 70 s → 130 s
    h.push(['B', 's', 0, 20], 79_000);
    await h.at(80_000);
    assert.deepEqual(h.out().slice(1), [[80_000, 'B', 2n, 30]]);
    await h.at(130_000);
    assert.deepEqual(h.out().slice(2), [[130_000, 'A', 1n, 4]]);
  });

  it('partitions by an event-time bucket too, and a row at the close time belongs to the next window', () => {
    const h = harness(
      `CREATE STREAM "DESTINATION_SQL_STREAM" (k VARCHAR(4), minute_ts TIMESTAMP, n BIGINT);
       CREATE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
         SELECT STREAM k, FLOOR(event_time TO MINUTE), COUNT(*) FROM "IN"
         WINDOWED BY STAGGER (PARTITION BY k, FLOOR(event_time TO MINUTE) RANGE INTERVAL '30' SECOND);`,
      {
        inputs: [
          {
            name: 'IN',
            columns: [
              { name: 'K', sqlType: 'VARCHAR(4)' },
              { name: 'EVENT_TIME', sqlType: 'TIMESTAMP' },
            ],
          },
        ],
      },
    );
    const m0 = new Date(Date.UTC(2025, 11, 31, 23, 59, 0));
    const m1 = new Date(Date.UTC(2026, 0, 1, 0, 0, 0));
    h.push(['x', new Date(m0.getTime() + 10_000)], 0, 'IN');
    h.push(['x', new Date(m1.getTime() + 1000)], 1000, 'IN');
    h.push(['x', new Date(m0.getTime() + 59_000)], 2000, 'IN'); // late event for minute m0
    h.push(['x', new Date(m0.getTime() + 1)], 30_000, 'IN'); // the m0 window closed at 30 s: a new one
    h.push(['y', new Date(m1.getTime())], 60_000, 'IN'); // closes the second m0 window (30 s → 60 s)
    assert.deepEqual(h.out(), [
      [30_000, 'x', m0, 2n],
      [31_000, 'x', m1, 1n],
      [60_000, 'x', m0, 1n],
    ]);
  });
});
