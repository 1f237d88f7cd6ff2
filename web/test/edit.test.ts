import { describe, expect, it } from 'vitest';
import { boardToGraph, graphToBoard } from '../src/lib/convert';
import {
  addExtraPin, extraPinNameProblem, newExtraPinName, nodeIdProblem, removeExtraPin, renameNode, updateExtraPin,
} from '../src/lib/edit';
import { expandPins } from '../src/lib/pins';
import type { Board } from '../src/lib/types';
import { catalog } from './helpers';

const cat = catalog();
const lookup = (t: string) => cat.get(t);

function board(): Board {
  return {
    format: 'weir-board/1', id: 'b', name: 'b', variables: [{ id: 'count', type: 'integer' }],
    nodes: [
      { id: 'start', type: 'events_generic', x: 0, y: 0, extra_pins: [{ name: 'who', direction: 'out', type: 'string', value_type: 'normal' }] },
      { id: 'say', type: 'log_info', x: 300, y: 0 },
      { id: 'seq', type: 'control_sequence', x: 600, y: 0, pin_counts: { exec_out: 3 } },
      { id: 'say2', type: 'log_info', x: 900, y: 0 },
    ],
    connections: [
      { from: 'start.exec_out', to: 'say.exec_in' },
      { from: 'start.who', to: 'say.message' },
      { from: 'say.exec_out', to: 'seq.exec_in' },
      { from: 'seq.exec_out#3', to: 'say2.exec_in', note: 'kept' },
    ],
    comments: [{ id: 'c1', text: 'hi', x: 0, y: -100, w: 100, h: 50 }],
  };
}

describe('node id rules (those of weir validate)', () => {
  const taken = new Set(['start', 'say', 'count', 'c1']);
  it('accepts a new unique id and the unchanged one', () => {
    expect(nodeIdProblem('greet', 'say', taken)).toBeNull();
    expect(nodeIdProblem('say', 'say', taken)).toBeNull();
    expect(nodeIdProblem('with.dot#hash', 'say', taken)).toBeNull();
  });
  it('refuses empty, too long and taken ids — nodes, variables and comments alike', () => {
    expect(nodeIdProblem('', 'say', taken)).toMatch(/empty/);
    expect(nodeIdProblem('x'.repeat(257), 'say', taken)).toMatch(/256 bytes/);
    expect(nodeIdProblem('é'.repeat(129), 'say', taken)).toMatch(/256 bytes/); // 258 bytes in UTF-8
    expect(nodeIdProblem('x'.repeat(256), 'say', taken)).toBeNull();
    expect(nodeIdProblem('start', 'say', taken)).toMatch(/already/);
    expect(nodeIdProblem('count', 'say', taken)).toMatch(/already/);
    expect(nodeIdProblem('c1', 'say', taken)).toMatch(/already/);
  });
});

describe('renaming a node', () => {
  it('moves every wire on it, in and out, and keeps the rest of the board', () => {
    const g = boardToGraph(board(), lookup);
    const r = renameNode(g.nodes, g.edges, 'say', 'greet');
    const out = graphToBoard({ ...g, nodes: r.nodes, edges: r.edges });
    expect(out.nodes.map((n) => n.id)).toEqual(['start', 'greet', 'seq', 'say2']);
    expect(out.connections).toEqual([
      { from: 'start.exec_out', to: 'greet.exec_in' },
      { from: 'start.who', to: 'greet.message' },
      { from: 'greet.exec_out', to: 'seq.exec_in' },
      { from: 'seq.exec_out#3', to: 'say2.exec_in', note: 'kept' },
    ]);
    expect(r.edges.find((e) => e.source === 'greet')?.id).toBe('greet.exec_out->seq.exec_in');
    expect(out.comments).toEqual(board().comments);
  });
  it('keeps repeated-pin copies when the renamed node has them', () => {
    const g = boardToGraph(board(), lookup);
    const r = renameNode(g.nodes, g.edges, 'seq', 'steps');
    const out = graphToBoard({ ...g, nodes: r.nodes, edges: r.edges });
    expect(out.connections).toContainEqual({ from: 'steps.exec_out#3', to: 'say2.exec_in', note: 'kept' });
    expect(out.nodes.find((n) => n.id === 'steps')?.pin_counts).toEqual({ exec_out: 3 });
  });
  it('leaves other nodes and their objects untouched', () => {
    const g = boardToGraph(board(), lookup);
    const r = renameNode(g.nodes, g.edges, 'say', 'greet');
    expect(r.nodes[0]).toBe(g.nodes[0]);
    expect(r.edges[3]).toBe(g.edges[3]);
  });
});

describe('extra outputs (extra_pins) of Event with Payload', () => {
  it('are pins of the node, and adding one gives it a free name', () => {
    const start = board().nodes[0];
    expect(expandPins(lookup('events_generic'), start).map((p) => p.key)).toEqual(['exec_out', 'payload', 'who']);
    const names = new Set(expandPins(lookup('events_generic'), start).map((p) => p.name));
    expect(newExtraPinName(names)).toBe('field');
    expect(newExtraPinName(new Set(['field', 'field_2']))).toBe('field_3');
    const pins = addExtraPin(start.extra_pins, 'field');
    expect(pins).toEqual([start.extra_pins![0], { name: 'field', direction: 'out', type: 'string', value_type: 'normal' }]);
    expect(expandPins(lookup('events_generic'), { ...start, extra_pins: pins }).map((p) => p.key)).toContain('field');
  });
  it('refuse names the server refuses, and those a wire could not name', () => {
    const others = new Set(['exec_out', 'payload', 'who']);
    expect(extraPinNameProblem('amount', others)).toBeNull();
    expect(extraPinNameProblem('', others)).toMatch(/name/);
    expect(extraPinNameProblem('payload', others)).toMatch(/already/);
    expect(extraPinNameProblem('x'.repeat(65), others)).toMatch(/64/);
    expect(extraPinNameProblem('a.b', others)).toMatch(/"\."/);
    expect(extraPinNameProblem('a#2', others)).toMatch(/#/);
  });
  it('renaming one moves its wires; changing its type keeps the name', () => {
    const g = boardToGraph(board(), lookup);
    const pins = board().nodes[0].extra_pins!;
    const r = updateExtraPin(pins, 0, { name: 'person' }, 'start', g.edges);
    expect(r.pins[0].name).toBe('person');
    expect(r.edges.map((e) => e.id)).toContain('start.person->say.message');
    expect(r.edges.map((e) => e.id)).not.toContain('start.who->say.message');
    const t = updateExtraPin(pins, 0, { type: 'integer', value_type: 'array' }, 'start', g.edges);
    expect(t.pins[0]).toEqual({ name: 'who', direction: 'out', type: 'integer', value_type: 'array' });
    expect(t.edges).toBe(g.edges);
  });
  it('removing one removes its wires, and only those', () => {
    const g = boardToGraph(board(), lookup);
    const r = removeExtraPin(board().nodes[0].extra_pins!, 0, 'start', g.edges);
    expect(r.pins).toEqual([]);
    expect(r.edges.map((e) => e.id)).toEqual(g.edges.filter((e) => e.sourceHandle !== 'who').map((e) => e.id));
    expect(r.edges).toHaveLength(3);
  });
});
