#!/usr/bin/env python3
"""test_kill.py WEIR SRC — nothing is lost when the server is SIGKILLed.

1,000 webhooks (config.wait false: 202 once the run is persisted) go to two
events of a board that takes ~30 ms per run: one event with on_restart
"requeue", one with "fail". While runs are in flight the server gets SIGKILL;
it is restarted on the same store and drained. Then, from the store itself:

- every run id answered 202 exists exactly once and is final;
- runs final before the kill were not touched again (status, finished_at,
  result: one final write per run); the restarted process finished each of
  the other runs once (its weir_runs_total counts them exactly);
- "fail" runs in flight at the kill ended failed / interrupted, never re-run;
- "requeue" runs in flight ended completed (or failed / interrupted after
  QUEUE_MAX_ATTEMPTS claims, the documented limit), with the right result;
- attempts never exceed QUEUE_MAX_ATTEMPTS;
- runs in the store whose 202 was lost in the kill are final too (counted).

SQLite always; PostgreSQL too when WEIR_TEST_PG_URL is set. Prints
"N passed, M failed".
"""
import http.client
import json
import os
import re
import shutil
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Server, load_board, main_per_store, store_rows  # noqa: E402

PER_EVENT = 500
THREADS = 16
DELAY_MS = 30
QUEUE_MAX_ATTEMPTS = 3          # src/store/queue.h
KILL_AFTER = 0.6                # SIGKILL once this share of the webhooks got their 202
DRAIN_TIMEOUT_S = 40
FINAL = ("completed", "failed", "timed_out", "cancelled")
FAST = ["--rate-ip-per-s", "1000000", "--rate-ip-burst", "1000000",
        "--rate-cred-per-s", "1000000", "--rate-cred-burst", "1000000"]


def runs_in_store(s):
    """Every run, read from the store itself (the server is dead or idle)."""
    cols = ["id", "event_id", "status", "attempts", "created_at", "finished_at", "error", "payload", "result"]
    res = {}
    for row in store_rows(s, f"SELECT {', '.join(cols)} FROM runs"):
        d = dict(zip(cols, row))
        for k in ("attempts", "created_at", "finished_at"):
            d[k] = int(d[k]) if d[k] != "" else None
        d["error_code"] = json.loads(d["error"]).get("code") if d["error"] else None
        d["payload"] = json.loads(d["payload"]) if d["payload"] else None
        d["result"] = json.loads(d["result"]) if d["result"] else None
        res[d["id"]] = d
    return res


def list_all_runs(s, tok, app):
    """Every run through the API, walking the cursor (ids in page order)."""
    ids, cursor = [], None
    for _ in range(1000):
        q = f"/api/v1/apps/{app}/runs?limit=200" + (f"&cursor={cursor}" if cursor else "")
        r = s.call("GET", q, tok)
        if r.status != 200:
            raise RuntimeError(f"list runs: {r}")
        ids += [x["id"] for x in r.json["items"]]
        cursor = r.json["next_cursor"]
        if not cursor:
            return ids
    raise RuntimeError("list runs: too many pages")


def in_flight(s, tok, app):
    n = 0
    for st in ("running", "queued"):
        r = s.call("GET", f"/api/v1/apps/{app}/runs?status={st}&limit=1", tok)
        n += len(r.json["items"]) if r.status == 200 else 0
    return n


def fire(port, tok, path, body):
    """One webhook. ("ok", run_id) on 202; ("unsent", why) when no connection
    could be made (the server never saw it); ("lost", why) when the request
    went out but no answer came (the run may or may not exist);
    ("http", status) for any other answer."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        try:
            conn.connect()
        except OSError as e:
            return ("unsent", repr(e))
        try:
            conn.request("POST", path, body=json.dumps(body),
                         headers={"Authorization": "Bearer " + tok, "Content-Type": "application/json"})
            r = conn.getresponse()
            data = r.read()
        except (OSError, http.client.HTTPException) as e:
            return ("lost", repr(e))
        if r.status != 202:
            return ("http", r.status, data[:200])
        return ("ok", json.loads(data)["run_id"])
    finally:
        conn.close()


def metric(s, tok, status):
    r = s.call("GET", "/metrics", tok)
    m = re.search(r'^weir_runs_total\{status="%s"\} (\d+)$' % status, r.body, re.M)
    return int(m.group(1)) if m else None


def attempt_limit(c, s, tok, app, bid):
    """A run whose server dies every time is failed after QUEUE_MAX_ATTEMPTS
    claims instead of being requeued for ever."""
    r = s.call("POST", f"/api/v1/apps/{app}/events", tok,
               {"name": "hook-long", "kind": "webhook", "board_id": bid, "config": {"wait": False}, "on_restart": "requeue"})
    r = s.call("POST", f"/hooks/{app}/hook-long", tok, {"ms": 600000, "long": True})
    if not c.eq(r.status, 202, "start a run that outlives every server"):
        return
    rid = r.json["run_id"]
    path = f"/api/v1/apps/{app}/runs/{rid}"
    for attempt in range(1, QUEUE_MAX_ATTEMPTS + 1):
        deadline = time.time() + 20
        while time.time() < deadline:
            j = s.call("GET", path, tok).json
            if j["status"] != "queued" and j["attempts"] == attempt:
                break
            time.sleep(0.05)
        c.eq((j["status"], j["attempts"]), ("running", attempt), f"claim {attempt} of the long run")
        time.sleep(0.2)   # the worker has started it
        s.kill()
        s.start()
    deadline = time.time() + 20
    while time.time() < deadline:
        j = s.call("GET", path, tok).json
        if j["status"] not in ("queued", "running"):
            break
        time.sleep(0.1)
    c.eq((j["status"], j["error_code"], j["attempts"]), ("failed", "interrupted", QUEUE_MAX_ATTEMPTS),
         f"after {QUEUE_MAX_ATTEMPTS} interrupted claims the run is failed, not requeued")
    c.check("too many times" in json.dumps(j.get("error")), f"…and the error says why: {j.get('error')}")


def suite(c, weir, src, db_url):
    label = "postgresql" if db_url else "sqlite"
    t_start = time.time()
    extra = FAST + (["--worker-stale-s", "5"] if db_url else [])
    s = Server(weir, database=db_url, extra=extra)
    s.start()
    try:
        tok = s.admin_token()
        app = s.call("POST", "/api/v1/apps", tok, {"name": "kill"}).json["id"]
        board = load_board(os.path.join(src, "tests", "server", "boards"), "slow.board.json")
        bid = s.call("POST", f"/api/v1/apps/{app}/boards", tok, {"board": board}).json["id"]
        events = {}
        for name in ("requeue", "fail"):
            r = s.call("POST", f"/api/v1/apps/{app}/events", tok,
                       {"name": f"hook-{name}", "kind": "webhook", "board_id": bid, "config": {"wait": False}, "on_restart": name})
            c.eq(r.status, 201, f"create the {name} webhook")
            events[r.json["id"]] = name
        by_name = {v: k for k, v in events.items()}
        jobs = [(ev, i) for i in range(PER_EVENT) for ev in ("requeue", "fail")]
        results = [None] * len(jobs)
        answered = [0]
        lock = threading.Lock()

        def one(k, port):
            ev, i = jobs[k]
            res = fire(port, tok, f"/hooks/{app}/hook-{ev}", {"ms": DELAY_MS, "i": i, "ev": ev})
            results[k] = res
            if res[0] == "ok":
                with lock:
                    answered[0] += 1
            return res

        # fire everything; kill once enough got through and runs are in flight
        t_fire = time.time()
        pool = ThreadPoolExecutor(THREADS)
        futs = [pool.submit(one, k, s.port) for k in range(len(jobs))]
        deadline = time.time() + 30
        while answered[0] < KILL_AFTER * len(jobs) and time.time() < deadline and not all(f.done() for f in futs):
            time.sleep(0.002)
        flying = in_flight(s, tok, app)
        c.check(flying > 0, "runs are in flight (queued or running) at the kill")
        kill_at = int(time.time() * 1e6)
        s.kill()
        fired_for = time.time() - t_fire
        for f in futs:
            f.result()
        pool.shutdown()
        before = runs_in_store(s)
        c.check(bool(before), "the store is readable after the kill")
        flying_ids = {k for k, v in before.items() if v["status"] in ("queued", "running")}
        final_before = {k: v for k, v in before.items() if v["status"] in FINAL}
        c.check(len(flying_ids) > 0, f"the store holds runs in flight at the kill ({len(flying_ids)})")
        for name in ("requeue", "fail"):
            n = sum(1 for k in flying_ids if before[k]["event_id"] == by_name[name])
            c.check(n > 0, f"{name} runs in flight at the kill ({n})")

        # restart on the same store; send what never reached the dead server
        s.start()
        unsent = [k for k, r in enumerate(results) if r[0] == "unsent"]
        pool = ThreadPoolExecutor(THREADS)
        for k, res in zip(unsent, pool.map(lambda k: one(k, s.port), unsent)):
            pass
        pool.shutdown()
        refired = {results[k][1] for k in unsent if results[k][0] == "ok"}
        c.eq(len(refired), len(unsent), "every webhook the dead server never saw is accepted after the restart")
        deadline = time.time() + DRAIN_TIMEOUT_S
        while in_flight(s, tok, app) and time.time() < deadline:
            time.sleep(0.2)
        c.eq(in_flight(s, tok, app), 0, f"drained within {DRAIN_TIMEOUT_S} s of the restart")
        listed = list_all_runs(s, tok, app)
        completed_metric = metric(s, tok, "completed")
        failed_metric = metric(s, tok, "failed")
        after = runs_in_store(s)
        attempt_limit(c, s, tok, app, bid)
    finally:
        rc = s.stop()
        if rc not in (0, None, -9):
            c.check(False, f"the server exited with {rc}: {s.read_log()[-1500:]}")
        shutil.rmtree(s.data_dir, ignore_errors=True)
        try:
            os.unlink(s.log_path)
        except OSError:
            pass

    accepted = [r[1] for r in results if r and r[0] == "ok"]
    lost = [r for r in results if r and r[0] == "lost"]
    other = [r for r in results if r and r[0] not in ("ok", "lost")]
    c.eq(len(accepted), len(set(accepted)), "every 202 named a different run")
    c.eq(other, [], "no webhook got an answer other than 202")
    c.eq(len(accepted) + len(lost), len(jobs), "every webhook accounted for (202 or answer lost in the kill)")

    # exactly once: in the store, in the API listing
    c.eq(len(listed), len(set(listed)), "the API lists every run once")
    c.eq(set(listed), set(after), "the API lists exactly the runs of the store")
    missing = [r for r in accepted if r not in after]
    c.eq(missing[:5], [], f"every run answered 202 is in the store ({len(missing)} missing)")
    not_final = [k for k, v in after.items() if v["status"] not in FINAL or v["finished_at"] is None]
    c.eq(not_final[:5], [], f"every run is final with finished_at ({len(not_final)} not)")
    extra = sorted(set(after) - set(accepted))
    c.check(len(extra) <= len(lost), f"runs without a 202 ({len(extra)}) are at most the answers lost ({len(lost)})")
    c.check(all(after[k]["status"] in FINAL for k in extra), "runs whose 202 was lost are final too")

    # one final write per run
    touched = [k for k, v in final_before.items()
               if (after[k]["status"], after[k]["finished_at"], after[k]["result"], after[k]["attempts"]) !=
               (v["status"], v["finished_at"], v["result"], v["attempts"])]
    c.eq(touched[:5], [], f"runs final before the kill were not written again ({len(touched)} were)")
    late = [k for k in flying_ids if after[k]["finished_at"] is None or after[k]["finished_at"] < kill_at]
    c.eq(late[:5], [], "runs in flight at the kill ended after it")
    over = [(k, v["attempts"]) for k, v in after.items() if v["attempts"] > QUEUE_MAX_ATTEMPTS]
    c.eq(over[:5], [], "no run was claimed more than QUEUE_MAX_ATTEMPTS times")
    early = [k for k, v in after.items() if v["finished_at"] is not None and v["finished_at"] < v["created_at"]]
    c.eq(early[:5], [], "finished_at never before created_at")

    # the policies
    fail_flying = [after[k] for k in flying_ids if after[k]["event_id"] == by_name["fail"]]
    bad = [(v["id"], v["status"], v["error_code"], v["attempts"]) for v in fail_flying
           if (v["status"], v["error_code"], v["attempts"]) != ("failed", "interrupted", 1)]
    c.eq(bad[:5], [], f"fail runs in flight ended failed/interrupted without a re-run ({len(bad)} did not)")
    rq_flying = [after[k] for k in flying_ids if after[k]["event_id"] == by_name["requeue"]]
    rq_ok = [v for v in rq_flying if v["status"] == "completed"]
    rq_gave_up = [v for v in rq_flying if v["status"] == "failed" and v["error_code"] == "interrupted"
                  and v["attempts"] >= QUEUE_MAX_ATTEMPTS]
    c.eq(len(rq_ok) + len(rq_gave_up), len(rq_flying), "requeue runs in flight ended completed (or interrupted at the attempt limit)")
    c.check(all(v["attempts"] >= 2 for v in rq_ok), "requeued runs were claimed again (attempts >= 2)")
    wrong = [k for k, v in after.items() if v["status"] == "completed" and
             v["result"] != {x: y for x, y in (v["payload"] or {}).items() if x != "ms"}]
    c.eq(wrong[:5], [], "every completed run's result is its own payload")
    others = [v for k, v in after.items() if k not in flying_ids and k not in final_before]
    c.check(all(v["status"] == "completed" for v in others), f"runs created after the restart completed ({len(others)})")
    odd = [(v["id"], v["status"], v["error_code"]) for v in after.values()
           if not (v["status"] == "completed" or (v["status"] == "failed" and v["error_code"] == "interrupted"))]
    c.eq(odd[:5], [], "no other outcome than completed or interrupted")

    # the restarted process finished each remaining run once
    done_after = [v for k, v in after.items() if k not in final_before]
    c.eq(completed_metric, sum(1 for v in done_after if v["status"] == "completed"),
         "weir_runs_total{completed} of the restarted server = runs it completed (none twice)")
    c.eq(failed_metric, 0, "the restarted server executed no run that failed (recovery fails without executing)")

    n = {
        "webhooks": len(jobs), "202": len(accepted), "answer_lost": len(lost), "refired_after_restart": len(refired),
        "in_store": len(after), "in_store_without_202": len(extra), "final_before_kill": len(final_before),
        "in_flight_at_kill": len(flying_ids), "completed": sum(1 for v in after.values() if v["status"] == "completed"),
        "failed_interrupted": sum(1 for v in after.values() if v["error_code"] == "interrupted"),
        "fail_interrupted": len(fail_flying), "requeued_then_completed": len(rq_ok),
        "requeue_gave_up": len(rq_gave_up), "max_attempts": max((v["attempts"] for v in after.values()), default=0),
    }
    print(f"[{label}] fired {len(jobs) - len(unsent)} in {fired_for:.2f} s before the kill; " +
          ", ".join(f"{k}={v}" for k, v in n.items()) + f"; {time.time() - t_start:.1f} s", flush=True)


if __name__ == "__main__":
    sys.exit(main_per_store(suite))
