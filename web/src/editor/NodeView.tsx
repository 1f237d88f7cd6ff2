// One node of the board: header, id, pins (execution pins as arrows, data
// pins as dots coloured by type; arrays as squares, maps as diamonds), literal
// editors on unconnected data inputs, +/− for repeated pins, its live run
// state and the validation errors that concern it.
import { Fragment, memo, useEffect, useMemo, useRef } from 'react';
import { Handle, Position, useNodeConnections, useUpdateNodeInternals, type Node, type NodeProps } from '@xyflow/react';
import { capabilityNames } from '../lib/catalog';
import type { WeirNodeData } from '../lib/convert';
import { expandPins, MAX_PIN_COUNT, splitKey, type Pin } from '../lib/pins';
import { describeShape } from '../lib/rules';
import { useEditorApi } from './context';
import { LiteralInput } from './LiteralInput';
import { useNodeErrors, useNodeRun } from './store';

export type WeirNode = Node<WeirNodeData, 'weir'>;

export function pinClass(p: Pin): string {
  if (p.type === 'execution') return 'pin exec';
  return `pin data t-${p.type} v-${p.value_type}${p.missing ? ' missing' : ''}`;
}

function pinLabel(p: Pin): string {
  const base = p.repeated ? `${p.name} ${p.copy}` : p.name;
  if (p.type === 'execution' && (p.name === 'exec_in' || p.name === 'exec_out') && !p.repeated) return '';
  return base.replace(/_/g, ' ');
}

export const NodeView = memo(function NodeView({ id, data, selected }: NodeProps<WeirNode>) {
  const ed = useEditorApi();
  const node = data.board;
  const def = ed.catalog.get(node.type);
  const conns = useNodeConnections({ id });
  const run = useNodeRun(ed.states, id);
  const errors = useNodeErrors(ed.states, id);

  const { inputs, outputs, connectedIn } = useMemo(() => {
    const pins = expandPins(def, node).slice();
    const has = new Set(pins.map((p) => `${p.direction}:${p.key}`));
    const connectedIn = new Set<string>();
    for (const c of conns) {
      const asTarget = c.target === id;
      const key = (asTarget ? c.targetHandle : c.sourceHandle) ?? '';
      if (asTarget) connectedIn.add(key);
      const dir = asTarget ? 'in' : 'out';
      if (!has.has(`${dir}:${key}`)) {
        has.add(`${dir}:${key}`);
        const { name, copy } = splitKey(key);
        pins.push({ key, name, copy: copy || 1, direction: dir, type: 'generic', value_type: 'normal', repeated: false, count: 1, missing: true });
      }
    }
    return { inputs: pins.filter((p) => p.direction === 'in'), outputs: pins.filter((p) => p.direction === 'out'), connectedIn };
  }, [def, node, conns, id]);

  // A renamed pin keeps the node's size, so React Flow would not measure its
  // handles again: tell it when the set of handles changes (not on mount).
  const updateInternals = useUpdateNodeInternals();
  const handleKeys = `${inputs.map((p) => p.key).join('|')}>${outputs.map((p) => p.key).join('|')}`;
  const lastKeys = useRef(handleKeys);
  useEffect(() => {
    if (lastKeys.current === handleKeys) return;
    lastKeys.current = handleKeys;
    updateInternals(id);
  }, [handleKeys, id, updateInternals]);

  const errPins = useMemo(() => new Set(errors.map((e) => e.pin).filter(Boolean) as string[]), [errors]);
  const title = def?.friendly_name ?? node.type;
  const caps = def?.package ? capabilityNames(def.capabilities) : [];
  const cls = ['wn', def ? `cat-${(def.category || 'other').toLowerCase().replace(/[^a-z]+/g, '-')}` : 'unknown',
    def?.pure ? 'pure' : '', run ? `st-${run}` : '', errors.length ? 'has-errors' : '', selected ? 'selected' : ''].filter(Boolean).join(' ');

  const repeatControls = (p: Pin, list: Pin[], i: number) => {
    if (!p.repeated || ed.readOnly) return null;
    const next = list[i + 1];
    if (next && next.repeated && next.name === p.name) return null; // only after the last copy
    return (
      <div className={`pin-repeat ${p.direction}`} key={`rep-${p.name}`}>
        <button type="button" className="mini nodrag" aria-label={`Remove the last ${p.name} pin of ${id}`} disabled={p.count <= 1}
          onClick={() => ed.setPinCount(id, p.name, p.count - 1)}>−</button>
        <button type="button" className="mini nodrag" aria-label={`Add one more ${p.name} pin to ${id}`} disabled={p.count >= MAX_PIN_COUNT}
          onClick={() => ed.setPinCount(id, p.name, p.count + 1)}>+</button>
      </div>
    );
  };

  return (
    <div className={cls} aria-label={`${title} (${id})${run ? `, ${run}` : ''}${errors.length ? `, ${errors.length} problem${errors.length > 1 ? 's' : ''}` : ''}`}
      data-node-id={id} data-run={run ?? ''}>
      <div className="wn-head">
        <span className="wn-title" title={def?.description || node.type}>{title}</span>
        {def?.package && <span className="badge pkg" title={`package ${def.package} ${def.version ?? ''}`}>pkg</span>}
        {caps.map((c) => <span key={c} className="badge cap" title={`capability: ${c}`}>{c}</span>)}
        {run && <span className={`run-dot ${run}`} aria-hidden="true" />}
      </div>
      <div className="wn-id">{id}</div>
      {!def && <div className="wn-unknown">unknown node type <code>{node.type}</code></div>}
      <div className="wn-body">
        <div className="wn-col in">
          {inputs.map((p, i) => {
            const connected = connectedIn.has(p.key);
            const value = node.inputs?.[p.key];
            return (
              <Fragment key={p.key}>
              <div className={`pin-row in${errPins.has(p.key) || errPins.has(p.name) ? ' err' : ''}${p.type === 'execution' ? ' exec-row' : ''}`}>
                <Handle type="target" position={Position.Left} id={p.key} className={pinClass(p)}
                  title={`${p.key}: ${describeShape(p)}${p.missing ? ' (not a pin of this node)' : ''}`} aria-label={`input ${p.key} of ${id}`} />
                <span className="pin-label">{pinLabel(p)}</span>
                {!connected && p.type !== 'execution' && !p.missing && (
                  <LiteralInput pin={p} value={value} label={`${p.key} of ${id}`} readOnly={ed.readOnly} compact
                    variables={def && (node.type === 'variable_get' || node.type === 'variable_set') ? ed.variables : undefined}
                    onChange={(v) => ed.setLiteral(id, p.key, v)} />
                )}
              </div>
              {repeatControls(p, inputs, i)}
              </Fragment>
            );
          })}
        </div>
        <div className="wn-col out">
          {outputs.map((p, i) => (
            <Fragment key={p.key}>
            <div className={`pin-row out${errPins.has(p.key) ? ' err' : ''}${p.type === 'execution' ? ' exec-row' : ''}`}>
              <span className="pin-label">{pinLabel(p)}</span>
              <Handle type="source" position={Position.Right} id={p.key} className={pinClass(p)}
                title={`${p.key}: ${describeShape(p)}${p.missing ? ' (not a pin of this node)' : ''}`} aria-label={`output ${p.key} of ${id}`} />
            </div>
            {repeatControls(p, outputs, i)}
            </Fragment>
          ))}
        </div>
      </div>
      {errors.length > 0 && (
        <ul className="wn-errors">
          {errors.map((e, i) => <li key={i} title={e.code}>{e.pin ? <strong>{e.pin}: </strong> : null}{e.message}</li>)}
        </ul>
      )}
    </div>
  );
});
