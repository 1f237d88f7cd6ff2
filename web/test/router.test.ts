import { afterEach, describe, expect, it, vi } from 'vitest';
import { navigate, onPopState, parseRoute, routePath, setNavigationGuard, type Route } from '../src/ui/router';

describe('editor routes', () => {
  it('round-trip through their paths', () => {
    const routes: Route[] = [
      { page: 'apps' },
      { page: 'boards', app: 'app_1' },
      { page: 'triggers', app: 'app_1' },
      { page: 'members', app: 'app_1' },
      { page: 'editor', app: 'app_1', board: 'brd_2' },
      { page: 'editor', app: 'app_1', board: 'brd_2', version: 3, run: 'run_4' },
    ];
    for (const r of routes) {
      const p = routePath(r);
      const q = p.indexOf('?');
      expect(parseRoute(q < 0 ? p : p.slice(0, q), q < 0 ? '' : p.slice(q))).toEqual(r);
    }
  });
  it('sends anything else to the app list; ignores bad versions', () => {
    expect(parseRoute('/', '')).toEqual({ page: 'apps' });
    expect(parseRoute('/elsewhere/x', '')).toEqual({ page: 'apps' });
    expect(parseRoute('/app/a/b', '?version=x')).toEqual({ page: 'editor', app: 'a', board: 'b' });
    expect(routePath({ page: 'boards', app: 'a/b' })).toBe('/app/a%2Fb');
  });
});

/** A browser history in memory: the entries, the current one, and location. */
function fakeHistory(start: string) {
  const entries = [start];
  let at = 0;
  const loc = { pathname: start, search: '' };
  const set = (p: string) => { const q = p.indexOf('?'); loc.pathname = q < 0 ? p : p.slice(0, q); loc.search = q < 0 ? '' : p.slice(q); };
  const h = {
    pushState: (_: unknown, __: string, p: string) => { entries.splice(at + 1); entries.push(p); at++; set(p); },
    replaceState: (_: unknown, __: string, p: string) => { entries[at] = p; set(p); },
    back: () => { at--; set(entries[at]); onPopState(); },
    entries, get at() { return at; },
  };
  vi.stubGlobal('location', loc);
  vi.stubGlobal('history', h);
  return { h, loc };
}

describe('the back button and unsaved changes', () => {
  afterEach(() => { setNavigationGuard(null); vi.unstubAllGlobals(); });
  it('asks the guard; staying puts the editor back, leaving goes back', () => {
    const { h, loc } = fakeHistory('/app/a');
    navigate('/app/a/brd_1');
    expect(loc.pathname).toBe('/app/a/brd_1');
    let asked = 0, answer = false;
    setNavigationGuard(() => { asked++; return answer; });
    h.back();
    expect(asked).toBe(1);
    expect(loc.pathname).toBe('/app/a/brd_1'); // stayed: the page shown is on top again
    expect(h.entries.slice(0, h.at + 1)).toEqual(['/app/a', '/app/a/brd_1']);
    answer = true;
    h.back();
    expect(asked).toBe(2);
    expect(loc.pathname).toBe('/app/a');
  });
  it('without a guard, back just goes back', () => {
    const { h, loc } = fakeHistory('/app');
    navigate({ page: 'boards', app: 'a' });
    h.back();
    expect(loc.pathname).toBe('/app');
  });
});
