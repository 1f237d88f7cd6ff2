#!/usr/bin/env python3
"""test_authz_matrix.py WEIR SRC — the authorization matrix.

For every operation of GET /api/v1/openapi.json (taken from the running
server: a new route cannot escape) and every credential of this list

  owner / admin / editor / operator / viewer   a member of app A with that
        role, with a full-scope PAT (5 users; none is an instance admin)
  …:session                                     each of them signed in with a
        session cookie (state-changing requests send X-CSRF-Token)
  owner:scoped   the owner's PAT scoped to read_boards + read_runs
  editor:admin   the editor's PAT scoped to admin (docs/auth.md: exactly the
                 editor's rights)
  admin/editor/operator/viewer:key   an API key of app A with that role
  anonymous      no credential

the expected decision is computed from the permission table — the operation's
x-permission-scope and x-required-permission, the credential's rights from the
server's own role table (GET /apps/{app}/roles) and implication rules (GET /me
of one-permission PATs), and the documented rules for API keys (docs/auth.md:
a key acts only in its app, where it never manages keys, members or roles;
outside it, it may only list its app) — and checked:
  expected allow → the answer is neither 401 nor 403 (nor 5xx);
  expected deny  → 403 (401 for the anonymous caller).
Public operations are allowed to everyone; instance operations need instance
permissions, which none of these credentials has.

Every state-changing operation acts on a fresh object made by the owner just
before (its last path parameter: a board, event, secret, role, member, key,
run still going or token of the caller; DELETE of the app on a throwaway app in which the
credential's counterpart holds the same role), a session signs out with a
fresh session of its own, so the order of the calls does not matter.

The credentials' rights are also checked against GET /me, the server's role
table against the "Built-in roles" table of docs/auth.md, and a few fixed
expectations of docs/auth.md are asserted on their own (viewer cannot
execute_boards, operator cannot write_boards, editor cannot write_members,
admin cannot act as owner).

Prints the matrix (A allowed, D 403, U 401; lower case: not what the table
says) and every mismatch.
"""
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import main_each_store  # noqa: E402
from authz_common import (ANON, KEY_NEVER, KEY_USER_OPS, ROLES, AppWorld, Instance, body_errors,  # noqa: E402
                          docs_default_roles, path_params, show)

ALLOW, DENY, UNAUTH = "A", "D", "U"


def credentials(inst, w):
    creds = [w.users[r].pat for r in ROLES]
    for r in ROLES:
        creds.append(inst.login(w.users[r], f"{r}:session", role=r))
    scoped, _ = inst.mint(w.owner.pat, ["read_boards", "read_runs"], "owner:scoped", role="owner")
    creds.append(scoped)
    ed, _ = inst.mint(w.users["editor"].pat, ["admin"], "editor:admin", role="editor")
    creds.append(ed)
    creds += [w.keys[r] for r in ("admin", "editor", "operator", "viewer")]
    creds.append(ANON)
    return creds


def expected(w, cred, path, method, op):
    scope, perm = op.get("x-permission-scope"), op.get("x-required-permission")
    if scope == "public":
        return ALLOW
    if cred.kind == "anon":
        return UNAUTH
    if scope == "user":
        if cred.kind == "key":
            return ALLOW if (method, path) in KEY_USER_OPS else DENY
        return ALLOW
    if scope == "instance":
        return DENY  # no credential here holds an instance permission
    if scope == "app":
        if perm not in w.expected_rights(cred):
            return DENY
        if cred.kind == "key" and perm in KEY_NEVER:
            return DENY
        return ALLOW
    raise ValueError(f"unknown x-permission-scope {scope!r}")


def decision(status):
    return UNAUTH if status == 401 else DENY if status == 403 else ALLOW


def prepare(inst, w, path, method, op, cred):
    """(url, body, credential to use) with fresh objects for a state-changing operation."""
    params, use = {}, cred
    names = path_params(path)
    if method not in ("GET", "HEAD") and names:
        last = names[-1]
        if last != "app" or method == "DELETE":
            params[last], use = w.fresh(last, cred)
    if op.get("operationId") == "logout" and cred.kind == "session":
        use = inst.login(cred.user, cred.label, role=cred.role)  # signing out ends the session: use a fresh one
    url = w.url(path, params)
    return url, w.body_for(path, op, use, params=params), use


def table_checks(c, inst, w, src):
    t = w.table
    for r in ROLES:
        c.check(r in t, f"the app has the default role {r} (GET /roles)")
    docs = docs_default_roles(src)
    for r in ROLES:
        c.eq(sorted(t.get(r, ())), sorted(docs.get(r, ())), f"role {r}: the server's permissions (GET /roles) are docs/auth.md's")
    ex = {r: inst.expand(w, t.get(r, ())) for r in ROLES}
    c.eq(ex["owner"], set(inst.app_perms), "owner holds every app permission")
    c.eq(ex["admin"], set(inst.app_perms) - {"owner"}, "admin holds every app permission but owner")
    c.check("execute_boards" not in ex["viewer"], "docs/auth.md: a viewer cannot execute_boards")
    c.check("write_boards" not in ex["operator"], "docs/auth.md: an operator cannot write_boards")
    c.check("write_members" not in ex["editor"], "docs/auth.md: an editor cannot write_members")
    c.check("owner" not in ex["admin"], "docs/auth.md: an admin cannot act as owner")
    c.check(not any(p in ex[r] for r in ROLES for p in inst.inst_perms), "no role holds an instance permission")


FIXED = [  # docs/auth.md, asserted on their own as well as through the table
    ("POST", "/api/v1/apps/{app}/boards/{board}/runs", "viewer:pat", DENY, "a viewer cannot start a run (execute_boards)"),
    ("POST", "/api/v1/apps/{app}/boards", "operator:pat", DENY, "an operator cannot make a board (write_boards)"),
    ("PUT", "/api/v1/apps/{app}/boards/{board}", "operator:session", DENY, "an operator cannot save a board (write_boards)"),
    ("PUT", "/api/v1/apps/{app}/members/{user}", "editor:pat", DENY, "an editor cannot change members (write_members)"),
    ("DELETE", "/api/v1/apps/{app}", "admin:pat", DENY, "an admin cannot delete the app (owner)"),
    ("DELETE", "/api/v1/apps/{app}", "admin:key", DENY, "an admin key cannot delete the app (owner)"),
    ("DELETE", "/api/v1/apps/{app}", "owner:pat", ALLOW, "the owner deletes the app"),
    ("POST", "/api/v1/apps/{app}/api-keys", "admin:key", DENY, "keys do not make keys"),
    ("PUT", "/api/v1/apps/{app}/members/{user}", "admin:key", DENY, "keys do not change members"),
    ("PUT", "/api/v1/apps/{app}/members/{user}", "admin:pat", ALLOW, "an admin changes members"),
    ("GET", "/api/v1/apps/{app}/runs/{run}", "owner:scoped", ALLOW, "a PAT scoped read_runs reads a run"),
    ("GET", "/api/v1/apps/{app}/events", "owner:scoped", DENY, "a PAT scoped read_boards+read_runs cannot read events"),
    ("GET", "/api/v1/apps/{app}/members", "editor:admin", ALLOW, "an editor's PAT scoped admin reads members (the editor can)"),
    ("PUT", "/api/v1/apps/{app}/members/{user}", "editor:admin", DENY, "an editor's PAT scoped admin cannot change members (the editor cannot)"),
    ("GET", "/api/v1/users", "owner:pat", DENY, "an app owner is no instance admin"),
]


def matrix(c, s, src, label):
    t0 = time.time()
    inst = Instance(s, src)
    w = AppWorld(inst, "m")
    table_checks(c, inst, w, src)
    creds = credentials(inst, w)
    for cr in creds:
        if cr.kind in ("pat", "session"):
            c.eq(sorted(w.rights_of(cr)), sorted(w.expected_rights(cr)), f"[{label}] {cr.label}: rights in the app (GET /me) are the table's")

    ops = inst.ops
    c.check(len(ops) > 0, "the OpenAPI document lists operations")
    results = {}   # (method, path) → {label: (expected, got, status)}
    mismatches = []
    fivexx = []
    for path, method, op in ops:
        what = f"{method} {path}"
        row = results.setdefault((method, path), {})
        for cr in creds:
            want = expected(w, cr, path, method, op)
            try:
                url, body, use = prepare(inst, w, path, method, op, cr)
            except KeyError as e:
                c.check(False, f"{what}: path parameter {{{e.args[0]}}} is unknown to the matrix; teach AppWorld.params in authz_common.py")
                break
            errs = body_errors(op, body)
            c.check(not errs, f"{what}: the body {body!r} is valid against the schema: {errs}")
            r = inst.call(method, url, use, body)
            got = decision(r.status)
            row[cr.label] = (want, got, r.status)
            if want == ALLOW:
                ok = r.status not in (401, 403)
            elif want == DENY:
                ok = r.status == 403
            else:
                ok = r.status == 401
            if not ok:
                mismatches.append(f"{method} {path} [{cr.label}]: expected {want}, got {show(r)}")
            c.check(ok, f"[{label}] {method} {path} [{cr.label}]: expected {dict(A='allow', D='403', U='401')[want]}, got {show(r)}")
            if r.status >= 500:
                fivexx.append(f"{method} {path} [{cr.label}]: {show(r)}")
    c.check(not fivexx, f"[{label}] no operation answers 5xx: {fivexx}")

    for method, path, who, want, why in FIXED:
        cell = results.get((method, path), {}).get(who)
        if c.check(cell is not None, f"[{label}] {method} {path} [{who}] is in the matrix ({why})"):
            c.check(cell[0] == want and cell[1] == want, f"[{label}] {why}: {method} {path} [{who}]: table {cell[0]}, server {cell[1]} ({cell[2]})")

    print_matrix(label, creds, ops, results)
    # allowed cells whose handler said no (for a reason other than rights): a
    # reader can tell the "A" was the handler running, not a missed route
    odd = {}
    for (method, path), row in results.items():
        for lab, (want, got, st) in row.items():
            if want == ALLOW and 400 <= st < 500:
                odd.setdefault((method, path, st), []).append(lab)
    for (method, path, st), labs in sorted(odd.items()):
        print(f"note: allowed, answered {st}: {method} {path} [{', '.join(labs)}]")
    for m in mismatches:
        print("MISMATCH:", m)
    n = sum(len(v) for v in results.values())
    print(f"[{label}] {len(ops)} operations × {len(creds)} credentials = {n} cells, {len(mismatches)} mismatches, {time.time() - t0:.1f} s")


def print_matrix(label, creds, ops, results):
    cols = "abcdefghijklmnopqrstuvwxyz0123456789"
    width = max(len(f"{m} {p}") for p, m, _ in ops)
    print(f"-- matrix [{label}] (A allowed, D 403, U 401; lower case: the server disagrees with the table)")
    print("   columns: " + ", ".join(f"{cols[i]}={cr.label}" for i, cr in enumerate(creds)))
    print(" " * (width + 1) + " ".join(cols[i] for i in range(len(creds))))
    for path, method, _ in ops:
        row = results.get((method, path), {})
        cells = []
        for cr in creds:
            want, got, _ = row.get(cr.label, ("?", "?", 0))
            cells.append(got if want == got else got.lower())
        print(f"{method} {path}".ljust(width) + " " + " ".join(cells))


if __name__ == "__main__":
    sys.exit(main_each_store(matrix))
