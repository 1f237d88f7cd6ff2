import { createContext, useContext } from 'react';
import type { Catalog } from '../lib/catalog';
import type { BoardVariable } from '../lib/types';
import type { NodeStates } from './store';

/** What the node components need from the editor; changes only with the variables or the mode. */
export interface EditorApi {
  catalog: Catalog;
  states: NodeStates;
  readOnly: boolean;
  /** Set (or, with undefined, clear) the literal of an input. */
  setLiteral(nodeId: string, key: string, value: unknown): void;
  setPinCount(nodeId: string, name: string, count: number): void;
  setHandleErrors(nodeId: string, on: boolean): void;
  setCommentText(commentNodeId: string, text: string): void;
  /** Before a comment is resized (for undo). */
  beginResize(): void;
  /** The board's variables (var_ref of variable nodes picks one). */
  variables: BoardVariable[];
}

export const EditorCtx = createContext<EditorApi | null>(null);

export function useEditorApi(): EditorApi {
  const e = useContext(EditorCtx);
  if (!e) throw new Error('EditorCtx missing');
  return e;
}
