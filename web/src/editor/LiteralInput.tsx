// The control that edits one literal input, chosen by the pin's type.
import { memo, useEffect, useState } from 'react';
import { editorKind, literalText, parseLiteral, prefersJson, type Typed } from '../lib/literals';
import type { BoardVariable } from '../lib/types';

export interface LiteralInputProps {
  pin: Typed & { key: string; default?: unknown };
  value: unknown;
  label: string;
  readOnly: boolean;
  onChange: (v: unknown) => void;
  /** var_ref of variable nodes: pick one of these. */
  variables?: BoardVariable[];
  compact?: boolean;
}

function defaultText(p: LiteralInputProps['pin']): string {
  if (p.default === undefined) return '';
  return typeof p.default === 'string' ? (p.default === '' ? '""' : p.default) : JSON.stringify(p.default);
}

export const LiteralInput = memo(function LiteralInput({ pin, value, label, readOnly, onChange, variables, compact }: LiteralInputProps) {
  const kind = editorKind(pin);
  const [json, setJson] = useState(() => prefersJson(value, pin));
  const [text, setText] = useState(() => literalText(value, json && pin.type === 'generic' ? { ...pin, type: 'struct' } : pin));
  const [problem, setProblem] = useState('');

  // Follow the value when it changes from outside (undo, another control).
  useEffect(() => {
    const asJson = prefersJson(value, pin) || (json && value !== undefined && typeof value !== 'string');
    const t = value === undefined ? '' : asJson || kind === 'json' ? JSON.stringify(value) : literalText(value, pin);
    setText((cur) => {
      const parsed = cur === '' ? undefined : parseLiteral(cur, pin, json);
      const same = parsed && parsed.ok && JSON.stringify(parsed.value) === JSON.stringify(value);
      return same ? cur : t;
    });
    setProblem('');
    if (prefersJson(value, pin)) setJson(true);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [value]);

  const cls = `lit nodrag nopan nowheel${compact ? ' compact' : ''}${problem ? ' invalid' : ''}`;

  if (kind === 'none') return null;

  if (variables && pin.key === 'var_ref') {
    const v = typeof value === 'string' ? value : '';
    return (
      <select className={cls} aria-label={label} disabled={readOnly} value={v}
        onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}>
        <option value="">— variable —</option>
        {v && !variables.some((x) => x.id === v) && <option value={v}>{v} (undeclared)</option>}
        {variables.map((x) => <option key={x.id} value={x.id}>{x.id}</option>)}
      </select>
    );
  }

  if (kind === 'boolean') {
    const checked = typeof value === 'boolean' ? value : pin.default === true;
    return (
      <input type="checkbox" className="lit-check nodrag" aria-label={label} disabled={readOnly} checked={checked}
        onChange={(e) => onChange(e.target.checked)} />
    );
  }

  const commit = (t: string) => {
    setText(t);
    if (t === '') {
      setProblem('');
      onChange(undefined);
      return;
    }
    const r = parseLiteral(t, pin, json);
    if (r.ok) {
      setProblem('');
      onChange(r.value);
    } else {
      setProblem(r.message);
    }
  };

  const input = (
    <input className={cls} type="text" inputMode={kind === 'integer' ? 'numeric' : kind === 'float' ? 'decimal' : undefined}
      aria-label={label} aria-invalid={problem ? true : undefined} title={problem || undefined}
      placeholder={kind === 'json' || json ? (defaultText(pin) || 'JSON') : pin.type === 'date' ? (defaultText(pin) || '2025-01-31T09:00:00Z') : defaultText(pin)}
      readOnly={readOnly} value={text} spellCheck={false}
      onChange={(e) => commit(e.target.value)} />
  );
  if (pin.type !== 'generic' || pin.value_type !== 'normal' || readOnly) return input;
  return (
    <span className="lit-wrap">
      {input}
      <button type="button" className={`lit-mode nodrag${json ? ' on' : ''}`} aria-pressed={json}
        aria-label={`${label}: ${json ? 'JSON value (switch to text)' : 'text (switch to a JSON value)'}`}
        title={json ? 'JSON value' : 'Text; click to enter JSON'}
        onClick={() => {
          const nj = !json;
          setJson(nj);
          if (text !== '') {
            const r = parseLiteral(text, pin, nj);
            if (r.ok) { setProblem(''); onChange(r.value); } else setProblem(r.message);
          }
        }}>{'{}'}</button>
    </span>
  );
});
