import { describe, expect, it } from 'vitest';
import { draftKey, dropDraft, keepDraft, readDraft } from '../src/lib/drafts';
import { newBoard } from '../src/lib/convert';

function memory() {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => { m.set(k, v); }, removeItem: (k: string) => { m.delete(k); }, m };
}

describe('drafts kept when a session ends', () => {
  it('are kept per app and board, read back whole, and dropped', () => {
    const s = memory();
    const board = newBoard('b', 'B');
    expect(keepDraft('app_1', 'brd_1', { base: 3, board, at: 1 }, s)).toBe(true);
    expect(s.m.has(draftKey('app_1', 'brd_1'))).toBe(true);
    expect(readDraft('app_1', 'brd_1', s)).toEqual({ base: 3, board, at: 1 });
    expect(readDraft('app_1', 'brd_2', s)).toBeNull();
    dropDraft('app_1', 'brd_1', s);
    expect(readDraft('app_1', 'brd_1', s)).toBeNull();
  });
  it('ignore what is not a draft, and survive a storage that refuses', () => {
    const s = memory();
    s.setItem(draftKey('a', 'b'), '{"base": 1, "board": {"nodes": 5}}');
    expect(readDraft('a', 'b', s)).toBeNull();
    s.setItem(draftKey('a', 'b'), 'not json');
    expect(readDraft('a', 'b', s)).toBeNull();
    const full = { ...memory(), setItem: () => { throw new Error('QuotaExceededError'); } };
    expect(keepDraft('a', 'b', { base: 1, board: newBoard('b', 'B'), at: 0 }, full)).toBe(false);
    expect(keepDraft('a', 'b', { base: 1, board: newBoard('b', 'B'), at: 0 }, null)).toBe(false);
  });
});
