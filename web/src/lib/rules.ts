// The connection rules of `weir validate` (docs/board-format.md, "The rules";
// src/board/typecheck.c and connect_all in src/board/board.c), applied while a
// wire is drawn so that a refused connection is explained at once.
import type { CatalogNode, PinType, ValueType } from './types';
import { expandPins, type Pin } from './pins';

export interface PinShape {
  type: PinType;
  value_type: ValueType;
}

/** typecheck_compatible: may an output of shape `from` feed an input of shape `to`? */
export function compatible(from: PinShape, to: PinShape): boolean {
  if (from.type === 'execution' || to.type === 'execution') return from.type === to.type;
  if ((to.type === 'generic' && to.value_type === 'normal') || (from.type === 'generic' && from.value_type === 'normal')) return true;
  const list = (v: ValueType) => v === 'array' || v === 'set';
  if (from.value_type !== to.value_type && !(list(from.value_type) && list(to.value_type))) return false;
  if (from.type === to.type || from.type === 'generic' || to.type === 'generic') return true;
  return from.type === 'integer' && to.type === 'float';
}

/** "integer", "string array", "generic map" … for messages. */
export function describeShape(p: PinShape): string {
  if (p.type === 'execution') return 'execution';
  return p.value_type === 'normal' ? p.type : `${p.type} ${p.value_type}`;
}

export interface Wire {
  source: string;
  sourceHandle: string;
  target: string;
  targetHandle: string;
}

export interface Refusal {
  code: string;
  message: string;
}

export interface RuleContext {
  /** The pins of a node of the board, or undefined for no such node. */
  pinsOf(nodeId: string): Pin[] | undefined;
  /** Whether the node is pure (no execution pins). */
  isPure(nodeId: string): boolean;
  /** The wires already on the board. */
  wires: readonly Wire[];
}

function an(word: string): string {
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}

/** null when the wire may be drawn, else why not (the code `weir validate` would report). */
export function checkWire(w: Wire, ctx: RuleContext): Refusal | null {
  if (w.source === w.target) return { code: 'self_connection', message: 'A node cannot be connected to itself.' };
  const sp = ctx.pinsOf(w.source)?.find((p) => p.key === w.sourceHandle);
  const tp = ctx.pinsOf(w.target)?.find((p) => p.key === w.targetHandle);
  if (!sp || !tp || sp.missing || tp.missing) return { code: 'unknown_pin', message: 'That pin does not exist on the node.' };
  if (sp.direction !== 'out' || tp.direction !== 'in')
    return { code: 'wrong_direction', message: 'A wire goes from an output (right side) to an input (left side).' };
  if (!compatible(sp, tp)) {
    if (sp.type === 'execution' || tp.type === 'execution')
      return { code: 'type_mismatch', message: 'Execution pins connect only to execution pins, data pins only to data pins.' };
    return {
      code: 'type_mismatch',
      message: `${capital(an(describeShape(sp)))} output cannot feed ${an(describeShape(tp))} input` +
        (sp.type === 'float' && tp.type === 'integer' ? ' (a float may lose its fraction; integers feed floats, not the reverse).' : '.'),
    };
  }
  if (sp.type === 'execution') {
    if (ctx.wires.some((x) => x.source === w.source && x.sourceHandle === w.sourceHandle))
      return { code: 'exec_fanout', message: `${sp.key} already drives an execution input: an execution output drives one input only — use a Sequence to do several things in order.` };
  } else if (ctx.wires.some((x) => x.target === w.target && x.targetHandle === w.targetHandle)) {
    return { code: 'multiple_sources', message: `${tp.key} already has a source: a data input reads from one output only. Delete that wire first.` };
  }
  if (ctx.isPure(w.source) && ctx.isPure(w.target) && reaches(w.target, w.source, ctx))
    return { code: 'data_cycle', message: 'This would make a cycle of pure nodes, which could never be evaluated.' };
  return null;
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Is `to` downstream of `from` along wires between pure nodes? */
function reaches(from: string, to: string, ctx: RuleContext): boolean {
  const seen = new Set<string>([from]);
  const stack = [from];
  while (stack.length) {
    const n = stack.pop()!;
    if (n === to) return true;
    for (const x of ctx.wires) {
      if (x.source !== n || seen.has(x.target) || !ctx.isPure(x.target)) continue;
      seen.add(x.target);
      stack.push(x.target);
    }
  }
  return false;
}

/** The pin of a node type a dangling wire could be attached to, if any:
 * from an output, the first compatible input; from an input, the first compatible output. */
export function attachablePin(def: CatalogNode, from: PinShape & { direction: 'in' | 'out' }): Pin | undefined {
  const pins = expandPins(def, { id: '', type: def.type });
  if (from.direction === 'out') return pins.find((p) => p.direction === 'in' && compatible(from, p));
  return pins.find((p) => p.direction === 'out' && compatible(p, from));
}
