// Triggers (the server's events): webhook and schedule settings, and the
// example request shown for a webhook — a curl command whose JSON body has one
// sample value per output of the board's Event with Payload node.
import type { BoardNode, CatalogNode, ExtraPin, PinType, ValueType } from './types';

export type TriggerKind = 'manual' | 'webhook' | 'schedule';

/** An event as GET …/events returns it. */
export interface Trigger {
  id: string;
  name: string;
  kind: TriggerKind;
  board_id: string;
  board_version: number | null;
  start_node: string;
  config: { cron?: string; timezone?: string; wait?: boolean; [k: string]: unknown };
  on_restart: 'requeue' | 'fail';
  enabled: boolean | number;
  next_fire_at: number | null;
  created_at: number;
  webhook_url?: string;
}

/** Event names as the server takes them (srv_name_ok): 1–64 of A-Z a-z 0-9 _ . -, not starting with '.'. */
export function triggerNameProblem(name: string): string | null {
  if (!name) return 'A trigger needs a name.';
  if (name.length > 64) return 'A name has at most 64 characters.';
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) return 'A name holds only letters, digits, _ . and - (it becomes part of the webhook URL).';
  if (name.startsWith('.')) return 'A name does not start with a dot.';
  return null;
}

/** A cron line has five fields (minute hour day-of-month month day-of-week); the server checks the rest. */
export function cronProblem(cron: string): string | null {
  const f = cron.trim().split(/\s+/).filter(Boolean);
  if (f.length === 0) return 'A schedule needs a cron expression, e.g. 0 9 * * MON-FRI.';
  if (f.length !== 5 && !(f.length === 1 && f[0].startsWith('@'))) return `A cron expression has 5 fields (minute hour day month weekday); this one has ${f.length}.`;
  return null;
}

function sampleOf(type: PinType | undefined, name: string): unknown {
  switch (type ?? 'generic') {
    case 'string': return `${name} text`;
    case 'integer': return 42;
    case 'float': return 1.5;
    case 'boolean': return true;
    case 'date': return '2026-01-01T09:00:00Z';
    case 'bytes': return 'aGVsbG8=';
    case 'struct': return { key: 'value' };
    default: return 'any JSON';
  }
}

/** A sample value for a pin of this type and shape. */
export function sampleValue(type: PinType | undefined, shape: ValueType | undefined, name = 'value'): unknown {
  const one = sampleOf(type, name);
  switch (shape ?? 'normal') {
    case 'array': case 'set': return [one];
    case 'map': return { key: one };
    default: return one;
  }
}

/** The start nodes of a board, for the trigger's "start node". */
export function startNodes(nodes: BoardNode[], lookup: (type: string) => CatalogNode | undefined): BoardNode[] {
  return nodes.filter((n) => lookup(n.type)?.start || n.type === 'events_simple' || n.type === 'events_generic');
}

/** The example JSON body for a webhook starting at `start`: one key per extra output. */
export function examplePayload(start: BoardNode | undefined): Record<string, unknown> {
  const extra = Array.isArray(start?.extra_pins) ? (start!.extra_pins as ExtraPin[]) : [];
  const body: Record<string, unknown> = {};
  for (const p of extra) {
    if (p && typeof p.name === 'string' && p.name && !(p.name in body)) body[p.name] = sampleValue(p.type, p.value_type, p.name);
  }
  if (!Object.keys(body).length && start?.type === 'events_generic') body.message = 'hello';
  return body;
}

/** Quote for a POSIX shell: single quotes, a single quote as '\''. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export const KEY_PLACEHOLDER = '$WEIR_API_KEY';

/** The curl command that calls a webhook. Without a key, the header reads the key from $WEIR_API_KEY. */
export function exampleRequest(url: string, body: unknown, key?: string): string {
  const auth = key ? shellQuote(`Authorization: Bearer ${key}`) : `"Authorization: Bearer ${KEY_PLACEHOLDER}"`;
  return [
    `curl -X POST ${shellQuote(url)} \\`,
    `  -H ${auth} \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d ${shellQuote(JSON.stringify(body))}`,
  ].join('\n');
}

/** The time zones the browser knows (IANA names), UTC first. */
export function timeZones(): string[] {
  let zones: string[] = [];
  try {
    zones = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  } catch {
    zones = [];
  }
  return ['UTC', ...zones.filter((z) => z !== 'UTC')];
}

/** The browser's own time zone (the default of a new schedule). */
export function localTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** A short description of a trigger's settings for the list. */
export function describeTrigger(t: Pick<Trigger, 'kind' | 'config'>): string {
  if (t.kind === 'schedule') return `${t.config.cron ?? '?'} (${t.config.timezone ?? 'UTC'})`;
  if (t.kind === 'webhook') return t.config.wait === false ? 'answers at once (202)' : 'waits for the result';
  return 'fired by hand';
}
