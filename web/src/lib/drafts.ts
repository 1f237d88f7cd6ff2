// Unsaved boards kept in the tab's sessionStorage when a save could not reach
// the server as the signed-in person (the session ended): signing in again,
// even after a reload, finds the drawing where it was left.
import type { Board } from './types';

export interface Draft {
  /** The version the changes were made on. */
  base: number;
  board: Board;
  /** When it was kept (ms since the epoch). */
  at: number;
}

type Store = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export function draftKey(app: string, board: string): string {
  return `weir.draft.${app}.${board}`;
}

function store(): Store | null {
  try {
    return typeof sessionStorage === 'undefined' ? null : sessionStorage;
  } catch {
    return null; // storage disabled
  }
}

export function keepDraft(app: string, board: string, d: Draft, s: Store | null = store()): boolean {
  try {
    s?.setItem(draftKey(app, board), JSON.stringify(d));
    return !!s;
  } catch {
    return false; // full, or disabled: the drawing is still in memory
  }
}

export function readDraft(app: string, board: string, s: Store | null = store()): Draft | null {
  try {
    const raw = s?.getItem(draftKey(app, board));
    if (!raw) return null;
    const d = JSON.parse(raw) as Draft;
    if (!d || typeof d.base !== 'number' || !d.board || !Array.isArray(d.board.nodes) || !Array.isArray(d.board.connections)) return null;
    return d;
  } catch {
    return null;
  }
}

export function dropDraft(app: string, board: string, s: Store | null = store()): void {
  try {
    s?.removeItem(draftKey(app, board));
  } catch {
    /* nothing kept */
  }
}
