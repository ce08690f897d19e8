import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { megabytesPerSecond, perSecond, quantile, summarizeLatencies } from '../../../bench/streams/stats.js';

describe('bench stats', () => {
  it('quantile uses nearest rank, so results are observed samples', () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    assert.equal(quantile(sorted, 0.5), 5);
    assert.equal(quantile(sorted, 0.99), 10);
    assert.equal(quantile(sorted, 0.1), 1);
    assert.equal(quantile([42], 0.99), 42);
    assert.ok(Number.isNaN(quantile([], 0.5)));
    assert.throws(() => quantile(sorted, 0), RangeError);
  });

  it('summarizeLatencies sorts numerically, not lexically', () => {
    const s = summarizeLatencies([10, 9, 100, 2, 1]);
    assert.equal(s.count, 5);
    assert.equal(s.p50, 9);
    assert.equal(s.p99, 100);
    assert.equal(s.max, 100);
    assert.equal(s.mean, 24.4);
  });

  it('p99 of 1000 samples is the 990th smallest', () => {
    const samples = Array.from({ length: 1000 }, (_, i) => 1000 - i);
    assert.equal(summarizeLatencies(samples).p99, 990);
  });

  it('rates are zero rather than infinite when no time elapsed', () => {
    assert.equal(perSecond(5, 0), 0);
    assert.equal(perSecond(10, 2), 5);
    assert.equal(megabytesPerSecond(3e6, 2), 1.5);
  });
});
