/**
 * Virtual lists (issue #14: "no layout that breaks with long names or 10,000 shards"): a scroll box of bounded
 * height renders only the rows in view plus a few (./virtual.ts), every row one fixed height (cells do not wrap;
 * a long value ends in an ellipsis and its full text stays in the cell and its title). Chromium and Firefox make
 * a scroll box keyboard-focusable by themselves, so it scrolls with the keyboard too.
 */
import type { ComponentChildren, JSX, TargetedEvent } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { type VisibleWindow, visibleWindow } from './virtual.js';

/** Rows rendered beyond each edge of the view. */
export const OVERSCAN = 8;

/**
 * The window of a scroll box of at most `maxHeight` px over `count` rows of `rowHeight` px, `headerHeight` px of
 * header included in the box. Before the box has a layout (or where there is none), its height is `maxHeight`.
 */
export function useVirtualWindow<E extends HTMLElement = HTMLDivElement>(
  count: number,
  rowHeight: number,
  maxHeight: number,
  headerHeight = 0,
) {
  const ref = useRef<E>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewport, setViewport] = useState(maxHeight);
  useEffect(() => {
    const el = ref.current;
    if (el === null || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => setViewport(el.clientHeight > 0 ? el.clientHeight : maxHeight));
    observer.observe(el);
    return () => observer.disconnect();
  }, [maxHeight]);
  const view: VisibleWindow = visibleWindow({
    count,
    rowHeight,
    scrollTop: scrollTop - headerHeight,
    viewportHeight: viewport,
    overscan: OVERSCAN,
  });
  const onScroll = (e: TargetedEvent<E>) => setScrollTop(e.currentTarget.scrollTop);
  return { ref, onScroll, view };
}

export interface VirtualTableProps<T> {
  /** The table's accessible name. */
  readonly label: string;
  readonly items: readonly T[];
  /** The header row's cells (`<th>`s). */
  readonly header: ComponentChildren;
  readonly columns: number;
  /** One row (`<tr>`) for an item; it must keep the fixed height (the `vtable` class makes cells one line). */
  readonly row: (item: T, index: number) => JSX.Element;
  /** Shown as the only row when there are no items. */
  readonly empty?: ComponentChildren;
  /** px; must match the CSS row height of `.vtable` rows. */
  readonly rowHeight?: number;
  readonly maxHeight?: number;
  /** Told which rows are rendered, e.g. to load details for those only. */
  readonly onRange?: (start: number, end: number) => void;
}

/** Must equal `.vtable tbody tr` height in style.css. */
export const TABLE_ROW_PX = 44;
/** Must equal `.vtable thead tr` height in style.css. */
const TABLE_HEADER_PX = 36;

export function VirtualTable<T>({
  label,
  items,
  header,
  columns,
  row,
  empty,
  rowHeight = TABLE_ROW_PX,
  maxHeight = 480,
  onRange,
}: VirtualTableProps<T>) {
  const { ref, onScroll, view } = useVirtualWindow(items.length, rowHeight, maxHeight, TABLE_HEADER_PX);
  useEffect(() => {
    onRange?.(view.start, view.end);
  }, [view.start, view.end, onRange]);
  return (
    <div class="vtable" ref={ref} onScroll={onScroll} style={{ maxHeight: `${maxHeight}px` }}>
      <table aria-label={label} aria-rowcount={items.length + 1}>
        <thead>
          <tr>{header}</tr>
        </thead>
        <tbody>
          {items.length === 0 && empty !== undefined && (
            <tr>
              <td colSpan={columns}>{empty}</td>
            </tr>
          )}
          {view.before > 0 && <Spacer columns={columns} height={view.before} />}
          {items.slice(view.start, view.end).map((item, i) => row(item, view.start + i))}
          {view.after > 0 && <Spacer columns={columns} height={view.after} />}
        </tbody>
      </table>
    </div>
  );
}

/** Stands in for the rows outside the window: one row of their total height. */
function Spacer({ columns, height }: { columns: number; height: number }) {
  return (
    <tr class="spacer">
      <td class="spacer-cell" colSpan={columns} style={{ height: `${height}px` }} />
    </tr>
  );
}
