// The run panel under the board: the current (or opened) run with its log,
// result and per-node inputs and outputs; and the board's run history.
import { memo, useMemo, useState } from 'react';
import { isFinal, type LogEntry, type Run } from '../api';
import { formatDuration, formatTime } from '../ui/time';

export interface RunView {
  id: string | null;
  status: string;
  run: Run | null;
  logs: LogEntry[];
  startedAt: number; // ms, for the live clock
}

type Tab = 'run' | 'nodes' | 'history';

function Json({ v }: { v: unknown }) {
  return <pre className="json">{v === undefined ? '—' : JSON.stringify(v, null, 2)}</pre>;
}

export function StatusChip({ status }: { status: string }) {
  return <span className={`chip st-${status}`}>{status.replace('_', ' ')}</span>;
}

function runDuration(r: Run): number | null {
  return r.started_at && r.finished_at ? r.finished_at - r.started_at : null;
}

export const RunPanel = memo(function RunPanel({ view, history, canRun, canCancel, readData, readLogs, selectedNode, open, onToggle,
  onOpenRun, onRerun, onCancel, onSelectNode, onHistory }: {
  view: RunView | null; history: Run[] | null; canRun: boolean; canCancel: boolean; readData: boolean; readLogs: boolean; selectedNode: string | null;
  open: boolean; onToggle: () => void; onOpenRun: (r: Run) => void; onRerun: (r: Run) => void; onCancel: (id: string) => void;
  onSelectNode: (id: string) => void; onHistory: () => void;
}) {
  const [tab, setTab] = useState<Tab>('run');
  const run = view?.run ?? null;
  const trace = run?.trace ?? [];
  const shownTrace = useMemo(() => (selectedNode ? trace.filter((t) => t.node === selectedNode) : trace), [trace, selectedNode]);
  const logs = run?.logs ?? view?.logs ?? [];

  const tabs: [Tab, string][] = [['run', 'Run'], ['nodes', 'Node data'], ['history', 'History']];
  const select = (t: Tab) => {
    setTab(t);
    if (t === 'history') onHistory();
    if (!open) onToggle();
  };

  return (
    <section className={`run-panel${open ? ' open' : ''}`} aria-label="Run panel">
      <div className="run-tabs" role="tablist" aria-label="Run panel tabs">
        {tabs.map(([t, label]) => (
          <button key={t} type="button" role="tab" id={`tab-${t}`} aria-selected={open && tab === t} aria-controls={`panel-${t}`}
            className={open && tab === t ? 'active' : ''} onClick={() => select(t)}>{label}</button>
        ))}
        {view && (
          <span className="run-tabs-status">
            <StatusChip status={view.status} />
            {view.id && <span className="muted small mono">{view.id}</span>}
            {run && <span className="muted small">{formatDuration(runDuration(run))}</span>}
          </span>
        )}
        <span className="spacer" />
        <button type="button" className="icon-btn" aria-expanded={open} aria-label={open ? 'Collapse the run panel' : 'Expand the run panel'} onClick={onToggle}>
          {open ? '▾' : '▴'}
        </button>
      </div>
      {open && (
        <div className="run-body" role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
          {tab === 'run' && (
            !view ? <p className="muted pad">No run yet. {canRun ? 'Press Run (Ctrl+Enter) to start one.' : ''}</p> : (
              <div className="run-summary">
                <div className="run-cols">
                  <div className="run-col">
                    <h4>Log</h4>
                    {!readLogs ? <p className="muted">Your role cannot read logs.</p> : logs.length === 0 ? <p className="muted">No log lines.</p> : (
                      <ol className="logs" aria-label="Run log">
                        {logs.map((l, i) => (
                          <li key={i} className={`log-${l.level}`}>
                            <span className="log-level">{l.level}</span>
                            {l.node && <button type="button" className="link" onClick={() => onSelectNode(l.node!)}>{l.node}</button>}
                            <span className="log-msg">{l.message}</span>
                          </li>
                        ))}
                      </ol>
                    )}
                  </div>
                  <div className="run-col">
                    <h4>Result</h4>
                    {!readData ? <p className="muted">Your role cannot read run data.</p> : !run || !isFinal(run.status) ? <p className="muted">Running…</p> : (
                      <>
                        {run.error && (
                          <p className="form-error" role="alert">
                            {run.error.code}{run.error.node ? <> at <button type="button" className="link" onClick={() => onSelectNode(run.error!.node!)}>{run.error.node}</button></> : null}: {run.error.message}
                          </p>
                        )}
                        <Json v={run.result} />
                        {run.payload !== undefined && run.payload !== null && (<><h4>Payload</h4><Json v={run.payload} /></>)}
                      </>
                    )}
                    {view.id && !isFinal(view.status) && canCancel && (
                      <button type="button" className="btn small" onClick={() => onCancel(view.id!)}>Cancel run</button>
                    )}
                  </div>
                </div>
              </div>
            )
          )}
          {tab === 'nodes' && (
            !readData ? <p className="muted pad">Your role cannot read run data (inputs and outputs).</p> :
            !run ? <p className="muted pad">Run the board, or open a past run, to see what each node received and produced.</p> : (
              <div className="trace">
                {selectedNode && <p className="muted small">Showing {selectedNode} only — select nothing on the board to see every node.</p>}
                {run.trace_truncated && <p className="muted small">The trace was cut short (too many entries).</p>}
                <table className="table trace-table" aria-label="Node inputs and outputs">
                  <thead><tr><th scope="col">Node</th><th scope="col">Status</th><th scope="col">Time</th><th scope="col">Inputs</th><th scope="col">Outputs</th></tr></thead>
                  <tbody>
                    {shownTrace.map((t, i) => (
                      <tr key={i} className={t.status === 'failed' ? 'failed' : ''}>
                        <td><button type="button" className="link" onClick={() => onSelectNode(t.node)}>{t.node}</button><div className="muted small">{t.type}</div></td>
                        <td><StatusChip status={t.status === 'ok' ? 'completed' : t.status} />{t.error && <div className="form-error small">{t.error}</div>}</td>
                        <td className="muted small">{formatDuration(t.duration_us)}</td>
                        <td><Json v={t.inputs} /></td>
                        <td><Json v={t.outputs} /></td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                {shownTrace.length === 0 && <p className="muted">No entries{selectedNode ? ` for ${selectedNode}: it did not run` : ''}.</p>}
              </div>
            )
          )}
          {tab === 'history' && (
            history === null ? <p className="muted pad" aria-busy="true">Loading…</p> : history.length === 0 ? <p className="muted pad">This board has not run yet.</p> : (
              <table className="table history-table" aria-label="Run history">
                <thead><tr><th scope="col">Run</th><th scope="col">Status</th><th scope="col">Version</th><th scope="col">Started</th><th scope="col">Duration</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
                <tbody>
                  {history.map((r) => (
                    <tr key={r.id} className={view?.id === r.id ? 'current' : ''}>
                      <td className="mono small">{r.id}{r.rerun_of ? <div className="muted small">re-run</div> : null}</td>
                      <td><StatusChip status={r.status} />{r.error_code && <span className="muted small"> {r.error_code}</span>}</td>
                      <td>v{r.board_version}</td>
                      <td className="muted small">{formatTime(r.started_at ?? r.created_at)}</td>
                      <td className="small">{formatDuration(runDuration(r))}</td>
                      <td className="actions">
                        <button type="button" className="btn small ghost" aria-label={`Open run ${r.id} on the board`} onClick={() => onOpenRun(r)}>Open</button>
                        {canRun && <button type="button" className="btn small ghost" aria-label={`Re-run ${r.id}`} onClick={() => onRerun(r)}>Re-run</button>}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          )}
        </div>
      )}
    </section>
  );
});
