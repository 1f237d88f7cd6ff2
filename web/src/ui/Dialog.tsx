// A modal dialog on the native <dialog> element (focus is trapped and
// Escape closes it, by the browser).
import { useEffect, useRef, type ReactNode } from 'react';

export function Dialog({ title, open, onClose, children, wide, noClose }: {
  title: string; open: boolean; onClose: () => void; children: ReactNode; wide?: boolean;
  /** No close button (a dialog only its own action ends). */
  noClose?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} className={wide ? 'dialog wide' : 'dialog'} aria-label={title} onClose={onClose}
      onCancel={(e) => { e.preventDefault(); onClose(); }}>
      {open && (
        <>
          <header className="dialog-head">
            <h2>{title}</h2>
            {!noClose && <button type="button" className="icon-btn" aria-label="Close" onClick={onClose}>×</button>}
          </header>
          <div className="dialog-body">{children}</div>
        </>
      )}
    </dialog>
  );
}
