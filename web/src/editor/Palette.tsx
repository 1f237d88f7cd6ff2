// The node palette: the app's catalog, searchable, grouped by category.
// Drag an entry onto the canvas, or press Enter / double-click to add it in
// the middle of the view.
import { memo, useMemo, useState, type DragEvent, type KeyboardEvent } from 'react';
import { Catalog, capabilityNames } from '../lib/catalog';
import type { CatalogNode } from '../lib/types';
import { IconSearch } from '../ui/icons';

export const DND_TYPE = 'application/x-weir-node';

export const Palette = memo(function Palette({ catalog, onAdd, searchRef }: {
  catalog: Catalog;
  onAdd: (type: string) => void;
  searchRef?: React.Ref<HTMLInputElement>;
}) {
  const [query, setQuery] = useState('');
  const groups = useMemo(() => {
    const hits = catalog.search(query);
    return query.trim() ? [{ category: `${hits.length} result${hits.length === 1 ? '' : 's'}`, nodes: hits }] : Catalog.group(hits);
  }, [catalog, query]);

  const dragStart = (e: DragEvent, n: CatalogNode) => {
    e.dataTransfer.setData(DND_TYPE, n.type);
    e.dataTransfer.setData('text/plain', n.type);
    e.dataTransfer.effectAllowed = 'copy';
  };
  const key = (e: KeyboardEvent, n: CatalogNode) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onAdd(n.type);
    }
  };

  return (
    <aside className="palette" aria-label="Node palette">
      <div className="palette-search">
        <IconSearch />
        <input ref={searchRef} type="search" placeholder="Search nodes  ( / )" aria-label="Search nodes" value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            const first = groups[0]?.nodes[0];
            if (e.key === 'Enter' && first) onAdd(first.type);
            if (e.key === 'Escape') setQuery('');
          }} />
      </div>
      <div className="palette-list">
        {groups.map((g) => (
          <section key={g.category} className="palette-group" aria-label={g.category}>
            <h3>{g.category}</h3>
            <ul>
              {g.nodes.map((n) => (
                <li key={n.type}>
                  <div className={`palette-item cat-${(n.category || 'other').toLowerCase().replace(/[^a-z]+/g, '-')}`} draggable tabIndex={0} role="button"
                    aria-label={`Add ${n.friendly_name} (${n.type})`} title={n.description}
                    data-type={n.type}
                    onDragStart={(e) => dragStart(e, n)} onDoubleClick={() => onAdd(n.type)} onKeyDown={(e) => key(e, n)}>
                    <span className="pi-name">{n.friendly_name}</span>
                    <span className="pi-type">{n.type}</span>
                    {(n.package || n.start || n.pure) && (
                      <span className="pi-badges">
                        {n.start && <span className="badge start">start</span>}
                        {n.pure && <span className="badge pure">pure</span>}
                        {n.package && <span className="badge pkg">pkg</span>}
                        {capabilityNames(n.capabilities).map((c) => <span key={c} className="badge cap">{c}</span>)}
                      </span>
                    )}
                  </div>
                </li>
              ))}
            </ul>
          </section>
        ))}
        {groups.every((g) => g.nodes.length === 0) && <p className="muted pad">No node matches “{query}”.</p>}
      </div>
    </aside>
  );
});
