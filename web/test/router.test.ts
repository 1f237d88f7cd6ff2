import { describe, expect, it } from 'vitest';
import { parseRoute, routePath, type Route } from '../src/ui/router';

describe('editor routes', () => {
  it('round-trip through their paths', () => {
    const routes: Route[] = [
      { page: 'apps' },
      { page: 'boards', app: 'app_1' },
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
