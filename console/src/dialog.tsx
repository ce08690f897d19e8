/**
 * A modal confirmation built on the HTML `<dialog>` element (showModal): the browser keeps focus inside it, Escape
 * cancels it (its `cancel` event), and Enter confirms because the confirm button is the form's submit button and
 * has focus when the dialog opens. Focus goes back to the control that opened it. The action runs inside the
 * dialog: an API refusal is shown there, as returned, and the dialog stays open to try again or cancel.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from './api.js';

export interface ConfirmDialogProps {
  readonly open: boolean;
  readonly title: string;
  readonly confirmLabel: string;
  readonly danger?: boolean;
  readonly children?: ComponentChildren;
  /** The action; a rejection is shown in the dialog, a resolution closes it. */
  readonly onConfirm: () => Promise<void>;
  readonly onClose: () => void;
}

export function ConfirmDialog({ open, title, confirmLabel, danger, children, onConfirm, onClose }: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const opener = useRef<Element | null>(null);
  const confirm = useRef<HTMLButtonElement>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    if (open && !dialog.open) {
      opener.current = document.activeElement;
      setError('');
      dialog.showModal();
      confirm.current?.focus();
    } else if (!open && dialog.open) {
      dialog.close();
    }
  }, [open]);
  const close = () => {
    ref.current?.close();
    onClose();
    if (opener.current instanceof HTMLElement && opener.current.isConnected) opener.current.focus();
  };
  return (
    <dialog
      ref={ref}
      class="dialog"
      aria-label={title}
      onCancel={(e) => {
        // Escape: the browser would close the dialog by itself; close it through the same path as Cancel.
        e.preventDefault();
        if (!busy) close();
      }}
    >
      <form
        class="stack"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          try {
            await onConfirm();
            setError('');
            close();
          } catch (err) {
            setError(describeError(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <h2>{title}</h2>
        {children}
        {error !== '' && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="row">
          {/* First in the form and focused on open: Enter confirms. */}
          <button type="submit" class={danger ? 'danger' : undefined} disabled={busy} ref={confirm}>
            {confirmLabel}
          </button>
          <button type="button" onClick={close} disabled={busy}>
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
