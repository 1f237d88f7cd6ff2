import { describe, expect, it } from 'vitest';
import { boardToGraph, graphToBoard, newBoard, slugify, type WeirNodeData } from '../src/lib/convert';
import { parseRef, refKey } from '../src/lib/pins';
import type { Board } from '../src/lib/types';
import { catalog, exampleBoards } from './helpers';

const cat = catalog();
const lookup = (t: string) => cat.get(t);

/** Connections written the canonical way ("#1" dropped), for comparison. */
function canonical(b: Board): Board {
  return {
    ...b,
    connections: b.connections.map((c) => {
      const f = parseRef(c.from)!, t = parseRef(c.to)!;
      return { ...c, from: `${f.node}.${refKey(f)}`, to: `${t.node}.${refKey(t)}` };
    }),
  };
}

describe('board ↔ graph', () => {
  for (const { name, board } of exampleBoards()) {
    it(`${name} survives a round trip`, () => {
      const g = boardToGraph(board, lookup);
      expect(g.nodes.filter((n) => n.type === 'weir')).toHaveLength(board.nodes.length);
      expect(g.edges).toHaveLength(board.connections.length);
      expect(graphToBoard(g)).toEqual(canonical(board));
    });
  }

  it('keeps fields it does not know, on the board, nodes, connections and comments', () => {
    const b: Board = {
      format: 'weir-board/1', id: 'x', future: { a: 1 },
      nodes: [{ id: 'start', type: 'events_simple', x: 1, y: 2, note: 'n' }, { id: 'q', type: 'not_a_type', x: 5, y: 6, inputs: { z: 1 } }],
      connections: [{ from: 'start.exec_out', to: 'q.exec_in', label: 'go' }],
      comments: [{ id: 'c', text: 't', x: 0, y: 0, w: 10, h: 20, color: 'red' }],
    };
    expect(graphToBoard(boardToGraph(b, lookup))).toEqual(b);
  });

  it('places nodes without coordinates on a grid and writes them back', () => {
    const b: Board = { format: 'weir-board/1', id: 'x', nodes: [{ id: 'a', type: 'events_simple' }, { id: 'b', type: 'log_info' }], connections: [] };
    const out = graphToBoard(boardToGraph(b, lookup));
    expect(out.nodes.map((n) => [n.x, n.y])).toEqual([[0, 0], [280, 0]]);
    expect('comments' in out).toBe(false);
  });

  it('edges carry the class of their pin type', () => {
    const b = exampleBoards().find((e) => e.name === 'hello.board.json')!.board;
    const g = boardToGraph(b, lookup);
    expect(g.edges.map((e) => e.className)).toEqual(['wire exec', 'wire t-generic', 'wire exec', 'wire t-generic']);
    expect((g.nodes.find((n) => n.id === 'say')!.data as WeirNodeData).board).toEqual({ id: 'say', type: 'log_info' });
  });

  it('new boards have a start node; names become ids', () => {
    expect(newBoard('b', 'B').nodes[0].type).toBe('events_simple');
    expect(slugify('Order check — Ünïcode!')).toBe('order-check-unicode');
    expect(slugify('!!!')).toBe('board');
  });
});
