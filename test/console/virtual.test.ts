/** The windowing arithmetic of the console's virtual lists (console/src/virtual.ts). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { visibleWindow } from '../../console/src/virtual.js';

describe('console virtual list window', () => {
  const base = { count: 10_000, rowHeight: 40, viewportHeight: 400, overscan: 5 };

  it('covers the rows in view plus the overscan, with spacers for the rest', () => {
    assert.deepEqual(visibleWindow({ ...base, scrollTop: 0 }), { start: 0, end: 15, before: 0, after: 9_985 * 40 });
    assert.deepEqual(visibleWindow({ ...base, scrollTop: 4_000 }), {
      start: 95,
      end: 115,
      before: 95 * 40,
      after: (10_000 - 115) * 40,
    });
    // A scroll position inside a row shows that row from its top.
    assert.equal(visibleWindow({ ...base, scrollTop: 4_039 }).start, 95);
  });

  it('stays inside the list at its ends and past them', () => {
    const end = visibleWindow({ ...base, scrollTop: 10_000 * 40 - 400 });
    assert.deepEqual([end.end, end.after], [10_000, 0]);
    const past = visibleWindow({ ...base, scrollTop: 10_000_000 });
    assert.equal(past.end, 10_000);
    assert.ok(past.start < past.end, 'the last row stays rendered');
    assert.deepEqual(visibleWindow({ ...base, scrollTop: -50 }).start, 0);
  });

  it('renders nothing for an empty list and everything for a short one', () => {
    assert.deepEqual(visibleWindow({ ...base, count: 0, scrollTop: 0 }), { start: 0, end: 0, before: 0, after: 0 });
    assert.deepEqual(visibleWindow({ ...base, count: 3, scrollTop: 0 }), { start: 0, end: 3, before: 0, after: 0 });
  });
});
