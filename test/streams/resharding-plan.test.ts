/** Resharding plans (pure): UNIFORM_SCALING from uniform and uneven shard maps, split and merge lineage. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ShardState } from '../../src/streams/catalog.js';
import { formatShardId, splitHashKeySpace } from '../../src/streams/model/index.js';
import { mergePlan, splitPlan, uniformPlan, type ReshardPlan } from '../../src/streams/resharding/plan.js';
import { wantedShards } from '../../src/streams/resharding/on-demand.js';

const MAX = (1n << 128n) - 1n;

function uniformShards(n: number): ShardState[] {
  return splitHashKeySpace(n).map((r, index) => ({
    index,
    shardId: formatShardId(index),
    startingHashKey: r.start.toString(),
    endingHashKey: r.end.toString(),
    createdAt: 0,
  }));
}

/** Applies a plan to an in-memory map, checking what a plan promises about lineage on the way. */
function apply(shards: ShardState[], plan: ReshardPlan, at: number): ShardState[] {
  const out = shards.map((s) => ({ ...s }));
  const byId = new Map(out.map((s) => [s.shardId, s]));
  for (const index of plan.closes) {
    const s = out.find((x) => x.index === index)!;
    assert.equal(s.closedAt, undefined, `${s.shardId} closed twice`);
    s.closedAt = at;
  }
  let next = Math.max(...out.map((s) => s.index)) + 1;
  for (const child of plan.creates) {
    assert.equal(child.index, next++, 'children take the next indexes');
    assert.equal(child.createdAt, at);
    const parent = byId.get(child.parentShardId!);
    assert.ok(parent, `${child.shardId} has no known parent`);
    assert.equal(parent.closedAt, at, `${child.shardId}'s parent must close in the same plan`);
    const [cs, ce] = [BigInt(child.startingHashKey), BigInt(child.endingHashKey)];
    const [ps, pe] = [BigInt(parent.startingHashKey), BigInt(parent.endingHashKey)];
    if (child.adjacentParentShardId !== undefined) {
      const adjacent = byId.get(child.adjacentParentShardId)!;
      assert.equal(adjacent.closedAt, at);
      const [as, ae] = [BigInt(adjacent.startingHashKey), BigInt(adjacent.endingHashKey)];
      assert.ok(pe + 1n === as || ae + 1n === ps, 'merge parents must be adjacent');
      assert.equal(cs, ps < as ? ps : as);
      assert.equal(ce, pe > ae ? pe : ae);
    } else {
      assert.ok(cs >= ps && ce <= pe);
    }
    out.push(child);
    byId.set(child.shardId, child);
  }
  return out;
}

function openRanges(shards: ShardState[]): Array<[string, string]> {
  return shards
    .filter((s) => s.closedAt === undefined)
    .sort((a, b) => (BigInt(a.startingHashKey) < BigInt(b.startingHashKey) ? -1 : 1))
    .map((s) => [s.startingHashKey, s.endingHashKey]);
}

/**
 * Open ranges are the even split into `m` (CreateStream's), boundaries allowed to sit a few keys off where they
 * reuse an existing boundary (the plan keeps shards that already cover a range up to rounding).
 */
function assertEven(ranges: Array<[string, string]>, m: number, what: string): void {
  const even = splitHashKeySpace(m);
  assert.equal(ranges.length, m, what);
  assert.equal(ranges[0]![0], '0', what);
  assert.equal(ranges[m - 1]![1], MAX.toString(), what);
  for (let i = 0; i < m; i++) {
    const off = BigInt(ranges[i]![0]) - even[i]!.start;
    assert.ok(off >= -64n && off <= 64n, `${what}: shard ${i} starts ${off} keys off`);
    if (i > 0) assert.equal(BigInt(ranges[i]![0]), BigInt(ranges[i - 1]![1]) + 1n, what);
  }
}

describe('resharding plans', () => {
  it('splits into [start, key − 1] and [key, end] with the parent as ParentShardId', () => {
    const base = uniformShards(1);
    const plan = splitPlan({ shards: base, nextShardIndex: 1, at: 5 }, base[0]!, 1000n);
    assert.deepEqual(plan.closes, [0]);
    assert.deepEqual(
      plan.creates.map((s) => [s.shardId, s.parentShardId, s.startingHashKey, s.endingHashKey]),
      [
        ['shardId-000000000001', 'shardId-000000000000', '0', '999'],
        ['shardId-000000000002', 'shardId-000000000000', '1000', MAX.toString()],
      ],
    );
  });

  it('merges into the union with ShardToMerge as parent and AdjacentShardToMerge as adjacent parent', () => {
    const base = uniformShards(2);
    const plan = mergePlan({ shards: base, nextShardIndex: 2, at: 5 }, base[1]!, base[0]!);
    assert.deepEqual(plan.closes, [1, 0]);
    const [child] = plan.creates;
    assert.equal(child!.parentShardId, 'shardId-000000000001');
    assert.equal(child!.adjacentParentShardId, 'shardId-000000000000');
    assert.deepEqual([child!.startingHashKey, child!.endingHashKey], ['0', MAX.toString()]);
  });

  it('reaches every allowed target uniformly, each child with at most two parents, from uniform maps', () => {
    for (let n = 1; n <= 12; n++) {
      for (let m = Math.ceil(n / 2); m <= 2 * n; m++) {
        const base = uniformShards(n);
        const plan = uniformPlan({ shards: base, nextShardIndex: n, at: 7 }, m);
        const after = apply(base, plan, 7);
        assertEven(openRanges(after), m, `${n} → ${m}`);
        // Splits run before the merges of the same range: at most one shard above the larger count is open.
        assert.ok(plan.peakOpen <= Math.max(n, m) + 1, `${n} → ${m}: peak ${plan.peakOpen}`);
        if (n === m) assert.equal(plan.creates.length, 0);
        if (m === 2 * n) assert.equal(plan.creates.length, 2 * n, `${n} → ${m}: doubling only splits`);
        if (2 * m === n) assert.equal(plan.creates.length, m, `${n} → ${m}: halving only merges`);
      }
    }
  });

  it('makes an uneven map uniform', () => {
    let shards = uniformShards(2);
    let next = 2;
    // Split shard 1 off-centre, then one of its children again.
    for (const [index, key] of [
      [1, (1n << 127n) + 12345n],
      [3, (1n << 127n) + 99999n],
    ] as const) {
      const plan = splitPlan({ shards, nextShardIndex: next, at: 1 }, shards.find((s) => s.index === index)!, key);
      shards = apply(shards, plan, 1);
      next += plan.creates.length;
    }
    for (const m of [2, 3, 4, 5, 8]) {
      const plan = uniformPlan({ shards, nextShardIndex: next, at: 2 }, m);
      assertEven(openRanges(apply(shards, plan, 2)), m, `uneven 4 → ${m}`);
    }
  });

  it('asks on-demand streams for double their peak write rate, never fewer than 4 shards', () => {
    assert.equal(wantedShards({ bytes: 0, records: 0 }), 4);
    assert.equal(wantedShards({ bytes: 3 * 1024 * 1024, records: 10 }), 6);
    assert.equal(wantedShards({ bytes: 100, records: 4000 }), 8);
    assert.equal(wantedShards({ bytes: 100, records: 4001 }), 9);
    assert.equal(wantedShards({ bytes: 0, records: 0 }, 12.5), 13);
  });
});
