// The board editor: the canvas (React Flow), the palette, the side panel,
// the run panel; loading, saving, undo/redo, running and watching a run live.
import { useCallback, useEffect, useMemo, useReducer, useRef, useState, type DragEvent } from 'react';
import {
  Background, BackgroundVariant, Controls, MiniMap, ReactFlow, ReactFlowProvider, applyEdgeChanges, applyNodeChanges,
  useReactFlow, type Connection, type Edge, type EdgeChange, type FinalConnectionState, type Node, type NodeChange,
  type OnBeforeDelete,
} from '@xyflow/react';
import { api, ApiError, can, isFinal, type Me, type Run } from '../api';
import { Catalog } from '../lib/catalog';
import {
  boardToGraph, edgeClass, edgeId, graphToBoard, isComment, COMMENT_PREFIX,
  type CommentNodeData, type GraphEdge, type GraphNode, type WeirNodeData,
} from '../lib/convert';
import { dropDraft, keepDraft, readDraft } from '../lib/drafts';
import { addExtraPin, newExtraPinName, nodeIdProblem, removeExtraPin, renameNode, extraPinNameProblem, updateExtraPin } from '../lib/edit';
import { UndoStack } from '../lib/history';
import { idBase, uniqueId } from '../lib/ids';
import { expandPins, splitKey, type Pin } from '../lib/pins';
import { checkWire, compatible, type RuleContext, type Wire } from '../lib/rules';
import type { BoardError, BoardMeta, CatalogNode, ExtraPin, PinType, ValueType } from '../lib/types';
import { IconComment, IconFit, IconPlay, IconRedo, IconSave, IconUndo } from '../ui/icons';
import { Link } from '../ui/Link';
import { navigate, setNavigationGuard } from '../ui/router';
import { useToast } from '../ui/toasts';
import { CommentView } from './CommentView';
import { ConnectMenu, type DanglingWire } from './ConnectMenu';
import { EditorCtx, type EditorApi } from './context';
import { Inspector } from './Inspector';
import { NodeView } from './NodeView';
import { DND_TYPE, Palette } from './Palette';
import { RunDialog, type RunRequest } from './RunDialog';
import { RunPanel, type RunView } from './RunPanel';
import { NodeStates } from './store';

const nodeTypes = { weir: NodeView, comment: CommentView };

type FlowNode = Node & GraphNode;
type FlowEdge = Edge & GraphEdge;
interface Snapshot {
  nodes: FlowNode[];
  edges: FlowEdge[];
  meta: BoardMeta;
}
interface Loaded {
  name: string;
  version: number;
  latest: number;
}

export interface EditorProps {
  me: Me;
  appId: string;
  boardId: string;
  version?: number;
  runId?: string;
  theme: 'light' | 'dark';
}

export function Editor(props: EditorProps) {
  return (
    <ReactFlowProvider>
      <EditorInner {...props} />
    </ReactFlowProvider>
  );
}

function isTyping(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  if (!el) return false;
  const tag = el.tagName;
  return tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || el.isContentEditable;
}

function EditorInner({ me, appId, boardId, version, runId, theme }: EditorProps) {
  const app = me.apps.find((a) => a.id === appId);
  const rf = useReactFlow();
  const toast = useToast();
  const mayWrite = can(app, 'write_boards');
  const canRun = can(app, 'execute_boards');
  const readRuns = can(app, 'read_runs');
  const readData = can(app, 'read_run_data');
  const readLogs = can(app, 'read_logs');

  const [catalog, setCatalog] = useState<Catalog | null>(null);
  const [loadError, setLoadError] = useState('');
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [nodes, setNodes] = useState<FlowNode[]>([]);
  const [edges, setEdges] = useState<FlowEdge[]>([]);
  const [meta, setMeta] = useState<BoardMeta>({ format: 'weir-board/1', id: '' });
  const [dirty, setDirty] = useState(false);
  const [saving, setSaving] = useState(false);
  const [boardErrors, setBoardErrors] = useState<BoardError[]>([]);
  const [conflict, setConflict] = useState(false);
  const [dangling, setDangling] = useState<DanglingWire | null>(null);
  const [runDialog, setRunDialog] = useState(false);
  const [runView, setRunView] = useState<RunView | null>(null);
  const [history, setHistory] = useState<Run[] | null>(null);
  const [panelOpen, setPanelOpen] = useState(false);
  const [starting, setStarting] = useState(false);
  const [, bump] = useReducer((x: number) => x + 1, 0);

  const viewingOld = loaded !== null && loaded.version !== loaded.latest;
  const readOnly = !mayWrite || viewingOld;
  const hasComments = useRef(false);
  const states = useMemo(() => new NodeStates(), []);
  const undo = useMemo(() => new UndoStack<Snapshot>(), []);
  const cur = useRef<Snapshot>({ nodes, edges, meta });
  cur.current = { nodes, edges, meta };
  const searchRef = useRef<HTMLInputElement>(null);
  const wrapRef = useRef<HTMLDivElement>(null);
  const clipboard = useRef<{ nodes: FlowNode[]; edges: FlowEdge[] } | null>(null);
  const dragBefore = useRef<Snapshot | null>(null);

  // ---- loading ---------------------------------------------------------------

  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const [cat, pastRun] = await Promise.all([
          api.catalog(appId),
          runId ? api.run(appId, runId).catch(() => null) : Promise.resolve(null),
        ]);
        const c = new Catalog(cat);
        const wanted = version ?? pastRun?.board_version;
        const b = await api.board(appId, boardId, wanted);
        if (!live) return;
        // Changes kept when a save met an ended session come back (latest version only).
        const draft = !version && !runId && can(app, 'write_boards') ? readDraft(appId, boardId) : null;
        const g = boardToGraph(draft ? draft.board : b.board, (t) => c.get(t));
        if (draft) {
          setDirty(true);
          toast(draft.base === b.latest_version
            ? 'Your unsaved changes were restored. Save to keep them.'
            : `Your unsaved changes (made on version ${draft.base}) were restored over version ${b.latest_version}. Saving makes a new version; the others stay in the list.`, 'info', 'Restored');
        }
        hasComments.current = !!g.hasComments;
        setCatalog(c);
        setNodes(g.nodes as FlowNode[]);
        setEdges(g.edges as FlowEdge[]);
        setMeta(g.meta);
        setLoaded({ name: b.name, version: b.version, latest: b.latest_version });
        undo.clear();
        if (pastRun) showRun(pastRun);
        requestAnimationFrame(() => rf.fitView({ padding: 0.2, maxZoom: 1 }));
      } catch (err) {
        if (live) setLoadError((err as ApiError).status === 404 ? 'This board does not exist (any more).' : (err as ApiError).message);
      }
    })();
    return () => { live = false; };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [appId, boardId, version, runId]);

  // Leaving with unsaved changes asks first (closing the tab, and links inside the editor).
  useEffect(() => {
    if (!dirty || readOnly) return;
    const f = (e: BeforeUnloadEvent) => { e.preventDefault(); };
    addEventListener('beforeunload', f);
    setNavigationGuard(() => {
      const leave = confirm('This board has unsaved changes. Leave without saving them?');
      if (leave) dropDraft(appId, boardId);
      return leave;
    });
    return () => {
      removeEventListener('beforeunload', f);
      setNavigationGuard(null);
    };
  }, [dirty, readOnly, appId, boardId]);

  // ---- helpers over the current state ----------------------------------------------

  const lookup = useCallback((t: string) => catalog?.get(t), [catalog]);

  const pinsOf = useCallback((id: string): Pin[] | undefined => {
    const n = cur.current.nodes.find((x) => x.id === id);
    if (!n || n.type !== 'weir') return undefined;
    const b = (n.data as WeirNodeData).board;
    return expandPins(lookup(b.type), b);
  }, [lookup]);

  const ruleContext = useCallback((): RuleContext => {
    const byId = new Map(cur.current.nodes.map((n) => [n.id, n]));
    return {
      pinsOf: (id) => {
        const n = byId.get(id);
        if (!n || n.type !== 'weir') return undefined;
        const b = (n.data as WeirNodeData).board;
        return expandPins(lookup(b.type), b);
      },
      isPure: (id) => {
        const n = byId.get(id);
        return !!n && n.type === 'weir' && !!lookup((n.data as WeirNodeData).board.type)?.pure;
      },
      wires: cur.current.edges as Wire[],
    };
  }, [lookup]);

  const takenIds = useCallback(() => {
    const s = new Set<string>();
    for (const n of cur.current.nodes) s.add(n.type === 'comment' ? (n.data as CommentNodeData).comment.id : n.id);
    for (const v of cur.current.meta.variables ?? []) s.add(v.id);
    return s;
  }, []);

  /** Remember the state before a change (undo), and mark the board changed. */
  const record = useCallback((key?: string) => {
    const s = cur.current;
    undo.record({ nodes: s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), edges: s.edges.map((e) => (e.selected ? { ...e, selected: false } : e)), meta: s.meta }, key);
    setDirty(true);
    bump();
  }, [undo]);

  const restore = (s: Snapshot) => {
    setNodes(s.nodes);
    setEdges(s.edges);
    setMeta(s.meta);
    setDirty(true);
    bump();
  };
  const doUndo = useCallback(() => {
    if (readOnly) return;
    const s = undo.undo(cur.current);
    if (s) restore(s);
  }, [readOnly, undo]);
  const doRedo = useCallback(() => {
    if (readOnly) return;
    const s = undo.redo(cur.current);
    if (s) restore(s);
  }, [readOnly, undo]);

  const updateBoardNode = useCallback((id: string, f: (b: WeirNodeData['board']) => WeirNodeData['board']) => {
    setNodes((ns) => ns.map((n) => (n.id === id && n.type === 'weir' ? { ...n, data: { ...n.data, board: f((n.data as WeirNodeData).board) } } : n)));
    states.clearErrorsOf(id);
  }, [states]);

  // ---- node ids and extra outputs ------------------------------------------------------

  /** Rename a node; every wire follows. Returns why not, or null when done. */
  const renameNodeId = useCallback((from: string, to: string): string | null => {
    if (readOnly || from === to) return null;
    const taken = takenIds();
    taken.delete(from);
    const why = nodeIdProblem(to, from, taken);
    if (why) return why;
    record();
    const r = renameNode(cur.current.nodes, cur.current.edges, from, to);
    setNodes(r.nodes);
    setEdges(r.edges);
    states.clearErrorsOf(from);
    return null;
  }, [readOnly, takenIds, record, states]);

  const otherPinNames = useCallback((nodeId: string, except?: string) => {
    const names = new Set((pinsOf(nodeId) ?? []).map((p) => p.name));
    if (except !== undefined) names.delete(except);
    return names;
  }, [pinsOf]);

  const extraOf = (nodeId: string): ExtraPin[] => {
    const n = cur.current.nodes.find((x) => x.id === nodeId);
    return n && n.type === 'weir' ? ((n.data as WeirNodeData).board.extra_pins ?? []) : [];
  };

  const addExtra = useCallback((nodeId: string) => {
    if (readOnly) return;
    record();
    const name = newExtraPinName(otherPinNames(nodeId));
    updateBoardNode(nodeId, (b) => ({ ...b, extra_pins: addExtraPin(b.extra_pins, name) }));
  }, [readOnly, record, otherPinNames, updateBoardNode]);

  const updateExtra = useCallback((nodeId: string, index: number, patch: { name?: string; type?: PinType; value_type?: ValueType }): string | null => {
    if (readOnly) return null;
    const pins = extraOf(nodeId);
    const old = pins[index];
    if (!old) return null;
    if (patch.name !== undefined && patch.name !== old.name) {
      const why = extraPinNameProblem(patch.name, otherPinNames(nodeId, old.name));
      if (why) return why;
    }
    record();
    const r = updateExtraPin(pins, index, patch, nodeId, cur.current.edges);
    const name = patch.name ?? old.name;
    const shape = { type: (patch.type ?? old.type ?? 'generic') as PinType, value_type: (patch.value_type ?? old.value_type ?? 'normal') as ValueType };
    // Wires the new type no longer fits go (the same rule as connecting).
    const edges = r.edges.filter((e) => {
      if (e.source !== nodeId || e.sourceHandle !== name) return true;
      const tp = pinsOf(e.target)?.find((p) => p.key === e.targetHandle);
      return !tp || compatible(shape, tp);
    });
    updateBoardNode(nodeId, (b) => ({ ...b, extra_pins: r.pins }));
    setEdges(edges.map((e) => (e.source === nodeId && e.sourceHandle === name ? { ...e, className: `wire t-${shape.type}` } : e)));
    return null;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [readOnly, record, otherPinNames, pinsOf, updateBoardNode]);

  const removeExtra = useCallback((nodeId: string, index: number) => {
    if (readOnly) return;
    record();
    const r = removeExtraPin(extraOf(nodeId), index, nodeId, cur.current.edges);
    updateBoardNode(nodeId, (b) => {
      const { extra_pins: _, ...rest } = b;
      return r.pins.length ? { ...rest, extra_pins: r.pins } : rest;
    });
    setEdges(r.edges);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [readOnly, record, updateBoardNode]);

  // ---- the API the nodes use ---------------------------------------------------------

  const edApi = useMemo<EditorApi | null>(() => catalog && {
    catalog, states, readOnly, variables: meta.variables ?? [],
    setLiteral: (nodeId, key, value) => {
      if (readOnly) return;
      record(`lit:${nodeId}:${key}`);
      updateBoardNode(nodeId, (b) => {
        const inputs = { ...(b.inputs ?? {}) };
        if (value === undefined) delete inputs[key];
        else inputs[key] = value;
        const { inputs: _, ...rest } = b;
        return Object.keys(inputs).length ? { ...rest, inputs } : rest;
      });
    },
    setPinCount: (nodeId, name, count) => {
      if (readOnly) return;
      record();
      updateBoardNode(nodeId, (b) => ({ ...b, pin_counts: { ...(b.pin_counts ?? {}), [name]: count } }));
      // Wires on copies that no longer exist go with them.
      setEdges((es) => es.filter((e) => {
        const h = e.source === nodeId ? e.sourceHandle : e.target === nodeId ? e.targetHandle : null;
        if (!h) return true;
        const k = splitKey(h);
        return !(k.name === name && k.copy > count);
      }));
    },
    setHandleErrors: (nodeId, on) => {
      if (readOnly) return;
      record();
      updateBoardNode(nodeId, (b) => {
        const { handle_errors: _, ...rest } = b;
        return on ? { ...rest, handle_errors: true } : rest;
      });
      if (!on) setEdges((es) => es.filter((e) => !(e.source === nodeId && (e.sourceHandle === 'auto_handle_error' || e.sourceHandle === 'auto_handle_error_string'))));
    },
    setCommentText: (id, text) => {
      if (readOnly) return;
      record(`comment:${id}`);
      setNodes((ns) => ns.map((n) => (n.id === id && n.type === 'comment' ? { ...n, data: { comment: { ...(n.data as CommentNodeData).comment, text } } } : n)));
    },
    beginResize: () => record(),
  }, [catalog, states, readOnly, meta.variables, record, updateBoardNode]);

  // ---- changes from React Flow --------------------------------------------------------

  const onNodesChange = useCallback((changes: NodeChange<FlowNode>[]) => {
    const allowed = readOnly ? changes.filter((c) => c.type === 'select' || c.type === 'dimensions') : changes;
    if (!allowed.length) return;
    setNodes((ns) => applyNodeChanges(allowed, ns));
    if (allowed.some((c) => c.type === 'remove' || (c.type === 'position' && c.dragging) || (c.type === 'dimensions' && c.resizing))) setDirty(true);
  }, [readOnly]);

  const onEdgesChange = useCallback((changes: EdgeChange<FlowEdge>[]) => {
    const allowed = readOnly ? changes.filter((c) => c.type === 'select') : changes;
    if (!allowed.length) return;
    setEdges((es) => applyEdgeChanges(allowed, es));
    if (allowed.some((c) => c.type === 'remove')) setDirty(true);
  }, [readOnly]);

  const onBeforeDelete = useCallback<OnBeforeDelete<FlowNode, FlowEdge>>(async ({ nodes: ns, edges: es }) => {
    if (readOnly || (!ns.length && !es.length)) return false;
    record();
    return true;
  }, [readOnly, record]);

  const onDragStart = useCallback(() => {
    const s = cur.current;
    dragBefore.current = { nodes: s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)), edges: s.edges, meta: s.meta };
  }, []);
  const onDragStop = useCallback(() => {
    if (dragBefore.current && !readOnly) {
      undo.record(dragBefore.current);
      bump();
    }
    dragBefore.current = null;
  }, [undo, readOnly]);

  const makeEdge = useCallback((w: Wire): FlowEdge => {
    const sp = pinsOf(w.source)?.find((p) => p.key === w.sourceHandle);
    return { id: edgeId(w.source, w.sourceHandle, w.target, w.targetHandle), ...w, className: edgeClass(sp) } as FlowEdge;
  }, [pinsOf]);

  const isValidConnection = useCallback((c: Connection | Edge) => {
    if (readOnly || !c.sourceHandle || !c.targetHandle) return false;
    return checkWire({ source: c.source, sourceHandle: c.sourceHandle, target: c.target, targetHandle: c.targetHandle }, ruleContext()) === null;
  }, [readOnly, ruleContext]);

  const onConnect = useCallback((c: Connection) => {
    if (readOnly || !c.sourceHandle || !c.targetHandle) return;
    const w = { source: c.source, sourceHandle: c.sourceHandle, target: c.target, targetHandle: c.targetHandle };
    const why = checkWire(w, ruleContext());
    if (why) {
      toast(why.message, 'error', 'These pins cannot be connected');
      return;
    }
    record();
    setEdges((es) => [...es, makeEdge(w)]);
    states.clearErrorsOf(c.target);
  }, [readOnly, ruleContext, record, makeEdge, toast, states]);

  const onConnectEnd = useCallback((event: MouseEvent | TouchEvent, st: FinalConnectionState) => {
    if (readOnly || !st.fromNode || !st.fromHandle?.id) return;
    const fromOut = st.fromHandle.type === 'source';
    if (st.toHandle && st.toNode && st.isValid === false) {
      // Dropped on a pin that refuses the wire: say why.
      const w: Wire = fromOut
        ? { source: st.fromNode.id, sourceHandle: st.fromHandle.id, target: st.toNode.id, targetHandle: st.toHandle.id ?? '' }
        : { source: st.toNode.id, sourceHandle: st.toHandle.id ?? '', target: st.fromNode.id, targetHandle: st.fromHandle.id };
      const why = checkWire(w, ruleContext());
      if (why) toast(why.message, 'error', 'These pins cannot be connected');
      else if (st.toHandle.type === st.fromHandle.type) toast(fromOut ? 'An output connects to an input (left side of a node).' : 'An input connects to an output (right side of a node).', 'error', 'These pins cannot be connected');
      return;
    }
    if (st.toNode || st.toHandle) return;
    const target = (event as MouseEvent).target as HTMLElement | null;
    if (!target?.closest('.react-flow__pane')) return;
    const pin = pinsOf(st.fromNode.id)?.find((p) => p.key === st.fromHandle!.id);
    if (!pin) return;
    const pt = 'changedTouches' in event ? event.changedTouches[0] : (event as MouseEvent);
    setDangling({ x: pt.clientX, y: pt.clientY, nodeId: st.fromNode.id, handle: pin.key, direction: fromOut ? 'out' : 'in', pin });
  }, [readOnly, ruleContext, toast, pinsOf]);

  // ---- adding nodes --------------------------------------------------------------

  const addNode = useCallback((type: string, pos?: { x: number; y: number }): string | null => {
    if (readOnly || !catalog) return null;
    const def = catalog.get(type);
    if (!def) return null;
    const id = uniqueId(idBase(type), takenIds());
    let at = pos;
    if (!at) {
      const r = wrapRef.current?.getBoundingClientRect();
      const c = r ? rf.screenToFlowPosition({ x: r.left + r.width / 2, y: r.top + r.height / 2 }) : { x: 0, y: 0 };
      at = { x: c.x - 90 + (Math.random() * 40 - 20), y: c.y - 40 + (Math.random() * 40 - 20) };
    }
    record('add');
    const n: FlowNode = { id, type: 'weir', position: at, data: { board: { id, type } }, selected: true } as FlowNode;
    setNodes((ns) => [...ns.map((x) => (x.selected ? { ...x, selected: false } : x)), n]);
    return id;
  }, [readOnly, catalog, takenIds, rf, record]);

  const onDragOver = useCallback((e: DragEvent) => {
    if (readOnly || !e.dataTransfer.types.includes(DND_TYPE)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  }, [readOnly]);

  const onDrop = useCallback((e: DragEvent) => {
    const type = e.dataTransfer.getData(DND_TYPE);
    if (!type || readOnly) return;
    e.preventDefault();
    const p = rf.screenToFlowPosition({ x: e.clientX, y: e.clientY });
    addNode(type, { x: p.x - 20, y: p.y - 20 });
  }, [readOnly, rf, addNode]);

  const pickDangling = useCallback((def: CatalogNode, key: string) => {
    const d = dangling;
    setDangling(null);
    if (!d) return;
    const p = rf.screenToFlowPosition({ x: d.x, y: d.y });
    const id = addNode(def.type, d.direction === 'out' ? { x: p.x + 10, y: p.y - 30 } : { x: p.x - 200, y: p.y - 30 });
    if (!id) return;
    const w: Wire = d.direction === 'out'
      ? { source: d.nodeId, sourceHandle: d.handle, target: id, targetHandle: key }
      : { source: id, sourceHandle: key, target: d.nodeId, targetHandle: d.handle };
    // The node was just added: check against the state after it (next frame).
    requestAnimationFrame(() => {
      const why = checkWire(w, ruleContext());
      if (why) toast(why.message, 'error', 'Added, but not connected');
      else setEdges((es) => [...es, makeEdge(w)]);
    });
  }, [dangling, rf, addNode, ruleContext, makeEdge, toast]);

  const addComment = useCallback(() => {
    if (readOnly) return;
    const cid = uniqueId('comment', takenIds());
    const r = wrapRef.current?.getBoundingClientRect();
    const c = r ? rf.screenToFlowPosition({ x: r.left + r.width / 2 - 110, y: r.top + r.height / 2 - 40 }) : { x: 0, y: 0 };
    record('add');
    setNodes((ns) => [{ id: COMMENT_PREFIX + cid, type: 'comment', position: c, width: 240, height: 90, zIndex: -1, data: { comment: { id: cid, text: '' } } } as FlowNode, ...ns]);
  }, [readOnly, takenIds, rf, record]);

  // ---- copy and paste ------------------------------------------------------------

  const copy = useCallback(() => {
    const sel = cur.current.nodes.filter((n) => n.selected);
    if (!sel.length) return false;
    const ids = new Set(sel.map((n) => n.id));
    clipboard.current = { nodes: sel, edges: cur.current.edges.filter((e) => ids.has(e.source) && ids.has(e.target)) };
    toast(`Copied ${sel.length} item${sel.length > 1 ? 's' : ''}.`, 'info');
    return true;
  }, [toast]);

  const paste = useCallback(() => {
    const clip = clipboard.current;
    if (readOnly || !clip) return;
    const taken = takenIds();
    const map = new Map<string, string>();
    const fresh: FlowNode[] = clip.nodes.map((n) => {
      if (n.type === 'comment') {
        const c = (n.data as CommentNodeData).comment;
        const cid = uniqueId(c.id, taken);
        taken.add(cid);
        return { ...n, id: COMMENT_PREFIX + cid, position: { x: n.position.x + 40, y: n.position.y + 40 }, selected: true, data: { comment: { ...c, id: cid } } };
      }
      const b = (n.data as WeirNodeData).board;
      const id = uniqueId(b.id, taken);
      taken.add(id);
      map.set(n.id, id);
      return { ...n, id, position: { x: n.position.x + 40, y: n.position.y + 40 }, selected: true, data: { board: { ...b, id } } };
    });
    const es = clip.edges.map((e) => {
      const w = { source: map.get(e.source)!, sourceHandle: e.sourceHandle, target: map.get(e.target)!, targetHandle: e.targetHandle };
      return { ...e, ...w, id: edgeId(w.source, w.sourceHandle, w.target, w.targetHandle), selected: false };
    });
    record('paste');
    setNodes((ns) => [...ns.map((n) => (n.selected ? { ...n, selected: false } : n)), ...fresh]);
    setEdges((xs) => [...xs, ...es]);
    clipboard.current = { nodes: fresh.map((n) => ({ ...n, selected: false })), edges: es };
  }, [readOnly, takenIds, record]);

  // ---- saving ---------------------------------------------------------------------

  const save = useCallback(async (): Promise<number | null> => {
    if (!loaded || !mayWrite) return null;
    setSaving(true);
    try {
      const s = cur.current;
      const board = graphToBoard({ meta: s.meta, nodes: s.nodes, edges: s.edges, hasComments: hasComments.current });
      const name = s.meta.name && s.meta.name !== loaded.name ? s.meta.name : undefined;
      const r = await api.saveBoard(appId, boardId, board, loaded.latest, name);
      setLoaded({ name: name ?? loaded.name, version: r.version, latest: r.version });
      setDirty(false);
      setNavigationGuard(null);
      setConflict(false);
      dropDraft(appId, boardId);
      states.setErrors(r.errors ?? []);
      setBoardErrors(r.errors ?? []);
      if (viewingOld) navigate({ page: 'editor', app: appId, board: boardId }, true);
      if (r.valid) toast(`Saved version ${r.version}.`, 'success');
      else toast(`Saved version ${r.version}, with ${r.errors.length} problem${r.errors.length > 1 ? 's' : ''}: see the marked nodes.`, 'error', 'Saved, but the board is not valid');
      return r.version;
    } catch (err) {
      const e = err as ApiError;
      if (e.status === 401) {
        // The session ended: keep the drawing (here, and in this tab's storage) and ask to sign in again.
        const s = cur.current;
        keepDraft(appId, boardId, { base: loaded.latest, board: graphToBoard({ meta: s.meta, nodes: s.nodes, edges: s.edges, hasComments: hasComments.current }), at: Date.now() });
        toast('Your session ended before the board was saved. Your changes are kept: sign in again, then save.', 'error', 'Not saved');
      } else if (e.code === 'version_conflict') {
        setConflict(true);
        toast('Someone saved this board meanwhile. Reload it to see their version (your changes here would be lost), or copy what you need first.', 'error', 'Not saved');
      } else toast(e.message, 'error', 'Not saved');
      return null;
    } finally {
      setSaving(false);
    }
  }, [loaded, mayWrite, appId, boardId, states, toast, viewingOld]);

  // ---- running and watching ----------------------------------------------------------

  const live = useRef<EventSource | null>(null);
  const liveOpen = useRef<Promise<void> | null>(null);
  const currentRun = useRef<string | null>(null);
  const buffered = useRef(new Map<string, { ev: string; d: Record<string, unknown> }[]>());
  const pollTimer = useRef<number | null>(null);

  const loadHistory = useCallback(async () => {
    if (!readRuns) return;
    try {
      setHistory((await api.runs(appId, boardId)).items);
    } catch (err) {
      toast((err as ApiError).message, 'error', 'The run history could not be read');
    }
  }, [readRuns, appId, boardId, toast]);

  /** Show a run (finished or not) on the board and in the panel. */
  const showRun = useCallback((r: Run) => {
    setRunView((v) => ({ id: r.id, status: r.status, run: r, logs: r.logs ?? v?.logs ?? [], startedAt: v?.startedAt ?? Date.now() }));
    if (r.trace) {
      if (isFinal(r.status)) states.clearRun();
      for (const t of r.trace) states.setRun(t.node, t.status === 'ok' ? 'ok' : 'failed');
    }
    if (r.error?.node) states.setRun(r.error.node, 'failed');
    setPanelOpen(true);
  }, [states]);

  const fetchRun = useCallback(async (id: string) => {
    try {
      const r = await api.run(appId, id);
      if (currentRun.current !== id) return;
      if (isFinal(r.status)) {
        if (pollTimer.current) { clearTimeout(pollTimer.current); pollTimer.current = null; }
        showRun(r);
        loadHistory();
      } else {
        setRunView((v) => (v && v.id === id ? { ...v, status: r.status } : v));
      }
    } catch {
      /* the next poll tries again */
    }
  }, [appId, showRun, loadHistory]);

  const applyEvent = useCallback((ev: string, d: Record<string, unknown>) => {
    const node = typeof d.node === 'string' ? d.node : '';
    switch (ev) {
      case 'run_started':
        setRunView((v) => (v ? { ...v, status: 'running' } : v));
        break;
      case 'node_started':
        if (node) states.setRun(node, 'running');
        break;
      case 'node_finished':
        if (node) states.setRun(node, d.status === 'ok' ? 'ok' : 'failed');
        break;
      case 'log':
        setRunView((v) => (v ? { ...v, logs: [...v.logs, { node: node || null, level: String(d.level ?? 'info'), message: String(d.message ?? '') }] } : v));
        break;
      case 'run_finished':
        setRunView((v) => (v ? { ...v, status: String(d.status ?? v.status) } : v));
        if (currentRun.current) fetchRun(currentRun.current);
        break;
    }
  }, [states, fetchRun]);

  // The app's live stream, opened once: a run's first events may come before
  // its id is known (they are kept and replayed).
  const ensureLive = useCallback((): Promise<void> => {
    if (!readRuns) return Promise.resolve();
    if (live.current && live.current.readyState !== EventSource.CLOSED && liveOpen.current) return liveOpen.current;
    const es = new EventSource(api.liveUrl(appId));
    live.current = es;
    liveOpen.current = new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000);
      es.addEventListener('open', () => { clearTimeout(t); resolve(); });
    });
    for (const ev of ['run_started', 'node_started', 'node_finished', 'log', 'run_finished']) {
      es.addEventListener(ev, (m) => {
        let d: Record<string, unknown>;
        try {
          d = JSON.parse((m as MessageEvent).data);
        } catch {
          return;
        }
        const rid = typeof d.run_id === 'string' ? d.run_id : '';
        if (rid && rid === currentRun.current) applyEvent(ev, d);
        else if (rid) {
          const b = buffered.current;
          if (!b.has(rid)) {
            b.set(rid, []);
            if (b.size > 8) b.delete(b.keys().next().value as string);
          }
          const list = b.get(rid)!;
          if (list.length < 5000) list.push({ ev, d });
        }
      });
    }
    return liveOpen.current;
  }, [readRuns, appId, applyEvent]);

  useEffect(() => () => {
    live.current?.close();
    if (pollTimer.current) clearTimeout(pollTimer.current);
  }, []);
  useEffect(() => { if (loaded && readRuns) ensureLive(); }, [loaded, readRuns, ensureLive]);

  const follow = useCallback((id: string) => {
    currentRun.current = id;
    const early = buffered.current.get(id) ?? [];
    buffered.current.delete(id);
    for (const e of early) applyEvent(e.ev, e.d);
    // Polling backs the stream up (a proxy that buffers, a dropped stream).
    const poll = (delay: number) => {
      pollTimer.current = window.setTimeout(async () => {
        if (currentRun.current !== id) return;
        await fetchRun(id);
        if (currentRun.current === id && pollTimer.current !== null) poll(Math.min(delay * 1.5, 5000));
      }, delay);
    };
    if (pollTimer.current) clearTimeout(pollTimer.current);
    poll(1000);
  }, [applyEvent, fetchRun]);

  const beginRun = useCallback(async (start: () => Promise<{ id: string }>) => {
    setStarting(true);
    try {
      await ensureLive();
      states.clearRun();
      currentRun.current = null;
      setRunView({ id: null, status: 'queued', run: null, logs: [], startedAt: Date.now() });
      setPanelOpen(true);
      const r = await start();
      setRunView((v) => (v ? { ...v, id: r.id } : v));
      follow(r.id);
    } catch (err) {
      setRunView(null);
      toast((err as ApiError).message, 'error', 'The run did not start');
    } finally {
      setStarting(false);
    }
  }, [ensureLive, states, follow, toast]);

  const startRun = useCallback(async (req: RunRequest) => {
    setRunDialog(false);
    let ver = loaded?.version;
    if (dirty && mayWrite && !viewingOld) {
      const v = await save();
      if (v === null) return;
      ver = v;
    }
    await beginRun(() => api.startRun(appId, boardId, { ...req, version: ver }));
  }, [loaded, dirty, mayWrite, viewingOld, save, beginRun, appId, boardId]);

  const rerun = useCallback((r: Run) => beginRun(() => api.rerun(appId, r.id)), [beginRun, appId]);

  const openRun = useCallback((r: Run) => {
    if (loaded && r.board_version !== loaded.version) {
      navigate({ page: 'editor', app: appId, board: boardId, run: r.id, ...(r.board_version !== loaded.latest ? { version: r.board_version } : {}) });
      return;
    }
    currentRun.current = r.id;
    api.run(appId, r.id).then(showRun).catch((err) => toast((err as ApiError).message, 'error'));
  }, [loaded, appId, boardId, showRun, toast]);

  const cancel = useCallback((id: string) => {
    api.cancelRun(appId, id).then(() => toast('Cancelling the run…', 'info')).catch((err) => toast((err as ApiError).message, 'error'));
  }, [appId, toast]);

  // ---- selection ---------------------------------------------------------------------

  const selected = useMemo(() => nodes.filter((n) => n.selected), [nodes]);
  const selNode = selected.length === 1 && selected[0].type === 'weir' ? (selected[0].data as WeirNodeData).board : null;
  const selConnected = useMemo(() => new Set(selNode ? edges.filter((e) => e.target === selNode.id).map((e) => e.targetHandle) : []), [edges, selNode]);
  const selectNode = useCallback((id: string) => {
    setNodes((ns) => ns.map((n) => (n.id === id ? (n.selected ? n : { ...n, selected: true }) : n.selected ? { ...n, selected: false } : n)));
    const n = cur.current.nodes.find((x) => x.id === id);
    if (n) rf.setCenter(n.position.x + 100, n.position.y + 50, { zoom: Math.max(rf.getZoom(), 0.8), duration: 300 });
  }, [rf]);

  const onMeta = useCallback((m: BoardMeta, key: string) => {
    if (readOnly) return;
    record(`meta:${key}`);
    setMeta(m);
  }, [readOnly, record]);

  // ---- keyboard -----------------------------------------------------------------------

  useEffect(() => {
    const f = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      const k = e.key.toLowerCase();
      if (mod && k === 's') { e.preventDefault(); if (!readOnly) save(); return; }
      if (mod && e.key === 'Enter') { e.preventDefault(); if (canRun) setRunDialog(true); return; }
      if (isTyping(e.target) || document.querySelector('dialog[open]')) return;
      if (mod && k === 'z' && !e.shiftKey) { e.preventDefault(); doUndo(); }
      else if (mod && ((k === 'z' && e.shiftKey) || k === 'y')) { e.preventDefault(); doRedo(); }
      else if (mod && k === 'c') { if (copy()) e.preventDefault(); }
      else if (mod && k === 'v') { e.preventDefault(); paste(); }
      else if (mod && k === 'a') { e.preventDefault(); setNodes((ns) => ns.map((n) => (n.selected ? n : { ...n, selected: true }))); }
      else if (!mod && k === 'f') { e.preventDefault(); rf.fitView({ padding: 0.15, duration: 250 }); }
      else if (!mod && e.key === '/') { e.preventDefault(); searchRef.current?.focus(); }
      else if (e.key === 'Escape') setNodes((ns) => ns.map((n) => (n.selected ? { ...n, selected: false } : n)));
    };
    addEventListener('keydown', f);
    return () => removeEventListener('keydown', f);
  }, [readOnly, canRun, save, doUndo, doRedo, copy, paste, rf]);

  // ---- rendering ---------------------------------------------------------------------

  const starts = useMemo(() => nodes.filter((n) => n.type === 'weir' && lookup((n.data as WeirNodeData).board.type)?.start)
    .map((n) => ({ id: n.id, title: lookup((n.data as WeirNodeData).board.type)?.friendly_name ?? n.id })), [nodes, lookup]);

  const minimapColor = useCallback((n: Node) => {
    if (isComment(n)) return 'var(--mm-comment)';
    return states.getRun(n.id) === 'failed' || states.getErrors(n.id).length ? 'var(--danger)' : states.getRun(n.id) === 'ok' ? 'var(--ok)' : 'var(--mm-node)';
  }, [states]);

  if (loadError) {
    return <div className="page"><div className="card empty"><p role="alert">{loadError}</p><Link to={{ page: 'boards', app: appId }}>Back to the boards</Link></div></div>;
  }
  if (!catalog || !loaded || !edApi) return <p className="muted center-pad" aria-busy="true">Loading the board…</p>;

  return (
    <EditorCtx.Provider value={edApi}>
      <div className={`editor${readOnly ? ' read-only' : ''}`}>
        <div className="toolbar" role="toolbar" aria-label="Board tools">
          <h1 className="board-title" title={loaded.name}>{meta.name || loaded.name}</h1>
          <span className="version-badge" aria-live="polite">
            v{loaded.version}{viewingOld ? ` of ${loaded.latest}` : ''}{dirty ? ' · unsaved' : ''}
          </span>
          {!mayWrite && <span className="badge ro" title={`Your role (${app?.role}) can view this board but not change it`}>View only</span>}
          {mayWrite && viewingOld && (
            <span className="badge ro">Old version
              <Link to={{ page: 'editor', app: appId, board: boardId }} className="link">open latest</Link>
            </span>
          )}
          {conflict && <button type="button" className="btn small danger" onClick={() => location.reload()}>Reload latest</button>}
          <span className="spacer" />
          {!readOnly && (
            <>
              <button type="button" className="icon-btn" aria-label="Undo (Ctrl+Z)" title="Undo (Ctrl+Z)" disabled={!undo.canUndo} onClick={doUndo}><IconUndo /></button>
              <button type="button" className="icon-btn" aria-label="Redo (Ctrl+Shift+Z)" title="Redo (Ctrl+Shift+Z)" disabled={!undo.canRedo} onClick={doRedo}><IconRedo /></button>
              <button type="button" className="icon-btn" aria-label="Add a comment" title="Add a comment" onClick={addComment}><IconComment /></button>
            </>
          )}
          <button type="button" className="icon-btn" aria-label="Fit the board in view (F)" title="Fit view (F)" onClick={() => rf.fitView({ padding: 0.15, duration: 250 })}><IconFit /></button>
          {mayWrite && viewingOld && (
            <button type="button" className="btn" onClick={save} disabled={saving}>Restore as new version</button>
          )}
          {!readOnly && (
            <button type="button" className="btn" onClick={save} disabled={saving} aria-label="Save (Ctrl+S)" title="Save a new version (Ctrl+S)">
              <IconSave /> {saving ? 'Saving…' : 'Save'}
            </button>
          )}
          {canRun && (
            <button type="button" className="btn primary" onClick={() => setRunDialog(true)} disabled={starting} aria-label="Run (Ctrl+Enter)" title="Run the board (Ctrl+Enter)">
              <IconPlay /> Run
            </button>
          )}
        </div>
        <div className="editor-body">
          {!readOnly && <Palette catalog={catalog} onAdd={(t) => addNode(t)} searchRef={searchRef} />}
          <div className="canvas" ref={wrapRef} onDragOver={onDragOver} onDrop={onDrop}>
            <ReactFlow<FlowNode, FlowEdge>
              nodes={nodes} edges={edges} nodeTypes={nodeTypes} colorMode={theme}
              onNodesChange={onNodesChange} onEdgesChange={onEdgesChange} onBeforeDelete={onBeforeDelete}
              onConnect={onConnect} onConnectEnd={onConnectEnd} isValidConnection={isValidConnection}
              onNodeDragStart={onDragStart} onNodeDragStop={onDragStop} onSelectionDragStart={onDragStart} onSelectionDragStop={onDragStop}
              nodesDraggable={!readOnly} nodesConnectable={!readOnly} edgesReconnectable={false}
              deleteKeyCode={readOnly ? null : ['Delete', 'Backspace']} multiSelectionKeyCode={['Meta', 'Control', 'Shift']}
              minZoom={0.05} maxZoom={2.5} snapToGrid snapGrid={[10, 10]} onlyRenderVisibleElements
              defaultEdgeOptions={{ interactionWidth: 14 }}
              proOptions={{ hideAttribution: false }} attributionPosition="top-right"
              aria-label="Board canvas"
            >
              <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} />
              <Controls showInteractive={false} aria-label="Zoom controls" />
              <MiniMap pannable zoomable ariaLabel="Mini map of the board" nodeColor={minimapColor} nodeStrokeWidth={0} />
            </ReactFlow>
            {dangling && <ConnectMenu wire={dangling} catalog={catalog} onPick={pickDangling} onClose={() => setDangling(null)} />}
          </div>
          <Inspector node={selNode} catalog={catalog} readOnly={readOnly} meta={meta} boardErrors={boardErrors}
            connected={selConnected} takenIds={takenIds}
            onLiteral={edApi.setLiteral} onHandleErrors={edApi.setHandleErrors} onMeta={onMeta}
            onRename={renameNodeId} onAddExtra={addExtra} onUpdateExtra={updateExtra} onRemoveExtra={removeExtra} />
        </div>
        {readRuns && (
          <RunPanel view={runView} history={history} canRun={canRun} canCancel={can(app, 'cancel_runs')} readData={readData} readLogs={readLogs}
            selectedNode={selNode?.id ?? null} open={panelOpen} onToggle={() => setPanelOpen((o) => !o)}
            onOpenRun={openRun} onRerun={rerun} onCancel={cancel} onSelectNode={selectNode} onHistory={loadHistory} />
        )}
        <RunDialog open={runDialog} onClose={() => setRunDialog(false)} starts={starts} variables={meta.variables ?? []}
          onStart={startRun} busy={starting} />
      </div>
    </EditorCtx.Provider>
  );
}
