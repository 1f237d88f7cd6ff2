#!/usr/bin/env python3
"""test_retention.py WEIR SRC — run_retention_days against a large history
(SQLite, and PostgreSQL when WEIR_TEST_PG_URL is set).

A server runs with run_retention_days 1 and prune_every_s 1 while a client
keeps asking it for runs. Into its store go, in one transaction, OLD ended
runs (created three days ago) plus recent ones, runs created just inside the
retention, runs created long ago that ended only an hour ago, and — as bait —
runs still `queued` or `running` whose timestamps are all old. The
housekeeper must delete exactly the ended runs created before the retention
(docs/server.md: pruning goes by creation time, the id's prefix), in the
background (PRUNE_BATCH rows at a time), while every API request keeps
answering (each under MAX_LATENCY_S). Then, with run_retention_days 0, old
runs are kept.
"""
import http.client
import json
import os
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import LOG_LEVEL, Server, load_board, main_per_store, now_us, store_rows, store_sql  # noqa: E402

OLD = 50000            # ended runs created three days ago
RECENT = 300           # created two hours ago, ended an hour ago
EDGE = 20              # created 23 hours ago (inside a 1-day retention)
LONG = 10              # created two days ago, ended an hour ago (pruned: creation time counts)
BAIT = 5               # queued / running runs with old timestamps, each
MAX_LATENCY_S = 1.0
PRUNE_TIMEOUT_S = 30
FAST = ["--rate-ip-per-s", "1000000", "--rate-ip-burst", "1000000",
        "--rate-cred-per-s", "1000000", "--rate-cred-burst", "1000000"]
FINAL = ("completed", "failed", "timed_out", "cancelled")
H = 3600 * 10**6
DAY = 24 * H


# ---- the store ------------------------------------------------------------------------------

def count(s, where):
    return int(store_rows(s, f"SELECT COUNT(*) FROM runs WHERE {where}")[0][0])


def insert_runs(s, tag, n, app, board, status, created_at, finished_at, worker=None):
    """n runs in ONE statement (one transaction): ids run_<created hex><tag+i hex>,
    created_at + i, finished_at + i (NULL when finished_at is None)."""
    fin = "NULL" if finished_at is None else f"{finished_at} + i"
    started = "NULL" if status == "queued" else f"{created_at} + i"
    wk = "NULL" if worker is None else f"'{worker}'"
    # tag keeps the ids of different batches apart; statuses of finished runs cycle
    if status == "finished":
        st = "CASE i % 4 WHEN 0 THEN 'completed' WHEN 1 THEN 'failed' WHEN 2 THEN 'cancelled' ELSE 'timed_out' END"
    else:
        st = f"'{status}'"
    cols = "id, app_id, board_id, board_version, status, payload, result, created_at, started_at, finished_at, worker, attempts, created_by"
    vals = (f"'{app}', '{board}', 1, {st}, '{{\"n\":' || i || '}}', '{{\"ok\":true}}', "
            f"{created_at} + i, {started}, {fin}, {wk}, 1, 'test'")
    if s.database:
        sql = (f"INSERT INTO runs ({cols}) SELECT 'run_' || lpad(to_hex({created_at}::bigint + i), 16, '0')"
               f" || lpad(to_hex({tag}::bigint * 4294967296 + i), 16, '0'), {vals} FROM generate_series(0, {n - 1}) AS g(i)")
    else:
        sql = (f"INSERT INTO runs ({cols}) WITH RECURSIVE g(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM g WHERE i < {n - 1})"
               f" SELECT printf('run_%016x%016x', {created_at} + i, {tag} * 4294967296 + i), {vals} FROM g")
    return sql


def run_id(created_at, tag, i):
    return "run_%016x%016x" % (created_at + i, tag * 4294967296 + i)


# ---- the client measuring latency -----------------------------------------------------------

class Poller(threading.Thread):
    """GETs runs and /me in a loop until stopped; records (t, seconds, status)."""

    def __init__(self, s, tok, app):
        super().__init__(daemon=True)
        self.s, self.tok, self.app = s, tok, app
        self.samples = []
        self.errors = []
        self.stop = threading.Event()

    def run(self):
        paths = [f"/api/v1/apps/{self.app}/runs?limit=50", "/api/v1/me", f"/api/v1/apps/{self.app}/runs?status=completed&limit=20"]
        i = 0
        while not self.stop.is_set():
            p = paths[i % len(paths)]
            i += 1
            t0 = time.time()
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.s.port, timeout=10)
                c.request("GET", p, headers={"Authorization": "Bearer " + self.tok})
                r = c.getresponse()
                r.read()
                c.close()
                self.samples.append((t0, time.time() - t0, r.status))
            except OSError as e:
                self.errors.append(repr(e))
            time.sleep(0.002)


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else 0.0


# ---- sections ------------------------------------------------------------------------------------

def t_prune(c, s, tok, app, echo, slow, notes):
    api = lambda m, p, b=None: s.call(m, p, tok, b)  # noqa: E731
    real = []
    for i in range(3):
        r = api("POST", f"/api/v1/apps/{app}/boards/{echo}/runs", {"payload": {"real": i}})
        c.eq(r.status, 201, "a real run")
        real.append(r.json["id"])
    deadline = time.time() + 15
    while time.time() < deadline and not all(api("GET", f"/api/v1/apps/{app}/runs/{x}").json.get("status") in FINAL for x in real):
        time.sleep(0.05)
    # the only worker is kept busy, so queued runs stay queued
    r = api("POST", f"/api/v1/apps/{app}/boards/{slow}/runs", {"payload": {"ms": 60000}})
    c.eq(r.status, 201, "a long run keeps the only worker busy")
    busy = r.json["id"]
    deadline = time.time() + 10
    while time.time() < deadline and api("GET", f"/api/v1/apps/{app}/runs/{busy}").json.get("status") != "running":
        time.sleep(0.05)
    worker = store_rows(s, f"SELECT worker FROM runs WHERE id = '{busy}'")[0][0]
    c.check(worker.startswith("wrk_"), f"the server's worker id: {worker}")

    now = now_us()
    old_created, old_finished = now - 3 * DAY, now - 2 * DAY - OLD
    batches = [
        (1, OLD, "finished", old_created, old_finished, None),
        (2, RECENT, "finished", now - 2 * H, now - 1 * H, None),
        (3, EDGE, "finished", now - 23 * H, now - 22 * H, None),
        (6, LONG, "finished", now - 2 * DAY, now - 1 * H, None),
        (4, BAIT, "queued", old_created - DAY, old_finished - DAY, None),         # old timestamps, still queued
        (5, BAIT, "running", old_created - DAY, old_finished - DAY, worker),     # old timestamps, still running (ours)
    ]
    sqls = [insert_runs(s, tag, n, app, echo, st, ca, fa, wk) for tag, n, st, ca, fa, wk in batches]
    poller = Poller(s, tok, app)
    poller.start()
    time.sleep(0.3)
    t_ins = time.time()
    store_sql(s, *sqls)  # one transaction
    t_ins_done = time.time()
    old_where = f"created_at < {now - DAY} AND status NOT IN ('queued', 'running')"
    counts = []
    t_zero = None
    deadline = time.time() + PRUNE_TIMEOUT_S
    while time.time() < deadline:
        n = count(s, old_where)
        counts.append(n)
        if n == 0:
            t_zero = time.time()
            break
        time.sleep(0.1)
    time.sleep(0.5)  # a little more traffic after the prune
    poller.stop.set()
    poller.join(15)

    c.check(t_zero is not None, f"all {OLD} old ended runs were pruned within {PRUNE_TIMEOUT_S} s (left: {counts[-1] if counts else '?'})")
    c.eq(count(s, f"created_by = 'test' AND status NOT IN ('queued', 'running') AND created_at >= {now - DAY}"),
         RECENT + EDGE, f"the {RECENT} recent runs and the {EDGE} created 23 h ago are kept")
    c.eq(count(s, f"created_by = 'test' AND created_at < {now - DAY} AND finished_at > {now - 2 * H}"), 0,
         f"the {LONG} runs created two days ago that ended an hour ago are pruned (creation time counts)")
    c.eq(count(s, "created_by = 'test' AND status = 'queued'"), BAIT, "old-looking runs still queued are kept")
    c.eq(count(s, "created_by = 'test' AND status = 'running'"), BAIT, "old-looking runs still running are kept")
    c.eq(count(s, "id IN (" + ", ".join(f"'{x}'" for x in real + [busy]) + ")"), len(real) + 1, "the real runs are kept")
    r = api("GET", f"/api/v1/apps/{app}/runs/{run_id(now - 2 * H, 2, 7)}")
    c.eq(r.status, 200, "a recent run is still readable through the API")
    r = api("GET", f"/api/v1/apps/{app}/runs/{run_id(old_created, 1, 7)}")
    c.eq(r.status, 404, "a pruned run is gone from the API")

    # the API kept answering while the store was pruned
    during = [x for x in poller.samples if t_ins_done <= x[0] <= (t_zero or time.time())]
    lat = [x[1] for x in poller.samples]
    c.eq(poller.errors, [], "no request failed during pruning")
    c.check(all(x[2] == 200 for x in poller.samples), f"every GET answered 200: {sorted(set(x[2] for x in poller.samples))}")
    c.check(len(poller.samples) >= 100, f"a few hundred GETs were made ({len(poller.samples)})")
    slowest = max(lat) if lat else 0
    c.check(slowest < MAX_LATENCY_S, f"every GET answered in under {MAX_LATENCY_S} s during insert and prune (slowest {slowest:.3f} s)")
    lat_during = [x[1] for x in during]
    notes.append(f"insert {t_ins_done - t_ins:.2f}s, prune {((t_zero or time.time()) - t_ins_done):.2f}s "
                 f"({len(counts)} polls, intermediate counts {len([n for n in counts if 0 < n < OLD])}); "
                 f"{len(poller.samples)} GETs, {len(during)} during pruning: p50 {pct(lat_during, .5) * 1000:.1f} ms, "
                 f"p99 {pct(lat_during, .99) * 1000:.1f} ms, max {max(lat_during, default=0) * 1000:.1f} ms")
    pruned = 0
    for line in s.read_log().splitlines():
        try:
            j = json.loads(line)
        except ValueError:
            continue
        if j.get("msg") == "pruned old runs":
            pruned += int(j.get("runs", 0))
    c.eq(pruned, OLD + LONG, "the log lines \"pruned old runs\" add up to the old runs")
    api("POST", f"/api/v1/apps/{app}/runs/{busy}/cancel")
    return now


def t_keep_all(c, weir, data_dir, db_url, app, echo, notes):
    """run_retention_days 0: nothing is pruned, however old."""
    s = Server(weir, data_dir=data_dir, database=db_url, extra=FAST + ["--run-retention-days", "0", "--prune-every-s", "1"])
    s.start()
    try:
        now = now_us()
        store_sql(s, insert_runs(s, 9, 5000, app, echo, "finished", now - 400 * DAY, now - 399 * DAY))
        before = count(s, "created_by = 'test'")
        old = count(s, f"finished_at < {now - 300 * DAY}")
        c.eq(old, 5000, "retention 0: 5,000 runs over a year old were inserted")
        time.sleep(3.2)  # three prune periods
        c.eq(count(s, "created_by = 'test'"), before, "retention 0: after three prune periods every run is still there")
        c.eq(count(s, f"finished_at < {now - 300 * DAY}"), 5000, "retention 0: the year-old runs are kept")
    finally:
        s.stop()


def suite(c, weir, src, db_url):
    B = {n: load_board(os.path.join(src, "tests", "server", "boards"), n + ".board.json") for n in ("echo", "slow")}
    notes = []
    # the "pruned old runs" lines are logged at info level
    level = [] if LOG_LEVEL in ("info", "debug") else ["--log-level", "info"]
    s = Server(weir, database=db_url, extra=FAST + ["--run-retention-days", "1", "--prune-every-s", "1", "--run-workers", "1"] + level)
    s.start()
    try:
        tok = s.admin_token()
        app = s.call("POST", "/api/v1/apps", tok, {"name": "history"}).json["id"]
        echo = s.call("POST", f"/api/v1/apps/{app}/boards", tok, {"board": B["echo"]}).json["id"]
        slow = s.call("POST", f"/api/v1/apps/{app}/boards", tok, {"board": B["slow"]}).json["id"]
        try:
            t_prune(c, s, tok, app, echo, slow, notes)
        except Exception:  # noqa: BLE001
            c.check(False, f"prune raised:\n{traceback.format_exc()}")
        c.check(s.proc.poll() is None, "the server is alive after pruning")
        s.stop()
        try:
            t_keep_all(c, weir, s.data_dir, db_url, app, echo, notes)
        except Exception:  # noqa: BLE001
            c.check(False, f"keep-all raised:\n{traceback.format_exc()}")
    finally:
        s.discard()
    for n in notes:
        print(f"[{'postgresql' if db_url else 'sqlite'}] {n}", flush=True)


if __name__ == "__main__":
    sys.exit(main_per_store(suite))
