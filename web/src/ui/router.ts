// A tiny router over the History API: the editor's pages live under /app/.
import { useEffect, useState } from 'react';

export type Route =
  | { page: 'apps' }
  | { page: 'boards'; app: string }
  | { page: 'triggers'; app: string }
  | { page: 'members'; app: string }
  | { page: 'editor'; app: string; board: string; version?: number; run?: string };

/** App pages under /app/{app}/NAME (board ids are brd_…, so these never clash). */
const APP_PAGES = ['triggers', 'members'] as const;

export function parseRoute(pathname: string, search: string): Route {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] !== 'app' || parts.length === 1) return { page: 'apps' };
  if (parts.length === 2) return { page: 'boards', app: parts[1] };
  if (parts.length === 3 && (APP_PAGES as readonly string[]).includes(parts[2])) return { page: parts[2] as 'triggers' | 'members', app: parts[1] };
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
  if (r.page === 'triggers' || r.page === 'members') return `/app/${e(r.app)}/${r.page}`;
  const q = new URLSearchParams();
  if (r.version) q.set('version', String(r.version));
  if (r.run) q.set('run', r.run);
  const qs = q.toString();
  return `/app/${e(r.app)}/${e(r.board)}${qs ? `?${qs}` : ''}`;
}

const listeners = new Set<() => void>();
let guard: (() => boolean) | null = null;
/** The path the router shows; the browser's back and forward buttons move away from it. */
let shown: string | null = null;
let popInstalled = false;

const here = () => location.pathname + location.search;

/** While set, in-app navigation — and the browser's back and forward buttons — ask it first (the editor: unsaved changes). */
export function setNavigationGuard(g: (() => boolean) | null): void {
  guard = g;
}

/** Go to a page; false when the guard kept the current one. */
export function navigate(r: Route | string, replace = false): boolean {
  const path = typeof r === 'string' ? r : routePath(r);
  if (path === here()) return true;
  if (guard && !guard()) return false;
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  shown = path;
  listeners.forEach((f) => f());
  return true;
}

/** Back or forward: the history entry has already changed. When the guard
 *  says stay, put the page shown back on top (the entry left is kept, so
 *  pressing back again asks again); else show the new page. */
export function onPopState(): void {
  const to = here();
  if (shown !== null && to !== shown && guard && !guard()) {
    history.pushState(null, '', shown);
    return;
  }
  shown = to;
  listeners.forEach((f) => f());
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname, location.search));
  useEffect(() => {
    if (shown === null) shown = here();
    if (!popInstalled) {
      addEventListener('popstate', onPopState);
      popInstalled = true;
    }
    const f = () => setRoute(parseRoute(location.pathname, location.search));
    listeners.add(f);
    return () => { listeners.delete(f); };
  }, []);
  return route;
}
