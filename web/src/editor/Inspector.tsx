// The side panel: the selected node (type, pins, literals, error handling),
// or, with nothing selected, the board itself and its variables.
import { memo } from 'react';
import { capabilityNames, type Catalog } from '../lib/catalog';
import { expandPins } from '../lib/pins';
import { describeShape } from '../lib/rules';
import type { BoardError, BoardMeta, BoardNode, BoardVariable, PinType, ValueType } from '../lib/types';
import { uniqueId } from '../lib/ids';
import { LiteralInput } from './LiteralInput';
import { IconPlus, IconTrash } from '../ui/icons';

const TYPES: PinType[] = ['string', 'integer', 'float', 'boolean', 'date', 'bytes', 'struct', 'generic'];
const SHAPES: ValueType[] = ['normal', 'array', 'map', 'set'];

export const Inspector = memo(function Inspector({ node, catalog, readOnly, meta, boardErrors, connected, takenIds,
  onLiteral, onHandleErrors, onMeta }: {
  node: BoardNode | null; catalog: Catalog; readOnly: boolean; meta: BoardMeta; boardErrors: BoardError[];
  connected: Set<string>; takenIds: () => Set<string>;
  onLiteral: (nodeId: string, key: string, v: unknown) => void; onHandleErrors: (nodeId: string, on: boolean) => void;
  onMeta: (m: BoardMeta, key: string) => void;
}) {
  if (node) {
    const def = catalog.get(node.type);
    const pins = expandPins(def, node);
    const caps = capabilityNames(def?.capabilities), granted = capabilityNames(def?.granted);
    return (
      <aside className="inspector" aria-label="Selected node">
        <h2>{def?.friendly_name ?? node.type}</h2>
        <p className="muted small mono">{node.id} · {node.type}</p>
        {def?.description && <p className="small">{def.description}</p>}
        {def?.package && (
          <p className="small">Package <strong>{def.package}</strong> {def.version}
            {caps.length > 0 && <> · needs {caps.map((c) => <span key={c} className={`badge cap${granted.includes(c) ? '' : ' denied'}`} title={granted.includes(c) ? 'granted' : 'not granted'}>{c}</span>)}</>}
          </p>
        )}
        {def && !def.pure && (
          <label className="check">
            <input type="checkbox" disabled={readOnly} checked={node.handle_errors === true} onChange={(e) => onHandleErrors(node.id, e.target.checked)} />
            Handle errors (adds the <code>auto_handle_error</code> pins)
          </label>
        )}
        <h3>Inputs</h3>
        <ul className="pin-list">
          {pins.filter((p) => p.direction === 'in').map((p) => (
            <li key={p.key}>
              <span className={`swatch pin ${p.type === 'execution' ? 'exec' : `data t-${p.type} v-${p.value_type}`}`} aria-hidden="true" />
              <span className="pl-name">{p.key}</span> <span className="muted small">{describeShape(p)}</span>
              {p.type !== 'execution' && (connected.has(p.key) ? <span className="muted small"> · connected</span> : (
                <div className="pl-edit">
                  <LiteralInput pin={p} value={node.inputs?.[p.key]} label={`${p.key} of ${node.id} (inspector)`} readOnly={readOnly}
                    variables={node.type === 'variable_get' || node.type === 'variable_set' ? (meta.variables ?? []) : undefined}
                    onChange={(v) => onLiteral(node.id, p.key, v)} />
                </div>
              ))}
            </li>
          ))}
        </ul>
        <h3>Outputs</h3>
        <ul className="pin-list">
          {pins.filter((p) => p.direction === 'out').map((p) => (
            <li key={p.key}>
              <span className={`swatch pin ${p.type === 'execution' ? 'exec' : `data t-${p.type} v-${p.value_type}`}`} aria-hidden="true" />
              <span className="pl-name">{p.key}</span> <span className="muted small">{describeShape(p)}</span>
            </li>
          ))}
        </ul>
      </aside>
    );
  }

  const vars = meta.variables ?? [];
  const setVar = (i: number, patch: Partial<BoardVariable>, key: string) => {
    const next = vars.map((v, k) => (k === i ? { ...v, ...patch } : v));
    onMeta({ ...meta, variables: next }, `var:${i}:${key}`);
  };
  const boardLevel = boardErrors.filter((e) => !e.node);
  return (
    <aside className="inspector" aria-label="Board settings">
      <h2>Board</h2>
      <label className="field"><span>Name</span>
        <input value={meta.name ?? ''} readOnly={readOnly} onChange={(e) => onMeta({ ...meta, name: e.target.value }, 'name')} />
      </label>
      <label className="field"><span>Description</span>
        <textarea rows={2} value={meta.description ?? ''} readOnly={readOnly} onChange={(e) => onMeta({ ...meta, description: e.target.value }, 'description')} />
      </label>
      {boardErrors.length > 0 && (
        <div className="problems" role="region" aria-label="Problems">
          <h3>{boardErrors.length} problem{boardErrors.length > 1 ? 's' : ''} at the last save</h3>
          <ul>
            {boardErrors.slice(0, 50).map((e, i) => <li key={i}><code>{e.code}</code> {e.node ? <strong>{e.node}{e.pin ? `.${e.pin}` : ''}: </strong> : null}{e.message}</li>)}
          </ul>
          {boardLevel.length === 0 && <p className="muted small">The nodes concerned are marked on the board.</p>}
        </div>
      )}
      <div className="vars-head">
        <h3>Variables</h3>
        {!readOnly && (
          <button type="button" className="btn small" aria-label="Add a variable" onClick={() => {
            const id = uniqueId('var', new Set([...takenIds(), ...vars.map((v) => v.id)]));
            onMeta({ ...meta, variables: [...vars, { id, name: id, type: 'string', value_type: 'normal', default: '', exposed: true, secret: false }] }, 'add-var');
          }}><IconPlus /> Add</button>
        )}
      </div>
      {vars.length === 0 && <p className="muted small">No variables. Variables live for one run; exposed ones can be set when a run starts.</p>}
      <ul className="vars">
        {vars.map((v, i) => (
          <li key={i} className="var card">
            <div className="var-row">
              <input className="mono" aria-label={`Variable ${i + 1} id`} value={v.id} readOnly={readOnly}
                onChange={(e) => setVar(i, { id: e.target.value, name: e.target.value }, 'id')} />
              {!readOnly && (
                <button type="button" className="icon-btn" aria-label={`Delete variable ${v.id}`}
                  onClick={() => onMeta({ ...meta, variables: vars.filter((_, k) => k !== i) }, 'del-var')}><IconTrash /></button>
              )}
            </div>
            <div className="var-row">
              <select aria-label={`Type of ${v.id}`} value={v.type} disabled={readOnly} onChange={(e) => setVar(i, { type: e.target.value as PinType, default: undefined }, 'type')}>
                {TYPES.map((t) => <option key={t}>{t}</option>)}
              </select>
              <select aria-label={`Value type of ${v.id}`} value={v.value_type ?? 'normal'} disabled={readOnly} onChange={(e) => setVar(i, { value_type: e.target.value as ValueType, default: undefined }, 'shape')}>
                {SHAPES.map((t) => <option key={t}>{t}</option>)}
              </select>
            </div>
            <div className="var-row">
              <span className="small muted">default</span>
              <LiteralInput pin={{ key: `var-${i}`, type: v.type, value_type: v.value_type ?? 'normal' }} value={v.default}
                label={`Default of ${v.id}`} readOnly={readOnly} onChange={(d) => setVar(i, { default: d }, 'default')} />
            </div>
            <div className="var-row">
              <label className="check"><input type="checkbox" checked={v.exposed === true} disabled={readOnly} onChange={(e) => setVar(i, { exposed: e.target.checked }, 'exposed')} /> exposed</label>
              <label className="check"><input type="checkbox" checked={v.secret === true} disabled={readOnly} onChange={(e) => setVar(i, { secret: e.target.checked }, 'secret')} /> secret</label>
            </div>
          </li>
        ))}
      </ul>
    </aside>
  );
});
