// Board document ↔ the editor's graph (React Flow nodes and edges), both
// ways without loss: fields the editor does not know are carried along, so a
// board opened and saved keeps everything it had.
import type { Board, BoardComment, BoardConnection, BoardMeta, BoardNode, CatalogNode } from './types';
import { expandPins, formatRef, parseRef, refKey, type Pin } from './pins';

export const BOARD_FORMAT = 'weir-board/1';
export const COMMENT_PREFIX = 'comment:';

export interface WeirNodeData {
  board: BoardNode; // without x and y (the position holds them)
  [k: string]: unknown;
}
export interface CommentNodeData {
  comment: BoardComment; // without x, y, w, h
  [k: string]: unknown;
}

export interface GraphNode {
  id: string;
  type: 'weir' | 'comment';
  position: { x: number; y: number };
  data: WeirNodeData | CommentNodeData;
  width?: number;
  height?: number;
  zIndex?: number;
  selected?: boolean;
  draggable?: boolean;
  [k: string]: unknown;
}

export interface GraphEdge {
  id: string;
  source: string;
  sourceHandle: string;
  target: string;
  targetHandle: string;
  className?: string;
  data?: { extra?: Record<string, unknown>; [k: string]: unknown };
  selected?: boolean;
  [k: string]: unknown;
}

export interface Graph {
  meta: BoardMeta;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** The document had a "comments" member (written back even when empty). */
  hasComments?: boolean;
}

export type CatalogLookup = (type: string) => CatalogNode | undefined;

export function edgeId(source: string, sourceHandle: string, target: string, targetHandle: string): string {
  return `${formatRef(source, sourceHandle)}->${formatRef(target, targetHandle)}`;
}

/** The CSS class of a wire: "exec", or "t-TYPE" for data. */
export function edgeClass(p: Pin | undefined): string {
  if (!p) return 'wire t-generic';
  return p.type === 'execution' ? 'wire exec' : `wire t-${p.type}`;
}

const GRID_W = 280, GRID_H = 200, PER_ROW = 8;

export function isComment(n: { type?: string }): boolean {
  return n.type === 'comment';
}

export function boardToGraph(board: Board, lookup: CatalogLookup): Graph {
  const { nodes = [], connections = [], comments = [], ...meta } = board;
  const gnodes: GraphNode[] = [];
  const byId = new Map<string, BoardNode>();
  nodes.forEach((n, i) => {
    const { x, y, ...rest } = n;
    byId.set(n.id, rest as BoardNode);
    gnodes.push({
      id: n.id, type: 'weir',
      position: {
        x: typeof x === 'number' ? x : (i % PER_ROW) * GRID_W,
        y: typeof y === 'number' ? y : Math.floor(i / PER_ROW) * GRID_H,
      },
      data: { board: rest as BoardNode },
    });
  });
  const edges: GraphEdge[] = [];
  for (const c of connections) {
    const { from, to, ...extra } = c;
    const f = typeof from === 'string' ? parseRef(from) : null;
    const t = typeof to === 'string' ? parseRef(to) : null;
    if (!f || !t) continue; // unreadable refs cannot be drawn; the server reported them
    const sh = refKey(f), th = refKey(t);
    const fnode = byId.get(f.node);
    const sp = fnode ? expandPins(lookup(fnode.type), fnode).find((p) => p.key === sh) : undefined;
    const e: GraphEdge = {
      id: edgeId(f.node, sh, t.node, th), source: f.node, sourceHandle: sh, target: t.node, targetHandle: th,
      className: edgeClass(sp),
    };
    if (Object.keys(extra).length) e.data = { extra };
    edges.push(e);
  }
  comments.forEach((c, i) => {
    const { x, y, w, h, ...rest } = c;
    gnodes.push({
      id: COMMENT_PREFIX + c.id, type: 'comment',
      position: { x: typeof x === 'number' ? x : 0, y: typeof y === 'number' ? y : -120 - i * 80 },
      width: typeof w === 'number' ? w : 220, height: typeof h === 'number' ? h : 80,
      zIndex: -1,
      data: { comment: rest as BoardComment },
    });
  });
  // Comments first so they are drawn under the nodes.
  gnodes.sort((a, b) => (isComment(a) === isComment(b) ? 0 : isComment(a) ? -1 : 1));
  return { meta: meta as BoardMeta, nodes: gnodes, edges, hasComments: 'comments' in board };
}

function round(v: number): number {
  return Math.round(v);
}

export function graphToBoard(g: Graph): Board {
  const nodes: BoardNode[] = [];
  const comments: BoardComment[] = [];
  for (const n of g.nodes) {
    if (n.type === 'comment') {
      const c = (n.data as CommentNodeData).comment;
      const w = typeof n.width === 'number' ? n.width : (n.measured as { width?: number } | undefined)?.width;
      const h = typeof n.height === 'number' ? n.height : (n.measured as { height?: number } | undefined)?.height;
      comments.push({ ...c, x: round(n.position.x), y: round(n.position.y), w: round(w ?? 220), h: round(h ?? 80) });
    } else {
      const b = (n.data as WeirNodeData).board;
      const { id, type, ...rest } = b;
      nodes.push({ id, type, x: round(n.position.x), y: round(n.position.y), ...rest });
    }
  }
  const connections: BoardConnection[] = g.edges.map((e) => ({
    from: formatRef(e.source, e.sourceHandle),
    to: formatRef(e.target, e.targetHandle),
    ...(e.data?.extra ?? {}),
  }));
  const board: Board = { ...g.meta, format: g.meta.format || BOARD_FORMAT, nodes, connections } as Board;
  if (comments.length || g.hasComments) board.comments = comments;
  return board;
}

/** A new, empty board: one start node. */
export function newBoard(id: string, name: string): Board {
  return {
    format: BOARD_FORMAT, id, name, description: '', version: '1.0.0', variables: [],
    nodes: [{ id: 'start', type: 'events_simple', x: 0, y: 0 }], connections: [], comments: [],
  };
}

/** A board id (also the name of its storage directory) from a name. */
export function slugify(name: string): string {
  const s = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48);
  return s || 'board';
}
