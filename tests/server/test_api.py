#!/usr/bin/env python3
"""test_api.py WEIR SRC — drive a real `weir serve` over its REST API with real
credentials: apps, boards and their immutable versions, runs (payload,
variables, version pinning, listing, cancel, re-run, secrets kept out),
events (manual, webhook, schedule), webhook_wait_ms, live streams (SSE),
app secrets, /metrics and health.

Runs against SQLite always and PostgreSQL too when WEIR_TEST_PG_URL is set
(harness.store_urls). Prints "N passed, M failed". Boards: tests/server/boards/.
"""
import copy
import http.client
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Sections, Server, free_port, fresh_pg_database, load_board, main_per_store, now_us  # noqa: E402

FINAL = ("completed", "failed", "timed_out", "cancelled")
SECRET_VAR = "s3cr3t-variable-7f2a9c41e0"      # a secret variable's value
SECRET_APP = "s3cr3t-app-secret-b81d55e3c2"    # an app secret's value
PROBLEM = "application/problem+json"
STARTED = time.time()
WAIT_BUDGET_S = 75   # waiting for a schedule's first fire keeps the whole suite under this


class Api:
    """One server, one credential, one app; remembers every answer it got so
    the suite can check no secret ever came back."""

    def __init__(self, s, token, app=None):
        self.s = s
        self.tok = token
        self.app = app
        self.seen = []

    def call(self, method, path, body=None, **kw):
        kw.setdefault("token", self.tok)
        r = self.s.call(method, path, body=body, **kw)
        self.seen.append(r.body)
        for _, v in r.headers:
            self.seen.append(v)
        return r

    def a(self, path=""):
        return f"/api/v1/apps/{self.app}{path}"

    def run(self, run_id):
        return self.call("GET", self.a(f"/runs/{run_id}"))

    def wait_run(self, run_id, timeout=20):
        deadline = time.time() + timeout
        while True:
            r = self.run(run_id)
            if r.status != 200 or (r.json or {}).get("status") in FINAL or time.time() > deadline:
                return r
            time.sleep(0.03)

    def board(self, board_doc, name=None):
        body = {"board": board_doc}
        if name:
            body["name"] = name
        r = self.call("POST", self.a("/boards"), body)
        if r.status != 201:
            raise RuntimeError(f"board create: {r}")
        return r.json["id"]


def is_problem(c, r, status, what, code=None):
    ok = c.eq(r.status, status, f"{what}: status ({r.body[:200]})")
    c.check((r.header("Content-Type") or "").startswith(PROBLEM), f"{what}: problem+json content type, got {r.header('Content-Type')}")
    j = r.json or {}
    c.check(j.get("status") == status and isinstance(j.get("detail"), str) and isinstance(j.get("title"), str),
            f"{what}: problem body has status/title/detail: {r.body[:200]}")
    if code:
        c.eq(j.get("code"), code, f"{what}: problem code")
    return ok


def boards(src):
    return {n: load_board(os.path.join(src, "tests", "server", "boards"), n + ".board.json")
            for n in ("echo", "vars", "slow", "pinned")}


def side_store(db_url):
    """A store for an extra server in this pass: SQLite, or a fresh PostgreSQL database."""
    return fresh_pg_database(os.environ["WEIR_TEST_PG_URL"]) if db_url else None


# ---- sections ------------------------------------------------------------------------

def t_health(c, s):
    for p in ("/healthz", "/readyz"):
        r = s.call("GET", p)
        c.eq(r.status, 200, f"GET {p} without credentials")


def t_threads(c, s):
    """docs/server.md: the threads serving connections and running queued runs
    are SCHED_BATCH, so their wake-ups do not preempt the store's writer, which
    keeps the normal policy. Scheduling policy is field 41 of a task's stat."""
    policies = {}
    for tid in os.listdir(f"/proc/{s.proc.pid}/task"):
        try:
            with open(f"/proc/{s.proc.pid}/task/{tid}/comm") as f:
                comm = f.read().strip()
            with open(f"/proc/{s.proc.pid}/task/{tid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        policy = int(stat[stat.rindex(")") + 2:].split()[38])   # fields after "(comm)" start at 3
        policies.setdefault(comm, set()).add(policy)
    SCHED_OTHER, SCHED_BATCH = 0, 3
    c.eq(policies.get("MHD-worker"), {SCHED_BATCH}, f"HTTP threads are SCHED_BATCH: {policies}")
    c.eq(policies.get("weir-run"), {SCHED_BATCH}, "run workers are SCHED_BATCH")
    c.eq(policies.get("weir-db-writer", {SCHED_OTHER}), {SCHED_OTHER}, "the store's writer thread keeps the normal policy")
    c.eq(policies.get("weir"), {SCHED_OTHER}, "the main thread is restored to the normal policy")


def t_port_taken(c, weir, s):
    """A second server on an address in use refuses to start: sharing the
    port (SO_REUSEPORT) would split clients between two stores at random."""
    other = Server(weir, port=s.port)
    try:
        other.start(wait=False)
        try:
            rc = other.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            rc = None
        c.check(rc not in (None, 0), f"a second server on port {s.port} exits with an error (exit status {rc})")
        c.check("cannot listen" in other.read_log(), f"and says why: {other.read_log()[-300:]!r}")
        c.eq(s.call("GET", "/readyz").status, 200, "the first server still answers")
    finally:
        other.discard()


def t_ipv6(c, weir):
    """--listen [::1]:PORT serves IPv6 only (IPV6_V6ONLY: 127.0.0.1 on the
    same port is not this server)."""
    port = free_port()
    data = tempfile.mkdtemp(prefix="weir-test-v6-")
    p = subprocess.Popen([weir, "serve", "--listen", f"[::1]:{port}", "--data-dir", data, "--log-level", "warn"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        status, deadline = None, time.time() + 15
        while status is None and time.time() < deadline and p.poll() is None:
            try:
                k = http.client.HTTPConnection("::1", port, timeout=5)
                k.request("GET", "/healthz")
                status = k.getresponse().status
                k.close()
            except OSError:
                time.sleep(0.05)
        c.eq(status, 200, "a server on [::1] answers over IPv6")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
            v4 = "connected"
        except OSError:
            v4 = "refused"
        c.eq(v4, "refused", "and not on 127.0.0.1")
    finally:
        p.terminate()
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
        shutil.rmtree(data, ignore_errors=True)


def t_spread(c, s, threads=8, per_thread=4):
    """docs/server.md: connections are spread over the HTTP threads. Which
    thread serves a connection shows in /proc: one request on it makes only
    that thread run (the third field of a task's schedstat counts the times
    it was put on a CPU)."""
    def runs():
        out = {}
        for tid in os.listdir(f"/proc/{s.proc.pid}/task"):
            try:
                with open(f"/proc/{s.proc.pid}/task/{tid}/comm") as f:
                    if f.read().strip() != "MHD-worker":
                        continue
                with open(f"/proc/{s.proc.pid}/task/{tid}/schedstat") as f:
                    out[tid] = int(f.read().split()[2])
            except OSError:
                pass
        return out
    conns = [http.client.HTTPConnection("127.0.0.1", s.port, timeout=10) for _ in range(threads * per_thread)]
    try:
        for k in conns:
            k.connect()
        time.sleep(0.3)   # each connection has reached its thread
        served = dict.fromkeys(runs(), 0)
        for k in conns:
            time.sleep(0.02)   # the last request's thread is back asleep
            before = runs()
            k.request("GET", "/healthz")
            k.getresponse().read()
            moved = [t for t, n in runs().items() if n > before.get(t, n)]
            if len(moved) == 1:
                served[moved[0]] += 1
    finally:
        for k in conns:
            k.close()
    counts = sorted(served.values())
    c.eq(len(counts), threads, "the default number of HTTP threads")
    c.check(sum(counts) >= len(conns) - 2, f"requests traced to one thread each: {counts}")
    c.check(counts and counts[0] >= per_thread - 2 and counts[-1] <= per_thread + 2,
            f"{len(conns)} connections spread over {threads} threads, {per_thread} each give or take 2: {counts}")


def t_apps(c, api):
    r = api.call("POST", "/api/v1/apps", {"name": "first", "description": "the first app"})
    c.eq(r.status, 201, "create app")
    app = r.json["id"]
    c.eq((r.json["name"], r.json["description"], r.json.get("role")), ("first", "the first app", "owner"), "created app fields")
    r2 = api.call("POST", "/api/v1/apps", {"name": "second"})
    c.eq(r2.status, 201, "create a second app")
    r = api.call("GET", "/api/v1/apps")
    c.eq(r.status, 200, "list apps")
    ids = [a["id"] for a in r.json["items"]]
    c.check(app in ids and r2.json["id"] in ids, f"list has both apps: {ids}")
    r = api.call("GET", f"/api/v1/apps/{app}")
    c.eq(r.status, 200, "get app")
    c.eq((r.json["id"], r.json["name"]), (app, "first"), "get app fields")
    c.check("execute_boards" in json.dumps(r.json.get("permissions")), f"owner's permissions listed: {r.json.get('permissions')}")
    r = api.call("PATCH", f"/api/v1/apps/{app}", {"name": "renamed", "description": "changed"})
    c.eq(r.status, 200, "patch app")
    c.eq((r.json["name"], r.json["description"]), ("renamed", "changed"), "patched fields answered")
    c.eq(api.call("GET", f"/api/v1/apps/{app}").json["name"], "renamed", "patch persisted")
    is_problem(c, api.call("POST", "/api/v1/apps", {"name": ""}), 422, "create app with an empty name", "bad_name")
    is_problem(c, api.call("POST", "/api/v1/apps", {"name": 7}), 422, "create app with a numeric name", "bad_name")
    is_problem(c, api.call("POST", "/api/v1/apps", {"name": "x" * 101}), 422, "create app with a 101-byte name")
    is_problem(c, api.call("POST", "/api/v1/apps", {"name": "ok", "description": ["no"]}), 422, "create app with a bad description")
    is_problem(c, api.call("PATCH", f"/api/v1/apps/{app}", {"name": ""}), 422, "patch app with an empty name")
    c.eq(api.call("GET", f"/api/v1/apps/{app}").json["name"], "renamed", "a refused patch changes nothing")
    r = api.call("POST", "/api/v1/apps", {"name": "x"}, token=None)
    is_problem(c, r, 401, "create app without a credential", "unauthenticated")
    is_problem(c, api.call("GET", "/api/v1/nope"), 404, "unknown endpoint")
    is_problem(c, api.call("DELETE", "/api/v1/apps"), 405, "wrong method")
    return app


def t_boards(c, api, B):
    echo_id = api.board(B["echo"])
    r = api.call("POST", api.a("/boards"), {"board": B["echo"], "name": "Echo board"})
    c.eq(r.status, 201, "create a valid board")
    c.eq((r.json.get("version"), r.json.get("valid"), r.json.get("name")), (1, True, "Echo board"), "valid board: version 1, valid, name")
    bid = r.json["id"]

    bad = copy.deepcopy(B["echo"])
    bad["nodes"].append({"id": "ghost", "type": "no_such_node_type", "x": 0, "y": 0})
    bad["connections"].append({"from": "start.nowhere", "to": "say.message2"})
    r = api.call("POST", api.a("/boards"), {"board": bad})
    c.eq(r.status, 201, "an invalid board is saved too")
    c.eq(r.json.get("valid"), False, "invalid board: valid false")
    codes = {e.get("code") for e in r.json.get("errors") or []}
    c.check("unknown_node_type" in codes and "unknown_pin" in codes, f"invalid board: errors name unknown_node_type and unknown_pin: {codes}")
    r = api.call("GET", api.a(f"/boards/{r.json['id']}"))
    c.eq(r.status, 200, "get the invalid board")
    c.check(any(n["id"] == "ghost" for n in r.json["board"]["nodes"]), "the invalid board is kept as sent")

    r = api.call("GET", api.a(f"/boards/{bid}"))
    c.eq(r.status, 200, "get latest")
    c.eq((r.json["version"], r.json["latest_version"]), (1, 1), "latest is version 1")
    v1 = r.json["board"]
    c.eq([n["id"] for n in v1["nodes"]], [n["id"] for n in B["echo"]["nodes"]], "the stored board has the nodes sent")

    v2doc = copy.deepcopy(B["echo"])
    v2doc["description"] = "second version"
    v2doc["nodes"][1]["inputs"] = {"message": "changed"}
    v2doc["connections"] = [x for x in v2doc["connections"] if x["to"] != "say.message"]
    r = api.call("PUT", api.a(f"/boards/{bid}"), {"board": v2doc, "base_version": 1})
    c.eq(r.status, 200, "save a new version")
    c.eq((r.json.get("version"), r.json.get("valid")), (2, True), "the new version is 2 and valid")
    r = api.call("GET", api.a(f"/boards/{bid}"))
    c.eq((r.json["version"], r.json["latest_version"], r.json["board"]["description"]), (2, 2, "second version"), "latest is now version 2")
    r = api.call("GET", api.a(f"/boards/{bid}/versions/1"))
    c.eq(r.status, 200, "version 1 still readable")
    c.eq(r.json["board"], v1, "version 1 unchanged (immutable)")
    c.eq((r.json["version"], r.json["latest_version"]), (1, 2), "version 1 answer: version and latest_version")

    r = api.call("PUT", api.a(f"/boards/{bid}"), {"board": B["echo"], "base_version": 1})
    is_problem(c, r, 409, "save on a stale base_version", "version_conflict")
    c.eq(api.call("GET", api.a(f"/boards/{bid}")).json["version"], 2, "a conflicting save adds no version")
    r = api.call("PUT", api.a(f"/boards/{bid}"), {"board": B["echo"]})
    c.eq((r.status, (r.json or {}).get("version")), (200, 3), "save without base_version appends version 3")
    r = api.call("GET", api.a(f"/boards/{bid}/versions"))
    c.eq(r.status, 200, "versions list")
    c.eq([v["version"] for v in r.json["items"]], [3, 2, 1], "versions newest first")
    c.eq(api.call("GET", api.a(f"/boards/{bid}/versions/1")).json["board"], v1, "version 1 still unchanged after more saves")
    is_problem(c, api.call("GET", api.a(f"/boards/{bid}/versions/9")), 404, "a version that does not exist")
    is_problem(c, api.call("GET", api.a("/boards/brd_nope")), 404, "a board that does not exist")

    r = api.call("POST", api.a("/boards"), raw=json.dumps({"board": B["echo"]}), headers={"Content-Type": "text/plain"})
    is_problem(c, r, 415, "create a board with Content-Type text/plain", "unsupported_media_type")
    r = api.call("POST", api.a("/boards"), raw='{"board": {"format": ', headers={"Content-Type": "application/json"})
    is_problem(c, r, 400, "create a board with malformed JSON", "bad_json")
    r = api.call("POST", api.a("/boards"), raw='[1, 2]', headers={"Content-Type": "application/json"})
    is_problem(c, r, 400, "create a board with a JSON array body")
    is_problem(c, api.call("POST", api.a("/boards"), {"board": "not an object"}), 422, "board member not an object", "bad_board")
    ids = [b["id"] for b in api.call("GET", api.a("/boards")).json["items"]]
    c.check(bid in ids and echo_id in ids, "boards list has the boards")
    return bid


def t_body_limit(c, weir, B, db_url):
    with Server(weir, database=side_store(db_url), extra=["--max-body-bytes", "2048"]) as s2:
        api = Api(s2, s2.admin_token())
        api.app = api.call("POST", "/api/v1/apps", {"name": "small"}).json["id"]
        big = copy.deepcopy(B["echo"])
        big["description"] = "x" * 4096
        r = api.call("POST", api.a("/boards"), {"board": big})
        is_problem(c, r, 413, "board body over --max-body-bytes 2048", "body_too_large")
        r = api.call("POST", api.a("/boards"), {"board": B["pinned"]})
        c.eq(r.status, 201, "a body under the limit is still accepted after a 413")


def t_runs(c, api, B, echo_v3):
    vars_id = api.board(B["vars"])
    r = api.call("POST", api.a(f"/boards/{vars_id}/runs"),
                 {"payload": {"a": 1, "nested": {"k": [1, 2]}}, "variables": {"greeting": "hi there", "token": SECRET_VAR}})
    c.eq(r.status, 201, "start a run with payload and variables")
    c.eq((r.json.get("status"), r.json.get("board_version"), r.json.get("board_id")), ("queued", 1, vars_id), "start answer")
    c.check((r.header("Location") or "").endswith(f"/runs/{r.json['id']}"), f"Location header: {r.header('Location')}")
    run_id = r.json["id"]
    r = api.wait_run(run_id)
    j = r.json or {}
    c.eq(j.get("status"), "completed", f"vars run completes ({j.get('error')})")
    c.eq(j.get("result"), {"a": 1, "nested": {"k": [1, 2]}, "greeting": "hi there"}, "result uses the payload and the exposed variable")
    c.eq(j.get("payload"), {"a": 1, "nested": {"k": [1, 2]}}, "payload shown")
    c.eq(sorted(j.get("variables_set") or []), ["greeting", "token"], "variable names shown, not values")
    c.check(isinstance(j.get("started_at"), int) and isinstance(j.get("finished_at"), int) and j["finished_at"] >= j["started_at"],
            "started_at <= finished_at")
    trace = j.get("trace") or []
    c.check(len(trace) >= 5 and all({"node", "type", "status"} <= set(t) for t in trace), f"trace entries have node, type, status: {trace[:2]}")
    c.eq({t["node"] for t in trace}, {"start", "g", "t", "add_greeting", "log_token", "done"}, "trace covers every node")
    c.check(all(t["status"] == "ok" for t in trace), "every trace entry ok")
    ag = [t for t in trace if t["node"] == "add_greeting"]
    if ag and "inputs" in ag[0]:
        c.eq(ag[0]["inputs"].get("value"), "hi there", "trace inputs carry the value read")
        c.eq(ag[0].get("outputs", {}).get("struct_out", {}).get("greeting"), "hi there", "trace outputs carry the value written")
    logs = j.get("logs") or []
    c.eq([(x.get("node"), x.get("message")) for x in logs], [("log_token", "***")], "logs present, secret variable shown as ***")
    c.check(SECRET_VAR not in r.body, "the secret variable's value is not in GET run")
    rl = api.call("GET", api.a(f"/runs?board={vars_id}"))
    c.check(SECRET_VAR not in rl.body, "the secret variable's value is not in the run list")

    # re-run: same input, same version, a new run
    r = api.call("POST", api.a(f"/runs/{run_id}/rerun"))
    c.eq(r.status, 201, "re-run")
    c.eq((r.json.get("rerun_of"), r.json.get("board_version")), (run_id, 1), "re-run answer names the original and its version")
    rr = api.wait_run(r.json["id"])
    c.check(rr.json["id"] != run_id, "re-run is a new run")
    c.eq((rr.json["status"], rr.json["rerun_of"], rr.json["payload"], rr.json["result"]),
         ("completed", run_id, j.get("payload"), j.get("result")), "re-run: same payload and result")
    c.eq(sorted(rr.json.get("variables_set") or []), ["greeting", "token"], "re-run keeps the variables")
    c.check(SECRET_VAR not in rr.body, "the secret variable's value is not in the re-run")
    is_problem(c, api.call("POST", api.a("/runs/run_nope/rerun")), 404, "re-run of an unknown run")

    # a variable that is not declared fails the run; a bad variables member is refused
    r = api.call("POST", api.a(f"/boards/{vars_id}/runs"), {"variables": "nope"})
    is_problem(c, r, 422, "variables not an object")
    r = api.call("POST", api.a(f"/boards/{vars_id}/runs"), {"variables": {"undeclared": 1}})
    if c.eq(r.status, 201, "a run with an undeclared variable is accepted"):
        rr = api.wait_run(r.json["id"])
        c.eq((rr.json["status"], rr.json.get("error_code")), ("failed", "bad_variable"), "…and fails with bad_variable")

    # version pinning
    pin = api.board(B["pinned"])
    v2 = copy.deepcopy(B["pinned"])
    v2["nodes"][1]["inputs"]["result"] = "v2"
    c.eq(api.call("PUT", api.a(f"/boards/{pin}"), {"board": v2, "base_version": 1}).json.get("version"), 2, "pinned: save v2")
    r1 = api.call("POST", api.a(f"/boards/{pin}/runs"), {"version": 1})
    r2 = api.call("POST", api.a(f"/boards/{pin}/runs"), {})
    c.eq((r1.status, r1.json.get("board_version"), r2.status, r2.json.get("board_version")), (201, 1, 201, 2), "explicit version 1; no version = latest (2)")
    a1, a2 = api.wait_run(r1.json["id"]).json, api.wait_run(r2.json["id"]).json
    c.eq((a1["board_version"], a1["result"]), (1, "v1"), "the run of v1 ran v1")
    c.eq((a2["board_version"], a2["result"]), (2, "v2"), "the run without a version ran v2")
    v3 = copy.deepcopy(B["pinned"])
    v3["nodes"][1]["inputs"]["result"] = "v3"
    api.call("PUT", api.a(f"/boards/{pin}"), {"board": v3})
    r = api.call("POST", api.a(f"/runs/{a1['id']}/rerun"))
    rr = api.wait_run(r.json["id"]).json
    c.eq((rr["board_version"], rr["result"]), (1, "v1"), "re-run of a v1 run runs v1 after v3 was saved")
    is_problem(c, api.call("POST", api.a(f"/boards/{pin}/runs"), {"version": 99}), 404, "run of a version that does not exist")
    is_problem(c, api.call("POST", api.a("/boards/brd_nope/runs"), {}), 404, "run of a board that does not exist")

    # list: filters and cursor pagination
    started = []
    for i in range(7):
        r = api.call("POST", api.a(f"/boards/{echo_v3}/runs"), {"payload": {"i": i}})
        started.append(r.json["id"])
    for rid in started:
        api.wait_run(rid)
    seen, cursor, pages, created = [], None, 0, []
    while True:
        q = f"/runs?board={echo_v3}&limit=2" + (f"&cursor={cursor}" if cursor else "")
        r = api.call("GET", api.a(q))
        if not c.eq(r.status, 200, f"list page {pages}"):
            break
        pages += 1
        c.check(len(r.json["items"]) <= 2, "a page has at most limit items")
        seen += [x["id"] for x in r.json["items"]]
        created += [x["created_at"] for x in r.json["items"]]
        c.check(all(x["board_id"] == echo_v3 for x in r.json["items"]), "board filter holds")
        cursor = r.json["next_cursor"]
        if not cursor or pages > 20:
            break
    c.eq(len(seen), len(set(seen)), "every run listed once across pages")
    c.eq(set(seen), set(started), "the pages hold exactly the board's runs")
    c.eq(seen, list(reversed(started)), "newest first")
    c.check(created == sorted(created, reverse=True), "created_at descending across pages")
    c.eq(pages, 4, "7 runs at limit=2 are 4 pages")
    r = api.call("GET", api.a("/runs?status=completed&limit=200"))
    c.check(r.status == 200 and r.json["items"] and all(x["status"] == "completed" for x in r.json["items"]), "status filter: only completed")
    c.check(set(started) <= {x["id"] for x in r.json["items"]}, "status filter: the board's completed runs included")
    c.eq(api.call("GET", api.a(f"/runs?status=failed&board={echo_v3}")).json["items"], [], "status failed of the echo board: none")
    is_problem(c, api.call("GET", api.a("/runs?status=bogus")), 400, "unknown status filter", "bad_status")
    is_problem(c, api.call("GET", api.a("/runs?limit=0")), 400, "limit 0", "bad_limit")
    is_problem(c, api.call("GET", api.a("/runs?cursor=../x")), 400, "bad cursor", "bad_cursor")

    # cancel
    slow = api.board(B["slow"])
    r = api.call("POST", api.a(f"/boards/{slow}/runs"), {"payload": {"ms": 60000}})
    long_id = r.json["id"]
    deadline = time.time() + 5
    while api.run(long_id).json["status"] != "running" and time.time() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)
    t0 = time.time()
    r = api.call("POST", api.a(f"/runs/{long_id}/cancel"))
    c.eq((r.status, (r.json or {}).get("status")), (202, "cancelling"), "cancel a running run")
    rr = api.wait_run(long_id, timeout=10).json
    c.eq(rr["status"], "cancelled", "the long run ends cancelled")
    c.check(time.time() - t0 < 5, f"cancel ends a 60 s delay at once ({time.time() - t0:.2f} s)")
    c.check(isinstance(rr.get("finished_at"), int), "a cancelled run has finished_at")
    is_problem(c, api.call("POST", api.a(f"/runs/{long_id}/cancel")), 409, "cancel a cancelled run", "already_ended")
    is_problem(c, api.call("POST", api.a(f"/runs/{started[0]}/cancel")), 409, "cancel a completed run", "already_ended")
    c.eq(api.run(started[0]).json["status"], "completed", "a refused cancel leaves the run completed")
    is_problem(c, api.call("POST", api.a("/runs/run_nope/cancel")), 404, "cancel an unknown run")
    return slow


def t_events(c, api, B, echo, slow):
    echo_board = api.board(B["echo"])
    r = api.call("POST", api.a("/events"), {"name": "by-hand", "kind": "manual", "board_id": echo_board})
    c.eq(r.status, 201, "create a manual event")
    manual = r.json["id"]
    r = api.call("POST", api.a(f"/events/{manual}/fire"), {"payload": {"fired": True}})
    c.eq(r.status, 201, "fire a manual event")
    rr = api.wait_run(r.json["run_id"]).json
    c.eq((rr["event_id"], rr["status"], rr["result"]), (manual, "completed", {"fired": True}), "fired run: event_id, result")
    r = api.call("POST", api.a("/events/by-hand/fire"), {})
    c.eq(r.status, 201, "fire by name")

    # webhook that waits (default)
    r = api.call("POST", api.a("/events"), {"name": "hook", "kind": "webhook", "board_id": echo_board})
    c.eq(r.status, 201, "create a webhook event")
    hook = r.json["id"]
    c.check((r.json.get("webhook_url") or "").endswith(f"/hooks/{api.app}/hook"), f"webhook_url: {r.json.get('webhook_url')}")
    body = {"order": 42, "items": ["a", "b"], "unicode": "grüße"}
    r = api.call("POST", f"/hooks/{api.app}/hook", body)
    c.eq(r.status, 200, "waiting webhook answers 200")
    c.eq(r.json, body, "waiting webhook answers with the board's result")
    rid = r.header("X-Weir-Run-Id")
    c.check(bool(rid), "waiting webhook: X-Weir-Run-Id header")
    if rid:
        rr = api.run(rid).json
        c.eq((rr["event_id"], rr["status"], rr["payload"]), (hook, "completed", body), "webhook run: event, status, payload")

    # a body that tries to shadow the server's own fields arrives only as payload
    sh = {"app_id": "other", "run_id": "x", "board_id": "y", "event_id": "z", "status": "failed", "version": 99, "payload": {"p": 1}}
    r = api.call("POST", f"/hooks/{api.app}/hook", sh)
    c.eq((r.status, r.json), (200, sh), "a shadowing body comes back exactly as the payload")
    rid = r.header("X-Weir-Run-Id")
    rr = api.run(rid).json if rid else {}
    c.eq((rr.get("board_id"), rr.get("event_id"), rr.get("board_version"), rr.get("status"), rr.get("payload")),
         (echo_board, hook, 1, "completed", sh), "shadowing body: the run's own fields are the server's")
    c.check(rid not in ("x", None), "the run id is the server's")
    # a JSON body that is not an object is still only the payload; this board's
    # start node needs an object, so the run fails and the webhook says so
    r = api.call("POST", f"/hooks/{api.app}/hook", raw='"just a string"', headers={"Content-Type": "application/json"})
    is_problem(c, r, 502, "a non-object body to a board that needs an object", "run_failed")
    rid = r.header("X-Weir-Run-Id")
    rr = api.run(rid).json if rid else {}
    c.eq((rr.get("status"), rr.get("payload")), ("failed", "just a string"), "…the run is recorded failed with that payload")

    r = api.call("POST", f"/hooks/{api.app}/hook", raw="hello", headers={"Content-Type": "text/plain"})
    is_problem(c, r, 415, "webhook with text/plain", "unsupported_media_type")
    r = api.call("POST", f"/hooks/{api.app}/hook", raw='{"a": ', headers={"Content-Type": "application/json"})
    is_problem(c, r, 400, "webhook with malformed JSON", "bad_json")
    r = api.call("POST", f"/hooks/{api.app}/hook", raw='{"a": 1, "a": 2}', headers={"Content-Type": "application/json"})
    is_problem(c, r, 400, "webhook with duplicate keys")
    is_problem(c, api.call("POST", f"/hooks/{api.app}/by-hand", {}), 404, "webhook on a manual event")
    is_problem(c, api.call("POST", f"/hooks/{api.app}/nope", {}), 404, "webhook on an unknown event")
    is_problem(c, api.call("POST", f"/hooks/{api.app}/hook", {}, token=None), 401, "webhook without a credential")

    # disabled
    r = api.call("PATCH", api.a(f"/events/{hook}"), {"enabled": False})
    c.eq((r.status, (r.json or {}).get("enabled")), (200, False), "disable the webhook")
    before = len(api.call("GET", api.a(f"/runs?event={hook}&limit=200")).json["items"])
    is_problem(c, api.call("POST", f"/hooks/{api.app}/hook", {"a": 1}), 404, "webhook on a disabled event")
    c.eq(len(api.call("GET", api.a(f"/runs?event={hook}&limit=200")).json["items"]), before, "a disabled webhook starts no run")
    r = api.call("PATCH", api.a(f"/events/{hook}"), {"enabled": True})
    c.eq(api.call("POST", f"/hooks/{api.app}/hook", {"again": 1}).status, 200, "re-enabled webhook answers")

    # webhook that does not wait: 202 with the run id, and the run is already in the store
    r = api.call("POST", api.a("/events"), {"name": "nowait", "kind": "webhook", "board_id": slow, "config": {"wait": False}})
    c.eq(r.status, 201, "create a webhook with wait false")
    t0 = time.time()
    r = api.call("POST", f"/hooks/{api.app}/nowait", {"ms": 1500, "tag": "nw"})
    c.eq(r.status, 202, f"webhook with wait false answers 202 ({r})")
    c.check(time.time() - t0 < 1.0, "…without waiting for the run")
    rid = (r.json or {}).get("run_id")
    c.check(bool(rid) and r.header("X-Weir-Run-Id") == rid, "202 names the run (body and X-Weir-Run-Id)")
    if rid:
        g = api.run(rid)
        c.check(g.status == 200 and g.json["status"] in ("queued", "running"), f"the run is in the store at once: {g}")
        c.eq(api.wait_run(rid).json["result"], {"tag": "nw"}, "the run completes")
    is_problem(c, api.call("POST", api.a("/events"), {"name": "w2", "kind": "webhook", "board_id": slow, "config": {"wait": "no"}}),
               422, "config.wait not a boolean")
    is_problem(c, api.call("POST", api.a("/events"), {"name": "hook", "kind": "manual", "board_id": slow}), 409, "event name taken")
    is_problem(c, api.call("POST", api.a("/events"), {"name": "k", "kind": "email", "board_id": slow}), 422, "unknown kind", "bad_kind")
    is_problem(c, api.call("POST", api.a("/events"), {"name": "k", "kind": "manual", "board_id": "brd_nope"}), 422, "unknown board", "bad_board")
    is_problem(c, api.call("POST", api.a("/events"), {"name": "k", "kind": "manual", "board_id": slow, "on_restart": "retry"}), 422,
               "bad on_restart", "bad_on_restart")

    # schedule
    t_before = now_us()
    r = api.call("POST", api.a("/events"), {"name": "tick", "kind": "schedule", "board_id": echo_board,
                                            "config": {"cron": "* * * * *", "timezone": "Europe/Berlin"}})
    c.eq(r.status, 201, "create a schedule")
    sched = r.json or {}
    nf = sched.get("next_fire_at")
    c.check(isinstance(nf, int) and t_before < nf <= now_us() + 60_000_000, f"next_fire_at within 60 s: {nf} (now {now_us()})")
    c.check(isinstance(nf, int) and nf % 60_000_000 == 0, "next_fire_at on a minute boundary")
    for bad, what in (({"cron": "61 * * * *"}, "bad cron minute"), ({"cron": "* * *"}, "cron with three fields"),
                      ({"cron": "* * * * *", "timezone": "../etc/passwd"}, "timezone ../etc/passwd"),
                      ({"cron": "* * * * *", "timezone": "/etc/localtime"}, "absolute timezone path"),
                      ({"cron": "* * * * *", "timezone": "Mars/Olympus_Mons"}, "unknown timezone"),
                      ({"timezone": "UTC"}, "no cron"), ({"cron": 5}, "cron not a string")):
        is_problem(c, api.call("POST", api.a("/events"), {"name": "badsched", "kind": "schedule", "board_id": echo_board, "config": bad}),
                   422, f"schedule with {what}")
    c.check(all(e["name"] != "badsched" for e in api.call("GET", api.a("/events")).json["items"]), "refused schedules are not stored")
    r = api.call("POST", api.a("/events/tick/fire"), {"payload": {"by": "hand"}})
    c.eq(r.status, 201, "fire a schedule by hand")
    rr = api.wait_run(r.json["run_id"]).json
    c.eq((rr["event_id"], rr["result"]), (sched.get("id"), {"by": "hand"}), "hand-fired schedule run")
    r = api.call("PATCH", api.a("/events/tick"), {"config": {"cron": "0 9 * * MON-FRI", "timezone": "../../x"}})
    is_problem(c, r, 422, "patch a schedule to a bad timezone")
    return sched


def t_schedule_fired(c, api, sched, log):
    """If the suite outlived the schedule's first fire time, it must have fired."""
    nf = sched.get("next_fire_at")
    if not nf:
        return
    if now_us() < nf + 1_500_000:
        wait = (nf + 1_500_000 - now_us()) / 1e6
        if time.time() - STARTED + wait > WAIT_BUDGET_S:
            log.append(f"schedule: first fire {wait:.0f} s away, past the time budget (checked next_fire_at and a hand fire)")
            return
        time.sleep(wait)
    deadline = time.time() + 5
    while True:
        items = api.call("GET", api.a(f"/runs?event={sched['id']}&limit=200")).json["items"]
        auto = [x for x in items if x["created_by"] == "schedule"]
        if auto or time.time() > deadline:
            break
        time.sleep(0.2)
    fired = [api.wait_run(x["id"]).json for x in auto]
    at_nf = [x for x in fired if (x.get("payload") or {}).get("scheduled_at_us") == nf]
    c.eq(len(at_nf), 1, "the schedule fired by itself exactly once for its first fire time")
    c.eq(len({x["payload"]["scheduled_at_us"] for x in fired}), len(fired), "one run per fire time")
    if at_nf:
        c.check(at_nf[0]["created_at"] >= nf and at_nf[0]["status"] == "completed", "the scheduled run started at or after its fire time and completed")
    nf2 = api.call("GET", api.a(f"/events/{sched['id']}")).json["next_fire_at"]
    c.check(nf2 and nf2 > nf and nf2 % 60_000_000 == 0, f"next_fire_at moved on: {nf} -> {nf2}")
    log.append("schedule: fired by itself and checked")


def t_webhook_wait(c, weir, B, db_url):
    with Server(weir, database=side_store(db_url), extra=["--webhook-wait-ms", "200"]) as s2:
        api = Api(s2, s2.admin_token())
        api.app = api.call("POST", "/api/v1/apps", {"name": "waits"}).json["id"]
        slow = api.board(B["slow"])
        api.call("POST", api.a("/events"), {"name": "slowhook", "kind": "webhook", "board_id": slow})
        t0 = time.time()
        r = api.call("POST", f"/hooks/{api.app}/slowhook", {"ms": 3000, "k": "v"})
        took = time.time() - t0
        c.eq(r.status, 202, f"webhook past --webhook-wait-ms 200 answers 202 ({r})")
        c.check(took < 2.5, f"…before the run ends ({took:.2f} s)")
        rid = (r.json or {}).get("run_id")
        c.check(bool(rid) and r.header("X-Weir-Run-Id") == rid, "the 202 names the run")
        if rid:
            c.check(api.run(rid).json["status"] == "running", "the run is still running")
            rr = api.wait_run(rid, timeout=15).json
            c.eq((rr["status"], rr["result"]), ("completed", {"k": "v"}), "the run still completes")
        r = api.call("POST", f"/hooks/{api.app}/slowhook", {"ms": 0, "fast": True})
        c.eq((r.status, r.json), (200, {"fast": True}), "a quick run still answers with its result")


# ---- SSE -------------------------------------------------------------------------------

class Sse:
    def __init__(self, s, token, path, timeout=15):
        self.conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=timeout)
        self.conn.request("GET", path, headers={"Authorization": "Bearer " + token, "Accept": "text/event-stream"})
        self.resp = self.conn.getresponse()

    def events(self):
        """Yields (event, data) until the server ends the stream."""
        name, data = None, []
        while True:
            line = self.resp.readline()
            if not line:
                return
            line = line.decode().rstrip("\r\n")
            if line == "":
                if name or data:
                    yield name or "message", json.loads("\n".join(data)) if data else None
                name, data = None, []
            elif line.startswith(":"):
                continue
            elif line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())

    def close(self):
        self.conn.close()


def t_sse(c, api, slow):
    # the app stream, opened before the run exists, sees all of it in order
    st = Sse(api.s, api.tok, api.a("/live"))
    c.eq(st.resp.status, 200, "app live stream opens")
    c.check((st.resp.getheader("Content-Type") or "").startswith("text/event-stream"), "text/event-stream")
    r = api.call("POST", api.a(f"/boards/{slow}/runs"), {"payload": {"ms": 150}})
    rid = r.json["id"]
    got = []
    try:
        for name, d in st.events():
            if isinstance(d, dict) and d.get("run_id") == rid:
                got.append((name, d))
                if name == "run_finished":
                    break
    except Exception as e:  # noqa: BLE001
        c.check(False, f"app stream read: {e!r}")
    st.close()
    names = [n for n, _ in got]
    c.check(names[:1] == ["run_started"] and names[-1:] == ["run_finished"], f"app stream: run_started first, run_finished last: {names}")
    seq = [(n, d.get("node")) for n, d in got if n in ("node_started", "node_finished")]
    want = []
    for node in ("start", "before", "wait", "after", "done"):
        want += [("node_started", node), ("node_finished", node)]
    c.eq(seq, want, "app stream: every node started then finished, in board order")
    fin = [d for n, d in got if n == "node_finished"]
    c.check(all(d.get("status") == "ok" and d.get("type") for d in fin), "node_finished events carry type and status ok")
    c.check(got and got[-1][1].get("status") == "completed", "run_finished says completed")

    # a run stream opened right after the start: the rest of the run, then the end
    r = api.call("POST", api.a(f"/boards/{slow}/runs"), {"payload": {"ms": 400}})
    rid = r.json["id"]
    st = Sse(api.s, api.tok, api.a(f"/runs/{rid}/live"))
    c.eq(st.resp.status, 200, "run live stream opens")
    t0, got, ended = time.time(), [], False
    try:
        for name, d in st.events():
            got.append((name, d))
        ended = True
    except Exception as e:  # noqa: BLE001
        c.check(False, f"run stream read: {e!r}")
    st.close()
    names = [n for n, _ in got]
    c.check(ended and time.time() - t0 < 5, "the run stream ends after the run")
    c.check(names[:1] == ["status"] and names[-1:] == ["run_finished"], f"run stream: status first, run_finished last: {names}")
    c.check(("node_finished", "wait") in [(n, d.get("node")) for n, d in got] and
            ("node_started", "after") in [(n, d.get("node")) for n, d in got], f"run stream: node events: {names}")
    c.check(all(d.get("run_id") == rid for _, d in got), "run stream: only this run's events")
    idx = {(n, d.get("node")): i for i, (n, d) in enumerate(got)}
    c.check(idx.get(("node_started", "after"), 1e9) < idx.get(("node_finished", "after"), -1) < idx.get(("node_started", "done"), -1),
            "run stream: node events in order")
    c.eq(api.run(rid).json["status"], "completed", "the streamed run completed")

    # a finished run: run_finished at once, then the end
    t0 = time.time()
    st = Sse(api.s, api.tok, api.a(f"/runs/{rid}/live"))
    got = list(st.events())
    st.close()
    c.eq([n for n, _ in got], ["run_finished"], "finished run: only run_finished")
    c.check(got and got[0][1].get("status") == "completed" and time.time() - t0 < 3, "finished run: status completed, at once")
    r = api.call("GET", api.a("/runs/run_nope/live"))
    is_problem(c, r, 404, "live stream of an unknown run")


# ---- secrets, metrics -------------------------------------------------------------------

def t_secrets(c, api, data_dir, sqlite_store):
    r = api.call("PUT", api.a("/secrets/api_key"), {"value": SECRET_APP})
    c.eq((r.status, r.body), (204, ""), "put a secret: 204, empty")
    r = api.call("PUT", api.a("/secrets/kept"), {"value": SECRET_APP + "-kept"})
    c.eq(r.status, 204, "put a second secret")
    r = api.call("PUT", api.a("/secrets/api_key"), {"value": SECRET_APP + "-v2"})
    c.eq(r.status, 204, "overwrite a secret")
    r = api.call("GET", api.a("/secrets"))
    c.eq(r.status, 200, "list secrets")
    c.eq([x["name"] for x in r.json["items"]], ["api_key", "kept"], "list shows the names")
    c.check(all(set(x) <= {"name", "created_at", "updated_at"} for x in r.json["items"]), f"list shows no values: {r.json['items']}")
    c.check(SECRET_APP not in r.body, "no secret value in the list")
    is_problem(c, api.call("PUT", api.a("/secrets/.hidden"), {"value": "x"}), 422, "secret name starting with a dot", "bad_name")
    is_problem(c, api.call("PUT", api.a("/secrets/num"), {"value": 5}), 422, "secret value not a string", "bad_value")
    is_problem(c, api.call("PUT", api.a("/secrets/num"), raw="v", headers={"Content-Type": "text/plain"}), 415, "secret as text/plain")
    r = api.call("DELETE", api.a("/secrets/api_key"))
    c.eq((r.status, r.body), (204, ""), "delete a secret")
    is_problem(c, api.call("DELETE", api.a("/secrets/api_key")), 404, "delete it again")
    c.eq([x["name"] for x in api.call("GET", api.a("/secrets")).json["items"]], ["kept"], "the deleted secret is gone")
    if sqlite_store:
        db = sqlite3.connect(f"file:{os.path.join(data_dir, 'weir.db')}?mode=ro", uri=True)
        try:
            rows = db.execute("SELECT name, value FROM secrets WHERE app_id = ?", (api.app,)).fetchall()
        finally:
            db.close()
        c.eq([n for n, _ in rows], ["kept"], "the store holds the kept secret")
        c.check(rows and all(SECRET_APP not in (v or "") for _, v in rows) and all(v for _, v in rows),
                "the stored secret value is not the plaintext")
        leaked = []
        for fn in os.listdir(data_dir):
            p = os.path.join(data_dir, fn)
            if os.path.isfile(p):
                with open(p, "rb") as f:
                    blob = f.read()
                if SECRET_APP.encode() in blob or SECRET_VAR.encode() in blob:
                    leaked.append(fn)
        c.eq(leaked, [], "no file of the data directory (db, WAL, logs) holds a secret in plaintext")


def t_metrics(c, api, sqlite):
    r = api.call("GET", "/metrics")
    c.eq(r.status, 200, "metrics with the admin token")
    c.check((r.header("Content-Type") or "").startswith("text/plain"), "metrics are Prometheus text")
    m = re.search(r'^weir_runs_total\{status="completed"\} (\d+)$', r.body, re.M)
    c.check(m and int(m.group(1)) > 0, f"weir_runs_total{{status=\"completed\"}} > 0: {m and m.group(0)}")
    c.check(re.search(r'^weir_runs_total\{status="cancelled"\} [1-9]', r.body, re.M), "weir_runs_total counts the cancelled run")
    c.check(re.search(r'^weir_http_requests_total\{route="run_start",code="201"\} [1-9]\d*$', r.body, re.M),
            "weir_http_requests_total with a route label")
    c.check(re.search(r'^weir_http_requests_total\{route="webhook",code="415"\} [1-9]', r.body, re.M), "error codes counted by route")
    c.check(re.search(r"^weir_queue_depth \d+$", r.body, re.M), "weir_queue_depth")
    c.check(re.search(r'^weir_node_duration_seconds_count\{type="delay"\} [1-9]', r.body, re.M), "node duration histogram")
    # SQLite's write-ahead log; a quiet server's checkpointer has run its once-a-second pass.
    wal = re.search(r'^weir_store_wal_checkpoints_total\{step="pass"\} (\d+)$', r.body, re.M)
    if sqlite:
        c.check(wal and int(wal.group(1)) > 0, f"SQLite: checkpoint passes counted: {wal and wal.group(0)}")
        for name in ("weir_store_wal_pages", 'weir_store_wal_checkpoints_total{step="forced"}', "weir_store_wal_restarts_total"):
            c.check(re.search("^" + re.escape(name) + r" \d+$", r.body, re.M), f"SQLite: {name}")
    else:
        c.check(wal is None and "weir_store_wal" not in r.body, "PostgreSQL: no write-ahead log metrics")
    r = api.call("GET", "/metrics", token=None)
    is_problem(c, r, 401, "metrics without a credential")
    c.eq(r.header("WWW-Authenticate"), "Bearer", "401 asks for a bearer token")


# ---- main -----------------------------------------------------------------------------

def suite(c, weir, src, db_url):
    B = boards(src)
    notes = []
    with Server(weir, database=db_url) as s:
        t_health(c, s)
        t_threads(c, s)
        t_port_taken(c, weir, s)
        t_spread(c, s)
        t_ipv6(c, weir)
        api = Api(s, s.admin_token())
        section = Sections(c)

        api.app = section("apps", t_apps, c, api)
        if not api.app:
            return
        echo = section("boards", t_boards, c, api, B)
        slow = section("runs", t_runs, c, api, B, echo)
        sched = section("events", t_events, c, api, B, echo, slow) or {}
        if slow:
            section("sse", t_sse, c, api, slow)
        section("secrets", t_secrets, c, api, s.data_dir, db_url is None)
        section("body-limit", t_body_limit, c, weir, B, db_url)
        section("webhook-wait", t_webhook_wait, c, weir, B, db_url)
        section("metrics", t_metrics, c, api, db_url is None)
        section("schedule-fired", t_schedule_fired, c, api, sched, notes)
        c.check(not any(SECRET_VAR in x or SECRET_APP in x for x in api.seen),
                f"no secret value in any of the {len(api.seen)} answers and headers")
        if s.proc.poll() is not None:
            c.check(False, f"the server died: {s.read_log()[-2000:]}")
    print(f"[{'postgresql' if db_url else 'sqlite'}] " + ", ".join(section.times + notes), flush=True)


if __name__ == "__main__":
    sys.exit(main_per_store(suite))
