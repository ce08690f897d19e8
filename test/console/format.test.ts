/** The console's formatting of record data and figures (console/src/format.ts). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, formatData, formatRate, midpointHashKey } from '../../console/src/format.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('console formatting', () => {
  it('shows data as text, pretty JSON (or says it is not JSON) and a hex dump with offsets and ASCII', () => {
    assert.equal(formatData(bytes('héllo'), 'text'), 'héllo');
    assert.equal(formatData(bytes('{"a":[1,2]}'), 'json'), '{\n  "a": [\n    1,\n    2\n  ]\n}');
    assert.equal(formatData(bytes('{"a":'), 'json'), '(not JSON) {"a":');
    const dump = formatData(new Uint8Array([...bytes('Hello, hex dump!'), 0, 0x7f, 0xff]), 'hex');
    assert.equal(
      dump,
      [
        '00000000  48 65 6c 6c 6f 2c 20 68 65 78 20 64 75 6d 70 21  Hello, hex dump!',
        '00000010  00 7f ff                                         ...',
      ].join('\n'),
    );
    assert.equal(formatData(new Uint8Array(0), 'hex'), '');
  });

  it('shows byte counts in binary units and rates per second', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(12.34 * 1024 * 1024), '12.3 MiB');
    assert.equal(formatBytes(2.5), '2.5 B');
    assert.equal(formatRate(0.2, ''), '0.2/s');
    assert.equal(formatRate(1234.4, 'records'), '1,234 records/s');
  });

  it('splits a hash key range at its midpoint (the default new starting hash key)', () => {
    assert.equal(
      midpointHashKey('0', '340282366920938463463374607431768211455'),
      '170141183460469231731687303715884105728',
    );
    assert.equal(midpointHashKey('10', '11'), '11');
  });
});
