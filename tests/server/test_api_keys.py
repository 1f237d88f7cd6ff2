#!/usr/bin/env python3
"""test_api_keys.py WEIR SRC — app API keys (weirk_) against a real `weir
serve` (SQLite, and PostgreSQL when WEIR_TEST_PG_URL is set).

The claims of docs/auth.md ("API keys"), each tried through the API:
shown once (the list never shows it), weirk_ and 256 bits, stored only as its
keyed hash (the store's files are searched for the key), works for its app
within its role, never on another app (every app operation of the OpenAPI
document, with a key of app A on app B: none may pass), never owner, no
escalation, expiry mandatory and enforced, revocation effective on the next
request, last_used_at kept, keys cannot manage members or keys, and what
deleting a role held by revoked keys does.
"""
import base64
import os
import re
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import load_board, main_each_store, request, store_sql, store_text, token_hash  # noqa: E402

PW = "correct-horse-battery-staple"
HTTP_METHODS = ("get", "put", "post", "delete", "patch")


# ---- HTTP -----------------------------------------------------------------------------

def code(r):
    return r.json.get("code") if isinstance(r.json, dict) else None


# ---- the suite ---------------------------------------------------------------------------

def suite(c, s, src, label):
    def eq(got, want, what):
        return c.eq(got, want, f"[{label}] {what}")

    def check(cond, what):
        return c.check(cond, f"[{label}] {what}")

    def refused(r, status, want_code, what):
        if eq(r.status, status, what + " (status)") and want_code:
            eq(code(r), want_code, what + " (code)")

    issued = []  # every secret this test sees: none may appear in the store or the log

    s.add_user("owner@t.local", PW, admin=True)
    for who in ("keymaster", "viewer", "editor"):
        s.add_user(f"{who}@t.local", PW)
    own = s.token("owner@t.local", scopes=["owner", "instance_admin"])
    tok = {w: s.token(f"{w}@t.local") for w in ("keymaster", "viewer", "editor")}
    own_narrow = s.token("owner@t.local", scopes=["write_api_keys", "read_boards"])
    issued += [own, own_narrow] + list(tok.values())

    def app(name):
        r = s.call("POST", "/api/v1/apps", own, {"name": name})
        return r.json["id"]

    A, B = app("A"), app("B")
    PA, PB = f"/api/v1/apps/{A}", f"/api/v1/apps/{B}"
    hello = load_board(src, "examples/hello.board.json")
    objs = {}
    for a, P in ((A, PA), (B, PB)):
        board = s.call("POST", P + "/boards", own, {"name": "hello", "board": hello}).json["id"]
        s.call("POST", P + "/events", own, {"name": "hook", "kind": "webhook", "board_id": board, "config": {"wait": False}})
        run = s.call("POST", f"{P}/boards/{board}/runs", own, {}).json["id"]
        s.call("PUT", P + "/secrets/sekrit", own, {"value": "not-a-key"})
        objs[a] = {"board": board, "run": run}
    for who, role in (("keymaster", None), ("viewer", "viewer"), ("editor", "editor")):
        if role:
            eq(s.call("PUT", f"{PA}/members/{who}@t.local", own, {"role": role}).status, 200, f"add {who}")
    r = s.call("POST", PA + "/roles", own, {"name": "keymaster", "permissions": ["write_api_keys", "read_boards", "read_runs"]})
    eq(r.status, 201, "a custom role that manages keys")
    eq(s.call("PUT", f"{PA}/members/keymaster@t.local", own, {"role": "keymaster"}).status, 200, "add the key master")
    r = s.call("POST", PA + "/roles", own, {"name": "reader", "permissions": ["read_boards"]})
    reader_role = r.json["id"]
    K = PA + "/api-keys"

    # ---- creation: shown once, weirk_, 256 bits
    r = s.call("POST", K, own, {"name": "ci operator", "role": "operator", "expires_in_days": 30})
    eq(r.status, 201, "create an operator key")
    op = r.json or {}
    key = op.get("key") or ""
    issued.append(key)
    check(key.startswith("weirk_"), f"the key has the weirk_ prefix: {key[:8]!r}")
    eq(len(key), 55, "the key is 55 characters (docs/auth.md)")
    body = key[6:49]
    raw = base64.urlsafe_b64decode(body + "=")
    eq(len(raw), 32, "the key carries 32 random bytes (256 bits)")
    eq({k for k in op if k != "key"}, {"id", "name", "role", "role_id", "created_by", "created_at", "expires_at", "last_used_at",
                                       "revoked_at", "status"}, "creation answer fields")
    eq((op.get("role"), op.get("status"), op.get("revoked_at"), op.get("last_used_at")), ("operator", "active", None, None), "creation answer values")
    check(op.get("id", "").startswith("key_"), "the key id has the key_ prefix")
    check(abs(op.get("expires_at", 0) - op.get("created_at", 0) - 30 * 86400 * 10**6) < 10**6, "expires 30 days after creation")
    check((r.header("Location") or "").endswith(f"/api-keys/{op.get('id')}"), "Location names the key")
    me = s.call("GET", "/api/v1/me", own).json
    eq(op.get("created_by"), "token:" + me["credential"]["id"], "created_by names the creating credential")
    r = s.call("GET", K, own)
    eq(r.status, 200, "list keys")
    items = (r.json or {}).get("items", [])
    check(key not in r.body and token_hash(s, key) not in r.body, "the list shows neither the key nor its hash")
    mine = [k for k in items if k["id"] == op.get("id")]
    eq(len(mine), 1, "the list has the key")
    if mine:
        eq(set(mine[0]), {"id", "name", "role", "role_id", "created_by", "created_at", "expires_at", "last_used_at", "revoked_at", "status"},
           "list fields (no key, no hash)")
    r = s.call("GET", f"{K}/{op.get('id')}", own)
    check(r.status in (404, 405), f"there is no route that shows one key again: {r.status}")

    # ---- stored only as its keyed hash
    text = store_text(s)
    check(key not in text and body not in text, "the key (or its random part) is nowhere in the store")
    check(token_hash(s, key) in text, "the store holds the key's keyed hash")

    # ---- it works for its app, within its role
    r = s.call("POST", f"/hooks/{A}/hook", key, {"x": 1})
    eq(r.status, 202, "the operator key fires a webhook of its app")
    hook_run = r.header("X-Weir-Run-Id")
    r = s.call("GET", PA + "/runs", key)
    eq(r.status, 200, "the operator key lists runs")
    check(any(x["id"] == hook_run and x["created_by"] == "key:" + op.get("id", "") for x in (r.json or {}).get("items", [])),
          "the webhook's run is created by key:<id>")
    eq(s.call("GET", f"{PA}/boards/{objs[A]['board']}", key).status, 200, "the operator key reads a board")
    refused(s.call("PUT", f"{PA}/boards/{objs[A]['board']}", key, {"board": hello}), 403, "forbidden", "the operator key saves a board")
    refused(s.call("GET", PA + "/secrets", key), 403, "forbidden", "the operator key lists secrets")
    refused(s.call("GET", K, key), 403, "forbidden", "the operator key lists keys (operator lacks read_api_keys)")
    refused(s.call("DELETE", PA, key), 403, "forbidden", "the operator key deletes the app")
    r = s.call("GET", "/api/v1/apps", key)
    eq([a["id"] for a in (r.json or {}).get("items", [])], [A], "a key's app list is its app")
    refused(s.call("POST", "/api/v1/apps", key, {"name": "x"}), 403, "forbidden", "a key creates an app")
    refused(s.call("GET", "/api/v1/users", key), 403, "forbidden", "a key lists users")

    # ---- last_used_at
    r = s.call("GET", K, own)
    k1 = next((k for k in r.json["items"] if k["id"] == op.get("id")), {})
    check(isinstance(k1.get("last_used_at"), int) and k1["last_used_at"] >= op.get("created_at", 0), f"last_used_at set after use: {k1.get('last_used_at')!r}")

    # ---- an admin key: the widest a key can be; still never owner, never members, never keys
    r = s.call("POST", K, own, {"name": "admin key", "role": "admin", "expires_in_days": 1})
    eq(r.status, 201, "create an admin key")
    adm = (r.json or {}).get("key", "")
    adm_id = (r.json or {}).get("id", "")
    issued.append(adm)
    eq(s.call("GET", PA + "/secrets", adm).status, 200, "the admin key lists secrets")
    eq(s.call("GET", K, adm).status, 200, "the admin key lists keys")
    refused(s.call("PUT", f"{PA}/members/viewer@t.local", adm, {"role": "editor"}), 403, "keys_cannot_manage_members", "a key changes a member")
    refused(s.call("DELETE", f"{PA}/members/viewer@t.local", adm), 403, "keys_cannot_manage_members", "a key removes a member")
    refused(s.call("POST", PA + "/roles", adm, {"name": "x", "permissions": []}), 403, "keys_cannot_manage_members", "a key creates a role")
    refused(s.call("POST", K, adm, {"name": "child", "role": "viewer", "expires_in_days": 1}), 403, "keys_cannot_manage_keys", "a key creates a key")
    refused(s.call("DELETE", f"{K}/{op.get('id')}", adm), 403, "keys_cannot_manage_keys", "a key revokes a key")
    refused(s.call("DELETE", PA, adm), 403, "forbidden", "an admin key deletes the app (owner only)")
    r = s.call("GET", PA, adm)
    check(r.status == 200 and "owner" not in (r.json or {}).get("permissions", []), "an admin key's rights do not include owner")

    # ---- a key of app A never works on app B: every app operation of the document
    doc = s.call("GET", "/api/v1/openapi.json").json
    subst = {"app": B, "board": objs[B]["board"], "run": objs[B]["run"], "event": "hook", "version": "1", "name": "sekrit",
             "user": "viewer@t.local", "role": "viewer", "key": adm_id, "token": "tok_" + "0" * 32}
    tried = 0
    for path, item in doc["paths"].items():
        for m, opn in item.items():
            if m not in HTTP_METHODS or opn.get("x-permission-scope") != "app":
                continue
            url = re.sub(r"\{([^}]*)\}", lambda mm: subst.get(mm.group(1), "x"), path)
            if "{" in path and any(p not in subst for p in re.findall(r"\{([^}]*)\}", path)):
                check(False, f"{m.upper()} {path}: teach the substitution table its parameters")
            rb = opn.get("requestBody")
            body_ = {} if rb else None
            if rb:
                props = rb["content"]["application/json"]["schema"].get("properties", {})
                plausible = {"name": "x", "role": "viewer", "expires_in_days": 1, "board": hello, "value": "v", "kind": "manual",
                             "board_id": objs[B]["board"], "permissions": [], "scopes": ["read_app"]}
                body_ = {k: plausible.get(k, "x") for k in props if k in plausible}
            for kk, kname in ((adm, "admin key of A"), (key, "operator key of A")):
                r = request(s, m.upper(), url, kk, body_, read_stream=False)
                tried += 1
                check(r.status == 403 and code(r) == "forbidden", f"{m.upper()} {path} on app B with the {kname}: want 403 forbidden, got {r.status} {r.body[:120]!r}")
    print(f"[{label}] cross-app walk: {tried} requests")
    check(tried >= 40, f"the cross-app walk tried every app operation ({tried} requests)")
    eq(s.call("GET", PB + "/boards", own).status, 200, "app B is intact")
    # … and outside any app a key may only list its app
    for path, item in doc["paths"].items():
        for m, opn in item.items():
            if m not in HTTP_METHODS or opn.get("x-permission-scope") not in ("user", "instance"):
                continue
            url = re.sub(r"\{([^}]*)\}", lambda mm: subst.get(mm.group(1), "x"), path)
            rb = opn.get("requestBody")
            body_ = None
            if rb:
                plausible = {"name": "x", "expires_in_days": 1, "scopes": ["read_app"], "email": "k@t.local", "password": PW}
                body_ = {k: v for k, v in plausible.items() if k in rb["content"]["application/json"]["schema"].get("properties", {})}
            r = request(s, m.upper(), url, adm, body_, read_stream=False)
            if (m, path) == ("get", "/api/v1/apps"):
                eq(r.status, 200, "the admin key lists its app")
            else:
                check(r.status == 403 and code(r) == "forbidden", f"{m.upper()} {path} with an API key: want 403 forbidden, got {r.status} {r.body[:120]!r}")

    # ---- never owner; unknown roles; names
    refused(s.call("POST", K, own, {"name": "o", "role": "owner", "expires_in_days": 1}), 422, "owner_role", "a key with the owner role")
    owner_role_id = next(x["id"] for x in s.call("GET", PA + "/roles", own).json["items"] if x["name"] == "owner")
    refused(s.call("POST", K, own, {"name": "o", "role": owner_role_id, "expires_in_days": 1}), 422, "owner_role", "a key with the owner role by id")
    refused(s.call("POST", K, own, {"name": "o", "role": "nosuch", "expires_in_days": 1}), 422, "unknown_role", "a key with an unknown role")
    b_viewer = next(x["id"] for x in s.call("GET", PB + "/roles", own).json["items"] if x["name"] == "viewer")
    refused(s.call("POST", K, own, {"name": "o", "role": b_viewer, "expires_in_days": 1}), 422, "unknown_role", "a key with another app's role")
    refused(s.call("POST", K, own, {"role": "viewer", "expires_in_days": 1}), 422, "bad_name", "a key without a name")
    refused(s.call("POST", K, own, {"name": "x" * 101, "role": "viewer", "expires_in_days": 1}), 422, "bad_name", "a key with a long name")

    # ---- expiry is mandatory and bounded
    for bad, what in ((None, "missing"), (0, "zero"), (-1, "negative"), (367, "past api_key_max_days"), ("30", "a string"), (1.5, "a fraction")):
        b = {"name": "e", "role": "viewer"}
        if bad is not None:
            b["expires_in_days"] = bad
        refused(s.call("POST", K, own, b), 422, "bad_expiry", f"expiry {what}")
    eq(s.call("POST", K, own, {"name": "e", "role": "viewer", "expires_in_days": 366}).status, 201, "expiry at api_key_max_days")

    # ---- no escalation
    km = tok["keymaster"]
    refused(s.call("POST", K, km, {"name": "x", "role": "operator", "expires_in_days": 1}), 403, "escalation",
            "the key master gives a key a role wider than their own")
    r = s.call("POST", K, km, {"name": "reader key", "role": "reader", "expires_in_days": 1})
    eq(r.status, 201, "the key master gives a key a role within their own")
    rk = (r.json or {}).get("key", "")
    rk_id = (r.json or {}).get("id", "")
    issued.append(rk)
    refused(s.call("DELETE", f"{K}/{op.get('id')}", km), 403, "escalation", "the key master revokes a key wider than their own rights")
    refused(s.call("POST", K, own_narrow, {"name": "x", "role": "viewer", "expires_in_days": 1}), 403, "escalation",
            "a PAT scoped write_api_keys,read_boards gives a key the viewer role")
    eq(s.call("POST", K, own_narrow, {"name": "x", "role": "reader", "expires_in_days": 1}).status, 201, "… and the reader role")
    refused(s.call("POST", K, tok["editor"], {"name": "x", "role": "viewer", "expires_in_days": 1}), 403, "forbidden", "an editor (no write_api_keys)")
    refused(s.call("GET", K, tok["viewer"]), 403, "forbidden", "a viewer lists keys")
    refused(s.call("POST", K, tok["viewer"], {"name": "x", "role": "viewer", "expires_in_days": 1}), 403, "forbidden", "a viewer creates a key")

    # ---- expiry is enforced
    r = s.call("POST", K, own, {"name": "short", "role": "viewer", "expires_in_days": 1})
    ek, ek_id = r.json["key"], r.json["id"]
    issued.append(ek)
    eq(s.call("GET", PA + "/boards", ek).status, 200, "a fresh key works")
    store_sql(s, f"UPDATE api_keys SET expires_at = {int(time.time() * 1e6) - 1000} WHERE id = '{ek_id}'")
    r = s.call("GET", PA + "/boards", ek)
    refused(r, 401, "invalid_credential", "an expired key")
    check(ek not in r.body, "the refusal does not repeat the key")
    st = next((k["status"] for k in s.call("GET", K, own).json["items"] if k["id"] == ek_id), None)
    eq(st, "expired", "the list marks it expired")

    # ---- revocation is effective on the next request
    eq(s.call("GET", PA + "/runs", key).status, 200, "the operator key works before revocation")
    eq(s.call("DELETE", f"{K}/{op.get('id')}", own).status, 204, "revoke the operator key")
    r = s.call("GET", PA + "/runs", key)
    refused(r, 401, "invalid_credential", "the revoked key, next request")
    check(key not in r.body, "the refusal does not repeat the key")
    refused(s.call("POST", f"/hooks/{A}/hook", key, {}), 401, "invalid_credential", "the revoked key fires a webhook")
    refused(s.call("DELETE", f"{K}/{op.get('id')}", own), 404, "not_found", "revoke it again")
    refused(s.call("DELETE", f"{PB}/api-keys/{adm_id}", own), 404, "not_found", "revoke A's key through app B")
    refused(s.call("DELETE", f"{K}/nonsense", own), 404, "not_found", "revoke a malformed id")
    k1 = next((k for k in s.call("GET", K, own).json["items"] if k["id"] == op.get("id")), {})
    check(isinstance(k1.get("revoked_at"), int) and k1.get("status") == "revoked", f"the list shows revoked_at: {k1!r}")
    eq(s.call("GET", PA + "/boards", adm).status, 200, "other keys are unaffected")

    # ---- roles held by keys: live keys block deletion, revoked and expired ones go with the role
    refused(s.call("DELETE", PA + "/roles/reader", own), 409, "role_in_use", "delete a role held by a live key")
    eq(s.call("DELETE", f"{K}/{rk_id}", km).status, 204, "the key master revokes the reader key")
    for k in s.call("GET", K, own).json["items"]:
        if k["role"] == "reader" and k["status"] == "active":
            eq(s.call("DELETE", f"{K}/{k['id']}", own).status, 204, "revoke the other reader key")
    r = s.call("DELETE", PA + "/roles/reader", own)
    eq(r.status, 204, f"delete the role once only revoked keys hold it: {r.body[:200]}")
    check(all(k["role_id"] != reader_role for k in s.call("GET", K, own).json["items"]), "the revoked keys went with the role")
    refused(s.call("GET", PA + "/boards", rk), 401, "invalid_credential", "a key of a deleted role")
    # expired but not revoked keys do not hold their role either
    r = s.call("POST", PA + "/roles", own, {"name": "brief", "permissions": ["read_app"]})
    r = s.call("POST", K, own, {"name": "brief key", "role": "brief", "expires_in_days": 1})
    bk_id = r.json["id"]
    issued.append(r.json["key"])
    refused(s.call("DELETE", PA + "/roles/brief", own), 409, "role_in_use", "delete a role held by a live key (2)")
    store_sql(s, f"UPDATE api_keys SET expires_at = {int(time.time() * 1e6) - 1000} WHERE id = '{bk_id}'")
    eq(s.call("DELETE", PA + "/roles/brief", own).status, 204, "delete a role held only by an expired key")

    # ---- deleting the app takes its keys along
    eq(s.call("DELETE", PA, own).status, 204, "delete app A")
    refused(s.call("GET", PA + "/boards", adm), 401, "invalid_credential", "a key of a deleted app")

    # ---- no key in the store or the server's log
    text = store_text(s)
    log = s.read_log()
    for i, t in enumerate(x for x in issued if x):
        check(t not in text, f"issued secret #{i} is not in the store")
        check(t not in log, f"issued secret #{i} is not in the server's log")


if __name__ == "__main__":
    sys.exit(main_each_store(suite))
