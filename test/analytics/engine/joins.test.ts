/** Stream-to-stream window joins and reference-table lookups; expected rows computed by hand. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { InStreamDef } from '../../../src/analytics/sql/index.js';
import { harness } from '../helpers.js';

const ORDERS: InStreamDef = {
  name: 'ORDERS',
  columns: [
    { name: 'ORDER_ID', sqlType: 'INTEGER' },
    { name: 'TICKER', sqlType: 'VARCHAR(4)' },
    { name: 'AMOUNT', sqlType: 'INTEGER' },
  ],
};
const TRADES: InStreamDef = {
  name: 'TRADES',
  columns: [
    { name: 'TRADE_ID', sqlType: 'INTEGER' },
    { name: 'ORDER_ID', sqlType: 'INTEGER' },
    { name: 'AMOUNT', sqlType: 'INTEGER' },
  ],
};

describe('analytics engine: stream-to-stream joins', () => {
  const code = (kind: string) => `
    CREATE STREAM "DESTINATION_SQL_STREAM" (order_id INTEGER, ticker VARCHAR(4), order_amount INTEGER, trade_amount INTEGER, trade_time TIMESTAMP);
    CREATE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
      SELECT STREAM o.order_id, o.ticker, o.amount, t.amount, t.ROWTIME AS trade_time
      FROM "ORDERS" AS o ${kind} "TRADES" OVER (RANGE INTERVAL '1' MINUTE PRECEDING) AS t
      ON o.order_id = t.order_id;`;

  it('matches each order with the trades of the preceding minute (inner join)', () => {
    const h = harness(code('JOIN'), { inputs: [ORDERS, TRADES] });
    h.push([100, 1, 5], 0, 'TRADES');
    h.push([101, 1, 7], 30_000, 'TRADES');
    h.push([102, 2, 9], 30_000, 'TRADES');
    h.push([1, 'AMZN', 12], 60_000, 'ORDERS'); // both trades of order 1 are within [0 s, 60 s]
    h.push([2, 'MSFT', 9], 90_001, 'ORDERS'); // trade 102 at 30 s is older than 90.001 s − 60 s
    h.push([3, 'IBM', 1], 90_002, 'ORDERS'); // no trade at all
    assert.deepEqual(h.out(), [
      [60_000, 1, 'AMZN', 12, 5, new Date(h.t0)],
      [60_000, 1, 'AMZN', 12, 7, new Date(h.t0 + 30_000)],
    ]);
  });

  it('LEFT OUTER JOIN keeps unmatched orders with NULL trade columns', () => {
    const h = harness(code('LEFT OUTER JOIN'), { inputs: [ORDERS, TRADES] });
    h.push([102, 2, 9], 30_000, 'TRADES');
    h.push([2, 'MSFT', 9], 40_000, 'ORDERS');
    h.push([3, 'IBM', 1], 40_001, 'ORDERS');
    assert.deepEqual(h.out(), [
      [40_000, 2, 'MSFT', 9, 9, new Date(h.t0 + 30_000)],
      [40_001, 3, 'IBM', 1, null, null],
    ]);
  });

  it('joins on a non-equality condition and over a row-count window', () => {
    const h = harness(
      `CREATE STREAM "DESTINATION_SQL_STREAM" (order_id INTEGER, trade_id INTEGER);
       CREATE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
         SELECT STREAM o.order_id, t.trade_id FROM "ORDERS" AS o
         JOIN "TRADES" OVER (ROWS 1 PRECEDING) AS t ON t.amount >= o.amount;`,
      { inputs: [ORDERS, TRADES] },
    );
    h.push([100, 0, 5], 0, 'TRADES');
    h.push([101, 0, 7], 1, 'TRADES');
    h.push([102, 0, 3], 2, 'TRADES'); // the window now holds trades 101 and 102
    h.push([1, 'A', 4], 3, 'ORDERS');
    assert.deepEqual(h.out(), [[3, 1, 101]]);
  });
});

describe('analytics engine: reference data joins', () => {
  const COMPANIES = {
    name: 'companies',
    columns: [
      { name: 'TICKER', sqlType: 'VARCHAR(4)' },
      { name: 'COMPANY', sqlType: 'VARCHAR(32)' },
    ],
  };
  const code = (kind: string) => `
    CREATE STREAM "DESTINATION_SQL_STREAM" (ticker VARCHAR(4), company VARCHAR(32), price DOUBLE);
    CREATE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
      SELECT STREAM s.ticker_symbol, c.company, s.price
      FROM "SOURCE_SQL_STREAM_001" AS s ${kind} "companies" AS c ON s.ticker_symbol = c.ticker;`;

  it('looks rows up in the table, and sees the new rows after a reload', () => {
    const data = new Map([
      [
        'companies',
        [
          ['AMZN', 'Amazon'],
          ['MSFT', 'Microsoft'],
        ],
      ],
    ]);
    const h = harness(code('JOIN'), { referenceTables: [COMPANIES], referenceData: data });
    h.push(['AMZN', 's', 0, 1], 1);
    h.push(['XYZ', 's', 0, 2], 2);
    h.engine.reloadReferenceData('companies', [['XYZ', 'Xyz Corp']]);
    h.push(['XYZ', 's', 0, 3], 3);
    h.push(['AMZN', 's', 0, 4], 4);
    assert.deepEqual(h.out(), [
      [1, 'AMZN', 'Amazon', 1],
      [3, 'XYZ', 'Xyz Corp', 3],
    ]);
  });

  it('LEFT JOIN keeps stream rows without a match', () => {
    const data = new Map([['companies', [['AMZN', 'Amazon']]]]);
    const h = harness(code('LEFT JOIN'), { referenceTables: [COMPANIES], referenceData: data });
    h.push(['AMZN', 's', 0, 1], 1);
    h.push([null, 's', 0, 2], 2);
    assert.deepEqual(h.out(), [
      [1, 'AMZN', 'Amazon', 1],
      [2, null, null, 2],
    ]);
  });
});

describe('analytics engine: composed joins', () => {
  it('joins a window join with a reference table, and reads the windowed side of a RIGHT JOIN', () => {
    const h = harness(
      `CREATE STREAM "DESTINATION_SQL_STREAM" (order_id INTEGER, trade_id INTEGER, trade_time TIMESTAMP, company VARCHAR(16));
       CREATE STREAM "R" (order_id INTEGER, trade_id INTEGER);
       CREATE PUMP "P" AS INSERT INTO "DESTINATION_SQL_STREAM"
         SELECT STREAM o.order_id, t.trade_id, t.ROWTIME AS trade_time, c.company
         FROM "ORDERS" AS o
         JOIN "TRADES" OVER (RANGE INTERVAL '10' SECOND PRECEDING) AS t ON o.order_id = t.order_id
         LEFT JOIN "COMPANIES" AS c ON o.ticker = c.ticker;
       CREATE PUMP "Q" AS INSERT INTO "R"
         SELECT STREAM o.order_id, t.trade_id
         FROM "ORDERS" OVER (ROWS 5 PRECEDING) AS o RIGHT OUTER JOIN "TRADES" AS t ON o.order_id = t.order_id;`,
      {
        inputs: [ORDERS, TRADES],
        referenceTables: [
          {
            name: 'COMPANIES',
            columns: [
              { name: 'TICKER', sqlType: 'VARCHAR(4)' },
              { name: 'COMPANY', sqlType: 'VARCHAR(16)' },
            ],
          },
        ],
        referenceData: new Map([['COMPANIES', [['AMZN', 'Amazon']]]]),
      },
    );
    h.push([100, 1, 5], 1000, 'TRADES');
    h.push([1, 'AMZN', 5], 2000, 'ORDERS');
    h.push([101, 2, 5], 3000, 'TRADES');
    h.push([2, 'MSFT', 5], 4000, 'ORDERS');
    h.push([102, 1, 5], 5000, 'TRADES'); // matches order 1 in the RIGHT JOIN (orders are the window there)
    h.push([103, 9, 5], 6000, 'TRADES'); // no order 9: NULL order columns
    assert.deepEqual(h.out(), [
      [2000, 1, 100, new Date(h.t0 + 1000), 'Amazon'],
      [4000, 2, 101, new Date(h.t0 + 3000), null],
    ]);
    assert.deepEqual(h.out('R'), [
      [1000, null, 100],
      [3000, null, 101],
      [5000, 1, 102],
      [6000, null, 103],
    ]);
  });
});
