// The server's REST API (docs/server.md), as the editor uses it. Requests go
// to the same origin with the session cookie; state-changing ones carry the
// session's CSRF token in X-CSRF-Token.
import type { Board, BoardError, CatalogNode } from './lib/types';
import type { Trigger } from './lib/triggers';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export interface User {
  id: string;
  email: string;
  instance_admin: boolean;
}
export interface AppAccess {
  id: string;
  name: string;
  role: string;
  permissions: string[];
}
export interface Me {
  user: User;
  credential: { kind: string; id: string; csrf_token?: string };
  apps: AppAccess[];
}
export interface Provider {
  id: string;
  name: string;
}
export interface BoardSummary {
  id: string;
  name: string;
  latest_version: number;
  created_at: number;
  updated_at: number;
}
export interface BoardVersion {
  id: string;
  name: string;
  version: number;
  latest_version: number;
  board: Board;
  created_at: number;
  created_by?: string;
}
export interface SaveAnswer {
  id: string;
  version: number;
  valid: boolean;
  errors: BoardError[];
}
export interface VersionInfo {
  version: number;
  created_at: number;
  created_by?: string;
}
export type RunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'timed_out' | 'cancelled';
export interface TraceEntry {
  node: string;
  type: string;
  status: string;
  start_us: number;
  duration_us: number;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  error?: string;
}
export interface LogEntry {
  node: string | null;
  level: string;
  message: string;
}
export interface Run {
  id: string;
  board_id: string;
  board_version: number;
  event_id?: string;
  start_node?: string;
  status: RunStatus;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  created_by?: string;
  rerun_of?: string;
  attempts: number;
  error_code: string | null;
  payload?: unknown;
  result?: unknown;
  error?: { code: string; node: string | null; message: string } | null;
  variables_set?: string[];
  trace?: TraceEntry[];
  trace_truncated?: boolean;
  logs?: LogEntry[];
  logs_truncated?: boolean;
}

export interface Member {
  user_id: string;
  email: string;
  role: string;
  role_id: string;
  joined_at: number;
}
export interface Role {
  id: string;
  name: string;
  permissions: string[];
  builtin: boolean;
  members: number;
}
export interface TriggerInput {
  name: string;
  kind: Trigger['kind'];
  board_id: string;
  board_version: number | null;
  start_node?: string;
  config: Trigger['config'];
  on_restart: Trigger['on_restart'];
  enabled: boolean;
}
export interface ApiKeyCreated {
  id: string;
  name: string;
  role: string;
  expires_at: number;
  key: string;
}

let csrf = '';
let onUnauthorized: (() => void) | null = null;

export function setCsrf(token: string | undefined): void {
  csrf = token ?? '';
}
/** Called when the server answers 401 (the session ended). */
export function setUnauthorizedHandler(f: (() => void) | null): void {
  onUnauthorized = f;
}

export const API = '/api/v1';

async function call<T>(method: string, path: string, body?: unknown, opts: { quiet401?: boolean } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrf) headers['X-CSRF-Token'] = csrf;
  let res: Response;
  try {
    res = await fetch(API + path, {
      method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached.');
  }
  const text = await res.text();
  let json: unknown = undefined;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  if (!res.ok) {
    const p = (json ?? {}) as { code?: string; detail?: string; title?: string };
    if (res.status === 401 && !opts.quiet401 && onUnauthorized) onUnauthorized();
    throw new ApiError(res.status, p.code ?? `http_${res.status}`, p.detail ?? p.title ?? res.statusText ?? 'request failed');
  }
  return json as T;
}

const enc = encodeURIComponent;
const appPath = (app: string) => `/apps/${enc(app)}`;

export const api = {
  me: () => call<Me>('GET', '/me', undefined, { quiet401: true }),
  login: (email: string, password: string) =>
    call<{ user: User; csrf_token: string }>('POST', '/auth/login', { email, password }, { quiet401: true }),
  logout: () => call<void>('POST', '/auth/logout'),
  providers: async (): Promise<Provider[]> => {
    try {
      const r = await call<unknown>('GET', '/auth/providers', undefined, { quiet401: true });
      const list = Array.isArray(r) ? r : (r as { items?: unknown; providers?: unknown })?.items ?? (r as { providers?: unknown })?.providers;
      return Array.isArray(list) ? list.filter((p): p is Provider => !!p && typeof p.id === 'string').map((p) => ({ id: p.id, name: p.name || p.id })) : [];
    } catch {
      return []; // no providers configured, or a server without them
    }
  },
  oidcStartUrl: (provider: string) => `${API}/auth/oidc/${enc(provider)}/start`,

  createApp: (name: string, description = '') => call<{ id: string; name: string }>('POST', '/apps', { name, description }),
  renameApp: (app: string, name: string) => call<unknown>('PATCH', appPath(app), { name }),
  deleteApp: (app: string) => call<void>('DELETE', appPath(app)),

  boards: (app: string) => call<{ items: BoardSummary[] }>('GET', `${appPath(app)}/boards`).then((r) => r.items),
  createBoard: (app: string, name: string, board: Board) =>
    call<SaveAnswer & { name: string }>('POST', `${appPath(app)}/boards`, { name, board }),
  board: (app: string, board: string, version?: number) =>
    call<BoardVersion>('GET', `${appPath(app)}/boards/${enc(board)}${version ? `/versions/${version}` : ''}`),
  saveBoard: (app: string, board: string, doc: Board, base: number | undefined, name?: string) =>
    call<SaveAnswer>('PUT', `${appPath(app)}/boards/${enc(board)}`, { board: doc, ...(base ? { base_version: base } : {}), ...(name ? { name } : {}) }),
  deleteBoard: (app: string, board: string) => call<void>('DELETE', `${appPath(app)}/boards/${enc(board)}`),
  versions: (app: string, board: string) =>
    call<{ items: VersionInfo[] }>('GET', `${appPath(app)}/boards/${enc(board)}/versions`).then((r) => r.items),

  catalog: (app: string) => call<CatalogNode[] | { items: CatalogNode[] }>('GET', `${appPath(app)}/catalog`)
    .then((r) => (Array.isArray(r) ? r : r.items)),

  startRun: (app: string, board: string, body: { payload?: unknown; variables?: Record<string, unknown>; start_node?: string; version?: number }) =>
    call<{ id: string; board_version: number; status: RunStatus }>('POST', `${appPath(app)}/boards/${enc(board)}/runs`, body),
  runs: (app: string, board: string, limit = 50) =>
    call<{ items: Run[]; next_cursor: string | null }>('GET', `${appPath(app)}/runs?board=${enc(board)}&limit=${limit}`),
  run: (app: string, run: string) => call<Run>('GET', `${appPath(app)}/runs/${enc(run)}`),
  rerun: (app: string, run: string) => call<{ id: string; board_version: number }>('POST', `${appPath(app)}/runs/${enc(run)}/rerun`),
  cancelRun: (app: string, run: string) => call<unknown>('POST', `${appPath(app)}/runs/${enc(run)}/cancel`),
  liveUrl: (app: string) => `${API}${appPath(app)}/live`,
  eventRuns: (app: string, event: string, limit = 5) =>
    call<{ items: Run[]; next_cursor: string | null }>('GET', `${appPath(app)}/runs?event=${enc(event)}&limit=${limit}`).then((r) => r.items),

  triggers: (app: string) => call<{ items: Trigger[] }>('GET', `${appPath(app)}/events`).then((r) => r.items),
  createTrigger: (app: string, t: TriggerInput) => call<Trigger>('POST', `${appPath(app)}/events`, t),
  updateTrigger: (app: string, id: string, t: TriggerInput) => call<Trigger>('PATCH', `${appPath(app)}/events/${enc(id)}`, t),
  deleteTrigger: (app: string, id: string) => call<void>('DELETE', `${appPath(app)}/events/${enc(id)}`),
  createApiKey: (app: string, name: string, role: string, expiresInDays: number) =>
    call<ApiKeyCreated>('POST', `${appPath(app)}/api-keys`, { name, role, expires_in_days: expiresInDays }),

  members: (app: string) => call<{ items: Member[] }>('GET', `${appPath(app)}/members`).then((r) => r.items),
  putMember: (app: string, user: string, role: string) => call<Member>('PUT', `${appPath(app)}/members/${enc(user)}`, { role }),
  removeMember: (app: string, user: string) => call<void>('DELETE', `${appPath(app)}/members/${enc(user)}`),
  roles: (app: string) => call<{ items: Role[] }>('GET', `${appPath(app)}/roles`).then((r) => r.items),
  createRole: (app: string, name: string, permissions: string[]) => call<Role>('POST', `${appPath(app)}/roles`, { name, permissions }),
  updateRole: (app: string, role: string, patch: { name?: string; permissions?: string[] }) =>
    call<Role>('PATCH', `${appPath(app)}/roles/${enc(role)}`, patch),
  deleteRole: (app: string, role: string) => call<void>('DELETE', `${appPath(app)}/roles/${enc(role)}`),
};

export function can(app: AppAccess | undefined, perm: string): boolean {
  return !!app && (app.permissions.includes(perm) || app.permissions.includes('owner'));
}

export function isFinal(s: string): boolean {
  return s === 'completed' || s === 'failed' || s === 'timed_out' || s === 'cancelled';
}
