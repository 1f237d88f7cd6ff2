import { describe, expect, it } from 'vitest';
import { APP_PERMISSIONS, expandPermissions, grantableRoles, holdsAll, memberChangeProblem, roleNameProblem } from '../src/lib/perms';

const roles = [
  { name: 'owner', permissions: ['owner'] },
  { name: 'admin', permissions: ['admin'] },
  { name: 'editor', permissions: ['read_app', 'read_members', 'read_roles', 'read_boards', 'write_boards', 'execute_boards', 'read_events', 'write_events', 'execute_events', 'read_runs', 'cancel_runs', 'read_run_data', 'read_logs', 'read_files', 'write_files', 'list_secrets', 'read_packages'] },
  { name: 'viewer', permissions: ['read_app', 'read_boards', 'read_events', 'read_runs'] },
  { name: 'hooks', permissions: ['execute_events'] },
];
const owner = { user_id: 'usr_o', permissions: ['owner'] };
const admin = { user_id: 'usr_a', permissions: [...expandPermissions(['admin'])] };
const manager = { user_id: 'usr_m', permissions: ['write_members', 'read_app', 'read_boards', 'read_events', 'read_runs'] };

describe('permissions', () => {
  it('expand as perm_expand does', () => {
    expect(expandPermissions(['owner']).size).toBe(APP_PERMISSIONS.length);
    const a = expandPermissions(['admin']);
    expect(a.has('owner')).toBe(false);
    expect(a.size).toBe(APP_PERMISSIONS.length - 1);
    expect([...expandPermissions(['write_boards', 'cancel_runs', 'write_secrets'])].sort())
      .toEqual(['cancel_runs', 'list_secrets', 'read_boards', 'read_runs', 'write_boards', 'write_secrets']);
    expect([...expandPermissions(['execute_events', 'create_apps', 'nonsense'])]).toEqual(['execute_events']);
  });
  it('no escalation: a role may be given only by someone holding all of it', () => {
    expect(holdsAll(['admin'], ['write_boards', 'read_audit'])).toBe(true);
    expect(holdsAll(['write_boards'], ['read_boards'])).toBe(true);
    expect(holdsAll(['read_boards'], ['write_boards'])).toBe(false);
    expect(holdsAll(['admin'], ['owner'])).toBe(false);
    expect(grantableRoles(owner.permissions, roles).map((r) => r.name)).toEqual(['owner', 'admin', 'editor', 'viewer', 'hooks']);
    expect(grantableRoles(admin.permissions, roles).map((r) => r.name)).toEqual(['admin', 'editor', 'viewer', 'hooks']);
    expect(grantableRoles(manager.permissions, roles).map((r) => r.name)).toEqual(['viewer']);
  });
});

describe('member changes (rbac_check_member_change)', () => {
  const member = (user_id: string, role: string) => ({ user_id, role });
  it('need write_members', () => {
    expect(memberChangeProblem({ user_id: 'u', permissions: ['read_members'] }, member('usr_x', 'viewer'), roles)).toMatch(/cannot change members/);
  });
  it('nobody changes their own role', () => {
    expect(memberChangeProblem(owner, member('usr_o', 'owner'), roles, 'admin')).toMatch(/own role/);
    expect(memberChangeProblem(admin, member('usr_a', 'admin'), roles)).toMatch(/own role/);
  });
  it('only the owner changes the owner, or gives the owner role', () => {
    expect(memberChangeProblem(admin, member('usr_o', 'owner'), roles)).toMatch(/Only the owner/);
    expect(memberChangeProblem(admin, member('usr_x', 'viewer'), roles, 'owner')).toMatch(/Only the owner gives/);
    expect(memberChangeProblem(owner, member('usr_x', 'viewer'), roles, 'owner')).toBeNull();
  });
  it('the actor holds the current and the new role', () => {
    expect(memberChangeProblem(manager, member('usr_x', 'viewer'), roles, 'viewer')).toBeNull();
    expect(memberChangeProblem(manager, member('usr_x', 'editor'), roles)).toMatch(/editor role has permissions/);
    expect(memberChangeProblem(manager, member('usr_x', 'viewer'), roles, 'hooks')).toMatch(/hooks role/);
    expect(memberChangeProblem(admin, member('usr_x', 'editor'), roles, 'admin')).toBeNull();
  });
});

describe('role names', () => {
  it('are those the server takes', () => {
    expect(roleNameProblem('deployer')).toBeNull();
    expect(roleNameProblem('ci.bot-2_x')).toBeNull();
    expect(roleNameProblem('')).toMatch(/needs a name/);
    expect(roleNameProblem('.hidden')).toMatch(/dot/);
    expect(roleNameProblem('has space')).toMatch(/letters/);
    expect(roleNameProblem('x'.repeat(65))).toMatch(/64/);
    expect(roleNameProblem(`role_${'a'.repeat(32)}`)).toMatch(/id/);
  });
});
