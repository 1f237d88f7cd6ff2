import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, can, type BoardSummary, type Me, type VersionInfo } from '../api';
import { newBoard, slugify } from '../lib/convert';
import { AppNav } from '../ui/AppNav';
import { DeleteDialog, NameDialog, useAttempt } from '../ui/forms';
import { Link } from '../ui/Link';
import { navigate } from '../ui/router';
import { formatTime } from '../ui/time';
import { useToast } from '../ui/toasts';

export function BoardsPage({ me, appId }: { me: Me; appId: string; onChanged: () => void }) {
  const app = me.apps.find((a) => a.id === appId);
  const toast = useToast();
  const [boards, setBoards] = useState<BoardSummary[] | null>(null);
  const [error, setError] = useState('');
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState<BoardSummary | null>(null);
  const [deleting, setDeleting] = useState<BoardSummary | null>(null);
  const [versions, setVersions] = useState<Record<string, VersionInfo[] | 'loading'>>({});
  const [name, setName] = useState('');
  const [busy, attempt] = useAttempt();
  const write = can(app, 'write_boards');

  const load = useCallback(async () => {
    try {
      setBoards(await api.boards(appId));
      setError('');
    } catch (err) {
      setError((err as ApiError).status === 403 || (err as ApiError).status === 404 ? 'This app does not exist, or you are not a member of it.' : (err as ApiError).message);
    }
  }, [appId]);
  useEffect(() => { load(); }, [load]);

  const create = (e: FormEvent) => {
    e.preventDefault();
    return attempt('The board was not created', async () => {
      const n = name.trim();
      const r = await api.createBoard(appId, n, newBoard(slugify(n), n));
      setCreating(false);
      navigate({ page: 'editor', app: appId, board: r.id });
    });
  };

  const rename = (e: FormEvent) => {
    e.preventDefault();
    if (!renaming) return;
    return attempt('The board was not renamed', async () => {
      const cur = await api.board(appId, renaming.id);
      const n = name.trim();
      await api.saveBoard(appId, renaming.id, { ...cur.board, name: n }, cur.version, n);
      setRenaming(null);
      await load();
    });
  };

  const remove = () => {
    if (!deleting) return;
    return attempt('The board was not deleted', async () => {
      await api.deleteBoard(appId, deleting.id);
      toast(`Deleted ${deleting.name}.`, 'success');
      setDeleting(null);
      await load();
    });
  };

  const toggleVersions = async (b: BoardSummary) => {
    if (versions[b.id]) {
      setVersions(({ [b.id]: _, ...rest }) => rest);
      return;
    }
    setVersions((v) => ({ ...v, [b.id]: 'loading' }));
    try {
      const list = await api.versions(appId, b.id);
      setVersions((v) => ({ ...v, [b.id]: list }));
    } catch (err) {
      toast((err as ApiError).message, 'error');
      setVersions(({ [b.id]: _, ...rest }) => rest);
    }
  };

  if (error) return <div className="page"><div className="card empty"><p role="alert">{error}</p><Link to={{ page: 'apps' }}>Back to your apps</Link></div></div>;

  return (
    <div className="page">
      <div className="page-head">
        <h1>{app?.name ?? appId} <span className="muted small">boards</span></h1>
        {write && <button type="button" className="btn primary" onClick={() => { setName(''); setCreating(true); }}>New board</button>}
      </div>
      <AppNav app={app} appId={appId} current="boards" />
      {app && !write && <p className="muted notice">Your role ({app.role}) can view boards here but not change them.</p>}
      {boards === null ? (
        <p className="muted" aria-busy="true">Loading…</p>
      ) : boards.length === 0 ? (
        <div className="empty card"><p>No boards yet.</p>{write && <p className="muted">Create one and draw it from the catalog.</p>}</div>
      ) : (
        <table className="table boards-table" aria-label="Boards">
          <thead>
            <tr><th scope="col">Board</th><th scope="col">Version</th><th scope="col">Updated</th><th scope="col"><span className="sr-only">Actions</span></th></tr>
          </thead>
          <tbody>
            {boards.map((b) => (
              <BoardRow key={b.id} b={b} appId={appId} write={write} versions={versions[b.id]}
                onVersions={() => toggleVersions(b)} onRename={() => { setName(b.name); setRenaming(b); }} onDelete={() => setDeleting(b)} />
            ))}
          </tbody>
        </table>
      )}

      <NameDialog title="New board" open={creating} onClose={() => setCreating(false)} name={name} setName={setName} busy={busy}
        submit="Create board" onSubmit={create} />
      <NameDialog title="Rename board" open={!!renaming} onClose={() => setRenaming(null)} name={name} setName={setName} busy={busy}
        submit="Rename" onSubmit={rename}>
        <p className="muted small">Renaming saves a new version.</p>
      </NameDialog>
      <DeleteDialog title="Delete board" open={!!deleting} onClose={() => setDeleting(null)} busy={busy} confirm="Delete board" onConfirm={remove}>
        <p>Delete <strong>{deleting?.name}</strong> and all its versions? Its past runs stay in the history.</p>
      </DeleteDialog>
    </div>
  );
}

function BoardRow({ b, appId, write, versions, onVersions, onRename, onDelete }: {
  b: BoardSummary; appId: string; write: boolean; versions: VersionInfo[] | 'loading' | undefined;
  onVersions: () => void; onRename: () => void; onDelete: () => void;
}) {
  return (
    <>
      <tr>
        <td><Link to={{ page: 'editor', app: appId, board: b.id }} className="strong">{b.name}</Link> <span className="muted small">{b.id}</span></td>
        <td>
          <button type="button" className="btn small ghost" aria-expanded={!!versions} aria-label={`Versions of ${b.name}`} onClick={onVersions}>
            v{b.latest_version} {versions ? '▴' : '▾'}
          </button>
        </td>
        <td className="muted">{formatTime(b.updated_at)}</td>
        <td className="actions">
          {write && <button type="button" className="btn small ghost" aria-label={`Rename board ${b.name}`} onClick={onRename}>Rename</button>}
          {write && <button type="button" className="btn small ghost danger" aria-label={`Delete board ${b.name}`} onClick={onDelete}>Delete</button>}
        </td>
      </tr>
      {versions && (
        <tr className="versions-row">
          <td colSpan={4}>
            {versions === 'loading' ? <span className="muted">Loading versions…</span> : (
              <ul className="versions" aria-label={`Versions of ${b.name}`}>
                {versions.map((v) => (
                  <li key={v.version}>
                    <Link to={{ page: 'editor', app: appId, board: b.id, ...(v.version !== b.latest_version ? { version: v.version } : {}) }}>v{v.version}</Link>
                    <span className="muted small">{formatTime(v.created_at)}{v.created_by ? ` · ${v.created_by}` : ''}</span>
                  </li>
                ))}
              </ul>
            )}
          </td>
        </tr>
      )}
    </>
  );
}
