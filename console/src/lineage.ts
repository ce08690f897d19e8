/**
 * The layout of a stream's shard lineage as rows of a drawn tree (issue #14: "lineage drawn as a tree after
 * resharding"). A split gives a shard two children; a merge gives a child two parents (ParentShardId and
 * AdjacentParentShardId, "Resharding a Stream" in the Kinesis Data Streams developer guide), so the lineage is a
 * graph: a merged shard is drawn under both parents, with its own children under the first only (the second row
 * says where they are). Roots are the shards whose parents are no longer listed (expired after the retention
 * period) or that never had one. Rows, not nested elements, so a 10,000-shard lineage renders as a virtual list.
 * Pure (tested in Node by test/console/lineage.test.ts).
 */

/** The fields of a shard the layout reads (as ListShards returns them). */
export interface LineageShard {
  readonly ShardId?: string | undefined;
  readonly ParentShardId?: string | undefined;
  readonly AdjacentParentShardId?: string | undefined;
  readonly SequenceNumberRange?: { readonly EndingSequenceNumber?: string | undefined } | undefined;
}

export interface LineageRow {
  readonly shardId: string;
  /** 1 for a root. */
  readonly level: number;
  /** Tree-drawing glyphs before the shard id: `│  ` for each open ancestor branch, then `├─ ` or `└─ `. */
  readonly prefix: string;
  readonly open: boolean;
  /** Both parents of a merged shard. */
  readonly mergedFrom?: readonly [string, string];
  /** The shard was drawn already under its other parent; its children are shown there. */
  readonly repeated: boolean;
  /** Position among its siblings, from 1, and their number (aria-posinset, aria-setsize). */
  readonly position: number;
  readonly siblings: number;
  /** Rows are drawn under this one (a repeated merged shard has none: they are under its other parent). */
  readonly hasChildren: boolean;
  /** The index of the row it is drawn under; undefined for a root. */
  readonly parent: number | undefined;
}

export function isOpenShard(shard: LineageShard): boolean {
  return shard.SequenceNumberRange?.EndingSequenceNumber === undefined;
}

/** Ancestor levels drawn before a shard; deeper ones are elided (`⋯`), so a long chain keeps rows short. */
export const MAX_DRAWN_LEVELS = 24;
const GLYPH_WIDTH = 3;

function drawnAncestors(glyphs: string): string {
  const max = MAX_DRAWN_LEVELS * GLYPH_WIDTH;
  return glyphs.length <= max ? glyphs : `⋯  ${glyphs.slice(glyphs.length - max + GLYPH_WIDTH)}`;
}

/** The tree's rows in drawing order: depth first, children in the order ListShards returned them. */
export function lineageRows(shards: readonly LineageShard[]): LineageRow[] {
  const byId = new Map<string, LineageShard>();
  for (const s of shards) if (s.ShardId !== undefined) byId.set(s.ShardId, s);
  const children = new Map<string, string[]>();
  const roots: string[] = [];
  for (const [id, s] of byId) {
    const parents = [s.ParentShardId, s.AdjacentParentShardId].filter(
      (p): p is string => p !== undefined && byId.has(p) && p !== id,
    );
    if (parents.length === 0) roots.push(id);
    for (const p of parents) {
      const list = children.get(p) ?? [];
      list.push(id);
      children.set(p, list);
    }
  }

  const rows: LineageRow[] = [];
  const expanded = new Set<string>();
  // An explicit stack: a long chain of reshards must not exhaust the call stack.
  interface Frame {
    readonly id: string;
    readonly level: number;
    readonly ancestors: string; // the glyphs of the ancestors' branches
    readonly last: boolean;
    readonly position: number;
    readonly siblings: number;
    readonly parent: number | undefined;
  }
  const stack: Frame[] = [];
  for (let i = roots.length - 1; i >= 0; i--) {
    stack.push({
      id: roots[i]!,
      level: 1,
      ancestors: '',
      last: i === roots.length - 1,
      position: i + 1,
      siblings: roots.length,
      parent: undefined,
    });
  }
  while (stack.length > 0) {
    const f = stack.pop()!;
    const shard = byId.get(f.id)!;
    const repeated = expanded.has(f.id);
    const merged =
      shard.ParentShardId !== undefined && shard.AdjacentParentShardId !== undefined
        ? ([shard.ParentShardId, shard.AdjacentParentShardId] as const)
        : undefined;
    const kids = repeated ? [] : (children.get(f.id) ?? []);
    const index = rows.length;
    rows.push({
      shardId: f.id,
      level: f.level,
      prefix: f.level === 1 ? '' : `${f.ancestors}${f.last ? '└─ ' : '├─ '}`,
      open: isOpenShard(shard),
      ...(merged ? { mergedFrom: merged } : {}),
      repeated,
      position: f.position,
      siblings: f.siblings,
      hasChildren: kids.length > 0,
      parent: f.parent,
    });
    if (repeated) continue;
    expanded.add(f.id);
    const ancestors = f.level === 1 ? '' : drawnAncestors(`${f.ancestors}${f.last ? '   ' : '│  '}`);
    for (let i = kids.length - 1; i >= 0; i--) {
      stack.push({
        id: kids[i]!,
        level: f.level + 1,
        ancestors,
        last: i === kids.length - 1,
        position: i + 1,
        siblings: kids.length,
        parent: index,
      });
    }
  }
  return rows;
}

/** The indices of the rows shown when the rows in `collapsed` hide their descendants, in drawing order. */
export function visibleLineage(rows: readonly LineageRow[], collapsed: ReadonlySet<number>): number[] {
  const out: number[] = [];
  let hiddenBelow = 0; // rows deeper than this level are hidden; 0: none
  for (let i = 0; i < rows.length; i++) {
    const level = rows[i]!.level;
    if (hiddenBelow > 0 && level > hiddenBelow) continue;
    hiddenBelow = collapsed.has(i) ? level : 0;
    out.push(i);
  }
  return out;
}

/** What a key does in the tree (WAI-ARIA "Tree View Pattern", keyboard interaction). */
export type TreeKeyAction =
  | { readonly kind: 'focus' /** index into the visible rows */; readonly at: number }
  | { readonly kind: 'toggle' /** index into the rows */; readonly row: number; readonly expand: boolean };

/**
 * The action of `key` on the visible row `at`: Down/Up the next/previous visible row, Home/End the first/last,
 * Right expands a collapsed row with children or moves to its first child, Left collapses an expanded row or moves
 * to its parent, Enter and Space toggle a row with children. Undefined: the key does nothing here.
 */
export function treeKeyAction(
  key: string,
  rows: readonly LineageRow[],
  visible: readonly number[],
  collapsed: ReadonlySet<number>,
  at: number,
): TreeKeyAction | undefined {
  const index = visible[at];
  if (index === undefined) return undefined;
  const row = rows[index]!;
  const focus = (to: number): TreeKeyAction | undefined =>
    to >= 0 && to < visible.length && to !== at ? { kind: 'focus', at: to } : undefined;
  switch (key) {
    case 'ArrowDown':
      return focus(at + 1);
    case 'ArrowUp':
      return focus(at - 1);
    case 'Home':
      return focus(0);
    case 'End':
      return focus(visible.length - 1);
    case 'ArrowRight':
      if (!row.hasChildren) return undefined;
      return collapsed.has(index) ? { kind: 'toggle', row: index, expand: true } : focus(at + 1);
    case 'ArrowLeft':
      if (row.hasChildren && !collapsed.has(index)) return { kind: 'toggle', row: index, expand: false };
      return row.parent === undefined ? undefined : focus(visible.indexOf(row.parent));
    case 'Enter':
    case ' ':
      return row.hasChildren ? { kind: 'toggle', row: index, expand: collapsed.has(index) } : undefined;
    default:
      return undefined;
  }
}
