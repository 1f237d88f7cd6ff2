import { describe, expect, it } from 'vitest';
import { expandPins } from '../src/lib/pins';
import { checkWire, compatible, attachablePin, type RuleContext, type Wire } from '../src/lib/rules';
import type { BoardNode, PinType, ValueType } from '../src/lib/types';
import { catalog } from './helpers';

const cat = catalog();
const T = (type: PinType, value_type: ValueType = 'normal') => ({ type, value_type });

describe('compatible (typecheck_compatible)', () => {
  it('execution only with execution', () => {
    expect(compatible(T('execution'), T('execution'))).toBe(true);
    expect(compatible(T('execution'), T('generic'))).toBe(false);
    expect(compatible(T('generic'), T('execution'))).toBe(false);
  });
  it('equal types, generic either side, integer into float', () => {
    expect(compatible(T('string'), T('string'))).toBe(true);
    expect(compatible(T('string'), T('integer'))).toBe(false);
    expect(compatible(T('integer'), T('float'))).toBe(true);
    expect(compatible(T('float'), T('integer'))).toBe(false);
    expect(compatible(T('struct'), T('generic'))).toBe(true);
    expect(compatible(T('generic'), T('date'))).toBe(true);
  });
  it('value types: plain generic takes anything; arrays and sets mix; maps only with maps', () => {
    expect(compatible(T('string', 'array'), T('generic'))).toBe(true);
    expect(compatible(T('string', 'array'), T('string'))).toBe(false);
    expect(compatible(T('string', 'array'), T('string', 'set'))).toBe(true);
    expect(compatible(T('string', 'map'), T('string', 'array'))).toBe(false);
    expect(compatible(T('generic', 'array'), T('integer', 'array'))).toBe(true);
    expect(compatible(T('integer', 'array'), T('float', 'array'))).toBe(true);
    expect(compatible(T('float', 'array'), T('integer', 'array'))).toBe(false);
    expect(compatible(T('generic', 'array'), T('integer'))).toBe(false);
  });
});

function ctx(nodes: BoardNode[], wires: Wire[]): RuleContext {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  return {
    pinsOf: (id) => (byId.has(id) ? expandPins(cat.get(byId.get(id)!.type), byId.get(id)!) : undefined),
    isPure: (id) => !!cat.get(byId.get(id)?.type ?? '')?.pure,
    wires,
  };
}
const W = (s: string, sh: string, t: string, th: string): Wire => ({ source: s, sourceHandle: sh, target: t, targetHandle: th });

describe('checkWire', () => {
  const nodes: BoardNode[] = [
    { id: 'start', type: 'events_simple' }, { id: 'log', type: 'log_info' }, { id: 'log2', type: 'log_info' },
    { id: 'add', type: 'int_add' }, { id: 'add2', type: 'int_add' }, { id: 'cat', type: 'string_join' },
    { id: 'fadd', type: 'float_add' }, { id: 'seq', type: 'control_sequence' },
  ];
  it('accepts good wires', () => {
    const c = ctx(nodes, []);
    expect(checkWire(W('start', 'exec_out', 'log', 'exec_in'), c)).toBeNull();
    expect(checkWire(W('add', 'sum', 'log', 'message'), c)).toBeNull();
    expect(checkWire(W('add', 'sum', 'fadd', 'float1'), c)).toBeNull();
  });
  it('explains each refusal with the code weir validate uses', () => {
    const c = ctx(nodes, [W('start', 'exec_out', 'log', 'exec_in'), W('add', 'sum', 'add2', 'integer1')]);
    expect(checkWire(W('log', 'exec_out', 'log', 'exec_in'), c)?.code).toBe('self_connection');
    expect(checkWire(W('log', 'nope', 'log2', 'exec_in'), c)?.code).toBe('unknown_pin');
    expect(checkWire(W('log', 'exec_in', 'log2', 'exec_in'), c)?.code).toBe('wrong_direction');
    expect(checkWire(W('start', 'exec_out', 'log2', 'message'), c)?.code).toBe('type_mismatch');
    expect(checkWire(W('fadd', 'sum', 'add', 'integer1'), c)).toMatchObject({ code: 'type_mismatch', message: expect.stringContaining('float') });
    expect(checkWire(W('start', 'exec_out', 'log2', 'exec_in'), c)?.code).toBe('exec_fanout');
    expect(checkWire(W('add', 'sum', 'add2', 'integer1'), c)?.code).toBe('multiple_sources');
    expect(checkWire(W('add2', 'sum', 'add', 'integer1'), c)?.code).toBe('data_cycle');
  });
  it('repeated copies are separate pins', () => {
    const c = ctx(nodes, [W('seq', 'exec_out', 'log', 'exec_in')]);
    expect(checkWire(W('seq', 'exec_out#2', 'log2', 'exec_in'), c)).toBeNull();
    expect(checkWire(W('seq', 'exec_out#3', 'log2', 'exec_in'), c)?.code).toBe('unknown_pin');
  });
});

describe('attachablePin (dropping a wire on empty canvas)', () => {
  it('finds the first compatible pin of a type', () => {
    expect(attachablePin(cat.get('log_info')!, { type: 'execution', value_type: 'normal', direction: 'out' })?.key).toBe('exec_in');
    expect(attachablePin(cat.get('int_add')!, { type: 'integer', value_type: 'normal', direction: 'out' })?.key).toBe('integer1');
    expect(attachablePin(cat.get('int_add')!, { type: 'string', value_type: 'normal', direction: 'out' })).toBeUndefined();
    expect(attachablePin(cat.get('int_add')!, { type: 'float', value_type: 'normal', direction: 'in' })?.key).toBe('sum');
  });
});
