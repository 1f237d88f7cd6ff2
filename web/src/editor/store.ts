// Per-node state that changes often and must not re-render the whole board:
// the live state of a run (running / ok / failed) and the validation errors
// of the last save. Each node subscribes to its own entry only.
import { useSyncExternalStore } from 'react';
import type { BoardError } from '../lib/types';

export type NodeRunState = 'running' | 'ok' | 'failed';
const NO_ERRORS: BoardError[] = [];

export class NodeStates {
  private run = new Map<string, NodeRunState>();
  private errors = new Map<string, BoardError[]>();
  private subs = new Map<string, Set<() => void>>();

  subscribe = (id: string, f: () => void): (() => void) => {
    let s = this.subs.get(id);
    if (!s) this.subs.set(id, (s = new Set()));
    s.add(f);
    return () => s!.delete(f);
  };

  private notify(id: string): void {
    this.subs.get(id)?.forEach((f) => f());
  }

  getRun(id: string): NodeRunState | undefined {
    return this.run.get(id);
  }

  setRun(id: string, st: NodeRunState): void {
    if (this.run.get(id) === st) return;
    // A node that failed once in this run stays failed, even if it ran again.
    if (this.run.get(id) === 'failed' && st !== 'failed') return;
    this.run.set(id, st);
    this.notify(id);
  }

  clearRun(): void {
    const ids = [...this.run.keys()];
    this.run.clear();
    ids.forEach((id) => this.notify(id));
  }

  /** Every node's state (for tests and the run summary). */
  runStates(): Map<string, NodeRunState> {
    return new Map(this.run);
  }

  getErrors(id: string): BoardError[] {
    return this.errors.get(id) ?? NO_ERRORS;
  }

  setErrors(list: BoardError[]): void {
    const before = [...this.errors.keys()];
    const next = new Map<string, BoardError[]>();
    for (const e of list) {
      if (!e.node) continue;
      if (!next.has(e.node)) next.set(e.node, []);
      next.get(e.node)!.push(e);
    }
    this.errors = next;
    new Set([...before, ...next.keys()]).forEach((id) => this.notify(id));
  }

  /** Drop the errors of one node (it was changed, so they may no longer hold). */
  clearErrorsOf(id: string): void {
    if (!this.errors.has(id)) return;
    this.errors.delete(id);
    this.notify(id);
  }
}

export function useNodeRun(states: NodeStates, id: string): NodeRunState | undefined {
  return useSyncExternalStore((f) => states.subscribe(id, f), () => states.getRun(id));
}

export function useNodeErrors(states: NodeStates, id: string): BoardError[] {
  return useSyncExternalStore((f) => states.subscribe(id, f), () => states.getErrors(id));
}
