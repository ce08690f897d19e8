/**
 * Windowing arithmetic of the console's virtual lists (docs/adr/0039-console-streams-pages.md): rows have one fixed
 * height, so the rows under a scroll position follow from division, and the rows outside the window are replaced
 * by two spacers of the height they would take. Pure (tested in Node by test/console/virtual.test.ts).
 */

/** What a virtual list renders: rows `start` (inclusive) to `end` (exclusive) and the spacers around them, in px. */
export interface VisibleWindow {
  readonly start: number;
  readonly end: number;
  readonly before: number;
  readonly after: number;
}

export interface WindowInput {
  /** Number of rows in the list. */
  readonly count: number;
  /** Height of every row, px. */
  readonly rowHeight: number;
  /** The scroll container's scrollTop, px (the header, if any, excluded by the caller). */
  readonly scrollTop: number;
  /** The visible height of the scroll container, px. */
  readonly viewportHeight: number;
  /** Rows rendered beyond each edge, so a fast scroll or a keyboard step shows no blank. */
  readonly overscan: number;
}

export function visibleWindow({ count, rowHeight, scrollTop, viewportHeight, overscan }: WindowInput): VisibleWindow {
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0, before: 0, after: 0 };
  const top = Math.max(0, scrollTop);
  const first = Math.min(count - 1, Math.floor(top / rowHeight));
  const last = Math.min(count, Math.ceil((top + Math.max(0, viewportHeight)) / rowHeight));
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, Math.max(last, first + 1) + overscan);
  return { start, end, before: start * rowHeight, after: (count - end) * rowHeight };
}
