/** Input mapping: JSONPath subset with nesting and flattening, CSV delimiters, coercion and its errors. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRecordMapper, createRowEncoder } from '../../../src/analytics/engine/index.js';

describe('analytics input mapping', () => {
  it('maps nested JSON members, missing paths to NULL, and whole arrays as text', () => {
    const m = createRecordMapper({ type: 'JSON', recordRowPath: '$' }, [
      { name: 'TICKER', sqlType: 'VARCHAR(4)', mapping: '$.ticker' },
      { name: 'PRICE', sqlType: 'DECIMAL(8,2)', mapping: '$.quote.price' },
      { name: 'TAGS', sqlType: 'VARCHAR(64)', mapping: '$.tags[0:]' },
      { name: 'MISSING', sqlType: 'INTEGER', mapping: '$.nope.deeper' },
      { name: 'ACTIVE', sqlType: 'INTEGER', mapping: '$.active' },
      { name: 'FLAG', sqlType: 'VARCHAR(5)', mapping: '$.active' },
      { name: 'TS', sqlType: 'TIMESTAMP', mapping: '$.ts' },
    ]);
    const r = m.map(
      Buffer.from(
        JSON.stringify({
          ticker: 'AMZNX',
          quote: { price: 12.345 },
          tags: ['a', 1],
          active: true,
          ts: '2026-01-02 03:04:05.6',
        }),
      ),
    );
    assert.deepEqual(r, {
      rows: [['AMZN', 12.35, '["a",1]', null, 1, 'true', new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 600))]],
      error: null,
    });
  });

  it('splits a record into rows by RecordRowPath and flattens one array per schema', () => {
    const m = createRecordMapper({ type: 'JSON', recordRowPath: '$.records[0:]' }, [
      { name: 'ID', sqlType: 'INTEGER', mapping: '$.id' },
      { name: 'ITEM', sqlType: 'VARCHAR(8)', mapping: '$.items[0:].name' },
    ]);
    const r = m.map(
      JSON.stringify({
        records: [
          { id: 1, items: [{ name: 'x' }, { name: 'y' }] },
          { id: 2, items: [] },
        ],
      }),
    );
    assert.deepEqual(r.rows, [
      [1, 'x'],
      [1, 'y'],
      [2, null],
    ]);
  });

  it('reports unparseable records and values that do not fit', () => {
    const m = createRecordMapper({ type: 'JSON', recordRowPath: '$' }, [
      { name: 'N', sqlType: 'INTEGER', mapping: '$.n' },
    ]);
    assert.equal(m.map('{not json').error?.errorName, 'RECORD_PARSE_ERROR');
    assert.equal(m.map('{"n": 123.4}').error?.errorName, 'COERCION_ERROR');
    assert.equal(m.map('{"n": 3000000000}').error?.errorName, 'COERCION_ERROR');
    assert.equal(m.map('{"n": {"a": 1}}').error?.errorName, 'COERCION_ERROR');
    assert.equal(m.map('{"n": "x"}').error?.errorName, 'COERCION_ERROR');
    assert.deepEqual(m.map('{"n": "42"}').rows, [[42]]);
    assert.deepEqual(m.map('{"n": null}').rows, [[null]]);
  });

  it('maps CSV with custom row and column delimiters, positional columns', () => {
    const m = createRecordMapper({ type: 'CSV', rowDelimiter: '\n', columnDelimiter: '|' }, [
      { name: 'A', sqlType: 'VARCHAR(3)' },
      { name: 'B', sqlType: 'DOUBLE' },
      { name: 'C', sqlType: 'TIMESTAMP' },
    ]);
    assert.deepEqual(m.map('abcd|1.5|2026-01-01 00:00:01\nz|2\n').rows, [
      ['abc', 1.5, new Date(Date.UTC(2026, 0, 1, 0, 0, 1))],
      ['z', 2, null],
    ]);
    assert.equal(m.map('a|x|').error?.errorName, 'COERCION_ERROR');
  });
});

describe('analytics output encoding', () => {
  const columns = [
    { name: 'TICKER', type: { kind: 'VARCHAR' as const, length: 8 } },
    { name: 'N', type: { kind: 'BIGINT' as const } },
    { name: 'AVG', type: { kind: 'DOUBLE' as const } },
    { name: 'AT', type: { kind: 'TIMESTAMP' as const } },
    { name: 'OK', type: { kind: 'BOOLEAN' as const } },
  ];
  const row = ['A,"B"', 9007199254740993n, 1.5, new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)), null];

  it('writes JSON objects with exact BIGINTs and SQL timestamp text', () => {
    const json = createRowEncoder('JSON', columns)(row);
    assert.equal(
      json,
      '{"TICKER":"A,\\"B\\"","N":9007199254740993,"AVG":1.5,"AT":"2026-01-02 03:04:05.006","OK":null}',
    );
  });

  it('writes CSV lines, quoting values that need it and leaving NULL empty', () => {
    assert.equal(createRowEncoder('CSV', columns)(row), '"A,""B""",9007199254740993,1.5,2026-01-02 03:04:05.006,\n');
  });
});
