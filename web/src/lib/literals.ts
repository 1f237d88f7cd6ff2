// Literal values of unconnected data inputs: which editor a pin gets, how its
// text becomes a value, and whether a value fits the pin's type (the same
// checks as src/board/typecheck.c, so a literal the editor accepts is one
// `weir validate` accepts).
import type { PinType, ValueType } from './types';

export type EditorKind = 'text' | 'integer' | 'float' | 'boolean' | 'json' | 'none';

export interface Typed {
  type: PinType;
  value_type: ValueType;
}

/** Which input control edits a literal of this pin. */
export function editorKind(p: Typed): EditorKind {
  if (p.type === 'execution') return 'none';
  if (p.value_type !== 'normal') return 'json';
  switch (p.type) {
    case 'string': case 'date': case 'bytes': return 'text';
    case 'integer': return 'integer';
    case 'float': return 'float';
    case 'boolean': return 'boolean';
    case 'struct': return 'json';
    default: return 'text'; // generic: text, or JSON when switched to it
  }
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export function isRfc3339(s: string): boolean {
  const m = RFC3339.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number);
  const dim = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  if (mo < 1 || mo > 12 || d < 1 || d > dim[mo - 1] || h > 23 || mi > 59 || se > 60) return false;
  const off = m[8];
  if (off.length === 6 && (Number(off.slice(1, 3)) > 23 || Number(off.slice(4, 6)) > 59)) return false;
  return true;
}

export function isBase64(s: string): boolean {
  return s.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(s);
}

function scalarProblem(v: unknown, type: PinType): string | null {
  switch (type) {
    case 'execution': return 'execution pins take no value';
    case 'generic': return null;
    case 'string': return typeof v === 'string' ? null : 'expected a string';
    case 'integer': return typeof v === 'number' && Number.isInteger(v) ? null : 'expected an integer';
    case 'float': return typeof v === 'number' && Number.isFinite(v) ? null : 'expected a number';
    case 'boolean': return typeof v === 'boolean' ? null : 'expected true or false';
    case 'struct': return v !== null && typeof v === 'object' && !Array.isArray(v) ? null : 'expected a JSON object';
    case 'date': return typeof v === 'string' && isRfc3339(v) ? null : 'expected an RFC 3339 date string';
    case 'bytes': return typeof v === 'string' && isBase64(v) ? null : 'expected a base64 string';
  }
  return 'unknown type';
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/** null when `v` fits the pin, else why not (typecheck_json). */
export function valueProblem(v: unknown, p: Typed): string | null {
  if (p.type === 'execution') return 'execution pins take no value';
  if (p.value_type === 'normal') return scalarProblem(v, p.type);
  if (p.value_type === 'array' || p.value_type === 'set') {
    if (!Array.isArray(v)) return 'expected an array';
    for (const e of v) {
      const why = scalarProblem(e, p.type);
      if (why) return why;
    }
    if (p.value_type === 'set' && new Set(v.map(canonical)).size !== v.length) return 'a set holds each value once';
    return null;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'expected an object (map)';
  for (const e of Object.values(v)) {
    const why = scalarProblem(e, p.type);
    if (why) return why;
  }
  return null;
}

export type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

/** The value a control's text stands for; `json` forces JSON for generic pins. */
export function parseLiteral(text: string, p: Typed, json = false): Parsed {
  const kind = editorKind(p);
  let value: unknown;
  if (kind === 'json' || (json && p.type === 'generic')) {
    try {
      value = JSON.parse(text);
    } catch {
      return { ok: false, message: 'not valid JSON' };
    }
  } else if (kind === 'integer') {
    if (!/^[+-]?\d+$/.test(text.trim())) return { ok: false, message: 'expected an integer' };
    value = Number(text.trim());
    if (!Number.isSafeInteger(value)) return { ok: false, message: 'integer out of range' };
  } else if (kind === 'float') {
    const t = text.trim();
    if (t === '' || !Number.isFinite(Number(t))) return { ok: false, message: 'expected a number' };
    value = Number(t);
  } else if (kind === 'boolean') {
    value = text === 'true';
  } else {
    value = text;
  }
  const why = valueProblem(value, p);
  return why ? { ok: false, message: why } : { ok: true, value };
}

/** The text a control shows for a value. */
export function literalText(v: unknown, p: Typed): string {
  if (v === undefined) return '';
  const kind = editorKind(p);
  if (kind === 'text' && typeof v === 'string') return v;
  if ((kind === 'integer' || kind === 'float') && typeof v === 'number') return String(v);
  return JSON.stringify(v);
}

/** Whether a generic pin's value is better edited as JSON than as text. */
export function prefersJson(v: unknown, p: Typed): boolean {
  return p.type === 'generic' && v !== undefined && typeof v !== 'string';
}
