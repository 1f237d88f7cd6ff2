// The editor's connection rules against the real `weir validate`: for every
// pair of pin shapes the catalog has (an output's type and value type, an
// input's), a board with that one wire is validated by the binary and the
// editor must agree on whether it is a type_mismatch; then each other
// connection rule on a small board. Runs when WEIR_BIN names the binary
// (tests/integration/test_web_unit.sh sets it); skipped otherwise.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandPins, parseRef, refKey } from '../src/lib/pins';
import { checkWire, compatible, type RuleContext, type Wire } from '../src/lib/rules';
import type { Board, BoardError, BoardNode } from '../src/lib/types';
import { catalog } from './helpers';

const WEIR = process.env.WEIR_BIN;
const cat = catalog();
const dir = WEIR ? mkdtempSync(join(tmpdir(), 'weir-agree-')) : '';
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

let seq = 0;
function validate(b: Board): BoardError[] {
  const f = join(dir, `b${seq++}.json`);
  writeFileSync(f, JSON.stringify(b));
  let out: string;
  try {
    out = execFileSync(WEIR!, ['validate', f, '--data-dir', join(dir, 'data')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (e) {
    out = (e as { stdout: string }).stdout; // exit 2: invalid
  }
  return (JSON.parse(out) as { errors?: BoardError[] }).errors ?? [];
}

function board(nodes: BoardNode[], wires: Wire[]): Board {
  return {
    format: 'weir-board/1', id: 'agree',
    nodes: [{ id: 'start', type: 'events_simple' }, ...nodes],
    connections: wires.map((w) => ({ from: `${w.source}.${w.sourceHandle}`, to: `${w.target}.${w.targetHandle}` })),
  };
}

function ctx(nodes: BoardNode[], wires: Wire[]): RuleContext {
  const all = [{ id: 'start', type: 'events_simple' }, ...nodes];
  const byId = new Map(all.map((n) => [n.id, n]));
  return {
    pinsOf: (id) => (byId.has(id) ? expandPins(cat.get(byId.get(id)!.type), byId.get(id)!) : undefined),
    isPure: (id) => !!cat.get(byId.get(id)?.type ?? '')?.pure,
    wires,
  };
}

const CONNECTION_CODES = new Set(['self_connection', 'unknown_pin', 'wrong_direction', 'type_mismatch', 'exec_fanout', 'multiple_sources', 'data_cycle']);

describe.skipIf(!WEIR)('the editor and weir validate agree', () => {
  it('on type_mismatch for every pair of pin shapes in the catalog', () => {
    // One representative node type and pin per shape, each side.
    const outs = new Map<string, { type: string; key: string }>(), ins = new Map<string, { type: string; key: string }>();
    for (const def of cat.nodes) {
      if (def.package || def.format_inputs || def.type.startsWith('variable_')) continue;
      for (const p of expandPins(def, { id: 'x', type: def.type })) {
        const shape = `${p.type}/${p.value_type}`;
        const m = p.direction === 'out' ? outs : ins;
        if (!m.has(shape)) m.set(shape, { type: def.type, key: p.key });
      }
    }
    expect(outs.size).toBeGreaterThan(5);
    expect(ins.size).toBeGreaterThan(5);
    let checked = 0;
    for (const [os, o] of outs) {
      for (const [is, i] of ins) {
        const nodes: BoardNode[] = [{ id: 'a', type: o.type }, { id: 'b', type: i.type }];
        const w: Wire = { source: 'a', sourceHandle: o.key, target: 'b', targetHandle: i.key };
        const [ot, ov] = os.split('/'), [it2, iv] = is.split('/');
        const ours = compatible({ type: ot as never, value_type: ov as never }, { type: it2 as never, value_type: iv as never });
        const theirs = !validate(board(nodes, [w])).some((e) => e.code === 'type_mismatch');
        expect({ wire: `${os} → ${is}`, compatible: ours }).toEqual({ wire: `${os} → ${is}`, compatible: theirs });
        expect(checkWire(w, ctx(nodes, []))?.code === 'type_mismatch').toBe(!theirs);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
  }, 120_000);

  const cases: { name: string; nodes: BoardNode[]; before: string[]; wire: string }[] = [
    { name: 'a good wire', nodes: [{ id: 'log', type: 'log_info' }], before: [], wire: 'start.exec_out->log.exec_in' },
    { name: 'self connection', nodes: [{ id: 'log', type: 'log_info' }], before: [], wire: 'log.exec_out->log.exec_in' },
    { name: 'exec fan-out', nodes: [{ id: 'l1', type: 'log_info' }, { id: 'l2', type: 'log_info' }], before: ['start.exec_out->l1.exec_in'], wire: 'start.exec_out->l2.exec_in' },
    { name: 'two sources', nodes: [{ id: 'a1', type: 'int_add' }, { id: 'a2', type: 'int_add' }, { id: 'a3', type: 'int_add' }], before: ['a1.sum->a3.integer1'], wire: 'a2.sum->a3.integer1' },
    { name: 'pure cycle', nodes: [{ id: 'a1', type: 'int_add' }, { id: 'a2', type: 'int_add' }], before: ['a1.sum->a2.integer1'], wire: 'a2.sum->a1.integer1' },
    { name: 'a missing copy', nodes: [{ id: 's', type: 'control_sequence' }, { id: 'l', type: 'log_info' }], before: [], wire: 's.exec_out#3->l.exec_in' },
    { name: 'a third copy', nodes: [{ id: 's', type: 'control_sequence', pin_counts: { exec_out: 3 } }, { id: 'l', type: 'log_info' }], before: [], wire: 's.exec_out#3->l.exec_in' },
    { name: 'an error pin', nodes: [{ id: 'p', type: 'repair_parse', handle_errors: true }, { id: 'l', type: 'log_info' }], before: [], wire: 'p.auto_handle_error->l.exec_in' },
    { name: 'output to output', nodes: [{ id: 'a1', type: 'int_add' }, { id: 'a2', type: 'int_add' }], before: [], wire: 'a1.sum->a2.sum' },
  ];
  const toWire = (s: string): Wire => {
    const [f, t] = s.split('->').map((x) => parseRef(x)!);
    return { source: f.node, sourceHandle: refKey(f), target: t.node, targetHandle: refKey(t) };
  };
  for (const c of cases) {
    it(`on ${c.name}`, () => {
      const before = c.before.map(toWire), w = toWire(c.wire);
      const ours = checkWire(w, ctx(c.nodes, before))?.code ?? null;
      const theirs = validate(board(c.nodes, [...before, w])).filter((e) => CONNECTION_CODES.has(e.code)).map((e) => e.code);
      expect(ours === null ? theirs : [ours]).toEqual(theirs.length ? [theirs[0]] : []);
    });
  }
});
