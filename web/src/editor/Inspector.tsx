// The side panel: the selected node (type, pins, literals, error handling),
// or, with nothing selected, the board itself and its variables.
import { memo, useEffect, useState, type FormEvent } from 'react';
import { capabilityNames, type Catalog } from '../lib/catalog';
import { expandPins } from '../lib/pins';
import { describeShape } from '../lib/rules';
import type { BoardError, BoardMeta, BoardNode, BoardVariable, ExtraPin, PinType, ValueType } from '../lib/types';
import { uniqueId } from '../lib/ids';
import { LiteralInput } from './LiteralInput';
import { IconPlus, IconTrash } from '../ui/icons';

const TYPES: PinType[] = ['string', 'integer', 'float', 'boolean', 'date', 'bytes', 'struct', 'generic'];
const SHAPES: ValueType[] = ['normal', 'array', 'map', 'set'];

type ExtraPatch = { name?: string; type?: PinType; value_type?: ValueType };

export const Inspector = memo(function Inspector({ node, catalog, readOnly, meta, boardErrors, connected, takenIds,
  onLiteral, onHandleErrors, onMeta, onRename, onAddExtra, onUpdateExtra, onRemoveExtra }: {
  node: BoardNode | null; catalog: Catalog; readOnly: boolean; meta: BoardMeta; boardErrors: BoardError[];
  connected: Set<string>; takenIds: () => Set<string>;
  onLiteral: (nodeId: string, key: string, v: unknown) => void; onHandleErrors: (nodeId: string, on: boolean) => void;
  onMeta: (m: BoardMeta, key: string) => void;
  /** Rename a node: null when done, else why not. */
  onRename: (from: string, to: string) => string | null;
  onAddExtra: (nodeId: string) => void;
  onUpdateExtra: (nodeId: string, index: number, patch: ExtraPatch) => string | null;
  onRemoveExtra: (nodeId: string, index: number) => void;
}) {
  if (node) {
    const def = catalog.get(node.type);
    const pins = expandPins(def, node);
    const caps = capabilityNames(def?.capabilities), granted = capabilityNames(def?.granted);
    return (
      <aside className="inspector" aria-label="Selected node">
        <h2>{def?.friendly_name ?? node.type}</h2>
        {readOnly ? <p className="muted small mono">{node.id} · {node.type}</p> : (
          <>
            <IdField key={node.id} id={node.id} onRename={onRename} />
            <p className="muted small mono">{node.type}</p>
            {def?.start && <p className="muted small">Triggers name their start node by id: after renaming it, choose it again in their settings.</p>}
          </>
        )}
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
        {def?.extra_outputs && (
          <ExtraPins node={node} readOnly={readOnly} onAdd={() => onAddExtra(node.id)}
            onUpdate={(i, patch) => onUpdateExtra(node.id, i, patch)} onRemove={(i) => onRemoveExtra(node.id, i)} />
        )}
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

/** The node's id, renamed on Enter or with the button; refused ids say why. */
function IdField({ id, onRename }: { id: string; onRename: (from: string, to: string) => string | null }) {
  const [value, setValue] = useState(id);
  const [problem, setProblem] = useState('');
  useEffect(() => { setValue(id); setProblem(''); }, [id]);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const why = onRename(id, value);
    setProblem(why ?? '');
  };
  return (
    <form className="id-field" onSubmit={submit}>
      <label className="field"><span>Id</span>
        <span className="id-row">
          <input className="mono" value={value} aria-label={`Id of ${id}`} aria-invalid={problem ? true : undefined} spellCheck={false}
            aria-describedby={problem ? 'id-problem' : undefined}
            onChange={(e) => { setValue(e.target.value); setProblem(''); }}
            onKeyDown={(e) => { if (e.key === 'Escape') { setValue(id); setProblem(''); } }} />
          <button type="submit" className="btn small" disabled={value === id}>Rename</button>
        </span>
      </label>
      {problem && <p id="id-problem" className="form-error small" role="alert">{problem}</p>}
    </form>
  );
}

/** The extra outputs of an Event with Payload node: each takes the payload key of its name. */
function ExtraPins({ node, readOnly, onAdd, onUpdate, onRemove }: {
  node: BoardNode; readOnly: boolean; onAdd: () => void; onUpdate: (i: number, patch: ExtraPatch) => string | null; onRemove: (i: number) => void;
}) {
  const pins: ExtraPin[] = Array.isArray(node.extra_pins) ? node.extra_pins : [];
  return (
    <section className="extra-pins" aria-label={`Payload outputs of ${node.id}`}>
      <div className="vars-head">
        <h3>Payload outputs</h3>
        {!readOnly && <button type="button" className="btn small" aria-label={`Add a payload output to ${node.id}`} onClick={onAdd}><IconPlus /> Add</button>}
      </div>
      <p className="muted small">Each output takes the payload key of its name; the rest stays in <code>payload</code>.</p>
      <ul className="vars">
        {pins.map((p, i) => <ExtraPinRow key={`${i}`} pin={p} index={i} readOnly={readOnly} onUpdate={onUpdate} onRemove={onRemove} />)}
      </ul>
    </section>
  );
}

function ExtraPinRow({ pin, index, readOnly, onUpdate, onRemove }: {
  pin: ExtraPin; index: number; readOnly: boolean; onUpdate: (i: number, patch: ExtraPatch) => string | null; onRemove: (i: number) => void;
}) {
  const [name, setName] = useState(pin.name);
  const [problem, setProblem] = useState('');
  useEffect(() => { setName(pin.name); setProblem(''); }, [pin.name]);
  const commit = () => {
    if (name === pin.name) return;
    const why = onUpdate(index, { name });
    setProblem(why ?? '');
  };
  const label = `payload output ${index + 1}`;
  return (
    <li className="var card">
      <div className="var-row">
        <input className="mono" aria-label={`Name of ${label}`} value={name} readOnly={readOnly} spellCheck={false}
          aria-invalid={problem ? true : undefined}
          onChange={(e) => { setName(e.target.value); setProblem(''); }} onBlur={commit}
          onKeyDown={(e) => { if (e.key === 'Enter') { e.preventDefault(); commit(); } else if (e.key === 'Escape') { setName(pin.name); setProblem(''); } }} />
        {!readOnly && <button type="button" className="icon-btn" aria-label={`Delete ${label} (${pin.name})`} onClick={() => onRemove(index)}><IconTrash /></button>}
      </div>
      <div className="var-row">
        <select aria-label={`Type of ${label}`} value={pin.type ?? 'generic'} disabled={readOnly} onChange={(e) => onUpdate(index, { type: e.target.value as PinType })}>
          {TYPES.map((t) => <option key={t}>{t}</option>)}
        </select>
        <select aria-label={`Value type of ${label}`} value={pin.value_type ?? 'normal'} disabled={readOnly} onChange={(e) => onUpdate(index, { value_type: e.target.value as ValueType })}>
          {SHAPES.map((t) => <option key={t}>{t}</option>)}
        </select>
      </div>
      {problem && <p className="form-error small" role="alert">{problem}</p>}
    </li>
  );
}
