// Edits of the graph that touch wires too: renaming a node (every wire and
// pin reference follows) and editing the extra outputs (`extra_pins`) of an
// Event with Payload node. Pure functions over the editor's graph.
import { edgeId, type GraphEdge, type GraphNode, type WeirNodeData } from './convert';
import type { ExtraPin, PinType, ValueType } from './types';

export const MAX_ID_BYTES = 256; // BOARD_MAX_ID_LEN
export const MAX_PIN_NAME_BYTES = 64;

const utf8Length = (s: string) => new TextEncoder().encode(s).length;

/** Why `id` cannot be a node's new id (null: it can) — the rules of `weir validate`:
 *  a non-empty string of at most 256 bytes, unique among node, variable and comment ids. */
export function nodeIdProblem(id: string, current: string, taken: ReadonlySet<string>): string | null {
  if (id === current) return null;
  if (!id) return 'An id cannot be empty.';
  if (utf8Length(id) > MAX_ID_BYTES) return `An id has at most ${MAX_ID_BYTES} bytes.`;
  if (taken.has(id)) return `"${id}" is already the id of a node, variable or comment.`;
  return null;
}

function withEdgeIds(e: GraphEdge): GraphEdge {
  return { ...e, id: edgeId(e.source, e.sourceHandle, e.target, e.targetHandle) };
}

/** Rename node `from` to `to`: the node, its board id, and every wire that touches it. */
export function renameNode<N extends GraphNode, E extends GraphEdge>(nodes: N[], edges: E[], from: string, to: string): { nodes: N[]; edges: E[] } {
  const ns = nodes.map((n) => {
    if (n.id !== from || n.type !== 'weir') return n;
    const d = n.data as WeirNodeData;
    return { ...n, id: to, data: { ...d, board: { ...d.board, id: to } } };
  });
  const es = edges.map((e) => {
    if (e.source !== from && e.target !== from) return e;
    return withEdgeIds({ ...e, source: e.source === from ? to : e.source, target: e.target === from ? to : e.target }) as E;
  });
  return { nodes: ns, edges: es };
}

/** Why `name` cannot be an extra output of a node whose other pin names are `others` (null: it can). */
export function extraPinNameProblem(name: string, others: ReadonlySet<string>): string | null {
  if (!name) return 'An output needs a name.';
  if (utf8Length(name) > MAX_PIN_NAME_BYTES) return `A pin name has at most ${MAX_PIN_NAME_BYTES} bytes.`;
  if (others.has(name)) return `The node already has a pin named "${name}".`;
  if (/[.#]/.test(name)) return 'A pin name cannot hold "." or "#" (wires name pins as node.pin#copy).';
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'A pin name cannot hold control characters.';
  return null;
}

/** A free name for a new extra output: field, field_2, … */
export function newExtraPinName(others: ReadonlySet<string>): string {
  if (!others.has('field')) return 'field';
  for (let k = 2; ; k++) if (!others.has(`field_${k}`)) return `field_${k}`;
}

/** The extra pins with one added (a string output). */
export function addExtraPin(pins: ExtraPin[] | undefined, name: string): ExtraPin[] {
  return [...(pins ?? []), { name, direction: 'out', type: 'string', value_type: 'normal' }];
}

/** Change extra pin `index`; a new name moves the wires from it. */
export function updateExtraPin<E extends GraphEdge>(pins: ExtraPin[], index: number, patch: { name?: string; type?: PinType; value_type?: ValueType },
  nodeId: string, edges: E[]): { pins: ExtraPin[]; edges: E[] } {
  const old = pins[index];
  if (!old) return { pins, edges };
  const next = pins.map((p, i) => (i === index ? { ...p, ...patch } : p));
  if (patch.name === undefined || patch.name === old.name) return { pins: next, edges };
  const es = edges.map((e) => (e.source === nodeId && e.sourceHandle === old.name ? withEdgeIds({ ...e, sourceHandle: patch.name! }) as E : e));
  return { pins: next, edges: es };
}

/** Remove extra pin `index` and the wires from it. */
export function removeExtraPin<E extends GraphEdge>(pins: ExtraPin[], index: number, nodeId: string, edges: E[]): { pins: ExtraPin[]; edges: E[] } {
  const old = pins[index];
  if (!old) return { pins, edges };
  return { pins: pins.filter((_, i) => i !== index), edges: edges.filter((e) => !(e.source === nodeId && e.sourceHandle === old.name)) };
}
