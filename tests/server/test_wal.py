#!/usr/bin/env python3
"""test_wal.py WEIR SRC — SQLite's write-ahead log stays within wal_max_pages
under the server's own writes, and reaching that bound is reported: counted
in /metrics and logged as a warning (docs/store.md, "checkpoints and the size
of the WAL"; the store's own test is test_store.c test_sqlite_wal_bounded).

The server runs with tiny limits (a 32-page bound, background passes only
once a second) while 200 waiting webhook calls, eight at a time, each commit
a run: the bound is reached again and again, and every run is still stored.
SQLite only: PostgreSQL has no such log.
"""
import os
import re
import shutil
import sqlite3
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, load_board  # noqa: E402

CALLS = 200
PARALLEL = 8
MAX_PAGES = 32
LIMITS = f"checkpoint_pages=1000000&wal_restart_pages={MAX_PAGES}&finish_pages=1&wal_max_pages={MAX_PAGES}"
FRAME = 24 + 4096


def metric(body, name):
    m = re.search("^" + re.escape(name) + r" (\d+)$", body, re.M)
    return int(m.group(1)) if m else None


def main():
    weir, src = sys.argv[1], sys.argv[2]
    c = Checks()
    tmp = tempfile.mkdtemp(prefix="weir-wal-")
    path = os.path.join(tmp, "w.db")
    with Server(weir, database=f"sqlite:{path}?{LIMITS}") as s:
        admin = s.admin_token()
        app = s.call("POST", "/api/v1/apps", admin, {"name": "wal"}).json["id"]
        board = s.call("POST", f"/api/v1/apps/{app}/boards", admin,
                       {"name": "echo", "board": load_board(src, "tests/server/boards/echo.board.json")}).json["id"]
        c.eq(s.call("POST", f"/api/v1/apps/{app}/events", admin, {"name": "hook", "kind": "webhook", "board_id": board}).status,
             201, "a waiting webhook")

        statuses = []
        lock = threading.Lock()

        def caller(k):
            for i in range(k, CALLS, PARALLEL):
                r = s.call("POST", f"/hooks/{app}/hook", admin, {"i": i}, timeout=60)
                with lock:
                    statuses.append(r.status)

        threads = [threading.Thread(target=caller, args=(k,)) for k in range(PARALLEL)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        c.eq(sorted(set(statuses)), [200], f"all {CALLS} webhook calls answered 200")
        with sqlite3.connect(path) as db:
            c.eq(db.execute("SELECT count(*) FROM runs WHERE status = 'completed'").fetchone()[0], CALLS,
                 "every run is stored, completed")

        frames = (os.path.getsize(path + "-wal") - 32) // FRAME
        # The bound is checked after each commit, and one group commit of up to
        # PARALLEL runs adds ~15 pages; unbounded, the log would reach ~300.
        c.check(frames <= 2 * MAX_PAGES, f"the WAL file held at most {frames} pages (bound {MAX_PAGES})")

        m = s.call("GET", "/metrics", admin).body
        forced = metric(m, 'weir_store_wal_checkpoints_total{step="forced"}')
        c.check(forced is not None and forced > 0, f"forced checkpoints are counted: {forced}")
        restarts = metric(m, "weir_store_wal_restarts_total")
        c.check(restarts is not None and restarts > 0, f"the WAL started over: {restarts}")
        print(f"wal: at most {frames} pages, {forced} forced checkpoints, {restarts} restarts", flush=True)

        # The housekeeper says so within a second or two.
        deadline = time.time() + 10
        while time.time() < deadline and "reached wal_max_pages" not in s.read_log():
            time.sleep(0.2)
        c.check("reached wal_max_pages" in s.read_log(), "reaching the bound is logged as a warning")
    shutil.rmtree(tmp, ignore_errors=True)
    return c.done()


if __name__ == "__main__":
    sys.exit(main())
