/**
 * Resharding plans: which open shards close and which shards are created, computed from a stream's shard
 * map without touching it. Pure; {@link ./reshard.ts} applies a plan.
 *
 * AWS rules (Amazon Kinesis Data Streams API Reference: SplitShard, MergeShards, UpdateShardCount):
 * 1. SplitShard closes the parent and creates two children `[start, key − 1]` and `[key, end]`, both with
 *    ParentShardId = the parent.
 * 2. MergeShards closes both parents and creates one child over their union, ParentShardId = ShardToMerge and
 *    AdjacentParentShardId = AdjacentShardToMerge.
 * 3. Children take the next shard indexes of the stream, in creation order.
 * 4. UpdateShardCount (UNIFORM_SCALING) ends with TargetShardCount open shards over evenly split ranges,
 *    reached "by splits or merges on individual shards", which "can cause short-lived shards to be created";
 *    each child keeps at most two parents (a direct 5 → 3 jump would give one child three).
 */
import type { Draft, ShardState } from '../catalog.js';
import { formatShardId, splitHashKeySpace } from '../model/index.js';

/** What a resharding changes. */
export interface ReshardPlan {
  /** Indexes of currently open shards this plan closes. */
  readonly closes: readonly number[];
  /** New shards in index order; short-lived ones (created and closed by the same plan) carry `closedAt`. */
  readonly creates: readonly ShardState[];
  /** Most shards open at once while the plan's splits and merges run one after another. */
  readonly peakOpen: number;
}

/** A shard of the working map: an existing open shard or one this plan created. */
type Piece = { readonly start: bigint; readonly end: bigint } & (
  | { readonly shard: ShardState; readonly created: false }
  | { readonly shard: Draft<ShardState>; readonly created: true }
);

/** Accumulates a plan's operations in order. */
class PlanBuilder {
  readonly closes: number[] = [];
  readonly creates: Draft<ShardState>[] = [];
  #next: number;
  #open: number;
  peakOpen: number;

  private readonly at: number;

  constructor(start: { nextShardIndex: number; openShards: number; at: number }) {
    this.#next = start.nextShardIndex;
    this.#open = start.openShards;
    this.peakOpen = start.openShards;
    this.at = start.at;
  }

  /** Rule 1. */
  split(piece: Piece, newStart: bigint): [Piece, Piece] {
    this.#close(piece);
    const low = this.#create(piece.start, newStart - 1n, { parent: piece.shard.shardId });
    const high = this.#create(newStart, piece.end, { parent: piece.shard.shardId });
    this.#count(+1);
    return [low, high];
  }

  /** Rule 2: `piece` is ShardToMerge, `adjacent` AdjacentShardToMerge. */
  merge(piece: Piece, adjacent: Piece): Piece {
    this.#close(piece);
    this.#close(adjacent);
    const start = piece.start < adjacent.start ? piece.start : adjacent.start;
    const end = piece.end > adjacent.end ? piece.end : adjacent.end;
    const child = this.#create(start, end, { parent: piece.shard.shardId, adjacent: adjacent.shard.shardId });
    this.#count(-1);
    return child;
  }

  build(): ReshardPlan {
    return { closes: this.closes, creates: this.creates, peakOpen: this.peakOpen };
  }

  #count(delta: number): void {
    this.#open += delta;
    if (this.#open > this.peakOpen) this.peakOpen = this.#open;
  }

  #close(piece: Piece): void {
    // A shard this plan created and now consumes again is short-lived: created and closed at once.
    if (piece.created) piece.shard.closedAt = this.at;
    else this.closes.push(piece.shard.index);
  }

  #create(start: bigint, end: bigint, parents: { parent: string; adjacent?: string }): Piece {
    // Rule 3.
    const index = this.#next++;
    const shard: Draft<ShardState> = {
      index,
      shardId: formatShardId(index),
      parentShardId: parents.parent,
      ...(parents.adjacent !== undefined ? { adjacentParentShardId: parents.adjacent } : {}),
      startingHashKey: start.toString(),
      endingHashKey: end.toString(),
      createdAt: this.at,
    };
    this.creates.push(shard);
    return { start, end, shard, created: true };
  }
}

function piece(shard: ShardState): Piece {
  return { start: BigInt(shard.startingHashKey), end: BigInt(shard.endingHashKey), shard, created: false };
}

/** Where a plan starts from. */
export interface PlanBase {
  /** The stream's shards (open and closed). */
  readonly shards: readonly ShardState[];
  /** The stream's next free shard index. */
  readonly nextShardIndex: number;
  /** When the plan takes effect (epoch ms): parents' `closedAt`, children's `createdAt`. */
  readonly at: number;
}

function openCount(shards: readonly ShardState[]): number {
  let n = 0;
  for (const s of shards) if (s.closedAt === undefined) n++;
  return n;
}

/** SplitShard of an open shard at `newStartingHashKey` (validated by the caller). */
export function splitPlan(base: PlanBase, shard: ShardState, newStartingHashKey: bigint): ReshardPlan {
  const b = new PlanBuilder({ nextShardIndex: base.nextShardIndex, openShards: openCount(base.shards), at: base.at });
  b.split(piece(shard), newStartingHashKey);
  return b.build();
}

/** MergeShards of two adjacent open shards (validated by the caller). */
export function mergePlan(base: PlanBase, shard: ShardState, adjacent: ShardState): ReshardPlan {
  const b = new PlanBuilder({ nextShardIndex: base.nextShardIndex, openShards: openCount(base.shards), at: base.at });
  b.merge(piece(shard), piece(adjacent));
  return b.build();
}

/**
 * UNIFORM_SCALING to `target` open shards (rule 4), one target range at a time from the bottom of the key space:
 * 1. The open shards covering the target range start exactly at its first key (true for range 0, and kept
 *    true by step 2 for the next one).
 * 2. If the last of them reaches past the range's end, split it at end + 1.
 * 3. Merge the covering shards one after another, left to right: each merge child has exactly two parents.
 * An open shard that already covers a target range is kept. Splits come before the merges of the same range,
 * so at most one extra shard is open at any moment (fewer short-lived shards against the quota).
 * Returns an empty plan when the open shards already are the target.
 */
export function uniformPlan(base: PlanBase, target: number): ReshardPlan {
  const open = base.shards
    .filter((s) => s.closedAt === undefined)
    .map(piece)
    .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const b = new PlanBuilder({ nextShardIndex: base.nextShardIndex, openShards: open.length, at: base.at });
  let i = 0; // first working piece not yet assigned to a target range
  for (const range of evenRanges(open, target)) {
    // Step 1: open[i] starts at range.start.
    let j = i;
    while (j < open.length && open[j]!.end < range.end) j++;
    const last = open[j]!;
    // Step 2.
    if (last.end > range.end) {
      const [low, high] = b.split(last, range.end + 1n);
      open.splice(j, 1, low, high);
    }
    // Step 3.
    let acc = open[i]!;
    for (let k = i + 1; k <= j; k++) acc = b.merge(acc, open[k]!);
    i = j + 1;
  }
  return b.build();
}

/**
 * `target` even ranges over the key space (CreateStream's split, `splitHashKeySpace` in ../model/hash-key.ts), where a
 * boundary that lies within a few keys of an open shard's boundary takes that boundary instead. Even splits into N and
 * M ranges share the boundaries at the same fractions only up to rounding (k·⌊2^128/M⌋ vs j·⌊2^128/N⌋ differ by less
 * than max(N, M)); without this, doubling 3 shards would split each and then merge slivers one key wide.
 */
function evenRanges(open: readonly Piece[], target: number): Array<{ start: bigint; end: bigint }> {
  const tolerance = 2n * BigInt(Math.max(open.length, target));
  const ends = open.map((p) => p.end);
  const ranges = splitHashKeySpace(target);
  for (let k = 0; k < ranges.length - 1; k++) {
    const end = ranges[k]!.end;
    const near = nearest(ends, end);
    if (near !== undefined && near !== end && (near > end ? near - end : end - near) <= tolerance) {
      ranges[k] = { start: ranges[k]!.start, end: near };
      ranges[k + 1] = { start: near + 1n, end: ranges[k + 1]!.end };
    }
  }
  return ranges;
}

/** The value of sorted `values` closest to `x`. */
function nearest(values: readonly bigint[], x: bigint): bigint | undefined {
  let lo = 0;
  let hi = values.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  const candidates = [values[lo - 1], values[lo]].filter((v): v is bigint => v !== undefined);
  let best: bigint | undefined;
  for (const v of candidates) {
    if (best === undefined || (v > x ? v - x : x - v) < (best > x ? best - x : x - best)) best = v;
  }
  return best;
}
