// The catalog of an app (GET …/catalog): lookup by type, and the palette's search.
import type { CatalogNode } from './types';

export class Catalog {
  readonly nodes: CatalogNode[];
  private readonly byType = new Map<string, CatalogNode>();

  constructor(nodes: CatalogNode[]) {
    this.nodes = nodes;
    for (const n of nodes) this.byType.set(n.type, n);
  }

  get(type: string): CatalogNode | undefined {
    return this.byType.get(type);
  }

  /** Node types matching every word of `query` (name, type, category,
   * description, package), best first: name matches before description ones. */
  search(query: string, filter?: (n: CatalogNode) => boolean): CatalogNode[] {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    const scored: { n: CatalogNode; score: number }[] = [];
    for (const n of this.nodes) {
      if (filter && !filter(n)) continue;
      const name = n.friendly_name.toLowerCase(), type = n.type.toLowerCase();
      const rest = `${n.category} ${n.description} ${n.package ?? ''}`.toLowerCase();
      let score = 0, ok = true;
      for (const w of words) {
        if (name.startsWith(w) || type.startsWith(w)) score += 3;
        else if (name.includes(w) || type.includes(w)) score += 2;
        else if (rest.includes(w)) score += 1;
        else { ok = false; break; }
      }
      if (ok) scored.push({ n, score });
    }
    if (!words.length) return scored.map((s) => s.n);
    return scored.sort((a, b) => b.score - a.score || a.n.friendly_name.localeCompare(b.n.friendly_name)).map((s) => s.n);
  }

  /** Categories in first-seen order, each with its nodes (for the palette). */
  static group(nodes: CatalogNode[]): { category: string; nodes: CatalogNode[] }[] {
    const groups = new Map<string, CatalogNode[]>();
    for (const n of nodes) {
      const c = n.package ? `Package: ${n.package}` : n.category || 'Other';
      if (!groups.has(c)) groups.set(c, []);
      groups.get(c)!.push(n);
    }
    return [...groups].map(([category, ns]) => ({ category, nodes: ns }));
  }
}

/** The names of a package node's capabilities, whatever shape the server gives them in. */
export function capabilityNames(caps: unknown): string[] {
  if (!caps) return [];
  if (Array.isArray(caps)) return caps.map((c) => (typeof c === 'string' ? c : typeof c === 'object' && c && 'name' in c ? String((c as { name: unknown }).name) : JSON.stringify(c)));
  if (typeof caps === 'object') return Object.entries(caps as Record<string, unknown>).filter(([, v]) => v !== false && v !== null && !(Array.isArray(v) && v.length === 0)).map(([k]) => k);
  return [String(caps)];
}
