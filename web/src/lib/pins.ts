// Which pins a node of the board has: the catalog's pins, repeated pins
// copied `pin_counts` times (default 2), extra outputs, string_format
// placeholders and the error pins of `handle_errors` — the same expansion as
// the server's board loader (src/board/board.c, expand_pins).
import type { BoardNode, CatalogNode, Direction, PinType, ValueType } from './types';

export const DEFAULT_PIN_COUNT = 2;
export const MAX_PIN_COUNT = 256; // BOARD_MAX_PIN_COUNT

export interface Pin {
  /** Handle id: "name" for the first copy, "name#k" for copy k > 1. */
  key: string;
  name: string;
  /** 1-based copy of a repeated pin; 1 otherwise. */
  copy: number;
  direction: Direction;
  type: PinType;
  value_type: ValueType;
  default?: unknown;
  /** A copy of a repeated pin (+/− on the node). */
  repeated: boolean;
  /** How many copies the repeated pin has on this node. */
  count: number;
  /** Made by the node's settings: extra output, placeholder, error pin. */
  dynamic?: 'extra' | 'format' | 'error';
  /** Named by a connection but not a pin of the node (shown so it can be fixed). */
  missing?: boolean;
}

export function pinKey(name: string, copy: number): string {
  return copy > 1 ? `${name}#${copy}` : name;
}

export interface PinRef {
  node: string;
  pin: string;
  copy: number; // 0 when the "#k" part is malformed
}

function parseCopy(s: string): number {
  if (!/^[0-9]+$/.test(s)) return 0;
  const k = Number(s);
  return k >= 1 && k <= MAX_PIN_COUNT ? k : 0;
}

/** "NODE.PIN" or "NODE.PIN#k": the pin is after the last '.', "#k" counts only there. */
export function parseRef(ref: string): PinRef | null {
  const dot = ref.lastIndexOf('.');
  if (dot <= 0 || dot === ref.length - 1) return null;
  const tail = ref.slice(dot + 1);
  const hash = tail.indexOf('#');
  if (hash === 0) return null;
  if (hash < 0) return { node: ref.slice(0, dot), pin: tail, copy: 1 };
  return { node: ref.slice(0, dot), pin: tail.slice(0, hash), copy: parseCopy(tail.slice(hash + 1)) };
}

export function formatRef(node: string, key: string): string {
  return `${node}.${key}`;
}

/** Split a handle id ("name" or "name#k") into name and copy. */
export function splitKey(key: string): { name: string; copy: number } {
  const hash = key.indexOf('#');
  if (hash < 0) return { name: key, copy: 1 };
  return { name: key.slice(0, hash), copy: parseCopy(key.slice(hash + 1)) };
}

/** The placeholders of a string_format format string, in order, once each. */
export function formatPlaceholders(fmt: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < fmt.length; i++) {
    if (fmt[i] === '{' && fmt[i + 1] === '{') { i++; continue; }
    if (fmt[i] !== '{') continue;
    const end = fmt.indexOf('}', i + 1);
    if (end < 0) break;
    const name = fmt.slice(i + 1, end);
    if (name.length > 0 && name.length <= 64 && /^[A-Za-z0-9_]+$/.test(name)) {
      if (!out.includes(name)) out.push(name);
      i = end;
    }
  }
  return out;
}

export function pinCount(node: BoardNode, name: string): number {
  const c = node.pin_counts?.[name];
  return typeof c === 'number' && Number.isInteger(c) && c >= 1 ? Math.min(c, MAX_PIN_COUNT) : DEFAULT_PIN_COUNT;
}

const cache = new WeakMap<BoardNode, { def: CatalogNode | undefined; pins: Pin[] }>();

/** Every pin of `node` (of type `def`; undefined for an unknown type: no pins). */
export function expandPins(def: CatalogNode | undefined, node: BoardNode): Pin[] {
  const hit = cache.get(node);
  if (hit && hit.def === def) return hit.pins;
  const pins: Pin[] = [];
  if (def) {
    for (const p of def.pins) {
      const count = p.repeated ? pinCount(node, p.name) : 1;
      for (let k = 1; k <= count; k++) {
        pins.push({
          key: p.repeated ? pinKey(p.name, k) : p.name, name: p.name, copy: k, direction: p.direction,
          type: p.type, value_type: p.value_type, default: p.default, repeated: !!p.repeated, count,
        });
      }
    }
    const has = (name: string) => pins.some((p) => p.name === name);
    if (def.extra_outputs && Array.isArray(node.extra_pins)) {
      for (const e of node.extra_pins) {
        if (!e || typeof e.name !== 'string' || !e.name || has(e.name)) continue;
        pins.push({
          key: e.name, name: e.name, copy: 1, direction: 'out', type: e.type ?? 'generic',
          value_type: e.value_type ?? 'normal', repeated: false, count: 1, dynamic: 'extra',
        });
      }
    }
    const fmt = node.inputs?.format_string;
    if (def.format_inputs && typeof fmt === 'string') {
      for (const name of formatPlaceholders(fmt)) {
        if (has(name)) continue;
        pins.push({ key: name, name, copy: 1, direction: 'in', type: 'generic', value_type: 'normal', repeated: false, count: 1, dynamic: 'format' });
      }
    }
    if (node.handle_errors === true && !def.pure) {
      pins.push({ key: 'auto_handle_error', name: 'auto_handle_error', copy: 1, direction: 'out', type: 'execution', value_type: 'normal', repeated: false, count: 1, dynamic: 'error' });
      pins.push({ key: 'auto_handle_error_string', name: 'auto_handle_error_string', copy: 1, direction: 'out', type: 'string', value_type: 'normal', repeated: false, count: 1, dynamic: 'error' });
    }
  }
  cache.set(node, { def, pins });
  return pins;
}

export function findPin(pins: Pin[], key: string): Pin | undefined {
  return pins.find((p) => p.key === key);
}

/** The handle id a pin reference names (copy 1 of a repeated pin is "name"). */
export function refKey(ref: PinRef): string {
  return pinKey(ref.pin, ref.copy);
}

export function isExec(p: { type: PinType }): boolean {
  return p.type === 'execution';
}
