/**
 * The lineage tree layout of the console (console/src/lineage.ts): splits and merges drawn as rows of a tree with
 * their glyphs, a merged shard under both parents with its subtree once, expired parents as roots, and sizes the
 * issue names (10,000 shards; a long chain of merges) laid out without deep recursion or unbounded rows.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  type LineageShard,
  lineageRows,
  MAX_DRAWN_LEVELS,
  treeKeyAction,
  visibleLineage,
} from '../../console/src/lineage.js';

const id = (n: number) => `shardId-${String(n).padStart(12, '0')}`;
const closed = { EndingSequenceNumber: '99' };
function shard(n: number, opts: { parent?: number; adjacent?: number; open?: boolean } = {}): LineageShard {
  return {
    ShardId: id(n),
    ...(opts.parent !== undefined ? { ParentShardId: id(opts.parent) } : {}),
    ...(opts.adjacent !== undefined ? { AdjacentParentShardId: id(opts.adjacent) } : {}),
    SequenceNumberRange: opts.open === false ? closed : {},
  };
}
const drawn = (shards: LineageShard[]) =>
  lineageRows(shards).map(
    (r) =>
      `${r.prefix}${r.shardId.slice(-2)}${r.open ? '' : ' closed'}${r.mergedFrom ? ' merged' : ''}${r.repeated ? ' (above)' : ''}`,
  );

describe('console lineage layout', () => {
  it('draws a split under its parent, then a merge of the two children under both', () => {
    const shards = [
      shard(0, { open: false }),
      shard(1, { parent: 0, open: false }),
      shard(2, { parent: 0, open: false }),
      shard(3, { parent: 1, adjacent: 2 }),
      shard(4), // another root, never resharded
    ];
    assert.deepEqual(drawn(shards), [
      '00 closed',
      '├─ 01 closed',
      '│  └─ 03 merged',
      '└─ 02 closed',
      '   └─ 03 merged (above)',
      '04',
    ]);
    const rows = lineageRows(shards);
    assert.deepEqual(
      rows.map((r) => r.level),
      [1, 2, 3, 2, 3, 1],
    );
    assert.deepEqual(rows[2]?.mergedFrom, [id(1), id(2)]);
    assert.deepEqual(
      rows.map((r) => [r.position, r.siblings]),
      [
        [1, 2],
        [1, 2],
        [1, 1],
        [2, 2],
        [1, 1],
        [2, 2],
      ],
    );
  });

  it('makes a shard whose parents expired (no longer listed) a root', () => {
    assert.deepEqual(drawn([shard(5, { parent: 1, adjacent: 2 }), shard(6, { parent: 5 })]), ['05 merged', '└─ 06']);
  });

  it('lays out 10,000 shards as 10,000 rows', () => {
    const shards = Array.from({ length: 10_000 }, (_, n) => shard(n));
    const rows = lineageRows(shards);
    assert.equal(rows.length, 10_000);
    assert.equal(rows[9_999]?.shardId, id(9_999));
  });

  it('keeps the glyphs of a 5,000-deep chain of reshards bounded', () => {
    const depth = 5_000;
    const shards = Array.from({ length: depth }, (_, n) =>
      shard(n, { ...(n > 0 ? { parent: n - 1 } : {}), open: n === depth - 1 }),
    );
    const rows = lineageRows(shards);
    assert.equal(rows.length, depth);
    assert.equal(rows[depth - 1]?.level, depth);
    const longest = Math.max(...rows.map((r) => r.prefix.length));
    assert.ok(longest <= (MAX_DRAWN_LEVELS + 1) * 3, `prefix of ${longest} characters`);
    assert.match(rows[depth - 1]!.prefix, /^⋯ {2}/);
  });

  it('hides the rows under a collapsed one and maps tree keys to moves and toggles', () => {
    const shards = [
      shard(0, { open: false }),
      shard(1, { parent: 0, open: false }),
      shard(2, { parent: 0, open: false }),
      shard(3, { parent: 1, adjacent: 2 }),
      shard(4),
    ];
    const rows = lineageRows(shards);
    assert.deepEqual(
      rows.map((r) => [r.hasChildren, r.parent]),
      [
        [true, undefined],
        [true, 0],
        [false, 1],
        [true, 0],
        [false, 3],
        [false, undefined],
      ],
    );
    assert.deepEqual(visibleLineage(rows, new Set()), [0, 1, 2, 3, 4, 5]);
    assert.deepEqual(visibleLineage(rows, new Set([1])), [0, 1, 3, 4, 5]);
    assert.deepEqual(visibleLineage(rows, new Set([0, 1])), [0, 5]);
    const all = visibleLineage(rows, new Set());
    assert.deepEqual(treeKeyAction('ArrowDown', rows, all, new Set(), 0), { kind: 'focus', at: 1 });
    assert.equal(treeKeyAction('ArrowUp', rows, all, new Set(), 0), undefined);
    assert.deepEqual(treeKeyAction('End', rows, all, new Set(), 0), { kind: 'focus', at: 5 });
    assert.deepEqual(treeKeyAction('ArrowLeft', rows, all, new Set(), 1), { kind: 'toggle', row: 1, expand: false });
    assert.deepEqual(treeKeyAction('ArrowLeft', rows, all, new Set(), 2), { kind: 'focus', at: 1 });
    assert.equal(treeKeyAction('ArrowLeft', rows, all, new Set(), 5), undefined);
    assert.equal(treeKeyAction('ArrowRight', rows, all, new Set(), 2), undefined);
    const folded = visibleLineage(rows, new Set([1]));
    assert.deepEqual(treeKeyAction('ArrowRight', rows, folded, new Set([1]), 1), {
      kind: 'toggle',
      row: 1,
      expand: true,
    });
    assert.deepEqual(treeKeyAction(' ', rows, all, new Set(), 0), { kind: 'toggle', row: 0, expand: false });
    assert.equal(treeKeyAction('x', rows, all, new Set(), 0), undefined);
  });
});
