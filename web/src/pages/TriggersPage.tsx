// Triggers of an app: webhooks and schedules that start a board (the
// server's events). Each shows what it starts; a webhook shows its URL and a
// copyable example request, a schedule its cron line, time zone and next time.
import { Fragment, useCallback, useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, can, type ApiKeyCreated, type BoardSummary, type Me, type Role, type Run } from '../api';
import { StatusChip } from '../editor/RunPanel';
import type { BoardNode } from '../lib/types';
import {
  cronProblem, describeTrigger, examplePayload, exampleRequest, localTimeZone, startNodes, timeZones, triggerNameProblem,
  type Trigger, type TriggerKind,
} from '../lib/triggers';
import { expandPermissions, grantableRoles } from '../lib/perms';
import { AppNav } from '../ui/AppNav';
import { copyText } from '../ui/copy';
import { Dialog } from '../ui/Dialog';
import { DeleteDialog, FormActions, useAttempt } from '../ui/forms';
import { Link } from '../ui/Link';
import { formatTime } from '../ui/time';
import { useToast } from '../ui/toasts';

/** Start nodes of a board version, loaded once per board and version. */
function useStartNodes(appId: string) {
  const [cache, setCache] = useState<Record<string, BoardNode[] | 'loading' | 'error'>>({});
  const asked = useRef(new Set<string>());
  const load = useCallback((board: string, version: number | null) => {
    const k = `${board}@${version ?? 'latest'}`;
    if (asked.current.has(k)) return;
    asked.current.add(k);
    setCache((c) => ({ ...c, [k]: 'loading' }));
    api.board(appId, board, version ?? undefined)
      .then((b) => setCache((x) => ({ ...x, [k]: startNodes(b.board.nodes ?? [], () => undefined) })))
      .catch(() => setCache((x) => ({ ...x, [k]: 'error' })));
  }, [appId]);
  return useMemo(() => ({ load, get: (board: string, version: number | null) => cache[`${board}@${version ?? 'latest'}`] }), [load, cache]);
}

export function TriggersPage({ me, appId }: { me: Me; appId: string }) {
  const app = me.apps.find((a) => a.id === appId);
  const toast = useToast();
  const write = can(app, 'write_events');
  const [items, setItems] = useState<Trigger[] | null>(null);
  const [boards, setBoards] = useState<BoardSummary[]>([]);
  const [error, setError] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const [editing, setEditing] = useState<Trigger | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Trigger | null>(null);
  const [busy, attempt] = useAttempt();
  const starts = useStartNodes(appId);

  const load = useCallback(async () => {
    try {
      // A role may read triggers without reading boards: then boards show by id.
      const [t, b] = await Promise.all([api.triggers(appId), can(app, 'read_boards') ? api.boards(appId).catch(() => []) : []]);
      setItems(t);
      setBoards(b);
      setError('');
    } catch (err) {
      const e = err as ApiError;
      setError(e.status === 403 || e.status === 404 ? 'This app does not exist, or your role cannot see its triggers.' : e.message);
    }
  }, [appId, app]);
  useEffect(() => { load(); }, [load]);

  const boardName = (id: string) => boards.find((b) => b.id === id)?.name ?? id;

  const remove = () => {
    if (!deleting) return;
    return attempt('The trigger was not deleted', async () => {
      await api.deleteTrigger(appId, deleting.id);
      toast(`Deleted ${deleting.name}.`, 'success');
      setDeleting(null);
      if (open === deleting.id) setOpen(null);
      await load();
    });
  };

  if (error) return <div className="page"><div className="card empty"><p role="alert">{error}</p><Link to={{ page: 'apps' }}>Back to your apps</Link></div></div>;

  return (
    <div className="page">
      <div className="page-head">
        <h1>{app?.name ?? appId} <span className="muted small">triggers</span></h1>
        {write && <button type="button" className="btn primary" disabled={!boards.length} title={boards.length ? undefined : 'Create a board first'}
          onClick={() => setEditing('new')}>New trigger</button>}
      </div>
      <AppNav app={app} appId={appId} current="triggers" />
      {app && !write && <p className="muted notice">Your role ({app.role}) can see triggers here but not change them.</p>}
      {items === null ? (
        <p className="muted" aria-busy="true">Loading…</p>
      ) : items.length === 0 ? (
        <div className="empty card">
          <p>No triggers yet.</p>
          <p className="muted">A webhook starts a board when a program posts JSON to its URL; a schedule starts it at set times.</p>
        </div>
      ) : (
        <table className="table boards-table" aria-label="Triggers">
          <thead>
            <tr><th scope="col">Trigger</th><th scope="col">Kind</th><th scope="col">Starts</th><th scope="col">When</th><th scope="col"><span className="sr-only">Actions</span></th></tr>
          </thead>
          <tbody>
            {items.map((t) => (
              <Fragment key={t.id}>
                <tr className={t.enabled ? undefined : 'disabled'}>
                  <td>
                    <button type="button" className="link strong" aria-expanded={open === t.id} aria-label={`Details of ${t.name}`}
                      onClick={() => setOpen(open === t.id ? null : t.id)}>{t.name}</button>
                    {!t.enabled && <span className="badge"> off</span>}
                  </td>
                  <td><span className={`chip kind-${t.kind}`}>{t.kind}</span></td>
                  <td>
                    <Link to={{ page: 'editor', app: appId, board: t.board_id }}>{boardName(t.board_id)}</Link>
                    <div className="muted small">{t.board_version ? `v${t.board_version}` : 'latest version'}{t.start_node ? ` · ${t.start_node}` : ''}</div>
                  </td>
                  <td className="small">{describeTrigger(t)}</td>
                  <td className="actions">
                    {write && <button type="button" className="btn small ghost" aria-label={`Edit trigger ${t.name}`} onClick={() => setEditing(t)}>Edit</button>}
                    {write && <button type="button" className="btn small ghost danger" aria-label={`Delete trigger ${t.name}`} onClick={() => setDeleting(t)}>Delete</button>}
                  </td>
                </tr>
                {open === t.id && (
                  <tr className="versions-row">
                    <td colSpan={5}><TriggerDetails t={t} me={me} appId={appId} starts={starts} /></td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}

      {editing && (
        <TriggerDialog appId={appId} trigger={editing === 'new' ? null : editing} boards={boards} starts={starts}
          onClose={() => setEditing(null)}
          onSaved={async (t) => { setEditing(null); setOpen(t.id); await load(); }} />
      )}
      <DeleteDialog title="Delete trigger" open={!!deleting} onClose={() => setDeleting(null)} busy={busy} confirm="Delete trigger" onConfirm={remove}>
        <p>Delete <strong>{deleting?.name}</strong>? {deleting?.kind === 'webhook' ? 'Calls to its URL will be refused.' : 'It will not start the board any more.'} Its past runs stay in the history.</p>
      </DeleteDialog>
    </div>
  );
}

function CopyField({ label, value, multiline }: { label: string; value: string; multiline?: boolean }) {
  const toast = useToast();
  const id = useId();
  const copy = async () => toast(await copyText(value) ? `${label} copied.` : 'The browser refused to copy; select the text instead.', 'info');
  return (
    <div className="copy-field">
      <div className="copy-head">
        <h4 id={id}>{label}</h4>
        <button type="button" className="btn small" onClick={copy} aria-label={`Copy ${label.toLowerCase()}`}>Copy</button>
      </div>
      {multiline
        ? <pre className="json code-block" aria-labelledby={id} tabIndex={0}>{value}</pre>
        : <input className="mono" readOnly value={value} aria-labelledby={id} onFocus={(e) => e.target.select()} />}
    </div>
  );
}

function TriggerDetails({ t, me, appId, starts }: { t: Trigger; me: Me; appId: string; starts: ReturnType<typeof useStartNodes> }) {
  const app = me.apps.find((a) => a.id === appId);
  const readRuns = can(app, 'read_runs');
  const [runs, setRuns] = useState<Run[] | null>(null);
  const [key, setKey] = useState<ApiKeyCreated | null>(null);
  const [makingKey, setMakingKey] = useState(false);
  const toast = useToast();

  useEffect(() => { starts.load(t.board_id, t.board_version); }, [t.board_id, t.board_version, starts.load]);
  const list = starts.get(t.board_id, t.board_version);
  const start = Array.isArray(list) ? (list.find((n) => n.id === t.start_node) ?? (list.length === 1 ? list[0] : undefined)) : undefined;
  const body = useMemo(() => examplePayload(start), [start]);

  const loadRuns = useCallback(async () => {
    if (!readRuns) return;
    try {
      setRuns(await api.eventRuns(appId, t.id, 5));
    } catch (err) {
      toast((err as ApiError).message, 'error', 'The runs could not be read');
    }
  }, [readRuns, appId, t.id, toast]);
  useEffect(() => { loadRuns(); }, [loadRuns]);

  return (
    <div className="trigger-details" role="region" aria-label={`Trigger ${t.name}`}>
      <div className="td-main">
        {t.kind === 'webhook' && t.webhook_url && (
          <>
            <CopyField label="Webhook URL" value={t.webhook_url} />
            <CopyField label="Example request" value={exampleRequest(t.webhook_url, body, key?.key)} multiline />
            <p className="muted small">
              The JSON body becomes the run's payload{start?.type === 'events_generic' ? <> — each key fills the output of the same name of <code>{start.id}</code></> : null}.
              {' '}It needs <code>Authorization: Bearer</code> with an API key (or personal token) of this app that may <code>execute_events</code>.
              {t.config.wait === false ? ' The answer is 202 with the run id at once.' : ' The answer is the board\'s result, once the run has ended.'}
            </p>
            {key ? (
              <p className="notice-ok small" role="status">API key <strong>{key.name}</strong> created (role {key.role}); it is in the example above and will not be shown again.</p>
            ) : can(app, 'write_api_keys') && (
              <button type="button" className="btn small" onClick={() => setMakingKey(true)}>Create an API key for this webhook</button>
            )}
          </>
        )}
        {t.kind === 'schedule' && (
          <dl className="facts">
            <dt>Cron</dt><dd className="mono">{t.config.cron}</dd>
            <dt>Time zone</dt><dd>{t.config.timezone ?? 'UTC'}</dd>
            <dt>Next run</dt><dd>{t.enabled ? formatTime(t.next_fire_at) : 'off'}</dd>
          </dl>
        )}
        {t.kind === 'manual' && <p className="muted small">Fired by hand through the API (<code>POST …/events/{t.name}/fire</code>).</p>}
        <p className="muted small">If the server stops while a run of it is going: {t.on_restart === 'fail' ? 'the run fails (never twice)' : 'the run starts again'}.</p>
      </div>
      {readRuns && (
        <div className="td-runs">
          <div className="copy-head">
            <h4>Recent runs</h4>
            <button type="button" className="btn small ghost" onClick={loadRuns} aria-label={`Refresh the runs of ${t.name}`}>Refresh</button>
          </div>
          {runs === null ? <p className="muted small" aria-busy="true">Loading…</p> : runs.length === 0 ? <p className="muted small">It has not started a run yet.</p> : (
            <ul className="run-list" aria-label={`Runs of ${t.name}`}>
              {runs.map((r) => (
                <li key={r.id}>
                  <StatusChip status={r.status} />
                  <Link to={{ page: 'editor', app: appId, board: r.board_id, run: r.id }} className="mono small">{r.id}</Link>
                  <span className="muted small">{formatTime(r.created_at)}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {makingKey && <ApiKeyDialog me={me} appId={appId} trigger={t} onClose={() => setMakingKey(false)} onCreated={(k) => { setKey(k); setMakingKey(false); }} />}
    </div>
  );
}

/** Create an app API key for calling a webhook: a role that may execute events, an expiry. */
function ApiKeyDialog({ me, appId, trigger, onClose, onCreated }: {
  me: Me; appId: string; trigger: Trigger; onClose: () => void; onCreated: (k: ApiKeyCreated) => void;
}) {
  const app = me.apps.find((a) => a.id === appId);
  const [name, setName] = useState(`${trigger.name}-webhook`);
  const [roles, setRoles] = useState<string[]>(['operator']);
  const [role, setRole] = useState('operator');
  const [days, setDays] = useState('90');
  const [busy, attempt] = useAttempt();

  useEffect(() => {
    if (!can(app, 'read_roles')) return;
    api.roles(appId).then((rs: Role[]) => {
      const fit = grantableRoles(app?.permissions ?? [], rs).filter((r) => r.name !== 'owner' && expandPermissions(r.permissions).has('execute_events'));
      if (fit.length) {
        setRoles(fit.map((r) => r.name));
        setRole((cur) => (fit.some((r) => r.name === cur) ? cur : fit[0].name));
      }
    }).catch(() => { /* keep operator */ });
  }, [app, appId]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    return attempt('The API key was not created', async () => {
      onCreated(await api.createApiKey(appId, name.trim(), role, Number(days)));
    });
  };
  return (
    <Dialog title="New API key" open onClose={onClose}>
      <form className="form" onSubmit={submit}>
        <label className="field"><span>Name</span>
          <input required maxLength={64} value={name} onChange={(e) => setName(e.target.value)} autoFocus />
        </label>
        <label className="field"><span>Role</span>
          <select value={role} onChange={(e) => setRole(e.target.value)}>
            {roles.map((r) => <option key={r} value={r}>{r}</option>)}
          </select>
        </label>
        <label className="field"><span>Expires in (days)</span>
          <input type="number" min={1} max={366} required value={days} onChange={(e) => setDays(e.target.value)} />
        </label>
        <p className="muted small">The key acts for this app with the role's permissions. It is shown once, in the example request.</p>
        <FormActions onClose={onClose} submit="Create key" disabled={busy || !name.trim()} />
      </form>
    </Dialog>
  );
}

const KIND_HELP: Record<TriggerKind, string> = {
  webhook: 'Starts the board when a program posts JSON to its URL.',
  schedule: 'Starts the board at the times of a cron expression.',
  manual: 'Started by hand through the API.',
};

function TriggerDialog({ appId, trigger, boards, starts, onClose, onSaved }: {
  appId: string; trigger: Trigger | null; boards: BoardSummary[]; starts: ReturnType<typeof useStartNodes>;
  onClose: () => void; onSaved: (t: Trigger) => void;
}) {
  const [name, setName] = useState(trigger?.name ?? '');
  const [kind, setKind] = useState<TriggerKind>(trigger?.kind ?? 'webhook');
  const [board, setBoard] = useState(trigger?.board_id ?? boards[0]?.id ?? '');
  const [version, setVersion] = useState<string>(trigger?.board_version ? String(trigger.board_version) : '');
  const [start, setStart] = useState(trigger?.start_node ?? '');
  const [cron, setCron] = useState(trigger?.config.cron ?? '0 9 * * MON-FRI');
  const [tz, setTz] = useState(trigger?.config.timezone ?? localTimeZone());
  const [wait, setWait] = useState(trigger?.config.wait !== false);
  const [onRestart, setOnRestart] = useState<Trigger['on_restart']>(trigger?.on_restart ?? 'requeue');
  const [enabled, setEnabled] = useState(trigger ? !!trigger.enabled : true);
  const [problem, setProblem] = useState('');
  const [busy, attempt] = useAttempt();
  const zones = useMemo(() => timeZones(), []);
  const uid = useId();

  const ver = version ? Number(version) : null;
  useEffect(() => { if (board) starts.load(board, ver); }, [board, ver, starts.load]);
  const list = board ? starts.get(board, ver) : undefined;
  const startIds = Array.isArray(list) ? list.map((n) => n.id) : [];
  // The first start node, unless one is chosen (or the board has none).
  useEffect(() => {
    if (Array.isArray(list) && list.length && !list.some((n) => n.id === start)) setStart(list[0].id);
  }, [list, start]);
  const latest = boards.find((b) => b.id === board)?.latest_version ?? 1;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const why = triggerNameProblem(name.trim()) ?? (kind === 'schedule' ? cronProblem(cron) : null) ?? (board ? null : 'Choose the board it starts.');
    setProblem(why ?? '');
    if (why) return;
    const config: Trigger['config'] = { ...(trigger?.config ?? {}) };
    delete config.cron; delete config.timezone; delete config.wait;
    if (kind === 'schedule') { config.cron = cron.trim(); if (tz.trim()) config.timezone = tz.trim(); }
    if (kind === 'webhook' && !wait) config.wait = false;
    const body = {
      name: name.trim(), kind, board_id: board, board_version: ver, config, on_restart: onRestart, enabled,
      ...(start ? { start_node: start } : {}),
    };
    return attempt(trigger ? 'The trigger was not changed' : 'The trigger was not created', async () => {
      try {
        onSaved(trigger ? await api.updateTrigger(appId, trigger.id, body) : await api.createTrigger(appId, body));
      } catch (err) {
        setProblem((err as ApiError).message);
      }
    });
  };

  return (
    <Dialog title={trigger ? 'Edit trigger' : 'New trigger'} open onClose={onClose} wide>
      <form className="form trigger-form" onSubmit={submit} onChange={() => setProblem('')}>
        <fieldset className="kind-pick">
          <legend className="sr-only">Kind</legend>
          {(['webhook', 'schedule', ...(trigger?.kind === 'manual' ? ['manual' as const] : [])] as TriggerKind[]).map((k) => (
            <label key={k} className={`kind-option${kind === k ? ' on' : ''}`}>
              <input type="radio" name="kind" value={k} checked={kind === k} onChange={() => setKind(k)} />
              <span><strong>{k === 'webhook' ? 'Webhook' : k === 'schedule' ? 'Schedule' : 'Manual'}</strong><span className="muted small">{KIND_HELP[k]}</span></span>
            </label>
          ))}
        </fieldset>
        <div className="form-grid">
          <div className="field">
            <label htmlFor={`${uid}-name`}>Name</label>
            <input id={`${uid}-name`} required maxLength={64} value={name} onChange={(e) => setName(e.target.value)} autoFocus placeholder="order-created"
              aria-describedby={`${uid}-name-help`} />
            <span id={`${uid}-name-help`} className="muted small">Letters, digits, _ . -{kind === 'webhook' ? '; part of the URL' : ''}.</span>
          </div>
          <label className="field"><span>Board</span>
            <select value={board} onChange={(e) => { setBoard(e.target.value); setVersion(''); setStart(''); }}>
              {boards.map((b) => <option key={b.id} value={b.id}>{b.name}</option>)}
            </select>
          </label>
          <label className="field"><span>Version</span>
            <select value={version} onChange={(e) => { setVersion(e.target.value); setStart(''); }}>
              <option value="">Always the latest</option>
              {Array.from({ length: latest }, (_, i) => latest - i).map((v) => <option key={v} value={v}>v{v}</option>)}
            </select>
          </label>
          <label className="field"><span>Start node</span>
            <select value={start} onChange={(e) => setStart(e.target.value)} disabled={!startIds.length}>
              {!startIds.length && <option value="">{list === 'loading' ? 'Loading…' : 'The board has no start node'}</option>}
              {startIds.map((id) => <option key={id} value={id}>{id}</option>)}
            </select>
          </label>
          {kind === 'schedule' && (
            <>
              <div className="field">
                <label htmlFor={`${uid}-cron`}>Cron expression</label>
                <input id={`${uid}-cron`} className="mono" required value={cron} onChange={(e) => setCron(e.target.value)} aria-describedby={`${uid}-cron-help`} spellCheck={false} />
                <span id={`${uid}-cron-help`} className="muted small">minute hour day month weekday, e.g. <code>*/15 * * * *</code>, <code>0 9 * * MON-FRI</code>, <code>@daily</code></span>
              </div>
              <label className="field"><span>Time zone</span>
                <input list={`${uid}-tz`} value={tz} onChange={(e) => setTz(e.target.value)} placeholder="UTC" spellCheck={false} />
                <datalist id={`${uid}-tz`}>{zones.map((z) => <option key={z} value={z} />)}</datalist>
              </label>
            </>
          )}
          {kind === 'webhook' && (
            <label className="check span2"><input type="checkbox" checked={wait} onChange={(e) => setWait(e.target.checked)} />
              Wait for the run and answer with the board's result (else answer 202 at once)</label>
          )}
          <label className="field"><span>If the server stops during a run</span>
            <select value={onRestart} onChange={(e) => setOnRestart(e.target.value as Trigger['on_restart'])}>
              <option value="requeue">Run it again from the start</option>
              <option value="fail">Mark it failed (never run twice)</option>
            </select>
          </label>
          <label className="check"><input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled</label>
        </div>
        <FormActions problem={problem} onClose={onClose} submit={trigger ? 'Save trigger' : 'Create trigger'} disabled={busy || !name.trim()} />
      </form>
    </Dialog>
  );
}
