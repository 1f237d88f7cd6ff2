import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Catalog } from '../src/lib/catalog';
import type { Board, CatalogNode } from '../src/lib/types';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = join(here, '..', '..');

/** `weir catalog` as of when the fixture was made (test/fixtures/catalog.json). */
export function catalog(): Catalog {
  return new Catalog(JSON.parse(readFileSync(join(here, 'fixtures', 'catalog.json'), 'utf8')) as CatalogNode[]);
}

export function exampleBoards(): { name: string; board: Board }[] {
  const dir = join(REPO, 'examples');
  return readdirSync(dir).filter((f) => f.endsWith('.board.json')).sort()
    .map((f) => ({ name: f, board: JSON.parse(readFileSync(join(dir, f), 'utf8')) as Board }));
}
