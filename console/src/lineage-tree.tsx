/**
 * A stream's shard lineage as an ARIA tree (WAI-ARIA Authoring Practices, "Tree View Pattern"): `role="tree"` with
 * one `treeitem` per drawn row (./lineage.ts), each with `aria-level` (its depth), `aria-posinset` / `aria-setsize`
 * (its place among its siblings) and, for a shard with children, `aria-expanded`. Keyboard: one row is in the tab
 * order (roving tabindex); Up and Down move between visible rows, Home and End to the first and last, Right expands
 * a collapsed shard or moves to its first child, Left collapses an expanded one or moves to its parent, Enter or
 * Space toggles. Still a virtual list (./virtual-list.tsx): the row taking focus is scrolled into view first.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { type LineageRow, treeKeyAction, visibleLineage } from './lineage.js';
import { useVirtualWindow } from './virtual-list.js';

/** Must equal `.lineage-row` height in style.css. */
export const LINEAGE_ROW_PX = 26;
const MAX_HEIGHT = 360;

export function LineageTree({ rows }: { rows: readonly LineageRow[] }) {
  const [collapsed, setCollapsed] = useState<ReadonlySet<number>>(new Set());
  // The focused row, as an index into `rows` (stable while rows are); the first row until the user moves.
  const [focused, setFocused] = useState(0);
  const [moved, setMoved] = useState(false);
  // Other shards (a reshard; not a mere refresh): everything expanded again, focus on the first row.
  const shape = useMemo(() => rows.map((r) => r.shardId).join(' '), [rows]);
  useEffect(() => {
    setCollapsed(new Set());
    setFocused(0);
  }, [shape]);
  const visible = useMemo(() => visibleLineage(rows, collapsed), [rows, collapsed]);
  const tree = useVirtualWindow<HTMLDivElement>(visible.length, LINEAGE_ROW_PX, MAX_HEIGHT);
  const focusedAt = Math.max(0, visible.indexOf(focused));

  // Keyboard focus follows the focused row: scroll it into the rendered window, then focus its element.
  useEffect(() => {
    if (!moved) return;
    const box = tree.ref.current;
    if (box === null) return;
    const top = focusedAt * LINEAGE_ROW_PX;
    if (top < box.scrollTop) box.scrollTop = top;
    else if (top + LINEAGE_ROW_PX > box.scrollTop + box.clientHeight)
      box.scrollTop = top + LINEAGE_ROW_PX - box.clientHeight;
    const item = box.querySelector<HTMLElement>(`[data-row="${visible[focusedAt]}"]`);
    item?.focus();
  });

  const onKeyDown = (e: KeyboardEvent) => {
    const action = treeKeyAction(e.key, rows, visible, collapsed, focusedAt);
    if (action === undefined) return;
    e.preventDefault();
    setMoved(true);
    if (action.kind === 'focus') setFocused(visible[action.at] ?? focused);
    else {
      const next = new Set(collapsed);
      if (action.expand) next.delete(action.row);
      else next.add(action.row);
      setCollapsed(next);
    }
  };

  const toggle = (row: number) => {
    const next = new Set(collapsed);
    if (next.has(row)) next.delete(row);
    else next.add(row);
    setCollapsed(next);
    setFocused(row);
  };

  return (
    <div class="vlist" ref={tree.ref} onScroll={tree.onScroll} role="tree" aria-label="Shard lineage">
      {tree.view.before > 0 && <div class="spacer" role="none" style={{ height: `${tree.view.before}px` }} />}
      {visible.slice(tree.view.start, tree.view.end).map((index) => {
        const r = rows[index]!;
        return (
          <div
            key={index}
            data-row={index}
            role="treeitem"
            aria-level={r.level}
            aria-posinset={r.position}
            aria-setsize={r.siblings}
            aria-expanded={r.hasChildren ? !collapsed.has(index) : undefined}
            aria-selected={index === focused}
            tabIndex={index === focused ? 0 : -1}
            class={r.open ? 'lineage-row shard open' : 'lineage-row shard closed'}
            onClick={() => (r.hasChildren ? toggle(index) : setFocused(index))}
            onKeyDown={onKeyDown}
          >
            <span class="tree-glyphs" aria-hidden="true">
              {r.prefix}
            </span>
            {r.hasChildren && (
              <span class="tree-toggle" aria-hidden="true">
                {collapsed.has(index) ? '▸ ' : '▾ '}
              </span>
            )}
            {r.shardId} {r.open ? '(open)' : '(closed)'}
            {r.mergedFrom ? ` ← merged from ${r.mergedFrom[0]} + ${r.mergedFrom[1]}` : ''}
            {r.repeated ? ' (children shown above)' : ''}
          </div>
        );
      })}
      {tree.view.after > 0 && <div class="spacer" role="none" style={{ height: `${tree.view.after}px` }} />}
    </div>
  );
}
