import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { MAX_SHARD_INDEX, formatShardId, parseShardId } from '../../../src/streams/model/shard-id.js';

test('formatShardId pads the index to 12 digits', () => {
  assert.equal(formatShardId(0), 'shardId-000000000000');
  assert.equal(formatShardId(7), 'shardId-000000000007');
  assert.equal(formatShardId(MAX_SHARD_INDEX), 'shardId-002147483647');
  assert.throws(() => formatShardId(-1), RangeError);
  assert.throws(() => formatShardId(2 ** 31), RangeError);
  assert.throws(() => formatShardId(1.5), RangeError);
});

test('parseShardId accepts <anything>-<digits> and bare digits up to 2^31-1', () => {
  assert.equal(parseShardId('shardId-000000000003'), 3);
  assert.equal(parseShardId('foo-3'), 3);
  assert.equal(parseShardId('a-b-12'), 12);
  assert.equal(parseShardId('-5'), 5);
  assert.equal(parseShardId('42'), 42);
  assert.equal(parseShardId('0000000000000000000000000042'), 42);
  assert.equal(parseShardId('shardId-2147483647'), MAX_SHARD_INDEX);
  for (const bad of [
    '',
    'shardId-',
    'shardId-2147483648',
    'shardId-99999999999999999999',
    'shardId-1a',
    'shardId-1-x',
    'abc',
    '1.5',
    ' 1',
  ]) {
    assert.equal(parseShardId(bad), undefined, JSON.stringify(bad));
  }
});

test('parseShardId inverts formatShardId', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: MAX_SHARD_INDEX }), (i) => {
      assert.equal(parseShardId(formatShardId(i)), i);
    }),
  );
});
