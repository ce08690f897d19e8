/**
 * Pieces the pages share: an API error shown as returned, a delete button with a confirmation step, a poll that runs
 * while a page is open, and a detail page's "describe, follow a transition, show the error" shape.
 */
import { type ComponentChildren, Fragment } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from './api.js';
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
 * An API call from a form or a button, the one way pages run them: `setBusy` while it runs; on success the error is
 * cleared and `done` runs (reset the fields, say what happened, refresh); if either fails, `failed` runs and the
 * error is shown as the API returned it.
 */
export async function runApiAction(
  action: () => Promise<unknown>,
  on: {
    setError: (error: string) => void;
    done?: () => unknown;
    failed?: () => void;
    setBusy?: (busy: boolean) => void;
  },
): Promise<void> {
  on.setBusy?.(true);
  try {
    await action();
    on.setError('');
    await on.done?.();
  } catch (e) {
    on.failed?.();
    on.setError(describeError(e));
  } finally {
    on.setBusy?.(false);
  }
}

/**
 * A table of resources: the given columns plus an Actions column, saying `empty` when the list is empty. Rows are the
 * children. `label` names the table for screen readers.
 */
export function DataTable(props: {
  label: string;
  columns: readonly string[];
  empty: string;
  isEmpty: boolean;
  children: ComponentChildren;
}) {
  return (
    <div class="table-wrap">
      <table aria-label={props.label}>
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
  );
}

/**
 * A resource list page's table: the title with a Refresh button, the list's error as the API returned it, and a
 * {@link DataTable}.
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
      <DataTable label={props.title} columns={props.columns} empty={props.empty} isEmpty={props.isEmpty}>
        {props.children}
      </DataTable>
    </>
  );
}

/**
 * "Delete", confirmed in the console's one confirmation dialog (./dialog.tsx: Enter confirms, Escape cancels); the
 * API's refusal is shown in the dialog, as returned.
 */
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

/** How often a resource in a transitional status (CREATING, UPDATING, DELETING, …) is described again. */
export const TRANSITION_POLL_MS = 1000;

/**
 * Calls `refresh` when it changes (the page opened, or its resource changed), and again {@link TRANSITION_POLL_MS}
 * after each new `shown` value while `transitional`: CREATING, UPDATING and DELETING end on their own.
 */
export function useTransitionRefresh(refresh: () => Promise<void>, transitional: boolean, shown: unknown): void {
  useEffect(() => {
    void refresh();
  }, [refresh]);
  useEffect(() => {
    if (!transitional) return;
    const timer = setTimeout(() => void refresh(), TRANSITION_POLL_MS);
    return () => clearTimeout(timer);
  }, [shown, transitional, refresh]);
}

/**
 * A detail page's resource: `describe(name)` when the page opens or `name` changes, again while `transitional`
 * says so, and on `refresh()` (the page's Refresh button, or after an action); the API's refusal as `error`,
 * verbatim, the last description kept beside it.
 */
export function useDescribed<T>(
  name: string,
  describe: (name: string) => Promise<T | undefined>,
  transitional: (value: T) => boolean,
): { readonly value: T | undefined; readonly error: string; readonly refresh: () => Promise<void> } {
  const [value, setValue] = useState<T | undefined>();
  const [error, setError] = useState('');
  const latest = useRef(describe);
  latest.current = describe;
  const refresh = useCallback(async () => {
    try {
      setValue(await latest.current(name));
      setError('');
    } catch (e) {
      setError(describeError(e));
    }
  }, [name]);
  useTransitionRefresh(refresh, value !== undefined && transitional(value), value);
  return { value, error, refresh };
}

/** A detail page's top: the way back to its list, the resource's name, Refresh, and the describe error. */
export function DetailHeader(props: {
  listHref: string;
  listTitle: string;
  name: string;
  error: string;
  onRefresh: () => void;
}) {
  return (
    <>
      <p>
        <a href={props.listHref}>{props.listTitle}</a> / <span class="name">{props.name}</span>
      </p>
      <div class="row spread">
        <h1 class="name">{props.name}</h1>
        <button type="button" onClick={props.onRefresh}>
          Refresh
        </button>
      </div>
      <ErrorAlert error={props.error} />
    </>
  );
}
