// Short messages at the bottom of the screen (an ARIA live region, so screen
// readers announce them). Errors stay 12 s, the rest 4 s; any can be dismissed.
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';

export type ToastKind = 'info' | 'success' | 'error';
interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
  title?: string;
}
type Push = (text: string, kind?: ToastKind, title?: string) => void;

const Ctx = createContext<Push>(() => {});

export function useToast(): Push {
  return useContext(Ctx);
}

export function ToastProvider({ children }: { children: ReactNode }) {
  const [items, setItems] = useState<Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setItems((xs) => xs.filter((t) => t.id !== id)), []);
  const push = useCallback<Push>((text, kind = 'info', title) => {
    const id = next.current++;
    setItems((xs) => [...xs.slice(-4), { id, kind, text, title }]);
    setTimeout(() => dismiss(id), kind === 'error' ? 12000 : 4000);
  }, [dismiss]);
  const value = useMemo(() => push, [push]);
  return (
    <Ctx.Provider value={value}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {items.map((t) => (
          <div key={t.id} className={`toast toast-${t.kind}`} role={t.kind === 'error' ? 'alert' : undefined}>
            <div className="toast-body">
              {t.title && <strong>{t.title}</strong>}
              <span>{t.text}</span>
            </div>
            <button type="button" className="icon-btn" aria-label="Dismiss message" onClick={() => dismiss(t.id)}>×</button>
          </div>
        ))}
      </div>
    </Ctx.Provider>
  );
}
