import { describe, expect, it } from 'vitest';
import { Catalog, capabilityNames } from '../src/lib/catalog';
import { NodeStates } from '../src/editor/store';
import { uniqueId, idBase } from '../src/lib/ids';
import { catalog } from './helpers';

describe('catalog search', () => {
  const cat = catalog();
  it('finds by name, type and description; name hits first', () => {
    const hits = cat.search('log');
    expect(hits[0].type.startsWith('log_')).toBe(true);
    expect(cat.search('int add').map((n) => n.type)).toContain('int_add');
    expect(cat.search('zzzz')).toEqual([]);
    expect(cat.search('').length).toBe(cat.nodes.length);
  });
  it('groups by category, packages apart', () => {
    const groups = Catalog.group([...cat.nodes, { ...cat.nodes[0], type: 'pkg:text/upper', package: 'text' }]);
    expect(groups.map((g) => g.category)).toContain('Package: text');
    expect(groups[0].category).toBe('Events');
  });
  it('capability names from the server’s arrays (or objects)', () => {
    expect(capabilityNames(['http', 'storage'])).toEqual(['http', 'storage']);
    expect(capabilityNames({ http: true, storage: false })).toEqual(['http']);
    expect(capabilityNames(undefined)).toEqual([]);
  });
});

describe('ids', () => {
  it('are unique on the board', () => {
    expect(uniqueId('log_info', new Set())).toBe('log_info');
    expect(uniqueId('log_info', new Set(['log_info', 'log_info_2']))).toBe('log_info_3');
    expect(idBase('pkg:text/upper')).toBe('upper');
  });
});

describe('NodeStates', () => {
  it('notifies only the node that changed; failed sticks within a run', () => {
    const s = new NodeStates();
    let a = 0, b = 0;
    s.subscribe('a', () => a++);
    s.subscribe('b', () => b++);
    s.setRun('a', 'running');
    s.setRun('a', 'failed');
    s.setRun('a', 'ok');
    expect(s.getRun('a')).toBe('failed');
    expect([a, b]).toEqual([2, 0]);
    s.clearRun();
    expect(s.getRun('a')).toBeUndefined();
    s.setErrors([{ code: 'x', node: 'b', pin: null, message: 'm' }, { code: 'y', node: null, pin: null, message: 'board' }]);
    expect(s.getErrors('b')).toHaveLength(1);
    expect(s.getErrors('a')).toHaveLength(0);
    expect(b).toBe(1);
  });
});
