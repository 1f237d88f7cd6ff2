#!/usr/bin/env python3
"""test_cache.py WEIR SRC — the server's cache (docs/server.md "Cache") never
lets a change go unseen. With SQLite, weir remembers bearer credentials, a
user's role in an app and webhook events (what a webhook call would
otherwise read from the store each time). Every case here first warms the
cache (the same call several times), then changes the thing through the API
and checks that the very next request sees the change:

- a revoked token or API key is refused at once; a token that expires while
  cached is refused when it expires (a server whose cache_ttl_ms is longer
  than the token's life);
- a role changed to one without the permission, or a member removed: 403;
- a webhook disabled, renamed or deleted: 404; a new board version: the next
  call runs it; the board deleted: 404;
- edits of the store by another program (an operator's SQL) are seen within
  cache_ttl_ms, and a server with cache_ttl_ms 0 sees them at once.

PostgreSQL has no cache (several servers share it); the same checks run there
as a control.
"""
import os
import sqlite3
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, each_store, load_board, store_sql  # noqa: E402

PW = "correct-horse-battery-staple"
WARM = 4  # calls that fill the cache before each change


def greeting_board(src, text):
    """A board that answers {"said": text} to its webhook."""
    b = load_board(src, "tests/server/boards/echo.board.json")
    b["nodes"] = [
        {"id": "start", "type": "events_generic", "x": 0, "y": 0},
        {"id": "build", "type": "struct_set", "x": 200, "y": 0, "inputs": {"field": "said", "value": text}},
        {"id": "done", "type": "return_result", "x": 400, "y": 0},
    ]
    b["connections"] = [
        {"from": "start.exec_out", "to": "build.exec_in"},
        {"from": "start.payload", "to": "build.struct_in"},
        {"from": "build.exec_out", "to": "done.exec_in"},
        {"from": "build.struct_out", "to": "done.result"},
    ]
    return b


def suite(c, s, src, label):
    def eq(got, want, what):
        return c.eq(got, want, f"[{label}] {what}")

    admin = s.admin_token()
    s.add_user("ed@t.local", PW)
    ed = s.token("ed@t.local", scopes=["admin"])
    app = s.call("POST", "/api/v1/apps", admin, {"name": "cache"}).json["id"]
    A = f"/api/v1/apps/{app}"
    eq(s.call("PUT", f"{A}/members/ed@t.local", admin, {"role": "editor"}).status, 200, "ed joins as editor")
    board = s.call("POST", f"{A}/boards", admin, {"name": "greet", "board": greeting_board(src, "one")}).json["id"]
    eq(s.call("POST", f"{A}/events", admin, {"name": "hook", "kind": "webhook", "board_id": board}).status, 201, "webhook created")

    def hook(tok, name="hook"):
        return s.call("POST", f"/hooks/{app}/{name}", tok, {"n": 1})

    def warm(tok, name="hook", want=200):
        return all(hook(tok, name).status == want for _ in range(WARM))

    # ---- credentials ----
    c.check(warm(ed), f"[{label}] ed's token calls the webhook")
    tid = next(t["id"] for t in s.call("GET", "/api/v1/tokens", ed).json["items"] if t["name"] == "test")
    eq(s.call("DELETE", f"/api/v1/tokens/{tid}", ed).status, 204, "ed revokes their token")
    eq(hook(ed).status, 401, "the revoked token, warm in the cache, is refused on the next request")

    r = s.call("POST", f"{A}/api-keys", admin, {"name": "ci", "role": "operator", "expires_in_days": 1})
    key, kid = r.json["key"], r.json["id"]
    c.check(warm(key), f"[{label}] an API key calls the webhook")
    eq(s.call("DELETE", f"{A}/api-keys/{kid}", admin).status, 204, "the key is revoked")
    eq(hook(key).status, 401, "the revoked key, warm in the cache, is refused on the next request")

    # ---- roles and membership ----
    ed = s.token("ed@t.local", scopes=["admin"], name="second")
    c.check(warm(ed), f"[{label}] ed (editor) may execute events")
    eq(s.call("PUT", f"{A}/members/ed@t.local", admin, {"role": "viewer"}).status, 200, "ed becomes a viewer")
    eq(hook(ed).status, 403, "a viewer, warm in the cache as editor, may no longer execute events")
    eq(s.call("GET", f"{A}/boards", ed).status, 200, "the viewer still reads boards")
    eq(s.call("DELETE", f"{A}/members/ed@t.local", admin).status, 204, "ed is removed from the app")
    eq(s.call("GET", f"{A}/boards", ed).status, 403, "a removed member, warm in the cache, is refused")
    eq(s.call("PUT", f"{A}/members/ed@t.local", admin, {"role": "editor"}).status, 200, "ed is back as editor")
    eq(hook(ed).status, 200, "and may execute events again at once")

    # ---- events and boards ----
    c.check(warm(admin), f"[{label}] the webhook answers")
    eq(s.call("PATCH", f"{A}/events/hook", admin, {"enabled": False}).status, 200, "the webhook is disabled")
    eq(hook(admin).status, 404, "a disabled webhook, warm in the cache, answers 404")
    eq(s.call("PATCH", f"{A}/events/hook", admin, {"enabled": True}).status, 200, "enabled again")
    c.check(warm(admin), f"[{label}] the webhook answers again")
    r = s.call("PUT", f"{A}/boards/{board}", admin, {"board": greeting_board(src, "two"), "base_version": 1})
    eq(r.status, 200, "a second version of the board is saved")
    r = hook(admin)
    eq((r.status, (r.json or {}).get("said")), (200, "two"), "the next webhook call runs version 2")
    eq(s.call("PATCH", f"{A}/events/hook", admin, {"name": "renamed"}).status, 200, "the webhook is renamed")
    eq(hook(admin).status, 404, "the old name, warm in the cache, answers 404")
    eq(hook(admin, "renamed").status, 200, "the new name answers")
    c.check(warm(admin, "renamed"), f"[{label}] the renamed webhook is warm")
    eq(s.call("DELETE", f"{A}/boards/{board}", admin).status, 204, "the board is deleted")
    eq(hook(admin, "renamed").status, 404, "its webhook, warm in the cache, answers 404")

    # ---- edits behind the server's back ----
    board = s.call("POST", f"{A}/boards", admin, {"name": "greet2", "board": greeting_board(src, "x")}).json["id"]
    eq(s.call("POST", f"{A}/events", admin, {"name": "h2", "kind": "webhook", "board_id": board}).status, 201, "another webhook")
    c.check(warm(ed, "h2"), f"[{label}] ed calls it")
    t0 = time.time()
    store_sql(s, "UPDATE users SET disabled = 1 WHERE email = 'ed@t.local'")  # waits out cache_ttl_ms on SQLite
    eq(hook(ed, "h2").status, 401, "a user disabled in the store by hand is refused once cache_ttl_ms has passed")
    c.check(time.time() - t0 < 5, f"[{label}] within a few seconds")


def expiry_and_ttl(c, weir, src):
    """SQLite only: the time limits of cached entries."""
    # A token that expires while its entry is still trusted (ttl 60 s).
    with Server(weir, extra=["--cache-ttl-ms", "60000"]) as s:
        admin = s.admin_token()
        app = s.call("POST", "/api/v1/apps", admin, {"name": "ttl"}).json["id"]
        board = s.call("POST", f"/api/v1/apps/{app}/boards", admin, {"name": "g", "board": greeting_board(src, "y")}).json["id"]
        s.call("POST", f"/api/v1/apps/{app}/events", admin, {"name": "hook", "kind": "webhook", "board_id": board})
        short = s.token("admin@test.local", name="short", expires="3s")
        born = time.time()
        ok = [s.call("POST", f"/hooks/{app}/hook", short, {}).status for _ in range(WARM)]
        c.eq(ok, [200] * WARM, "[sqlite] a 3-second token works while it lasts")
        time.sleep(max(0.0, born + 3.3 - time.time()))
        c.eq(s.call("POST", f"/hooks/{app}/hook", short, {}).status, 401, "[sqlite] it is refused once expired, though its entry is still trusted")
    # cache_ttl_ms 0: no cache, so an edit by hand is seen at once.
    with Server(weir, extra=["--cache-ttl-ms", "0"]) as s:
        admin = s.admin_token()
        s.add_user("zed@t.local", PW)
        zed = s.token("zed@t.local")
        for _ in range(WARM):
            s.call("GET", "/api/v1/apps", zed)
        db = sqlite3.connect(os.path.join(s.data_dir, "weir.db"), timeout=30)
        db.execute("UPDATE users SET disabled = 1 WHERE email = 'zed@t.local'")
        db.commit()
        db.close()
        c.eq(s.call("GET", "/api/v1/apps", zed).status, 401, "[sqlite] with cache_ttl_ms 0 an edit by hand is seen on the next request")


def main():
    if len(sys.argv) < 3:
        print("usage: test_cache.py WEIR SRC", file=sys.stderr)
        return 2
    weir, src = os.path.abspath(sys.argv[1]), sys.argv[2]
    c = Checks()
    each_store(c, weir, lambda s, label: suite(c, s, src, label))
    expiry_and_ttl(c, weir, src)
    return c.done()


if __name__ == "__main__":
    sys.exit(main())
