// Members of an app with their roles, and the app's roles with their
// permissions. Offers only what the signed-in person's role allows (the rules
// of docs/auth.md); when the server still refuses, its reason is shown.
import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { api, ApiError, can, type Me, type Member, type Role } from '../api';
import { APP_PERMISSIONS, expandPermissions, grantableRoles, memberChangeProblem, roleNameProblem } from '../lib/perms';
import { AppNav } from '../ui/AppNav';
import { Dialog } from '../ui/Dialog';
import { DeleteDialog, FormActions, useAttempt } from '../ui/forms';
import { Link } from '../ui/Link';
import { formatTime } from '../ui/time';
import { useToast } from '../ui/toasts';

export function MembersPage({ me, appId, onChanged }: { me: Me; appId: string; onChanged: () => void }) {
  const app = me.apps.find((a) => a.id === appId);
  const toast = useToast();
  const readMembers = can(app, 'read_members');
  const readRoles = can(app, 'read_roles');
  const writeMembers = can(app, 'write_members');
  const writeRoles = can(app, 'write_roles');
  const actor = useMemo(() => ({ user_id: me.user.id, permissions: app?.permissions ?? [] }), [me.user.id, app]);

  const [members, setMembers] = useState<Member[] | null>(null);
  const [roles, setRoles] = useState<Role[] | null>(null);
  const [error, setError] = useState('');
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<Member | null>(null);
  const [transfer, setTransfer] = useState<Member | null>(null);
  const [roleEdit, setRoleEdit] = useState<Role | 'new' | null>(null);
  const [roleDelete, setRoleDelete] = useState<Role | null>(null);
  const [busy, attempt] = useAttempt();

  const load = useCallback(async () => {
    try {
      const [m, r] = await Promise.all([readMembers ? api.members(appId) : null, readRoles ? api.roles(appId) : null]);
      setMembers(m);
      setRoles(r);
      setError('');
    } catch (err) {
      const e = err as ApiError;
      setError(e.status === 403 || e.status === 404 ? 'This app does not exist, or your role cannot see its members.' : e.message);
    }
  }, [appId, readMembers, readRoles]);
  useEffect(() => { load(); }, [load]);

  // Without read_roles the role names still come from the members; their permissions are unknown.
  const roleList: Role[] = roles ?? [...new Set((members ?? []).map((m) => m.role))].map((name) => ({ id: name, name, permissions: [], builtin: true, members: 0 }));
  const grantable = grantableRoles(actor.permissions, roleList);

  const changeRole = (m: Member, role: string) => {
    if (role === m.role) return;
    if (role === 'owner') { setTransfer(m); return; }
    return attempt(`${m.email} keeps the ${m.role} role`, async () => {
      await api.putMember(appId, m.user_id, role);
      toast(`${m.email} is now ${role}.`, 'success');
      await load();
    });
  };
  const doTransfer = () => {
    if (!transfer) return;
    return attempt('Ownership was not transferred', async () => {
      await api.putMember(appId, transfer.user_id, 'owner');
      toast(`${transfer.email} is now the owner; you are an admin.`, 'success');
      setTransfer(null);
      onChanged();
      await load();
    });
  };
  const doRemove = () => {
    if (!removing) return;
    return attempt(`${removing.email} was not removed`, async () => {
      await api.removeMember(appId, removing.user_id);
      toast(`Removed ${removing.email}.`, 'success');
      setRemoving(null);
      await load();
    });
  };
  const doRoleDelete = () => {
    if (!roleDelete) return;
    return attempt(`The role ${roleDelete.name} was not deleted`, async () => {
      await api.deleteRole(appId, roleDelete.id);
      toast(`Deleted the role ${roleDelete.name}.`, 'success');
      setRoleDelete(null);
      await load();
    });
  };

  if (error) return <div className="page"><div className="card empty"><p role="alert">{error}</p><Link to={{ page: 'apps' }}>Back to your apps</Link></div></div>;
  if (app && !readMembers && !readRoles) {
    return <div className="page"><div className="card empty"><p role="alert">Your role ({app.role}) cannot see this app's members or roles.</p><Link to={{ page: 'boards', app: appId }}>Back to the boards</Link></div></div>;
  }

  return (
    <div className="page">
      <div className="page-head">
        <h1>{app?.name ?? appId} <span className="muted small">members &amp; roles</span></h1>
      </div>
      <AppNav app={app} appId={appId} current="members" />

      {readMembers && (
        <section aria-labelledby="members-title" className="section">
          <div className="section-head">
            <h2 id="members-title">Members</h2>
            {writeMembers && <button type="button" className="btn primary" onClick={() => setAdding(true)}>Add member</button>}
          </div>
          {!writeMembers && <p className="muted small">Your role ({app?.role}) can see the members but not change them.</p>}
          {members === null ? <p className="muted" aria-busy="true">Loading…</p> : (
            <table className="table boards-table" aria-label="Members">
              <thead><tr><th scope="col">Member</th><th scope="col">Role</th><th scope="col">Joined</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
              <tbody>
                {members.map((m) => {
                  const why = memberChangeProblem(actor, m, roleList);
                  const options = grantable.filter((r) => memberChangeProblem(actor, m, roleList, r.name) === null);
                  return (
                    <tr key={m.user_id}>
                      <td>{m.email}{m.user_id === me.user.id && <span className="muted small"> (you)</span>}<div className="muted small mono">{m.user_id}</div></td>
                      <td>
                        {writeMembers && !why && options.length > 0 ? (
                          <select aria-label={`Role of ${m.email}`} value={m.role} disabled={busy} onChange={(e) => changeRole(m, e.target.value)}>
                            {!options.some((r) => r.name === m.role) && <option value={m.role}>{m.role}</option>}
                            {options.map((r) => <option key={r.id} value={r.name}>{r.name}{r.name === 'owner' ? ' (transfer ownership)' : ''}</option>)}
                          </select>
                        ) : (
                          <span className={`role role-${m.role}`} title={writeMembers && why ? why : undefined}>{m.role}</span>
                        )}
                      </td>
                      <td className="muted small">{formatTime(m.joined_at)}</td>
                      <td className="actions">
                        {writeMembers && !why && (
                          <button type="button" className="btn small ghost danger" aria-label={`Remove member ${m.email}`} onClick={() => setRemoving(m)}>Remove</button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </section>
      )}

      {readRoles && (
        <section aria-labelledby="roles-title" className="section">
          <div className="section-head">
            <h2 id="roles-title">Roles</h2>
            {writeRoles && <button type="button" className="btn" onClick={() => setRoleEdit('new')}>New role</button>}
          </div>
          {roles === null ? <p className="muted" aria-busy="true">Loading…</p> : (
            <table className="table boards-table" aria-label="Roles">
              <thead><tr><th scope="col">Role</th><th scope="col">Permissions</th><th scope="col">Members</th><th scope="col"><span className="sr-only">Actions</span></th></tr></thead>
              <tbody>
                {roles.map((r) => {
                  const editable = writeRoles && !r.builtin && grantableRoles(actor.permissions, [r]).length === 1;
                  return (
                    <tr key={r.id}>
                      <td><span className={`role role-${r.name}`}>{r.name}</span>{r.builtin && <div className="muted small">built-in</div>}</td>
                      <td><ul className="perm-chips" aria-label={`Permissions of ${r.name}`}>{r.permissions.map((p) => <li key={p} className="chip">{p}</li>)}</ul></td>
                      <td>{r.members}</td>
                      <td className="actions">
                        {editable && <button type="button" className="btn small ghost" aria-label={`Edit role ${r.name}`} onClick={() => setRoleEdit(r)}>Edit</button>}
                        {editable && <button type="button" className="btn small ghost danger" aria-label={`Delete role ${r.name}`} onClick={() => setRoleDelete(r)}>Delete</button>}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
          {writeRoles && <p className="muted small">Built-in roles cannot be changed; make a custom role instead. A role can hold only permissions you hold yourself.</p>}
        </section>
      )}

      {adding && <AddMemberDialog appId={appId} roles={grantable.filter((r) => r.name !== 'owner')} onClose={() => setAdding(false)}
        onAdded={async (m) => { setAdding(false); toast(`${m.email} joined as ${m.role}.`, 'success'); await load(); }} />}
      {roleEdit && <RoleDialog appId={appId} role={roleEdit === 'new' ? null : roleEdit} actorPermissions={actor.permissions}
        onClose={() => setRoleEdit(null)} onSaved={async (r) => { toast(`${roleEdit === 'new' ? 'Created' : 'Saved'} the role ${r.name}.`, 'success'); setRoleEdit(null); await load(); }} />}
      <DeleteDialog title="Remove member" open={!!removing} onClose={() => setRemoving(null)} busy={busy} confirm="Remove member" onConfirm={doRemove}>
        <p>Remove <strong>{removing?.email}</strong> from this app? They lose access at once.</p>
      </DeleteDialog>
      <DeleteDialog title="Transfer ownership" open={!!transfer} onClose={() => setTransfer(null)} busy={busy} confirm="Transfer ownership" onConfirm={doTransfer}>
        <p>Make <strong>{transfer?.email}</strong> the owner of this app? An app has one owner: you become an admin, and only the new owner can give ownership back.</p>
      </DeleteDialog>
      <DeleteDialog title="Delete role" open={!!roleDelete} onClose={() => setRoleDelete(null)} busy={busy} confirm="Delete role" onConfirm={doRoleDelete}>
        <p>Delete the role <strong>{roleDelete?.name}</strong>? A role still held by a member or a live API key cannot be deleted.</p>
      </DeleteDialog>
    </div>
  );
}

function AddMemberDialog({ appId, roles, onClose, onAdded }: { appId: string; roles: Role[]; onClose: () => void; onAdded: (m: Member) => void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState(roles.find((r) => r.name === 'viewer')?.name ?? roles[0]?.name ?? '');
  const [problem, setProblem] = useState('');
  const [busy, attempt] = useAttempt();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    return attempt('The member was not added', async () => {
      try {
        onAdded(await api.putMember(appId, email.trim(), role));
      } catch (err) {
        const ae = err as ApiError;
        setProblem(ae.status === 404 ? `${ae.message}. Only users of this server can join; an instance admin creates them.` : ae.message);
      }
    });
  };
  return (
    <Dialog title="Add member" open onClose={onClose}>
      <form className="form" onSubmit={submit} onChange={() => setProblem('')}>
        <label className="field"><span>E-mail</span>
          <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} autoFocus autoComplete="off" />
        </label>
        <label className="field"><span>Role</span>
          <select value={role} onChange={(e) => setRole(e.target.value)}>
            {roles.map((r) => <option key={r.id} value={r.name}>{r.name}</option>)}
          </select>
        </label>
        <p className="muted small">An existing user of this server joins with this role (a member already here gets the role instead).</p>
        <FormActions problem={problem} onClose={onClose} submit="Add member" disabled={busy || !email.trim() || !role} />
      </form>
    </Dialog>
  );
}

function RoleDialog({ appId, role, actorPermissions, onClose, onSaved }: {
  appId: string; role: Role | null; actorPermissions: string[]; onClose: () => void; onSaved: (r: Role) => void;
}) {
  const [name, setName] = useState(role?.name ?? '');
  const [perms, setPerms] = useState<Set<string>>(new Set(role?.permissions ?? ['read_app']));
  const [problem, setProblem] = useState('');
  const [busy, attempt] = useAttempt();
  const have = useMemo(() => expandPermissions(actorPermissions), [actorPermissions]);
  // A custom role never holds owner; nobody gives a permission they do not hold.
  const offered = APP_PERMISSIONS.filter((p) => p.name !== 'owner' && have.has(p.name));
  const implied = expandPermissions(perms);

  const toggle = (p: string, on: boolean) => setPerms((s) => {
    const n = new Set(s);
    if (on) n.add(p); else n.delete(p);
    return n;
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const why = roleNameProblem(name.trim()) ?? (perms.size ? null : 'Choose at least one permission.');
    setProblem(why ?? '');
    if (why) return;
    const list = APP_PERMISSIONS.map((p) => p.name).filter((p) => perms.has(p));
    return attempt(role ? 'The role was not changed' : 'The role was not created', async () => {
      try {
        onSaved(role ? await api.updateRole(appId, role.id, { name: name.trim(), permissions: list }) : await api.createRole(appId, name.trim(), list));
      } catch (err) {
        setProblem((err as ApiError).message);
      }
    });
  };
  return (
    <Dialog title={role ? `Edit role ${role.name}` : 'New role'} open onClose={onClose} wide>
      <form className="form" onSubmit={submit} onChange={() => setProblem('')}>
        <label className="field"><span>Name</span>
          <input required maxLength={64} value={name} onChange={(e) => setName(e.target.value)} autoFocus placeholder="deployer" />
        </label>
        <fieldset className="fieldset">
          <legend>Permissions</legend>
          <div className="perm-grid">
            {offered.map((p) => {
              const viaOther = !perms.has(p.name) && implied.has(p.name);
              return (
                <label key={p.name} className="check perm-check" title={viaOther ? 'implied by another permission chosen' : undefined}>
                  <input type="checkbox" checked={perms.has(p.name) || viaOther} disabled={viaOther} onChange={(e) => toggle(p.name, e.target.checked)} />
                  <span><code>{p.name}</code> <span className="muted small">{p.label}</span></span>
                </label>
              );
            })}
          </div>
        </fieldset>
        <FormActions problem={problem} onClose={onClose} submit={role ? 'Save role' : 'Create role'} disabled={busy || !name.trim()} />
      </form>
    </Dialog>
  );
}
