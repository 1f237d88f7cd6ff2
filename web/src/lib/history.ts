// Undo and redo: a stack of whole snapshots of the editor's state. States are
// immutable values, so a snapshot costs only the arrays that hold them.

export interface UndoOptions {
  /** Most snapshots kept; the oldest go first. */
  limit?: number;
  /** Records with the same key this close together (ms) are one step. */
  coalesceMs?: number;
  now?: () => number;
}

export class UndoStack<T> {
  private past: T[] = [];
  private future: T[] = [];
  private lastKey: string | null = null;
  private lastAt = 0;
  private readonly limit: number;
  private readonly coalesceMs: number;
  private readonly now: () => number;

  constructor(opts: UndoOptions = {}) {
    this.limit = opts.limit ?? 200;
    this.coalesceMs = opts.coalesceMs ?? 1000;
    this.now = opts.now ?? (() => Date.now());
  }

  /** Remember `before`, the state just before a change. A change with the
   * same `key` as the previous one, soon after it, joins that step (typing
   * into one field is one step, not one per key). */
  record(before: T, key?: string): void {
    const t = this.now();
    if (key && key === this.lastKey && t - this.lastAt <= this.coalesceMs && this.past.length) {
      this.lastAt = t;
      this.future = [];
      return;
    }
    this.past.push(before);
    if (this.past.length > this.limit) this.past.shift();
    this.future = [];
    this.lastKey = key ?? null;
    this.lastAt = t;
  }

  /** The state to go back to (given the current one), or undefined. */
  undo(current: T): T | undefined {
    const prev = this.past.pop();
    if (prev === undefined) return undefined;
    this.future.push(current);
    this.lastKey = null;
    return prev;
  }

  redo(current: T): T | undefined {
    const next = this.future.pop();
    if (next === undefined) return undefined;
    this.past.push(current);
    this.lastKey = null;
    return next;
  }

  /** Forget everything (a board was loaded). */
  clear(): void {
    this.past = [];
    this.future = [];
    this.lastKey = null;
  }

  get canUndo(): boolean {
    return this.past.length > 0;
  }

  get canRedo(): boolean {
    return this.future.length > 0;
  }
}
