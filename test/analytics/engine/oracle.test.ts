/**
 * The engine against a naive batch oracle written here: random finite inputs (fast-check), the same query
 * computed by grouping or scanning the whole input at once, rows compared. Tumbling, sliding (RANGE and ROWS)
 * and stagger windows.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { harness } from '../helpers.js';

interface Input {
  ticker: string;
  price: number;
  gap: number;
}

const inputs = fc.array(
  fc.record({
    ticker: fc.constantFrom('A', 'B', 'C'),
    price: fc.integer({ min: -50, max: 50 }),
    gap: fc.integer({ min: 0, max: 4000 }),
  }),
  { minLength: 1, maxLength: 60 },
);

/** Arrival offsets: cumulative gaps (equal ROWTIMEs happen when a gap is 0). */
function times(rows: Input[]): number[] {
  let t = 0;
  return rows.map((r) => (t += r.gap));
}

const byKey = (a: unknown[], b: unknown[]): number =>
  JSON.stringify(a, (_k, v) => (typeof v === 'bigint' ? `${v}` : v)).localeCompare(
    JSON.stringify(b, (_k, v) => (typeof v === 'bigint' ? `${v}` : v)),
  );

describe('analytics engine vs a batch oracle', () => {
  it('tumbling GROUP BY STEP: one row per (window, ticker) with COUNT, SUM, MIN, MAX', async () => {
    await fc.assert(
      fc.asyncProperty(inputs, fc.constantFrom(1000, 5000, 10_000), async (rows, step) => {
        const h = harness(`
          CREATE STREAM "DESTINATION_SQL_STREAM" (t VARCHAR(4), n BIGINT, s INTEGER, lo INTEGER, hi INTEGER);
          CREATE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
            SELECT STREAM ticker_symbol, COUNT(*), SUM(CAST(price AS INTEGER)), MIN(CAST(price AS INTEGER)), MAX(CAST(price AS INTEGER))
            FROM "SOURCE_SQL_STREAM_001" GROUP BY ticker_symbol, STEP("SOURCE_SQL_STREAM_001".ROWTIME BY INTERVAL '${step / 1000}' SECOND);`);
        const ts = times(rows);
        rows.forEach((r, i) => {
          h.push([r.ticker, 's', 0, r.price], ts[i]!);
        });
        await h.at(ts[ts.length - 1]! + step);
        const groups = new Map<string, { end: number; t: string; prices: number[] }>();
        rows.forEach((r, i) => {
          const end = Math.floor(ts[i]! / step) * step + step;
          const k = `${end}/${r.ticker}`;
          const g = groups.get(k) ?? { end, t: r.ticker, prices: [] };
          g.prices.push(r.price);
          groups.set(k, g);
        });
        const expected = [...groups.values()].map((g) => [
          g.end,
          g.t,
          BigInt(g.prices.length),
          g.prices.reduce((a, b) => a + b, 0),
          Math.min(...g.prices),
          Math.max(...g.prices),
        ]);
        assert.deepEqual(h.out().sort(byKey), expected.sort(byKey));
      }),
      { numRuns: 40 },
    );
  });

  it('sliding RANGE and ROWS windows per partition: one row per input row', () => {
    fc.assert(
      fc.property(inputs, fc.integer({ min: 0, max: 8000 }), fc.integer({ min: 0, max: 4 }), (rows, range, n) => {
        const h = harness(`
          CREATE STREAM "DESTINATION_SQL_STREAM" (t VARCHAR(4), c BIGINT, s DOUBLE, lo DOUBLE, hi DOUBLE, c_rows BIGINT, hi_rows DOUBLE);
          CREATE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
            SELECT STREAM ticker_symbol, COUNT(*) OVER r, SUM(price) OVER r, MIN(price) OVER r, MAX(price) OVER r,
              COUNT(*) OVER w, MAX(price) OVER w
            FROM "SOURCE_SQL_STREAM_001"
            WINDOW r AS (PARTITION BY ticker_symbol RANGE INTERVAL '${range}' SECOND PRECEDING),
                   w AS (PARTITION BY ticker_symbol ROWS ${n} PRECEDING);`);
        const ts = times(rows);
        rows.forEach((r, i) => {
          h.push([r.ticker, 's', 0, r.price], ts[i]!);
        });
        const expected = rows.map((r, i) => {
          const before = rows.map((x, j) => ({ ...x, t: ts[j]!, j })).filter((x) => x.j <= i && x.ticker === r.ticker);
          const inRange = before.filter((x) => x.t >= ts[i]! - range * 1000).map((x) => x.price);
          const inRows = before.slice(-(n + 1)).map((x) => x.price);
          return [
            ts[i]!,
            r.ticker,
            BigInt(inRange.length),
            inRange.reduce((a, b) => a + b, 0),
            Math.min(...inRange),
            Math.max(...inRange),
            BigInt(inRows.length),
            Math.max(...inRows),
          ];
        });
        assert.deepEqual(h.out(), expected);
      }),
      { numRuns: 60 },
    );
  });

  it('stagger windows: per ticker, a window from its first row for the interval, one row at its end', async () => {
    await fc.assert(
      fc.asyncProperty(inputs, fc.constantFrom(1000, 3000, 7000), async (rows, range) => {
        const h = harness(`
          CREATE STREAM "DESTINATION_SQL_STREAM" (t VARCHAR(4), c BIGINT, s DOUBLE);
          CREATE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
            SELECT STREAM ticker_symbol, COUNT(*), SUM(price) FROM "SOURCE_SQL_STREAM_001"
            WINDOWED BY STAGGER (PARTITION BY ticker_symbol RANGE INTERVAL '${range / 1000}' SECOND);`);
        const ts = times(rows);
        rows.forEach((r, i) => {
          h.push([r.ticker, 's', 0, r.price], ts[i]!);
        });
        await h.at(ts[ts.length - 1]! + range);
        const open = new Map<string, { start: number; c: number; s: number }>();
        const expected: unknown[][] = [];
        rows.forEach((r, i) => {
          let w = open.get(r.ticker);
          if (w !== undefined && ts[i]! >= w.start + range) {
            expected.push([w.start + range, r.ticker, BigInt(w.c), w.s]);
            w = undefined;
          }
          if (w === undefined) open.set(r.ticker, (w = { start: ts[i]!, c: 0, s: 0 }));
          w.c++;
          w.s += r.price;
        });
        for (const [t, w] of open) expected.push([w.start + range, t, BigInt(w.c), w.s]);
        assert.deepEqual(h.out().sort(byKey), expected.sort(byKey));
      }),
      { numRuns: 40 },
    );
  });
});
