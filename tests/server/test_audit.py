#!/usr/bin/env python3
"""test_audit.py WEIR SRC — the audit log against a real `weir serve`
(SQLite, and PostgreSQL when WEIR_TEST_PG_URL is set).

Every action docs/server.md ("Audit log") lists is done through the API and
must leave a row with the right actor (kind, id, credential), app, target,
outcome and client address; failures too (a wrong password, every kind of
403). Then: nothing secret in the audit table, the export or the server's log
(every password, token, key, cookie and secret value the test handled is
searched for); filters, cursor and export agree; the export is valid JSON
lines with a truncation line past AUDIT_EXPORT_MAX_ROWS; read_audit is
needed; no operation can change a row; retention prunes old rows and 0 keeps
them.
"""
import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import load_board, main_each_store, store_rows, store_sql  # noqa: E402

PW = "correct-horse-battery-staple"
PW2 = "another-long-passphrase-42"
WRONG_PW = "wrong-password-never-stored-7"
SECRET_VALUE = "s3cr3t-value-that-must-not-leak"
EXPORT_MAX = 50000          # AUDIT_EXPORT_MAX_ROWS (src/server/audit.h)
ROW_KEYS = {"id", "at", "actor_kind", "actor_id", "credential_id", "action", "app_id", "target", "ip", "outcome", "detail"}


# ---- the store --------------------------------------------------------------------------

def audit_table_text(s):
    """Every row of the audit table as text, straight from the store."""
    if s.database:
        return subprocess.run(["psql", s.database, "-At", "-c", "SELECT row_to_json(a)::text FROM audit a"],
                              check=True, capture_output=True, text=True).stdout
    db = sqlite3.connect(os.path.join(s.data_dir, "weir.db"), timeout=10)
    try:
        return "\n".join(repr(r) for r in db.execute("SELECT * FROM audit"))
    finally:
        db.close()


def audit_count(s, where="1 = 1"):
    return int(store_rows(s, f"SELECT COUNT(*) FROM audit WHERE {where}")[0][0])


def insert_rows(s, app, t0, n):
    """n audit rows of a made-up app, one microsecond apart from t0."""
    if s.database:
        store_sql(s, "INSERT INTO audit (id, at, actor_kind, actor_id, action, app_id, outcome)"
                     f" SELECT 'aud_' || lpad(to_hex({t0} + g), 16, '0') || lpad(to_hex(g), 16, '0'), {t0} + g, 'system', 'test',"
                     f" 'test.bulk', '{app}', 'ok' FROM generate_series(0, {n - 1}) g")
        return
    db = sqlite3.connect(os.path.join(s.data_dir, "weir.db"), timeout=10)
    try:
        db.executemany("INSERT INTO audit (id, at, actor_kind, actor_id, action, app_id, outcome) VALUES (?, ?, 'system', 'test', 'test.bulk', ?, 'ok')",
                       (("aud_%016x%016x" % (t0 + g, g), t0 + g, app) for g in range(n)))
        db.commit()
    finally:
        db.close()


# ---- HTTP helpers ------------------------------------------------------------------------------

def code(r):
    return r.json.get("code") if isinstance(r.json, dict) else None


def rows(s, tok, path="/api/v1/audit", **filters):
    """Every row the list route gives with these filters, newest first, through the cursor."""
    out, cursor = [], None
    for _ in range(1000):
        q = dict(filters, limit=200)
        if cursor:
            q["cursor"] = cursor
        r = s.call("GET", path + "?" + urllib.parse.urlencode(q), tok)
        if r.status != 200:
            raise RuntimeError(f"GET {path}: {r}")
        out += r.json["items"]
        cursor = r.json["next_cursor"]
        if not cursor:
            return out
    raise RuntimeError("the cursor never ends")


def login(s, email, password):
    r = s.call("POST", "/api/v1/auth/login", body={"email": email, "password": password})
    cookie = None
    sc = r.header("Set-Cookie") or ""
    if sc.startswith("weir_session="):
        cookie = sc.split(";", 1)[0].split("=", 1)[1]
    return r, cookie, (r.json or {}).get("csrf_token")


def session_call(s, cookie, csrf, method, path, body=None):
    h = {"Cookie": f"weir_session={cookie}"}
    if csrf:
        h["X-CSRF-Token"] = csrf
    return s.call(method, path, body=body, headers=h)


# ---- the suite ------------------------------------------------------------------------------------

def suite(c, s, src, label):
    def eq(got, want, what):
        return c.eq(got, want, f"[{label}] {what}")

    def check(cond, what):
        return c.check(cond, f"[{label}] {what}")

    issued = [PW, PW2, WRONG_PW, SECRET_VALUE, SECRET_VALUE + "-v2"]

    def expect(all_rows, action, what, ip=True, **want):
        """One row of `action` whose fields (and detail members, as detail__x) are as wanted."""
        def fits(row):
            for k, v in want.items():
                if k.startswith("detail__"):
                    if (row.get("detail") or {}).get(k[8:]) != v:
                        return False
                elif row.get(k) != v:
                    return False
            return row["action"] == action
        found = [x for x in all_rows if fits(x)]
        if not check(len(found) >= 1, f"{what}: a row {action} with {want}; rows of that action: "
                                      f"{[x for x in all_rows if x['action'] == action][:3]}"):
            return None
        row = found[0]
        if ip:
            eq(row["ip"], "127.0.0.1", f"{what}: the client address")
        check(row["at"] == int(row["id"][4:20], 16), f"{what}: at is the time in the id")
        return row

    # ---- people and credentials
    admin_uid = s.add_user("admin@t.local", PW, admin=True)
    adm = s.token("admin@t.local", scopes=["owner", "instance_admin"])
    adm_tok_id = s.call("GET", "/api/v1/me", adm).json["credential"]["id"]
    issued.append(adm)

    # ---- sign-in: success and failures
    r, cookie, csrf = login(s, "admin@t.local", PW)
    eq(r.status, 200, "sign in")
    issued += [cookie or "", csrf or ""]
    eq(login(s, "admin@t.local", WRONG_PW)[0].status, 401, "sign in with a wrong password")
    eq(login(s, "nobody@t.local", WRONG_PW)[0].status, 401, "sign in as nobody")
    # ---- a session's work, a CSRF refusal, sign-out
    r = session_call(s, cookie, csrf, "POST", "/api/v1/tokens", {"name": "from session", "expires_in_days": 1, "scopes": ["read_app"]})
    eq(r.status, 201, "a session creates a token")
    sess_tok_id = (r.json or {}).get("id")
    issued.append((r.json or {}).get("token", ""))
    eq(session_call(s, cookie, None, "POST", "/api/v1/tokens", {"name": "x", "expires_in_days": 1, "scopes": ["read_app"]}).status, 403,
       "a session without its CSRF token")
    me = session_call(s, cookie, csrf, "GET", "/api/v1/me").json
    ses_id = me["credential"]["id"]
    eq(session_call(s, cookie, csrf, "POST", "/api/v1/auth/logout").status, 204, "sign out")

    # ---- tokens and users through the API
    r = s.call("POST", "/api/v1/tokens", adm, {"name": "doomed", "expires_in_days": 1, "scopes": ["read_app"]})
    doomed = r.json["id"]
    issued.append(r.json["token"])
    eq(s.call("DELETE", f"/api/v1/tokens/{doomed}", adm).status, 204, "revoke a token")
    r = s.call("POST", "/api/v1/users", adm, {"email": "viewer@t.local", "password": PW2})
    eq(r.status, 201, "create a user through the API")
    viewer_uid = r.json["id"]
    for who in ("mover", "outsider", "auditor"):
        s.add_user(f"{who}@t.local", PW)
    tok = {w: s.token(f"{w}@t.local") for w in ("viewer", "mover", "outsider", "auditor")}
    issued += list(tok.values())
    uid = {w: s.call("GET", "/api/v1/me", tok[w]).json["user"]["id"] for w in tok}

    # ---- apps
    A = s.call("POST", "/api/v1/apps", adm, {"name": "audited"}).json["id"]
    B = s.call("POST", "/api/v1/apps", adm, {"name": "other"}).json["id"]
    C = s.call("POST", "/api/v1/apps", adm, {"name": "short-lived"}).json["id"]
    PA, PB = f"/api/v1/apps/{A}", f"/api/v1/apps/{B}"
    eq(s.call("DELETE", f"/api/v1/apps/{C}", adm).status, 204, "delete an app")
    eq(s.call("PATCH", PA, adm, {"name": "audited app"}).status, 200, "rename an app")

    # ---- members and roles
    eq(s.call("PUT", f"{PA}/members/viewer@t.local", adm, {"role": "viewer"}).status, 200, "add the viewer")
    eq(s.call("PUT", f"{PA}/members/mover@t.local", adm, {"role": "viewer"}).status, 200, "add the mover")
    eq(s.call("PUT", f"{PA}/members/mover@t.local", adm, {"role": "operator"}).status, 200, "change the mover's role")
    eq(s.call("DELETE", f"{PA}/members/mover@t.local", adm).status, 204, "remove the mover")
    r = s.call("POST", PA + "/roles", adm, {"name": "auditors", "permissions": ["read_app"]})
    auditors = r.json["id"]
    eq(s.call("PATCH", f"{PA}/roles/{auditors}", adm, {"permissions": ["read_app", "read_audit"]}).status, 200, "update a role")
    eq(s.call("PUT", f"{PA}/members/auditor@t.local", adm, {"role": "auditors"}).status, 200, "add the auditor")
    tmp = s.call("POST", PA + "/roles", adm, {"name": "tmp", "permissions": ["read_boards"]}).json["id"]
    eq(s.call("DELETE", f"{PA}/roles/{tmp}", adm).status, 204, "delete a role")

    # ---- API keys
    r = s.call("POST", PA + "/api-keys", adm, {"name": "ci", "role": "operator", "expires_in_days": 7})
    key, key_id = r.json["key"], r.json["id"]
    issued.append(key)

    # ---- secrets
    eq(s.call("PUT", PA + "/secrets/db_password", adm, {"value": SECRET_VALUE}).status, 204, "set a secret")
    eq(s.call("PUT", PA + "/secrets/db_password", adm, {"value": SECRET_VALUE + "-v2"}).status, 204, "set it again")
    eq(s.call("DELETE", PA + "/secrets/db_password", adm).status, 204, "delete a secret")

    # ---- boards
    hello = load_board(src, "examples/hello.board.json")
    slow_doc = load_board(src, "tests/server/boards/slow.board.json")
    board = s.call("POST", PA + "/boards", adm, {"name": "hello", "board": hello}).json["id"]
    eq(s.call("PUT", f"{PA}/boards/{board}", adm, {"board": hello}).status, 200, "save a board")
    gone = s.call("POST", PA + "/boards", adm, {"name": "gone", "board": hello}).json["id"]
    eq(s.call("DELETE", f"{PA}/boards/{gone}", adm).status, 204, "delete a board")
    slow = s.call("POST", PA + "/boards", adm, {"name": "slow", "board": slow_doc}).json["id"]

    # ---- runs
    r = s.call("POST", f"{PA}/boards/{board}/runs", adm, {})
    run = r.json["id"]
    r = s.call("POST", f"{PA}/boards/{slow}/runs", adm, {"payload": {"ms": 60000}})
    slow_run = r.json["id"]
    eq(s.call("POST", f"{PA}/runs/{slow_run}/cancel", adm).status, 202, "cancel a run")
    for _ in range(100):
        if s.call("GET", f"{PA}/runs/{run}", adm).json["status"] not in ("queued", "running"):
            break
        time.sleep(0.05)
    r = s.call("POST", f"{PA}/runs/{run}/rerun", adm)
    eq(r.status, 201, "re-run")
    rerun = r.json["id"]

    # ---- events (and the runs they start)
    r = s.call("POST", PA + "/events", adm, {"name": "manual", "kind": "manual", "board_id": board})
    ev = r.json["id"]
    eq(s.call("PATCH", f"{PA}/events/{ev}", adm, {"enabled": False}).status, 200, "update an event")
    r = s.call("POST", f"{PA}/events/{ev}/fire", adm, {})
    fired = r.json["run_id"]
    hook = s.call("POST", PA + "/events", adm, {"name": "hook", "kind": "webhook", "board_id": board, "config": {"wait": False}}).json["id"]
    r = s.call("POST", f"/hooks/{A}/hook", key, {"n": 1})
    eq(r.status, 202, "a key fires the webhook")
    hook_run = r.header("X-Weir-Run-Id")
    ev2 = s.call("POST", PA + "/events", adm, {"name": "temp", "kind": "manual", "board_id": board}).json["id"]
    eq(s.call("DELETE", f"{PA}/events/{ev2}", adm).status, 204, "delete an event")
    eq(s.call("DELETE", f"{PA}/api-keys/{key_id}", adm).status, 204, "revoke the key")

    # ---- refusals: the router's, a handler's
    eq(s.call("PUT", f"{PA}/boards/{board}", tok["viewer"], {"board": hello}).status, 403, "the viewer saves a board")
    eq(s.call("GET", PA + "/boards", tok["outsider"]).status, 403, "an outsider reads the app")
    eq(s.call("GET", PA + "/audit", tok["viewer"]).status, 403, "the viewer reads the audit log")
    eq(s.call("GET", PA + "/audit/export", tok["viewer"]).status, 403, "the viewer exports the audit log")
    eq(s.call("GET", "/api/v1/audit", tok["auditor"]).status, 403, "an app auditor reads the instance audit log")
    narrow = s.token("admin@t.local", scopes=["write_api_keys"], name="narrow")
    narrow_id = s.call("GET", "/api/v1/me", narrow).json["credential"]["id"]
    issued.append(narrow)
    r = s.call("POST", PA + "/api-keys", narrow, {"name": "x", "role": "admin", "expires_in_days": 1})
    eq((r.status, code(r)), (403, "escalation"), "a narrow token makes an admin key")
    r = s.call("DELETE", f"/api/v1/tokens/weirp_{'A' * 43}AAAAAA", adm)   # a token pasted into a URL
    check(r.status in (403, 404), "a token-shaped path parameter")
    before = audit_count(s)
    junk = "weirk_" + "Q" * 49
    eq(s.call("GET", PA + "/boards", junk).status, 401, "an unknown key")
    eq(audit_count(s), before, "an unknown credential writes no audit row")

    # ---- the rows
    everything = rows(s, adm)
    app_rows = rows(s, adm, PA + "/audit")
    expect(everything, "auth.login", "sign-in", actor_kind="user", actor_id=admin_uid, credential_id=ses_id, target=admin_uid,
           app_id=None, outcome="ok", detail__via="login")
    expect(everything, "auth.login", "wrong password", actor_kind="anonymous", actor_id=None, target=admin_uid, app_id=None,
           outcome="failed", detail__reason="wrong_password")
    expect(everything, "auth.login", "unknown account", actor_kind="anonymous", target=None, outcome="failed", detail__reason="unknown_account")
    check(not any("nobody@t.local" in json.dumps(x) for x in everything), "the e-mail of an unknown account is not kept")
    expect(everything, "token.create", "a session makes a token", actor_kind="user", actor_id=admin_uid, credential_id=ses_id,
           target=sess_tok_id, app_id=None, detail__name="from session")
    expect(everything, "access.denied", "a CSRF refusal", actor_kind="user", credential_id=ses_id, outcome="denied",
           detail__code="csrf", detail__operation="token_create")
    expect(everything, "auth.logout", "sign-out", actor_kind="user", actor_id=admin_uid, credential_id=ses_id, outcome="ok")
    expect(everything, "token.create", "a token makes a token", actor_kind="token", actor_id=admin_uid, credential_id=adm_tok_id, target=doomed)
    expect(everything, "token.revoke", "token revocation", actor_kind="token", actor_id=admin_uid, target=doomed)
    expect(everything, "user.create", "user creation", actor_kind="token", actor_id=admin_uid, target=viewer_uid, app_id=None,
           detail__email="viewer@t.local")
    row = expect(everything, "user.create", "user creation by the CLI", ip=False, actor_kind="operator", target=uid["mover"])
    eq(row and row["ip"], None, "the CLI's rows have no address")
    expect(everything, "token.create", "token creation by the CLI", ip=False, actor_kind="operator", detail__user_id=uid["viewer"])
    expect(everything, "app.create", "app creation", actor_kind="token", credential_id=adm_tok_id, app_id=A, target=A, detail__name="audited")
    expect(everything, "app.delete", "app deletion", app_id=C, target=C)
    expect(app_rows, "app.update", "app renamed", target=A, detail__name="audited app")
    eq([x["action"] for x in rows(s, adm, app=C)][::-1], ["app.create", "app.delete"], "a deleted app's rows stay, readable by the instance")
    expect(app_rows, "member.add", "member added", app_id=A, target=viewer_uid, detail__role="viewer")
    expect(app_rows, "member.change", "member changed", target=uid["mover"], detail__role="operator", detail__previous_role="viewer")
    expect(app_rows, "member.remove", "member removed", target=uid["mover"], detail__role="operator")
    expect(app_rows, "role.create", "role created", target=auditors, detail__name="auditors", detail__permissions=["read_app"])
    expect(app_rows, "role.update", "role updated", target=auditors, detail__permissions=["read_app", "read_audit"],
           detail__previous_permissions=["read_app"])
    expect(app_rows, "role.delete", "role deleted", target=tmp, detail__name="tmp")
    expect(app_rows, "api_key.create", "key created", target=key_id, detail__role="operator", detail__name="ci")
    expect(app_rows, "api_key.revoke", "key revoked", target=key_id)
    n = len([x for x in app_rows if x["action"] == "secret.put" and x["target"] == "db_password"])
    eq(n, 2, "two secret writes, two rows")
    expect(app_rows, "secret.put", "secret written", target="db_password", detail=None)
    expect(app_rows, "secret.delete", "secret deleted", target="db_password")
    expect(app_rows, "board.create", "board created", target=board, detail__version=1)
    expect(app_rows, "board.save", "board saved", target=board, detail__version=2)
    expect(app_rows, "board.delete", "board deleted", target=gone, detail__name="gone", detail__version=1)
    expect(app_rows, "run.start", "run started", target=run, detail__board_id=board, detail__board_version=2)
    expect(app_rows, "run.cancel", "run cancelled", target=slow_run)
    expect(app_rows, "run.rerun", "run re-run", target=rerun, detail__rerun_of=run)
    expect(app_rows, "run.start", "event fired", target=fired, detail__event_id=ev)
    expect(app_rows, "event.create", "event created", target=ev, detail__kind="manual")
    expect(app_rows, "event.update", "event updated", target=ev, detail__enabled=False)
    expect(app_rows, "event.create", "webhook created", target=hook, detail__kind="webhook")
    expect(app_rows, "event.delete", "event deleted", target=ev2, detail__name="temp")
    # webhook runs: the runs table is their record (docs/server.md), not the audit log
    check(not any(x["target"] == hook_run for x in everything), "a webhook's run is not an audit row")
    r = s.call("GET", f"{PA}/runs/{hook_run}", adm)
    eq((r.json or {}).get("created_by"), "key:" + key_id, "the runs table names the key that fired the webhook")
    # refusals
    expect(app_rows, "access.denied", "the viewer's refused save", actor_kind="token", actor_id=uid["viewer"], outcome="denied",
           detail__operation="board_save", detail__code="forbidden", detail__permission="write_boards")
    row = expect(app_rows, "access.denied", "the outsider's refusal", actor_id=uid["outsider"], app_id=A, detail__operation="boards_list")
    expect(app_rows, "access.denied", "the viewer's refused audit read", actor_id=uid["viewer"], detail__operation="audit_list",
           detail__permission="read_audit")
    expect(app_rows, "access.denied", "the viewer's refused export", actor_id=uid["viewer"], detail__operation="audit_export")
    expect(everything, "access.denied", "the auditor on the instance log", actor_id=uid["auditor"], app_id=None,
           detail__operation="audit_list_all", detail__permission="instance_admin")
    expect(app_rows, "access.denied", "a handler's refusal (escalation)", credential_id=narrow_id, detail__code="escalation",
           detail__operation="api_key_create")
    check(not any("weirp_" in json.dumps(x) for x in everything), "a token pasted into a URL is not recorded")
    check(all(x["ip"] in ("127.0.0.1", None) for x in everything), "every address is the client's")
    check(all(set(x) == ROW_KEYS for x in everything), "every row has exactly the documented fields")

    # ---- scopes of the log: app rows only in the app; instance rows only for the instance
    check(all(x["app_id"] == A for x in app_rows), "the app's log has only the app's rows")
    check(not any(x["app_id"] == B for x in app_rows), "no row of app B in app A's log")
    inst = rows(s, adm, app="none")
    check(inst and all(x["app_id"] is None for x in inst), "app=none: the instance-level rows")
    check({"auth.login", "auth.logout", "user.create", "token.create", "token.revoke"} <= {x["action"] for x in inst},
          "instance-level events are in the instance log")
    eq(sorted(x["id"] for x in rows(s, adm, app=A)), sorted(x["id"] for x in app_rows), "app=A on the instance route is the app's log")
    r = s.call("GET", PA + "/audit", tok["auditor"])
    eq(r.status, 200, "a custom role with read_audit reads the app's log")
    eq(s.call("GET", PB + "/audit", tok["auditor"]).status, 403, "… but not another app's")

    # ---- filters and the cursor
    got = rows(s, adm, PA + "/audit", action="board.save")
    check(got and all(x["action"] == "board.save" for x in got), "action filter")
    got = rows(s, adm, PA + "/audit", action="member.*")
    eq(sorted(x["action"] for x in got), ["member.add", "member.add", "member.add", "member.change", "member.remove"], "action prefix filter")
    got = rows(s, adm, PA + "/audit", action="api_key.*")
    eq(sorted(x["action"] for x in got), ["api_key.create", "api_key.revoke"], "action prefix with an underscore")
    got = rows(s, adm, actor=uid["viewer"])
    check(got and all(x["actor_id"] == uid["viewer"] for x in got), "actor filter (a user)")
    got = rows(s, adm, actor=ses_id)
    check(got and all(x["credential_id"] == ses_id for x in got), "actor filter (a session)")
    eq(len(got), 4, "the session's rows: sign-in, token, CSRF refusal, sign-out")
    got = rows(s, adm, PA + "/audit", outcome="denied")
    check(got and all(x["outcome"] == "denied" for x in got), "outcome filter")
    got = rows(s, adm, PA + "/audit", target=board)
    check(got and all(x["target"] == board for x in got), "target filter")
    mid = sorted(x["at"] for x in app_rows)[len(app_rows) // 2]
    since, until = rows(s, adm, PA + "/audit", since=mid), rows(s, adm, PA + "/audit", until=mid)
    check(since and all(x["at"] >= mid for x in since), "since filter")
    check(until and all(x["at"] < mid for x in until), "until filter")
    eq(len(since) + len(until), len(app_rows), "since and until split the log")
    pages, cursor, seen = 0, None, []
    while True:
        r = s.call("GET", PA + "/audit?limit=3" + (f"&cursor={cursor}" if cursor else ""), adm)
        seen += [x["id"] for x in r.json["items"]]
        pages += 1
        cursor = r.json["next_cursor"]
        if not cursor or pages > 500:
            break
    eq(seen, [x["id"] for x in app_rows], "pages of 3 through the cursor are the whole log, newest first, once each")
    eq(seen, sorted(seen, reverse=True), "newest first")
    for q, what in (("limit=0", "limit 0"), ("limit=201", "limit 201"), ("cursor=x", "a bad cursor"), ("since=yesterday", "a bad time"),
                    ("action=DROP%20TABLE", "a bad action"), ("outcome=maybe", "a bad outcome"), ("action=%25", "a LIKE wildcard")):
        eq(s.call("GET", f"{PA}/audit?{q}", adm).status, 400, f"{what} is 400")
    eq(s.call("GET", "/api/v1/audit?app=nonsense", adm).status, 400, "a bad app filter is 400")

    # ---- the export
    r = s.call("GET", PA + "/audit/export", adm)
    eq(r.status, 200, "export")
    eq((r.header("Content-Type") or "").split(";")[0], "application/x-ndjson", "export content type")
    lines = r.body.split("\n")
    eq(lines[-1], "", "the export ends with a newline")
    objs = []
    for i, ln in enumerate(lines[:-1]):
        try:
            o = json.loads(ln)
        except ValueError:
            check(False, f"export line {i} is JSON: {ln[:100]!r}")
            continue
        check(isinstance(o, dict) and set(o) == ROW_KEYS, f"export line {i} is a row object")
        objs.append(o)
    eq([o["id"] for o in objs], [x["id"] for x in reversed(app_rows)], "the export is the log, oldest first")
    eq(objs, list(reversed(app_rows)), "export rows equal list rows")
    r = s.call("GET", PA + "/audit/export?action=board.*", adm)
    eq(sorted(json.loads(ln)["action"] for ln in r.body.splitlines()), ["board.create", "board.create", "board.create", "board.delete", "board.save"],
       "export filters")
    r = s.call("GET", PA + "/audit/export?action=no.such", adm)
    eq((r.status, r.body), (200, ""), "an empty export is empty")

    # ---- nothing secret anywhere
    table, export, log = audit_table_text(s), s.call("GET", "/api/v1/audit/export", adm).body, s.read_log()
    for i, t in enumerate(x for x in issued if x):
        check(t not in table, f"issued secret #{i} ({t[:6]}…) is not in the audit table")
        check(t not in export, f"issued secret #{i} ({t[:6]}…) is not in the export")
        check(t not in log, f"issued secret #{i} ({t[:6]}…) is not in the server's log")

    # ---- append-only: no operation changes a row
    doc = s.call("GET", "/api/v1/openapi.json").json
    audit_ops = [(p, m) for p, item in doc["paths"].items() if "/audit" in p for m in item if m in ("get", "put", "post", "patch", "delete")]
    eq(len(audit_ops), 4, f"four audit operations: {audit_ops}")
    check(all(m == "get" for _, m in audit_ops), "every audit operation is a GET")
    for p in ("/api/v1/audit", PA + "/audit", PA + "/audit/export", f"/api/v1/audit/{everything[0]['id']}", f"{PA}/audit/{everything[0]['id']}"):
        for m in ("PUT", "PATCH", "DELETE", "POST"):
            r = s.call(m, p, adm, {} if m != "DELETE" else None)
            check(r.status in (404, 405), f"{m} {p}: {r.status}")
    eq(audit_count(s, f"id = '{everything[-1]['id']}'"), 1, "the oldest row is still there")

    # ---- export truncation: never silent
    fake = "app_" + "f" * 32
    t0 = int(time.time() * 1e6) - 3600 * 10**6
    insert_rows(s, fake, t0, EXPORT_MAX + 5)
    r = s.call("GET", f"/api/v1/audit/export?app={fake}", adm, timeout=120)
    lines = r.body.splitlines()
    eq(len(lines), EXPORT_MAX + 1, "a truncated export: max rows and one more line")
    last = json.loads(lines[-1]) if lines else {}
    eq((last.get("truncated"), last.get("max_rows")), (True, EXPORT_MAX), "the last line says it is truncated")
    eq(last.get("next_after"), json.loads(lines[-2])["id"] if len(lines) > 1 else None, "next_after is the last row's id")
    eq(r.header("X-Weir-Truncated"), "true", "… and so does a header")
    r = s.call("GET", f"/api/v1/audit/export?app={fake}&after={last.get('next_after')}", adm)
    eq(len(r.body.splitlines()), 5, "after=next_after gives the rest")
    check("truncated" not in r.body, "the rest is not truncated")
    eq(s.call("GET", f"{PA}/audit/export?action=test.bulk", adm).body, "", "another app's rows are not in this app's export")

    # ---- retention: old rows are pruned in the background; 0 keeps them
    old = "aud_%016x%016x" % (int(time.time() * 1e6) - 400 * 86400 * 10**6, 7)
    keep_id = everything[-1]["id"]
    s.stop()
    s.extra = ["--prune-every-s", "1"]
    s.start()
    store_sql(s, f"INSERT INTO audit (id, at, actor_kind, action, outcome) VALUES ('{old}', 1, 'system', 'test.old', 'ok')")
    for _ in range(100):
        if audit_count(s, f"id = '{old}'") == 0:
            break
        time.sleep(0.1)
    eq(audit_count(s, f"id = '{old}'"), 0, "a row older than audit_retention_days (365) is pruned")
    eq(audit_count(s, f"id = '{keep_id}'"), 1, "a recent row is kept")
    s.stop()
    s.extra = ["--prune-every-s", "1", "--audit-retention-days", "0"]
    s.start()
    store_sql(s, f"INSERT INTO audit (id, at, actor_kind, action, outcome) VALUES ('{old}', 1, 'system', 'test.old', 'ok')")
    time.sleep(2.5)
    eq(audit_count(s, f"id = '{old}'"), 1, "audit_retention_days 0 keeps every row")


if __name__ == "__main__":
    sys.exit(main_each_store(suite))
