/**
 * Pieces the Firehose, Analytics and Video pages share: an API error shown as returned, a delete button with a
 * confirmation step, and a poll that runs while a page is open.
 */
import { type ComponentChildren, Fragment } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ConfirmDialog } from './dialog.js';

/** An API error, verbatim (`Type: message`), announced to screen readers. */
export function ErrorAlert({ error }: { error: string }) {
  if (error === '') return null;
  return (
    <p class="error" role="alert">
      {error}
    </p>
  );
}

/**
 * "Delete", confirmed in the console's one confirmation dialog (./dialog.tsx: Enter confirms, Escape cancels); the
 * API's refusal is shown in the dialog, as returned.
 */
/**
 * A resource list page's table: the title with a Refresh button, the list's error as the API returned it, and a
 * table with the given columns plus an Actions column, saying `empty` when the list is empty. Rows are the children.
 */
export function ResourceTable(props: {
  title: string;
  columns: readonly string[];
  empty: string;
  isEmpty: boolean;
  error: string;
  onRefresh: () => void;
  children: ComponentChildren;
}) {
  return (
    <>
      <div class="row spread">
        <h1>{props.title}</h1>
        <button type="button" onClick={props.onRefresh}>
          Refresh
        </button>
      </div>
      <ErrorAlert error={props.error} />
      <div class="table-wrap">
        <table aria-label={props.title}>
          <thead>
            <tr>
              {props.columns.map((c) => (
                <th key={c} scope="col">
                  {c}
                </th>
              ))}
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {props.isEmpty && (
              <tr>
                <td colSpan={props.columns.length + 1}>{props.empty}</td>
              </tr>
            )}
            {props.children}
          </tbody>
        </table>
      </div>
    </>
  );
}

export function DeleteButton({
  name,
  what,
  onDelete,
}: {
  name: string;
  what: string;
  onDelete: () => Promise<unknown>;
}) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" aria-label={`Delete ${name}`} onClick={() => setOpen(true)}>
        Delete
      </button>
      <ConfirmDialog
        open={open}
        title={`Delete ${what}`}
        confirmLabel="Delete"
        danger
        onClose={() => setOpen(false)}
        onConfirm={async () => {
          await onDelete();
        }}
      >
        <p>
          Delete <strong class="name">{name}</strong>? This cannot be undone.
        </p>
      </ConfirmDialog>
    </>
  );
}

/**
 * Calls `tick` now and then every `everyMs` while the component is mounted and `active`, one call at a time (the
 * next waits for the previous to settle, so a slow server is never asked twice at once).
 */
export function usePoll(tick: () => Promise<void>, everyMs: number, active = true): void {
  const latest = useRef(tick);
  latest.current = tick;
  useEffect(() => {
    if (!active) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      try {
        await latest.current();
      } finally {
        if (!stopped) timer = setTimeout(() => void run(), everyMs);
      }
    };
    void run();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [everyMs, active]);
}

/** A definition list of facts; rows with an undefined value are left out. */
export function Facts({ rows, label }: { rows: ReadonlyArray<readonly [string, ComponentChildren]>; label?: string }) {
  return (
    <dl class="facts" aria-label={label}>
      {rows
        .filter(([, value]) => value !== undefined && value !== '')
        .map(([term, value]) => (
          <Fragment key={term}>
            <dt>{term}</dt>
            <dd class="name">{value}</dd>
          </Fragment>
        ))}
    </dl>
  );
}

/** Bytes in binary units, for sizes people read. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}
