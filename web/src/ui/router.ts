// A tiny router over the History API: the editor's pages live under /app/.
import { useEffect, useState } from 'react';

export type Route =
  | { page: 'apps' }
  | { page: 'boards'; app: string }
  | { page: 'editor'; app: string; board: string; version?: number; run?: string };

export function parseRoute(pathname: string, search: string): Route {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] !== 'app' || parts.length === 1) return { page: 'apps' };
  if (parts.length === 2) return { page: 'boards', app: parts[1] };
  const q = new URLSearchParams(search);
  const v = Number(q.get('version'));
  return {
    page: 'editor', app: parts[1], board: parts[2],
    ...(Number.isInteger(v) && v > 0 ? { version: v } : {}),
    ...(q.get('run') ? { run: q.get('run')! } : {}),
  };
}

export function routePath(r: Route): string {
  const e = encodeURIComponent;
  if (r.page === 'apps') return '/app';
  if (r.page === 'boards') return `/app/${e(r.app)}`;
  const q = new URLSearchParams();
  if (r.version) q.set('version', String(r.version));
  if (r.run) q.set('run', r.run);
  const qs = q.toString();
  return `/app/${e(r.app)}/${e(r.board)}${qs ? `?${qs}` : ''}`;
}

const listeners = new Set<() => void>();
let guard: (() => boolean) | null = null;

/** While set, in-app navigation asks it first (the editor: unsaved changes). */
export function setNavigationGuard(g: (() => boolean) | null): void {
  guard = g;
}

/** Go to a page; false when the guard kept the current one. */
export function navigate(r: Route | string, replace = false): boolean {
  const path = typeof r === 'string' ? r : routePath(r);
  if (path === location.pathname + location.search) return true;
  if (guard && !guard()) return false;
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  listeners.forEach((f) => f());
  return true;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname, location.search));
  useEffect(() => {
    const f = () => setRoute(parseRoute(location.pathname, location.search));
    listeners.add(f);
    addEventListener('popstate', f);
    return () => {
      listeners.delete(f);
      removeEventListener('popstate', f);
    };
  }, []);
  return route;
}
