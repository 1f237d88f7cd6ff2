import { useState, type FormEvent } from 'react';
import { api, can, type AppAccess, type Me } from '../api';
import { DeleteDialog, NameDialog, useAttempt } from '../ui/forms';
import { Link } from '../ui/Link';
import { navigate } from '../ui/router';
import { useToast } from '../ui/toasts';

export function AppsPage({ me, onChanged }: { me: Me; onChanged: () => Promise<void> | void }) {
  const toast = useToast();
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState<AppAccess | null>(null);
  const [deleting, setDeleting] = useState<AppAccess | null>(null);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [busy, attempt] = useAttempt();

  const create = (e: FormEvent) => {
    e.preventDefault();
    return attempt('The app was not created', async () => {
      const a = await api.createApp(name.trim(), description.trim());
      setCreating(false);
      setName('');
      setDescription('');
      await onChanged();
      navigate({ page: 'boards', app: a.id });
    });
  };

  const rename = (e: FormEvent) => {
    e.preventDefault();
    if (!renaming) return;
    return attempt('The app was not renamed', async () => {
      await api.renameApp(renaming.id, name.trim());
      setRenaming(null);
      await onChanged();
    });
  };

  const remove = () => {
    if (!deleting) return;
    return attempt('The app was not deleted', async () => {
      await api.deleteApp(deleting.id);
      toast(`Deleted ${deleting.name}.`, 'success');
      setDeleting(null);
      await onChanged();
    });
  };

  return (
    <div className="page">
      <div className="page-head">
        <h1>Apps</h1>
        {me.user.instance_admin && (
          <button type="button" className="btn primary" onClick={() => { setName(''); setDescription(''); setCreating(true); }}>New app</button>
        )}
      </div>
      {me.apps.length === 0 ? (
        <div className="empty card">
          <p>You are not a member of any app yet.</p>
          {me.user.instance_admin ? <p className="muted">Create one to start drawing boards.</p> : <p className="muted">Ask an app's owner to add you.</p>}
        </div>
      ) : (
        <ul className="tiles" aria-label="Your apps">
          {me.apps.map((a) => (
            <li key={a.id} className="tile card">
              <Link to={{ page: 'boards', app: a.id }} className="tile-main">
                <span className="tile-title">{a.name}</span>
                <span className="muted small">{a.id}</span>
              </Link>
              <div className="tile-foot">
                <span className={`role role-${a.role}`} title={a.permissions.join(', ')}>{a.role}</span>
                <span className="spacer" />
                {can(a, 'write_app') && (
                  <button type="button" className="btn small ghost" aria-label={`Rename app ${a.name}`} onClick={() => { setName(a.name); setRenaming(a); }}>Rename</button>
                )}
                {can(a, 'owner') && (
                  <button type="button" className="btn small ghost danger" aria-label={`Delete app ${a.name}`} onClick={() => setDeleting(a)}>Delete</button>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}

      <NameDialog title="New app" open={creating} onClose={() => setCreating(false)} name={name} setName={setName} busy={busy}
        submit="Create app" onSubmit={create}>
        <label className="field"><span>Description</span>
          <input value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
      </NameDialog>

      <NameDialog title="Rename app" open={!!renaming} onClose={() => setRenaming(null)} name={name} setName={setName} busy={busy}
        submit="Rename" onSubmit={rename} />

      <DeleteDialog title="Delete app" open={!!deleting} onClose={() => setDeleting(null)} busy={busy} confirm="Delete app" onConfirm={remove}>
        <p>Delete <strong>{deleting?.name}</strong> with all its boards, runs, events and secrets? This cannot be undone.</p>
      </DeleteDialog>
    </div>
  );
}
