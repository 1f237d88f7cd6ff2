#!/usr/bin/env python3
"""test_recording.py WEIR SRC — a waiting webhook's run is recorded before it
is answered, and a run the store refuses is never answered with its result
(docs/server.md, "Nothing lost").

A straight-line board behind a waiting webhook runs on the HTTP thread and
its row joins the store's group commit; the answer is sent from the commit.
Here a trigger in the store refuses some of those rows (those whose payload
says "poison"), while many webhook calls run at once so refused and accepted
rows share commits:

- every refused call gets 503 `store_unavailable`, never the result;
- every other call gets its result, and its run is in the store, completed;
- the store holds exactly the accepted runs (no refused one, none lost).

Against SQLite and PostgreSQL.
"""
import os
import sys
import threading

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import load_board, main_each_store, store_rows, store_sql  # noqa: E402

CALLS = 120
POISON_EVERY = 4

SQLITE_TRIGGER = ("CREATE TRIGGER poison_runs BEFORE INSERT ON runs WHEN NEW.payload LIKE '%poison%'"
                  " BEGIN SELECT RAISE(ABORT, 'poisoned run'); END")
PG_TRIGGER = ("CREATE FUNCTION poison_runs() RETURNS trigger AS $$ BEGIN"
              " IF NEW.payload LIKE '%poison%' THEN RAISE EXCEPTION 'poisoned run'; END IF; RETURN NEW; END"
              " $$ LANGUAGE plpgsql; CREATE TRIGGER poison_runs BEFORE INSERT ON runs FOR EACH ROW EXECUTE FUNCTION poison_runs()")


def suite(c, s, src, label):
    def eq(got, want, what):
        return c.eq(got, want, f"[{label}] {what}")

    admin = s.admin_token()
    app = s.call("POST", "/api/v1/apps", admin, {"name": "rec"}).json["id"]
    board = s.call("POST", f"/api/v1/apps/{app}/boards", admin,
                   {"name": "echo", "board": load_board(src, "tests/server/boards/echo.board.json")}).json["id"]
    eq(s.call("POST", f"/api/v1/apps/{app}/events", admin, {"name": "hook", "kind": "webhook", "board_id": board}).status,
       201, "a waiting webhook")
    eq(s.call("POST", f"/hooks/{app}/hook", admin, {"warm": True}).status, 200, "it answers before the trigger")
    store_sql(s, PG_TRIGGER if label == "postgres" else SQLITE_TRIGGER)

    answers = [None] * CALLS

    def call(i):
        body = {"i": i, "poison" if i % POISON_EVERY == 0 else "fine": True}
        answers[i] = s.call("POST", f"/hooks/{app}/hook", admin, body, timeout=60)

    threads = [threading.Thread(target=call, args=(i,)) for i in range(CALLS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    refused = [i for i in range(CALLS) if i % POISON_EVERY == 0]
    accepted = [i for i in range(CALLS) if i % POISON_EVERY != 0]
    bad_refusals = [(i, answers[i].status, (answers[i].json or {}).get("code")) for i in refused
                    if answers[i].status != 503 or (answers[i].json or {}).get("code") != "store_unavailable"]
    eq(bad_refusals, [], f"each of the {len(refused)} refused runs is answered 503 store_unavailable, never its result")
    bad_results = [(i, answers[i].status) for i in accepted
                   if answers[i].status != 200 or (answers[i].json or {}).get("i") != i]
    eq(bad_results, [], f"each of the {len(accepted)} accepted runs is answered with its own result")

    ids = {answers[i].header("X-Weir-Run-Id") for i in accepted}
    rows = store_rows(s, "SELECT id, status, payload FROM runs")
    stored = {r[0]: r for r in rows}
    eq(sorted(i for i in ids if i not in stored), [], "every answered run is in the store")
    eq(sorted(r[0] for r in rows if "poison" in r[2]), [], "no refused run is in the store")
    eq(sorted(r[0] for r in rows if r[0] in ids and r[1] != "completed"), [], "the answered runs are completed")
    eq(len(rows), len(accepted) + 1, "the store holds exactly the accepted runs (and the first)")


if __name__ == "__main__":
    sys.exit(main_each_store(suite))
