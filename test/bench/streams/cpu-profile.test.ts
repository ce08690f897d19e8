import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { areaOf, topSelfTime, type CpuProfile } from '../../../bench/streams/cpu-profile.js';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber, columnNumber: 0 });

// Samples at t = 1010, 1020, 1030, 1040, 1050; each charged the gap to the next one (10 µs), the last none.
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)') },
    { id: 2, callFrame: frame('encode', 'file:///repo/dist/src/protocol/codec.js', 9) },
    { id: 3, callFrame: frame('encode', 'file:///repo/dist/src/protocol/codec.js', 9) },
    { id: 4, callFrame: frame('(idle)') },
    { id: 5, callFrame: frame('hash', 'node:internal/crypto/hash', 100) },
  ],
  startTime: 1000,
  endTime: 1060,
  samples: [2, 3, 4, 5, 2],
  timeDeltas: [10, 10, 10, 10, 10],
};

describe('topSelfTime', () => {
  it('charges each sample the interval to the next and merges nodes of one function', () => {
    const report = topSelfTime(profile, { relativeTo: '/repo' });
    assert.equal(report.samples, 5);
    assert.equal(report.totalMs, 0.04);
    assert.equal(report.idleMs, 0.01);
    assert.deepEqual(
      report.entries.map((e) => [e.functionName, e.location, e.selfMs]),
      [
        ['encode', 'dist/src/protocol/codec.js:10', 0.02],
        ['(idle)', '', 0.01],
        ['hash', 'node:internal/crypto/hash:101', 0.01],
      ],
    );
    assert.equal(report.entries[0]!.percentOfTotal, 50);
    assert.ok(Math.abs(report.entries[0]!.percentOfBusy - 200 / 3) < 1e-9);
    assert.deepEqual(
      report.byArea.map((a) => a.area),
      ['src/protocol', 'node: built-ins'],
    );
  });

  it('counts only samples inside the window, and falls back to all when none is inside', () => {
    const inside = topSelfTime(profile, { window: { startUs: 1030, endUs: 1040 } });
    assert.equal(inside.samples, 2);
    assert.equal(inside.windowApplied, true);
    assert.deepEqual(
      inside.entries.map((e) => e.functionName),
      ['(idle)', 'hash'],
    );
    const outside = topSelfTime(profile, { window: { startUs: 5000, endUs: 6000 } });
    assert.equal(outside.windowApplied, false);
    assert.equal(outside.samples, 5);
  });

  it('limits the number of entries', () => {
    assert.equal(topSelfTime(profile, { limit: 1 }).entries.length, 1);
  });
});

describe('areaOf', () => {
  it('groups by repository folder, npm package, built-ins and V8 pseudo-frames', () => {
    assert.equal(areaOf('f', 'dist/src/storage/local/segment.js:3'), 'src/storage');
    assert.equal(areaOf('f', '/x/node_modules/pino/lib/a.js:1'), 'npm pino');
    assert.equal(areaOf('f', '/x/node_modules/@smithy/util/a.js:1'), 'npm @smithy/util');
    assert.equal(areaOf('f', 'node:internal/buffer:9'), 'node: built-ins');
    assert.equal(areaOf('(garbage collector)', ''), '(garbage collector)');
    assert.equal(areaOf('(anonymous)', ''), '(native)');
    assert.equal(areaOf('RegExp: a+', ''), '(native)');
  });
});
