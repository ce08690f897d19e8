import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseStreamsBenchArgs } from '../../../bench/streams/options.js';

describe('parseStreamsBenchArgs', () => {
  it('has the documented defaults', () => {
    const o = parseStreamsBenchArgs([]);
    assert.equal(o.seconds, 8);
    assert.equal(o.concurrency, 8);
    assert.equal(o.shards, 4);
    assert.deepEqual(o.servers, ['tributary', 'kinesalite']);
    assert.deepEqual(o.scenarios, ['put100', 'put1k', 'putrecord', 'putrecord64', 'read']);
    assert.equal(o.profile, false);
    assert.equal(o.out, path.join(os.tmpdir(), 'tributary-bench', 'streams-latest.json'));
  });

  it('parses options and keeps scenarios in run order', () => {
    const o = parseStreamsBenchArgs([
      '--seconds',
      '1.5',
      '--concurrency',
      '2',
      '--only',
      'kinesalite',
      '--scenarios',
      'read,put100',
      '--profile',
    ]);
    assert.equal(o.seconds, 1.5);
    assert.equal(o.concurrency, 2);
    assert.deepEqual(o.servers, ['kinesalite']);
    assert.deepEqual(o.scenarios, ['put100', 'read']);
    assert.equal(o.profile, true);
  });

  it('rejects bad values with a message naming the option', () => {
    assert.throws(() => parseStreamsBenchArgs(['--seconds', '0']), /--seconds/);
    assert.throws(() => parseStreamsBenchArgs(['--concurrency', '1.5']), /--concurrency/);
    assert.throws(() => parseStreamsBenchArgs(['--only', 'aws']), /--only/);
    assert.throws(() => parseStreamsBenchArgs(['--scenarios', 'put100,nope']), /nope/);
    assert.throws(() => parseStreamsBenchArgs(['--bogus']));
  });
});
