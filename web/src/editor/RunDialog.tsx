// Start a run: which start node, the payload (JSON) and values for the
// board's exposed variables.
import { useState, type FormEvent } from 'react';
import type { BoardVariable } from '../lib/types';
import { Dialog } from '../ui/Dialog';

export interface RunRequest {
  start_node?: string;
  payload?: unknown;
  variables?: Record<string, unknown>;
}

export function RunDialog({ open, onClose, starts, variables, onStart, busy }: {
  open: boolean; onClose: () => void; starts: { id: string; title: string }[]; variables: BoardVariable[];
  onStart: (r: RunRequest) => void; busy: boolean;
}) {
  const [start, setStart] = useState('');
  const [payload, setPayload] = useState('');
  const [vars, setVars] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState('');
  const exposed = variables.filter((v) => v.exposed);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const req: RunRequest = {};
    if (starts.length > 1) req.start_node = start || starts[0].id;
    if (payload.trim()) {
      try {
        req.payload = JSON.parse(payload);
      } catch {
        setProblem('The payload is not valid JSON.');
        return;
      }
    }
    const values: Record<string, unknown> = {};
    for (const v of exposed) {
      const t = vars[v.id];
      if (t === undefined || t === '') continue;
      if (v.type === 'string' && (v.value_type ?? 'normal') === 'normal' && !t.trim().startsWith('"')) values[v.id] = t;
      else {
        try {
          values[v.id] = JSON.parse(t);
        } catch {
          setProblem(`The value of ${v.id} is not valid JSON.`);
          return;
        }
      }
    }
    if (Object.keys(values).length) req.variables = values;
    setProblem('');
    onStart(req);
  };

  return (
    <Dialog title="Run the board" open={open} onClose={onClose}>
      <form className="form" onSubmit={submit}>
        {starts.length > 1 && (
          <label className="field"><span>Start node</span>
            <select value={start || starts[0].id} onChange={(e) => setStart(e.target.value)}>
              {starts.map((s) => <option key={s.id} value={s.id}>{s.title} ({s.id})</option>)}
            </select>
          </label>
        )}
        {starts.length === 0 && <p className="form-error">The board has no start node (Simple Event or Event with Payload).</p>}
        <label className="field"><span>Payload (JSON, optional)</span>
          <textarea rows={5} spellCheck={false} className="mono" placeholder='{"name": "Ada"}' value={payload} onChange={(e) => setPayload(e.target.value)} />
        </label>
        {exposed.length > 0 && (
          <fieldset className="fieldset">
            <legend>Variables</legend>
            {exposed.map((v) => (
              <label key={v.id} className="field">
                <span>{v.id} <span className="muted small">{v.type}{v.value_type && v.value_type !== 'normal' ? ` ${v.value_type}` : ''}{v.secret ? ' · secret' : ''}</span></span>
                <input type={v.secret ? 'password' : 'text'} className="mono" autoComplete="off"
                  placeholder={v.secret ? '(default)' : v.default === undefined ? '' : typeof v.default === 'string' ? v.default : JSON.stringify(v.default)}
                  value={vars[v.id] ?? ''} onChange={(e) => setVars((s) => ({ ...s, [v.id]: e.target.value }))} />
              </label>
            ))}
          </fieldset>
        )}
        {problem && <p className="form-error" role="alert">{problem}</p>}
        <div className="form-actions">
          <button type="button" className="btn ghost" onClick={onClose}>Cancel</button>
          <button type="submit" className="btn primary" disabled={busy || starts.length === 0}>Start run</button>
        </div>
      </form>
    </Dialog>
  );
}
