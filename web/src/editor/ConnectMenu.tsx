// Dropping a wire on empty canvas: a menu of the node types that have a pin
// the wire can attach to; choosing one adds it there, connected.
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Catalog } from '../lib/catalog';
import { attachablePin, describeShape, type PinShape } from '../lib/rules';
import type { CatalogNode } from '../lib/types';

export interface DanglingWire {
  /** Screen position of the drop. */
  x: number;
  y: number;
  nodeId: string;
  handle: string;
  /** 'out': the wire starts at an output; 'in': at an input. */
  direction: 'in' | 'out';
  pin: PinShape;
}

export function ConnectMenu({ wire, catalog, onPick, onClose }: {
  wire: DanglingWire; catalog: Catalog; onPick: (def: CatalogNode, pinKey: string) => void; onClose: () => void;
}) {
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const ref = useRef<HTMLDivElement>(null);
  const options = useMemo(() => {
    const exact: { def: CatalogNode; key: string }[] = [], loose: { def: CatalogNode; key: string }[] = [];
    for (const def of catalog.search(query)) {
      const p = attachablePin(def, { ...wire.pin, direction: wire.direction });
      if (!p) continue;
      (p.type === wire.pin.type ? exact : loose).push({ def, key: p.key });
    }
    return [...exact, ...loose].slice(0, 60);
  }, [catalog, query, wire]);

  useEffect(() => {
    const away = (e: PointerEvent) => { if (ref.current && !ref.current.contains(e.target as globalThis.Node)) onClose(); };
    addEventListener('pointerdown', away, true);
    return () => removeEventListener('pointerdown', away, true);
  }, [onClose]);

  const left = Math.min(wire.x, innerWidth - 300), top = Math.min(wire.y, innerHeight - 360);
  return (
    <div ref={ref} className="connect-menu card" role="dialog" aria-label="Add a connected node" style={{ left, top }}>
      <input autoFocus type="search" aria-label="Search compatible nodes" placeholder={`Nodes for ${describeShape(wire.pin)} ${wire.direction === 'out' ? 'output' : 'input'}…`}
        value={query} onChange={(e) => { setQuery(e.target.value); setActive(0); }}
        onKeyDown={(e) => {
          if (e.key === 'Escape') onClose();
          else if (e.key === 'ArrowDown') { e.preventDefault(); setActive((a) => Math.min(a + 1, options.length - 1)); }
          else if (e.key === 'ArrowUp') { e.preventDefault(); setActive((a) => Math.max(a - 1, 0)); }
          else if (e.key === 'Enter' && options[active]) onPick(options[active].def, options[active].key);
        }} />
      <ul role="listbox" aria-label="Compatible nodes">
        {options.map((o, i) => (
          <li key={o.def.type} role="option" aria-selected={i === active} className={i === active ? 'active' : ''}
            onMouseEnter={() => setActive(i)} onClick={() => onPick(o.def, o.key)}>
            <span>{o.def.friendly_name}</span> <span className="muted small">{o.key}</span>
          </li>
        ))}
        {options.length === 0 && <li className="muted">No node type fits.</li>}
      </ul>
    </div>
  );
}
