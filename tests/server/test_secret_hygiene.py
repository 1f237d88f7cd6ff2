#!/usr/bin/env python3
"""test_secret_hygiene.py WEIR SRC — no credential or secret where it does
not belong (issue #5: "no credential in logs, URLs, traces or error
messages").

One representative flow against a server logging at debug level, collecting
every secret it issues or hands over: passwords (each user its own), PATs
(from `weir token create` and POST /tokens), API keys, session cookies, CSRF
tokens, app secret values, secret variable values given to runs (POST runs,
rerun, firing an event), a run that returns and logs a secret variable, a
webhook; plus the CLI (user add, token create, their error paths, `weir run`
with a secret variable), a node failing on a secret variable (its error must
not quote a part of it). Presented-but-wrong credentials are collected too:
near-miss PATs, keys and session cookies (one character changed, with and
without valid check characters), a PAT in a query string and in a path, a
wrong CSRF token, Basic credentials, a JWT-shaped bearer.

Then every one of them is searched for in
  - the server's log (--log-level debug);
  - every HTTP answer, body and headers — except the one answer that shows a
    secret once: the token / key in the answer to its creation, the
    Set-Cookie and csrf_token of a sign-in (and a session's own CSRF token in
    its GET /me, which the editor reads it from);
  - answers to wrong credentials and malformed bodies (a presented bad token,
    a password or secret value in a malformed JSON body must not be echoed);
  - run results, traces, logs and live events (explicitly), the app and
    instance audit lists and exports;
  - the store's bytes (SQLite files, or pg_dump of PostgreSQL): tokens (and
    their 43-character secret part), passwords and secret values only as
    hashes or sealed — CSRF tokens are exempt: the store keeps them to answer
    GET /me (a CSRF token without its session cookie is worth nothing);
  - the CLI's standard error (and its standard output but for the token
    `weir token create` prints once).

Suite-wide: when tests/integration/test_server.sh sets WEIR_TEST_LOG_DIR and
WEIR_TEST_SECRETS_FILE (harness.py writes every server's log to the first and
every issued secret it sees to the second), every log of the whole run of
tests/server is searched for every secret the other tests were issued too.
"""
import base64
import glob
import http.client
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ADMIN_EMAIL, Checks, b64url, each_store, load_board, store_text, with_check  # noqa: E402
from authz_common import AppWorld, Cred, Instance, q, show  # noqa: E402

TOKEN_RE = re.compile(r"weir[pks]_[A-Za-z0-9_-]{49}")


def rnd(prefix, n=12):
    return f"{prefix}-{secrets.token_hex(n)}"


def near_misses(tok):
    """A token one character off: with stale check characters (refused as
    malformed) and with fresh ones (looked up, unknown)."""
    i = 20
    ch = "A" if tok[i] != "A" else "B"
    off = tok[:i] + ch + tok[i + 1:]
    return [off, with_check(off[:49])]


def short(v):
    return (v[:10] + "…") if len(v) > 10 else "…"


class Collector:
    """Every secret (value → kind), every presented bad credential, every
    answer (with the secrets it may show), every CLI output."""

    def __init__(self):
        self.secrets = {}
        self.presented = {}
        self.answers = []   # (what, text, allowed)
        self.cli_out = []   # (what, stdout, stderr, allowed)
        self.malformed = {}  # secrets sent in malformed bodies

    def add(self, value, kind):
        if value:
            self.secrets.setdefault(value, kind)
        return value

    def record(self, method, path, cred, r):
        allowed = set()
        j = r.json if isinstance(r.json, dict) else {}
        if method == "CLI":
            allowed.add(self.add(j.get("token"), "PAT (weir token create)"))
        elif method == "POST" and path == "/api/v1/tokens" and r.status == 201:
            allowed.add(self.add(j.get("token"), "PAT"))
        elif method == "POST" and path.endswith("/api-keys") and r.status == 201:
            allowed.add(self.add(j.get("key"), "API key"))
        elif method == "POST" and path == "/api/v1/auth/login" and r.status == 200:
            m = re.match(r"weir_session=([^;]*)", r.header("Set-Cookie") or "")
            if m:
                allowed.add(self.add(m.group(1), "session cookie"))
            allowed.add(self.add(j.get("csrf_token"), "CSRF token"))
        elif method == "GET" and path.startswith("/api/v1/me") and cred is not None and cred.kind == "session":
            allowed.add(cred.csrf)  # the session's own CSRF token: the editor reads it here
        text = r.body + "\n" + "\n".join(f"{k}: {v}" for k, v in r.headers)
        for t in TOKEN_RE.findall(text):  # any token an answer shows is a secret from now on
            self.add(t, "token seen in an answer")
        if method != "CLI":
            self.answers.append((f"{method} {path} [{cred.label if cred else 'anonymous'}] → {r.status}", text, allowed))

    def cli(self, what, p, allowed=()):
        for t in TOKEN_RE.findall(p.stdout):
            self.add(t, "token printed by the CLI")
        self.cli_out.append((what, p.stdout, p.stderr, set(allowed)))

    def variants(self, value, kind):
        """What to search for: the value, and a token's 43-character secret part."""
        out = [value]
        if TOKEN_RE.fullmatch(value):
            out.append(value[6:49])
        return out

    def search(self, c, label, where, text, skip=(), kinds=None, presented=True):
        """Check text holds no secret (but those in skip); returns the hits."""
        hits = []
        pool = list(self.secrets.items()) + (list(self.presented.items()) if presented else [])
        for value, kind in pool:
            if value in skip or (kinds and not kinds(kind)):
                continue
            if any(v in text for v in self.variants(value, kind)):
                hits.append(f"{kind} {short(value)}")
        c.check(not hits, f"[{label}] {where}: no secret in it, found {hits}")
        return hits


# ---- the flow ------------------------------------------------------------------------

def read_stream(s, path, cred, seconds, out):
    """Read a server-sent event stream for `seconds` into out (a list)."""
    h = cred.headers("GET")
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=seconds)
    try:
        conn.request("GET", path, headers=h)
        r = conn.getresponse()
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                chunk = r.read1(65536)
            except (OSError, http.client.HTTPException):
                break
            if not chunk:
                break  # the stream ended
            out.append(chunk.decode("utf-8", "replace"))
    except OSError:
        pass
    finally:
        conn.close()


def leak_board(src):
    """vars.board.json, but returning the secret variable as the result."""
    b = load_board(os.path.join(src, "tests", "server", "boards"), "vars.board.json")
    b["id"] = "leak"
    b["connections"] = [x for x in b["connections"] if x["to"] != "done.result"] + [{"from": "t.value_ref", "to": "done.result"}]
    return b


def parse_board(src):
    """vars.board.json, but parsing the secret variable as JSON (parse_with_schema): it is not JSON, so the node fails."""
    b = load_board(os.path.join(src, "tests", "server", "boards"), "vars.board.json")
    b["id"] = "parse"
    b["nodes"] = [n for n in b["nodes"] if n["id"] in ("start", "t", "done")] + [
        {"id": "p", "type": "parse_with_schema", "x": 200, "y": 0, "inputs": {"schema": "{}"}}]
    b["connections"] = [{"from": "start.exec_out", "to": "p.exec_in"}, {"from": "t.value_ref", "to": "p.data"},
                        {"from": "p.exec_out", "to": "done.exec_in"}, {"from": "p.parsed", "to": "done.result"}]
    return b


def flow(c, s, src, label, H):
    weir = s.weir
    # ---- the CLI: the instance admin, a token, error paths
    admin_pw = H.add(rnd("pw-admin"), "password")
    p = s.cli("user", "add", ADMIN_EMAIL, "--admin", "--password-stdin", stdin=admin_pw + "\n")
    H.cli("weir user add --admin", p)
    p = s.cli("token", "create", "--user", ADMIN_EMAIL, "--name", "cli", "--expires-in", "1d", "--scopes", "admin,instance_admin")
    cli_tok = H.add(p.stdout.strip().splitlines()[-1], "PAT (weir token create)")
    H.cli("weir token create", p, allowed={cli_tok})
    s._admin = cli_tok
    short_pw = H.add("sp-" + secrets.token_hex(4), "password (refused: too short)")
    H.cli("weir user add (password too short)", s.cli("user", "add", "short@test.local", "--password-stdin", stdin=short_pw + "\n", check=False))
    dup_pw = H.add(rnd("pw-dup"), "password (refused: user exists)")
    H.cli("weir user add (user exists)", s.cli("user", "add", ADMIN_EMAIL, "--password-stdin", stdin=dup_pw + "\n", check=False))
    H.cli("weir token create (no such user)", s.cli("token", "create", "--user", "nobody@test.local", "--name", "x", check=False))
    H.cli("weir token create (bad scope)", s.cli("token", "create", "--user", ADMIN_EMAIL, "--name", "x", "--scopes", "no_such", check=False))

    inst = Instance(s, src, record=H.record, admin_password=admin_pw)
    inst.new_password = lambda: H.add(rnd("pw-user"), "password")
    w = AppWorld(inst, "h")
    H.add("h-hush-value", "app secret value")
    A, o = w.A, w.owner.pat

    # ---- sessions
    sessions = {}
    for role in ("owner", "editor", "viewer"):
        sess = inst.login(w.users[role], f"{role}:session", role=role)
        sessions[role] = sess
        inst.call("GET", "/api/v1/me", sess)
        inst.call("GET", A + "/boards", sess)
    so = sessions["owner"]
    v = H.add(rnd("secret-session"), "app secret value")
    c.eq(inst.call("PUT", f"{A}/secrets/via_session", so, {"value": v}).status, 204, f"[{label}] a session sets a secret")
    c.eq(inst.call("POST", "/api/v1/tokens", so, {"name": "from-session", "expires_in_days": 1, "scopes": ["read_app"]}).status, 201,
         f"[{label}] a session makes a PAT")
    inst.call("GET", "/api/v1/tokens", so)
    c.eq(inst.call("POST", "/api/v1/auth/logout", sessions["viewer"]).status, 204, f"[{label}] sign out")
    c.eq(inst.call("GET", "/api/v1/me", sessions["viewer"]).status, 401, f"[{label}] the signed-out cookie is worthless")

    # ---- failed sign-ins: a near-miss password, a password in the e-mail box, an unknown account
    ed = w.users["editor"]
    wrong = ed.password[:-1] + ("0" if ed.password[-1] != "0" else "1")
    H.presented[wrong] = "near-miss password"
    for body, what in (({"email": ed.email, "password": wrong}, "a near-miss password"),
                       ({"email": ed.password, "password": ed.password}, "the password typed in the e-mail box"),
                       ({"email": "nobody@test.local", "password": ed.password}, "an unknown account with a real password")):
        r = inst.call("POST", "/api/v1/auth/login", None, body)
        c.check(r.status in (400, 401), f"[{label}] sign-in with {what}: refused, got {show(r)}")

    # ---- PATs and API keys
    pat2 = Cred("owner:pat2", "pat", token=inst.must("POST", "/api/v1/tokens", o, {"name": "p2", "expires_in_days": 1, "scopes": ["admin"]}, 201)["token"],
                user=w.owner, role="owner")
    tid = inst.must("POST", "/api/v1/tokens", pat2, {"name": "p3", "expires_in_days": 1, "scopes": ["read_app"]}, 201)["id"]
    inst.call("GET", "/api/v1/tokens", pat2)
    c.eq(inst.call("DELETE", f"/api/v1/tokens/{tid}", pat2).status, 204, f"[{label}] revoke a PAT")
    inst.call("GET", A + "/api-keys", o)
    vk = w.keys["viewer"]
    inst.call("GET", A + "/runs", vk)
    c.eq(inst.call("DELETE", f"{A}/api-keys/{w.keys['editor'].key_id}", o).status, 204, f"[{label}] revoke an API key")
    c.eq(inst.call("GET", A, w.keys["editor"]).status, 401, f"[{label}] a revoked key is refused")

    # ---- secrets
    for name in ("db_password", "smtp_token"):
        for _ in range(2):
            c.eq(inst.call("PUT", f"{A}/secrets/{name}", o, {"value": H.add(rnd("secret-" + name), "app secret value")}).status, 204,
                 f"[{label}] set the secret {name}")
    inst.call("GET", A + "/secrets", o)
    c.eq(inst.call("DELETE", f"{A}/secrets/smtp_token", o).status, 204, f"[{label}] delete a secret")

    # ---- runs with secret variables (read with every right: read_run_data, read_logs)
    live = []
    th = threading.Thread(target=read_stream, args=(s, A + "/live", o, 6, live), daemon=True)
    th.start()
    time.sleep(0.3)
    vars_doc = load_board(os.path.join(src, "tests", "server", "boards"), "vars.board.json")
    vb = inst.must("POST", A + "/boards", o, {"name": "vars", "board": vars_doc}, 201)["id"]
    lb = inst.must("POST", A + "/boards", o, {"name": "leak", "board": leak_board(src)}, 201)["id"]
    sv = [H.add(rnd("secret-var"), "secret variable value") for _ in range(4)]
    runs = []
    runs.append(inst.must("POST", f"{A}/boards/{vb}/runs", o, {"payload": {"x": 1}, "variables": {"token": sv[0], "greeting": "hi"}}, 201)["id"])
    runs.append(inst.must("POST", f"{A}/boards/{lb}/runs", o, {"variables": {"token": sv[1]}}, 201)["id"])
    inst.must("POST", A + "/events", o, {"name": "manual-vars", "kind": "manual", "board_id": vb}, 201)
    runs.append(inst.must("POST", f"{A}/events/manual-vars/fire", w.users["operator"].pat, {"payload": {}, "variables": {"token": sv[2]}}, 201)["run_id"])
    inst.must("POST", A + "/events", o, {"name": "leak-hook", "kind": "webhook", "board_id": lb}, 201)
    r = inst.call("POST", f"/hooks/{w.app}/leak-hook", w.keys["operator"], {"hello": "world"})
    c.check(r.status in (200, 202), f"[{label}] a waiting webhook on the leaking board answers, got {show(r)}")
    if r.header("X-Weir-Run-Id"):
        runs.append(r.header("X-Weir-Run-Id"))
    # a node that fails on a secret: its error must not quote the secret, not even a part of it
    letters = lambda n: "".join(secrets.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(n))  # noqa: E731
    sv_parse = H.add(letters(8) + "-" + letters(8), "secret variable value (not JSON)")
    pb = inst.must("POST", A + "/boards", o, {"name": "parse", "board": parse_board(src)}, 201)["id"]
    parse_run = inst.must("POST", f"{A}/boards/{pb}/runs", o, {"variables": {"token": sv_parse}}, 201)["id"]
    w.wait_runs()
    r = inst.call("GET", f"{A}/runs/{parse_run}", o)
    c.eq((r.json or {}).get("status"), "failed", f"[{label}] parsing a secret that is not JSON fails the run")
    c.check(sv_parse[:8] not in r.body and sv_parse[9:] not in r.body,
            f"[{label}] the failed run's error and trace do not quote a part of the secret variable: {(r.json or {}).get('error')}")
    rr = inst.call("POST", f"{A}/runs/{runs[0]}/rerun", o)
    if c.check(rr.status == 201, f"[{label}] rerun, got {show(rr)}"):
        runs.append(rr.json["run_id"] if "run_id" in (rr.json or {}) else rr.json.get("id"))
    w.wait_runs()
    seen_star = False
    for run in runs:
        r = inst.call("GET", f"{A}/runs/{run}", o)
        c.eq(r.status, 200, f"[{label}] GET run {run}")
        j = r.json or {}
        c.check("trace" in j and "logs" in j, f"[{label}] run {run}: the owner sees trace and logs: {sorted(j)}")
        H.search(c, label, f"run {run} (result, trace, logs, error)", r.body)
        seen_star |= "***" in r.body
        live_one = []
        read_stream(s, f"{A}/runs/{run}/live", o, 3, live_one)
        H.search(c, label, f"live events of the ended run {run}", "".join(live_one))
    c.check(seen_star, f"[{label}] secret variables are shown as *** somewhere in the runs (the flow reached them)")
    r = inst.call("GET", A + "/runs?limit=200", o)
    H.search(c, label, "the run list", r.body)
    th.join()
    c.check(any("run_finished" in x for x in live), f"[{label}] the app's live stream saw runs finish")
    H.search(c, label, "the app's live stream", "".join(live))

    # ---- a PAT where it does not belong: a query string, a path
    r = inst.call("GET", "/api/v1/me?access_token=" + q(cli_tok), None)
    c.eq(r.status, 401, f"[{label}] a PAT in the query string is not a credential")
    H.search(c, label, "the answer to a PAT in the query string", r.body + str(r.headers), skip=())
    r = inst.call("GET", f"/api/v1/apps/{q(cli_tok)}/boards", o)
    c.check(r.status in (403, 404), f"[{label}] a PAT as the app id: refused, got {show(r)}")

    # ---- near-miss credentials and malformed ones: never echoed
    bad = []
    for tok, kind in ((cli_tok, "PAT"), (w.keys["admin"].token, "API key")):
        for nm in near_misses(tok):
            bad.append((Cred("near-miss " + kind, "pat", token=nm), nm, tok))
    for nm in near_misses(so.cookie):
        bad.append((Cred("near-miss session", "session", cookie=nm, csrf=so.csrf), nm, so.cookie))
    bad.append((Cred("PAT with a tail", "pat", token=cli_tok + "x"), cli_tok + "x", cli_tok))
    jwt = ".".join(b64url(json.dumps(x).encode()) for x in ({"alg": "RS256", "kid": "k"}, {"iss": "https://idp.invalid", "sub": rnd("sub")})) + "." + b64url(secrets.token_bytes(64))
    bad.append((Cred("JWT-shaped bearer", "pat", token=jwt), jwt, jwt))
    for cred, presented, real in bad:
        H.presented[presented] = "presented " + cred.label
        for method, path in (("GET", "/api/v1/me"), ("GET", A + "/boards"), ("POST", "/api/v1/tokens")):
            r = inst.call(method, path, cred, {"name": "x", "expires_in_days": 1, "scopes": ["read_app"]} if method == "POST" else None)
            c.check(r.status in (401, 403), f"[{label}] {method} {path} with a {cred.label}: refused, got {show(r)}")
            text = r.body + str(r.headers)
            c.check(presented not in text and presented[6:49] not in text and real not in text,
                    f"[{label}] {method} {path} with a {cred.label}: the answer does not echo it: {show(r)}")
    basic = base64.b64encode(f"{ed.email}:{ed.password}".encode()).decode()
    H.presented[basic] = "Basic credentials"
    r = inst.call("GET", "/api/v1/me", None, headers={"Authorization": "Basic " + basic})
    c.eq(r.status, 401, f"[{label}] Basic credentials are refused")
    c.check(basic not in r.body and ed.password not in r.body, f"[{label}] the answer to Basic credentials does not echo them: {show(r)}")
    wrong_csrf = so.csrf[:-1] + ("A" if so.csrf[-1] != "A" else "B")
    H.presented[wrong_csrf] = "wrong CSRF token"
    r = inst.call("POST", "/api/v1/tokens", None, {"name": "x", "expires_in_days": 1, "scopes": ["read_app"]},
                  headers={"Cookie": "weir_session=" + so.cookie, "X-CSRF-Token": wrong_csrf})
    c.eq(r.status, 403, f"[{label}] a wrong CSRF token is refused")
    c.check(wrong_csrf not in r.body and so.csrf not in r.body, f"[{label}] the CSRF refusal echoes neither token: {show(r)}")

    # malformed bodies holding a password or a secret value: the error must not quote them
    # letters only: the JSON parser's "near '…'" quotes a bare word up to its first non-letter
    mal_pw, mal_secret = letters(14), letters(14)
    # checked here, answer by answer, and in the log and the store (check_all); not in the sweep of every answer, which would count each twice
    H.malformed = {mal_pw: "password (in a malformed body)", mal_secret: "app secret value (in a malformed body)"}
    for path, raw, cred, what in (
            ("/api/v1/auth/login", '{"email": "%s", "password": %s}' % (ed.email, mal_pw), None, "a password not quoted"),
            ("/api/v1/auth/login", '{"email": "%s", "password": "%s\\q"}' % (ed.email, mal_pw), None, "a password with a bad escape"),
            (f"{A}/secrets/mal", '{"value": %s}' % mal_secret, o, "a secret value not quoted"),
            (f"{A}/secrets/mal", '{"value": "%s\\q"}' % mal_secret, o, "a secret value with a bad escape"),
            (f"/hooks/{w.app}/leak-hook", '{"token": %s}' % mal_secret, w.keys["operator"], "a webhook body with a secret not quoted")):
        method = "PUT" if "/secrets/" in path else "POST"
        r = inst.call(method, path, cred, raw=raw, headers={"Content-Type": "application/json"})
        c.eq(r.status, 400, f"[{label}] {method} {path} with {what}: 400")
        leaked = [short(x) for x in (mal_pw, mal_secret) if x[:6] in r.body]
        c.check(not leaked, f"[{label}] {method} {path} with {what}: the error does not quote the value: {show(r)}")

    # ---- the audit log
    for path, cred in ((A + "/audit?limit=200", o), (A + "/audit/export", o), ("/api/v1/audit?limit=200", inst.admin),
                       ("/api/v1/audit/export", inst.admin)):
        r = inst.call("GET", path, cred)
        c.eq(r.status, 200, f"[{label}] GET {path}")
        H.search(c, label, f"GET {path}", r.body)
        if path.endswith("export") and path.startswith("/api/v1/audit"):
            c.check(cli_tok not in r.body and cli_tok[6:49] not in r.body, f"[{label}] the PAT used as an app id is not in the audit log")

    # ---- the CLI runs a board with a secret variable
    sv_cli = H.add(rnd("secret-cli-var"), "secret variable value (weir run)")
    d = tempfile.mkdtemp(prefix="weir-hyg-")
    try:
        bpath = os.path.join(src, "tests", "server", "boards", "vars.board.json")
        p = subprocess.run([weir, "run", bpath, "--var", "token=" + json.dumps(sv_cli), "--trace", "--data-dir", d],
                           capture_output=True, text=True, timeout=60)
        H.cli("weir run --var token=<secret> --trace", p)
        c.check(p.returncode == 0 and "***" in p.stdout, f"[{label}] weir run: completes, the secret variable shown as ***: {p.returncode} {p.stderr[-300:]}")
    finally:
        subprocess.run(["rm", "-rf", d])
    return w


def check_all(c, s, label, H):
    """After the server stopped: the log, the answers, the store, the CLI."""
    log = s.read_log()
    c.check("debug" in log or '"level":"info"' in log, f"[{label}] the server logged at debug level (the log is not empty)")
    H.search(c, label, "the server's log", log)
    for value, kind in H.malformed.items():
        c.check(value[:6] not in log, f"[{label}] the server's log: no {kind}")
    n_ans = 0
    for what, text, allowed in H.answers:
        n_ans += 1
        hits = []
        for value, kind in list(H.secrets.items()) + list(H.presented.items()):
            if value in allowed:
                continue
            if any(x in text for x in H.variants(value, kind)):
                hits.append(f"{kind} {short(value)}")
        c.check(not hits, f"[{label}] answer {what}: no secret but the one it issues, found {hits}")
    store = store_text(s)
    c.check(len(store) > 1000, f"[{label}] the store's bytes were read ({len(store)})")
    H.search(c, label, "the store (SQLite files / pg_dump)", store, kinds=lambda k: "CSRF" not in k)
    for value, kind in H.malformed.items():
        c.check(value not in store, f"[{label}] the store: no {kind}")
    for what, out, err, allowed in H.cli_out:
        H.search(c, label, f"{what}: standard error", err)
        H.search(c, label, f"{what}: standard output", out, skip=allowed)
    print(f"[{label}] {len(H.secrets)} secrets and {len(H.presented)} presented bad credentials searched in the log "
          f"({len(log)} bytes), {n_ans} answers, the store ({len(store)} bytes) and {len(H.cli_out)} CLI outputs")


def suite_logs(c):
    """Every server log of this run of tests/server, for every secret the other tests were issued."""
    logdir, sfile = os.environ.get("WEIR_TEST_LOG_DIR"), os.environ.get("WEIR_TEST_SECRETS_FILE")
    if not (logdir and sfile):
        print("note: WEIR_TEST_LOG_DIR / WEIR_TEST_SECRETS_FILE not set (tests/integration/test_server.sh sets them): "
              "the logs of the other tests are not searched")
        return
    issued = {}
    try:
        with open(sfile) as f:
            for line in f:
                kind, _, value = line.rstrip("\n").partition("\t")
                if len(value) >= 8:
                    issued[value] = kind
    except OSError:
        pass
    logs = sorted(glob.glob(os.path.join(logdir, "*.log")))
    c.check(len(logs) > 0 and len(issued) > 0, f"suite: logs ({len(logs)}) and issued secrets ({len(issued)}) to search")
    hits = {}
    total = 0
    for path in logs:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        total += len(text)
        for value, kind in issued.items():
            if value in text or (TOKEN_RE.fullmatch(value) and value[6:49] in text):
                hits.setdefault(os.path.basename(path), []).append(f"{kind} {short(value)}")
    for name, h in sorted(hits.items()):
        c.check(False, f"suite: the server log {name} holds issued secrets: {h[:5]}{' …' if len(h) > 5 else ''}")
    c.check(not hits, f"suite: no issued secret in any of the {len(logs)} server logs")
    print(f"suite: {len(issued)} issued secrets searched in {len(logs)} server logs ({total} bytes) of the whole run: {len(hits)} logs hold one")


def main():
    weir, src = sys.argv[1], sys.argv[2]
    c = Checks()

    def one(s, label):
        H = Collector()
        flow(c, s, src, label, H)
        s.stop()
        check_all(c, s, label, H)
    each_store(c, weir, one, extra=["--log-level", "debug"])
    suite_logs(c)
    return c.done()


if __name__ == "__main__":
    sys.exit(main())
