import { describe, expect, it } from 'vitest';
import { UndoStack } from '../src/lib/history';

describe('UndoStack', () => {
  it('undoes and redoes in order; a new change drops the redo branch', () => {
    const u = new UndoStack<number>();
    let s = 0;
    const change = (v: number, key?: string) => { u.record(s, key); s = v; };
    change(1); change(2); change(3);
    expect(u.canRedo).toBe(false);
    s = u.undo(s)!; expect(s).toBe(2);
    s = u.undo(s)!; expect(s).toBe(1);
    s = u.redo(s)!; expect(s).toBe(2);
    change(9);
    expect(u.canRedo).toBe(false);
    s = u.undo(s)!; expect(s).toBe(2);
    s = u.undo(s)!; expect(s).toBe(1);
    s = u.undo(s)!; expect(s).toBe(0);
    expect(u.undo(s)).toBeUndefined();
    expect(u.canUndo).toBe(false);
  });
  it('joins changes with the same key close together into one step', () => {
    let t = 0;
    const u = new UndoStack<string>({ now: () => t, coalesceMs: 1000 });
    let s = '';
    const type = (v: string) => { u.record(s, 'field'); s = v; t += 100; };
    type('h'); type('he'); type('hel');
    t += 5000;
    type('hell');
    s = u.undo(s)!; expect(s).toBe('hel');
    s = u.undo(s)!; expect(s).toBe('');
    expect(u.canUndo).toBe(false);
  });
  it('keeps at most `limit` steps', () => {
    const u = new UndoStack<number>({ limit: 3 });
    for (let i = 0; i < 10; i++) u.record(i);
    let s = 10, n = 0;
    while (u.canUndo) { s = u.undo(s)!; n++; }
    expect(n).toBe(3);
    expect(s).toBe(7);
  });
  it('clear forgets everything', () => {
    const u = new UndoStack<number>();
    u.record(1);
    u.clear();
    expect(u.canUndo || u.canRedo).toBe(false);
  });
});
