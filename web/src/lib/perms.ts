// App permissions as docs/auth.md defines them: their names in the server's
// order, what each allows, and the implications of perm_expand (src/auth/rbac.c).
// The members screen uses them to offer only what the signed-in person may
// do; the server checks the same rules again on every request.

export const APP_PERMISSIONS: readonly { name: string; label: string }[] = [
  { name: 'owner', label: 'everything, including transferring ownership' },
  { name: 'admin', label: 'everything but what only the owner may do' },
  { name: 'read_app', label: "see the app's name and settings" },
  { name: 'write_app', label: "change the app's name and settings" },
  { name: 'read_members', label: 'list members and their roles' },
  { name: 'write_members', label: 'add, remove and change members' },
  { name: 'read_roles', label: 'list roles and their permissions' },
  { name: 'write_roles', label: 'create, change and delete custom roles' },
  { name: 'read_boards', label: 'see boards' },
  { name: 'write_boards', label: 'create, change and delete boards' },
  { name: 'execute_boards', label: 'run a board by hand' },
  { name: 'read_events', label: 'see triggers (webhooks, schedules)' },
  { name: 'write_events', label: 'create, change and delete triggers' },
  { name: 'execute_events', label: 'fire a trigger (call a webhook)' },
  { name: 'read_runs', label: 'list runs and their status' },
  { name: 'cancel_runs', label: 'cancel a running run' },
  { name: 'read_run_data', label: "see a run's payload, outputs and trace" },
  { name: 'read_logs', label: "see a run's log lines" },
  { name: 'read_files', label: "read the app's storage files" },
  { name: 'write_files', label: "write and delete the app's storage files" },
  { name: 'list_secrets', label: 'list secret names' },
  { name: 'write_secrets', label: 'set and delete secret values' },
  { name: 'read_packages', label: 'list installed packages' },
  { name: 'install_packages', label: 'install and remove packages' },
  { name: 'read_api_keys', label: "list the app's API keys" },
  { name: 'write_api_keys', label: 'create and revoke API keys' },
  { name: 'read_audit', label: "read the app's audit log" },
];

const ALL = APP_PERMISSIONS.map((p) => p.name);
const KNOWN = new Set(ALL);

/** A write-like permission implies the read permission of the same thing. */
const IMPLIES: readonly [string, string][] = [
  ['write_app', 'read_app'], ['write_members', 'read_members'], ['write_roles', 'read_roles'],
  ['write_boards', 'read_boards'], ['write_events', 'read_events'], ['write_files', 'read_files'],
  ['write_secrets', 'list_secrets'], ['install_packages', 'read_packages'], ['write_api_keys', 'read_api_keys'],
  ['cancel_runs', 'read_runs'],
];

/** Every app permission `perms` grants (owner ⇒ all, admin ⇒ all but owner, write ⇒ read). */
export function expandPermissions(perms: Iterable<string>): Set<string> {
  const s = new Set<string>();
  for (const p of perms) if (KNOWN.has(p)) s.add(p);
  if (s.has('owner')) for (const p of ALL) s.add(p);
  if (s.has('admin')) for (const p of ALL) if (p !== 'owner') s.add(p);
  for (const [from, to] of IMPLIES) if (s.has(from)) s.add(to);
  return s;
}

/** True when someone holding `actor` holds every permission of `wanted` (no escalation). */
export function holdsAll(actor: Iterable<string>, wanted: Iterable<string>): boolean {
  const have = expandPermissions(actor);
  for (const p of expandPermissions(wanted)) if (!have.has(p)) return false;
  return true;
}

/** Role names as the server takes them: 1–64 of A-Z a-z 0-9 _ . -, not starting with '.', not shaped like an id. */
export function roleNameProblem(name: string): string | null {
  if (!name) return 'A role needs a name.';
  if (name.length > 64) return 'A role name has at most 64 characters.';
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) return 'A role name holds only letters, digits, _ . and -.';
  if (name.startsWith('.')) return 'A role name does not start with a dot.';
  if (/^role_[0-9a-f]{32}$/.test(name)) return 'A role name cannot look like a role id.';
  return null;
}

export interface MemberLike {
  user_id: string;
  role: string;
}
export interface RoleLike {
  name: string;
  permissions: string[];
}

/** What the actor may do to one member, by the rules of rbac_check_member_change:
 *  null when allowed, else the reason. */
export function memberChangeProblem(actor: { user_id: string; permissions: string[] }, member: MemberLike,
  roles: RoleLike[], newRole?: string): string | null {
  const have = expandPermissions(actor.permissions);
  if (!have.has('write_members')) return 'Your role cannot change members.';
  if (member.user_id === actor.user_id) return 'Nobody changes their own role or removes themselves.';
  const owner = have.has('owner');
  if (member.role === 'owner' && !owner) return 'Only the owner changes or removes the owner.';
  if (newRole === 'owner' && !owner) return 'Only the owner gives the owner role.';
  const cur = roles.find((r) => r.name === member.role);
  if (cur && !holdsAll(actor.permissions, cur.permissions)) return `The ${member.role} role has permissions you do not hold.`;
  if (newRole !== undefined) {
    const next = roles.find((r) => r.name === newRole);
    if (next && !holdsAll(actor.permissions, next.permissions)) return `The ${newRole} role has permissions you do not hold.`;
  }
  return null;
}

/** The roles the actor may give (to a new member or an existing one). */
export function grantableRoles<R extends RoleLike>(actorPermissions: string[], roles: R[]): R[] {
  const owner = expandPermissions(actorPermissions).has('owner');
  return roles.filter((r) => (r.name !== 'owner' || owner) && holdsAll(actorPermissions, r.permissions));
}
