#!/usr/bin/env python3
"""test_cross_app.py WEIR SRC — no credential of app A reads or changes
anything of app B.

Two apps built the same way (authz_common.AppWorld: members of every default
role, boards with two versions, a run, a webhook event, a secret, a custom
role, API keys of every non-owner role, a spare token). A's owner is a member
of A only. Credentials of A: every member's full-scope PAT, the owner's
session (cookie + CSRF token), A's API keys of every role, the owner's PATs
scoped read_boards+read_runs and scoped admin.

For every operation of GET /api/v1/openapi.json (generated: a new route
cannot escape) and every credential of A:
  app operations, with B's app id and B's objects            → 403, never 2xx;
  app operations, with A's app id and B's object ids (and B's
  board / role ids in the body where the body names one, e.g.
  POST /apps/A/events {"board_id": <B's board>})            → never 2xx (404,
      403, 422): nothing of B is reached through A. The one exception is
      PUT /secrets/{name}, which creates A's own secret of that name (a name,
      not an id); it is deleted again at once;
  user, instance and public operations, with B's ids where a path names one
  (DELETE /tokens/<B owner's token>)                         → never 2xx there;
and every answer is searched for B's ids, names and e-mails (those the request
did not carry itself). After each operation B's state — the app, boards with
every version, runs, events, secret names and update times, members, roles,
API keys, B's owner's tokens — is compared with the state before: nothing
may change. At the end B's keys and B's owner's token still work.
"""
import json
import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import main_each_store  # noqa: E402
from authz_common import AppWorld, Instance, path_params, q, show  # noqa: E402


def credentials(inst, A):
    creds = [A.users[r].pat for r in ("owner", "admin", "editor", "operator", "viewer")]
    creds.append(inst.login(A.owner, "owner:session", role="owner"))
    creds += [A.keys[r] for r in ("admin", "editor", "operator", "viewer")]
    sc, _ = inst.mint(A.owner.pat, ["read_boards", "read_runs"], "owner:scoped", role="owner")
    adm, _ = inst.mint(A.owner.pat, ["admin"], "owner:admin-scoped", role="owner")
    return creds + [sc, adm]


def drop(items, *keys):
    return [{k: v for k, v in it.items() if k not in keys} for it in items]


def state(inst, B):
    """Everything of B a credential could read or change, as B's owner sees it."""
    o, P = B.owner.pat, B.A
    g = lambda path: inst.must("GET", path, o, None, 200)  # noqa: E731
    st = {"app": g(P)}
    boards = g(P + "/boards")["items"]
    st["boards"] = boards
    for b in boards:
        st["board " + b["id"]] = g(f"{P}/boards/{b['id']}")
        vers = g(f"{P}/boards/{b['id']}/versions")
        st["versions " + b["id"]] = vers
    st["runs"] = sorted((it["id"], it.get("status")) for it in g(P + "/runs?limit=200")["items"])
    st["events"] = g(P + "/events")
    st["secrets"] = g(P + "/secrets")
    st["members"] = g(P + "/members")
    st["roles"] = g(P + "/roles")
    st["keys"] = drop(g(P + "/api-keys")["items"], "last_used_at")
    st["tokens"] = drop(g("/api/v1/tokens")["items"], "last_used_at")
    return st


def markers(inst, B):
    """Strings that are B's and only B's."""
    m = {B.app, f"{B.prefix}-app", B.board_name, B.run, B.event, B.secret, B.role, B.role_name, B.token_id}
    for b in inst.must("GET", B.A + "/boards", B.owner.pat, None, 200)["items"]:
        m.add(b["id"])
    for e in inst.must("GET", B.A + "/events", B.owner.pat, None, 200)["items"]:
        m.add(e["id"])
    for k in B.keys.values():
        m |= {k.key_id, k.token}
    for it in inst.must("GET", B.A + "/api-keys", B.owner.pat, None, 200)["items"]:
        m.add(it["name"])
    for u in B.users.values():
        m |= {u.id, u.email, u.pat.token}
    return {x for x in m if x}


def diff(a, b):
    keys = sorted(set(a) | set(b))
    return [k for k in keys if a.get(k) != b.get(k)]


def cross(c, s, src, label):
    t0 = time.time()
    inst = Instance(s, src)
    A = AppWorld(inst, "a")
    B = AppWorld(inst, "b")
    creds = credentials(inst, A)
    me = inst.must("GET", "/api/v1/me", A.owner.pat, None, 200)
    c.eq(sorted(a["id"] for a in me["apps"]), [A.app], f"[{label}] A's owner is a member of A only")
    B.wait_runs()
    A.wait_runs()
    before = state(inst, B)
    marks = markers(inst, B)
    bparams = dict(B.params)
    # B's ids where a user-scope path names one
    uparams = dict(A.params, token=B.token_id)

    counts = {"sub1": 0, "sub2": 0, "other": 0}
    statuses = {}
    leaks = []

    def leak_check(what, url, body, r):
        sent = url + " " + (json.dumps(body) if body is not None else "")
        text = r.body + " " + " ".join(f"{k}: {v}" for k, v in r.headers)
        found = sorted(m for m in marks if m not in sent and m in text)
        if found:
            leaks.append(f"{what}: {found} in {show(r)}")
        c.check(not found, f"[{label}] {what}: no data of B in the answer: {found}")

    def session_for(cred, op):
        if op.get("operationId") == "logout" and cred.kind == "session":
            return inst.login(cred.user, cred.label, role=cred.role)  # signing out ends the session
        return cred

    for path, method, op in inst.ops:
        scope = op.get("x-permission-scope")
        names = path_params(path)
        for cred in creds:
            use = session_for(cred, op)
            if scope == "app":
                # 1. B's app, B's objects
                url = B.url(path)
                body = B.body_for(path, op, use, refs={"board_id": B.board, "role": B.role} if method != "GET" else None)
                r = inst.call(method, url, use, body)
                counts["sub1"] += 1
                statuses.setdefault(("B/B", r.status), 0)
                statuses[("B/B", r.status)] += 1
                what = f"{method} {url} [{cred.label}] (B's app)"
                c.check(not 200 <= r.status < 300, f"[{label}] {what}: never 2xx, got {show(r)}")
                c.check(r.status == 403, f"[{label}] {what}: 403, got {show(r)}")
                leak_check(what, url, body, r)
                # 2. A's app, B's objects (path ids, and B's board / role in the body)
                refs = {"board_id": B.board, "role": B.role}
                body = A.body_for(path, op, use, refs=refs, params=bparams) if op.get("requestBody") else None
                refd = body is not None and any(k in body for k in refs)
                if len(names) > 1 or refd:
                    url = B.url(path, {"app": A.app})
                    r = inst.call(method, url, use, body)
                    counts["sub2"] += 1
                    statuses.setdefault(("A/B", r.status), 0)
                    statuses[("A/B", r.status)] += 1
                    what = f"{method} {url} [{cred.label}] (A's app, B's objects)"
                    creates_own = method == "PUT" and names[-1] == "name"  # PUT /secrets/{name}: A's own secret of that name
                    if creates_own and 200 <= r.status < 300:
                        inst.must("DELETE", A.url(path, {"name": bparams["name"]}), A.owner.pat, None, 204)
                    else:
                        c.check(not 200 <= r.status < 300, f"[{label}] {what}: never 2xx, got {show(r)}")
                    leak_check(what, url, body, r)
            else:
                try:
                    url = A.url(path, uparams)
                except KeyError as e:
                    c.check(False, f"{method} {path}: path parameter {{{e.args[0]}}} is unknown; teach AppWorld.params in authz_common.py")
                    continue
                body = A.body_for(path, op, use, params=uparams)
                r = inst.call(method, url, use, body)
                counts["other"] += 1
                what = f"{method} {url} [{cred.label}]"
                if "token" in names:
                    c.check(not 200 <= r.status < 300, f"[{label}] {what} (B's owner's token): never 2xx, got {show(r)}")
                leak_check(what, url, body, r)
        after = state(inst, B)
        d = diff(before, after)
        c.check(not d, f"[{label}] {method} {path}: nothing of B changed (changed: {d})")
        before = after

    # explicitly: B's webhook with every credential of A
    for cred in creds:
        r = inst.call("POST", f"/hooks/{B.app}/{q(B.event)}", cred, {"from": "A"})
        c.eq(r.status, 403, f"[{label}] POST /hooks/B/{B.event} [{cred.label}]")
    c.eq(diff(before, state(inst, B)), [], f"[{label}] B's webhook refused A's credentials: no run of B")

    # B's credentials still work
    for role, k in B.keys.items():
        c.eq(inst.call("GET", B.A, k).status, 200, f"[{label}] B's {role} key still works")
    c.eq(inst.call("GET", B.A, B.owner.pat).status, 200, f"[{label}] B's owner's PAT still works")
    c.eq(inst.call("GET", f"/api/v1/apps/{B.app}/boards/{B.board}", B.users["viewer"].pat).status, 200, f"[{label}] B's viewer still reads B's board")

    print(f"[{label}] {len(inst.ops)} operations × {len(creds)} credentials of A: {counts['sub1']} calls on B's app, "
          f"{counts['sub2']} on A's app with B's objects, {counts['other']} other; {time.time() - t0:.1f} s")
    print(f"[{label}] answers: " + ", ".join(f"{k[0]} {k[1]}: {v}" for k, v in sorted(statuses.items())))
    for x in leaks:
        print("LEAK:", x)


if __name__ == "__main__":
    sys.exit(main_each_store(cross))
