// What the list pages share: one request at a time with its failure as a
// toast, a dialog form's end, a dialog asking for a name, a dialog confirming
// a delete.
import { useState, type FormEvent, type ReactNode } from 'react';
import type { ApiError } from '../api';
import { Dialog } from './Dialog';
import { useToast } from './toasts';

/** [busy, attempt]: attempt(failure, fn) runs fn with busy set; an error is
 *  shown as a toast titled `failure`. */
export function useAttempt(): [boolean, (failure: string, fn: () => Promise<void>) => Promise<void>] {
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const attempt = async (failure: string, fn: () => Promise<void>) => {
    setBusy(true);
    try {
      await fn();
    } catch (err) {
      toast((err as ApiError).message, 'error', failure);
    } finally {
      setBusy(false);
    }
  };
  return [busy, attempt];
}

/** A dialog form's end: the server's refusal (if any), Cancel and the submit button. */
export function FormActions({ problem, onClose, submit, disabled }: {
  problem?: string; onClose: () => void; submit: string; disabled: boolean;
}) {
  return (
    <>
      {problem && <p className="form-error" role="alert">{problem}</p>}
      <div className="form-actions">
        <button type="button" className="btn ghost" onClick={onClose}>Cancel</button>
        <button type="submit" className="btn primary" disabled={disabled}>{submit}</button>
      </div>
    </>
  );
}

/** A form dialog with a required Name field (children after it), Cancel and `submit`. */
export function NameDialog({ title, open, onClose, name, setName, busy, submit, onSubmit, children }: {
  title: string; open: boolean; onClose: () => void; name: string; setName: (n: string) => void;
  busy: boolean; submit: string; onSubmit: (e: FormEvent) => void; children?: ReactNode;
}) {
  return (
    <Dialog title={title} open={open} onClose={onClose}>
      <form onSubmit={onSubmit} className="form">
        <label className="field"><span>Name</span>
          <input required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} autoFocus />
        </label>
        {children}
        <FormActions onClose={onClose} submit={submit} disabled={busy || !name.trim()} />
      </form>
    </Dialog>
  );
}

/** A dialog asking to confirm a deletion (children: the question). */
export function DeleteDialog({ title, open, onClose, busy, confirm, onConfirm, children }: {
  title: string; open: boolean; onClose: () => void; busy: boolean; confirm: string; onConfirm: () => void; children: ReactNode;
}) {
  return (
    <Dialog title={title} open={open} onClose={onClose}>
      {children}
      <div className="form-actions">
        <button type="button" className="btn ghost" onClick={onClose}>Cancel</button>
        <button type="button" className="btn danger" disabled={busy} onClick={onConfirm}>{confirm}</button>
      </div>
    </Dialog>
  );
}
