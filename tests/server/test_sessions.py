#!/usr/bin/env python3
"""test_sessions.py WEIR SRC — sign-in, sessions and personal access tokens of
a real `weir serve`, attacked (SQLite, and PostgreSQL when WEIR_TEST_PG_URL is
set).

- login: the cookie's attributes, one answer for a wrong password, an unknown
  e-mail and a disabled account; the backoff per e-mail (across addresses) and
  per address (across e-mails) after AUTH_BACKOFF_FREE_FAILURES failures;
- sessions: CSRF on state-changing requests, logout ending the session (the
  row is gone), the idle and the absolute timeout, a disabled user;
- tokens: revocation, expiry and a disabled user effective on the next
  request; no token text in the store; the format (weirp_, 256-bit secret);
  no escalation through a token; expiry and scope rules; malformed
  Authorization headers are 401, never 500.

Time is moved by editing rows in the store, never by sleeping (except the
one-second login backoff, which lives in the server's memory). Each failing
login comes from its own loopback address (127.0.x.y) so that the per-address
backoff of one section never leaks into another.
"""
import base64
import http.client
import json
import os
import re
import secrets
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ADMIN_EMAIL, ADMIN_PASSWORD, Response, Sections, Server, b64url, is_problem, main_per_store, note_secret,  # noqa: E402
                     now_us, request, store_rows, store_sql, store_text, token_hash, with_check)

PW = "another-long-passphrase-42"
IDLE_MIN = 5          # --session-idle-min
MAX_HOURS = 2         # --session-max-hours
PAT_MAX_DAYS = 30     # --pat-max-days


def backoff_free_failures(src):
    """AUTH_BACKOFF_FREE_FAILURES from src/auth/ratelimit.h, so the test follows the constant."""
    with open(os.path.join(src, "src", "auth", "ratelimit.h")) as f:
        m = re.search(r"#define\s+AUTH_BACKOFF_FREE_FAILURES\s+(\d+)", f.read())
    return int(m.group(1))


# ---- HTTP with a chosen source address and cookies -----------------------------------

def req(s, method, path, token=None, body=None, headers=None, cookie=None, csrf=None, src="127.0.0.1"):
    h = dict(headers or {})
    if token is not None:
        h["Authorization"] = "Bearer " + token
    if cookie is not None:
        h["Cookie"] = "weir_session=" + cookie
    if csrf is not None:
        h["X-CSRF-Token"] = csrf
    return request(s, method, path, body=body, headers=h, src=src)


def raw_authz(s, value):
    """GET /api/v1/me with an arbitrary Authorization header value (bytes allowed)."""
    c = http.client.HTTPConnection("127.0.0.1", s.port, timeout=30)
    try:
        c.putrequest("GET", "/api/v1/me", skip_accept_encoding=True)
        c.putheader("Authorization", value)
        c.endheaders()
        r = c.getresponse()
        return Response(r.status, r.getheaders(), r.read().decode("utf-8", "replace"))
    finally:
        c.close()


def login(s, email, password, src="127.0.0.1"):
    note_secret("password", password)  # wrong ones too: no password may reach a log (test_secret_hygiene.py)
    return req(s, "POST", "/api/v1/auth/login", body={"email": email, "password": password}, src=src)


def cookie_of(r):
    """The weir_session value and the attributes of the Set-Cookie header."""
    sc = r.header("Set-Cookie") or ""
    parts = [p.strip() for p in sc.split(";")]
    name, _, value = parts[0].partition("=")
    attrs = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        attrs[k.lower()] = v
    return (value if name == "weir_session" else None), attrs


# ---- the store ---------------------------------------------------------------------------

def count(s, table, where):
    return int(store_rows(s, f"SELECT COUNT(*) FROM {table} WHERE {where}")[0][0])


# ---- sections ---------------------------------------------------------------------------

def t_login(c, s):
    r = login(s, ADMIN_EMAIL, ADMIN_PASSWORD)
    c.eq(r.status, 200, f"login with the right password ({r.body[:200]})")
    j = r.json or {}
    csrf = j.get("csrf_token") or ""
    c.check(re.fullmatch(r"[A-Za-z0-9_-]{43}", csrf) is not None, f"csrf_token in the body, 43 base64url chars: {csrf!r}")
    c.eq((j.get("user") or {}).get("email"), ADMIN_EMAIL, "login answer names the user")
    cookie, attrs = cookie_of(r)
    c.check(cookie is not None and cookie.startswith("weirs_") and len(cookie) == 55, f"Set-Cookie weir_session=weirs_… (55 chars): {r.header('Set-Cookie')}")
    c.check("httponly" in attrs, "the session cookie is HttpOnly")
    c.eq(attrs.get("samesite"), "Lax", "the session cookie is SameSite=Lax")
    c.eq(attrs.get("path"), "/", "the session cookie has Path=/")
    c.check("secure" not in attrs, "no Secure attribute over plain HTTP")
    c.eq(attrs.get("max-age"), str(MAX_HOURS * 3600), "Max-Age is session_max_hours")
    c.check(csrf not in r.header("Set-Cookie"), "the CSRF token is not in the cookie")
    # the same login, differently cased e-mail, also works (e-mails are normalised)
    r2 = login(s, ADMIN_EMAIL.upper(), ADMIN_PASSWORD)
    c.eq(r2.status, 200, "login with the e-mail in capitals")
    return cookie, csrf


def t_bad_login(c, s):
    src = "127.0.1.1"
    wrong = login(s, ADMIN_EMAIL, ADMIN_PASSWORD + "x", src=src)
    is_problem(c, wrong, 401, "login with a wrong password", "invalid_login")
    unknown = login(s, "nobody@test.local", ADMIN_PASSWORD, src=src)
    is_problem(c, unknown, 401, "login with an unknown e-mail", "invalid_login")
    c.eq(unknown.body, wrong.body, "unknown e-mail and wrong password: the same body")
    c.check(unknown.header("Set-Cookie") is None and wrong.header("Set-Cookie") is None, "no cookie after a refused login")
    disabled = login(s, "disabled@test.local", PW, src=src)
    is_problem(c, disabled, 401, "login of a disabled user with the right password", "invalid_login")
    c.eq(disabled.body, wrong.body, "disabled account: the same body as a wrong password")
    r = req(s, "POST", "/api/v1/auth/login", body={"email": ADMIN_EMAIL}, src=src)
    c.check(r.status in (400, 422), f"login without a password: 400/422, got {r.status}")
    r = req(s, "POST", "/api/v1/auth/login", body={"email": ADMIN_EMAIL, "password": 12345}, src=src)
    c.check(r.status in (400, 422), f"login with a numeric password: 400/422, got {r.status}")
    r = req(s, "POST", "/api/v1/auth/login", headers={"Content-Type": "application/x-www-form-urlencoded"}, src=src)
    c.check(r.status in (400, 415), f"login with a form body: 400/415, got {r.status}")


def fail_until_backoff(c, attempt, n_free, what):
    """Failed logins until the backoff answers 429. The first n_free must be
    plain 401s; the next one is 429 unless its one-second window had already
    passed (a slow machine), in which case the following one, facing a
    doubled wait, is. Returns the 429 answer or None."""
    statuses = []
    for k in range(n_free + 3):
        r = attempt(k)
        statuses.append(r.status)
        if r.status == 429:
            break
    c.eq(statuses[:n_free], [401] * n_free, f"{what}: the first {n_free} failures (AUTH_BACKOFF_FREE_FAILURES) are plain 401s")
    if not c.check(statuses[-1] == 429 and len(statuses) <= n_free + 2, f"{what}: then 429: {statuses}"):
        return None
    is_problem(c, r, 429, f"{what}: the refusal", "login_backoff")
    ra = r.header("Retry-After") or ""
    c.check(ra.isdigit() and int(ra) >= 1, f"{what}: Retry-After >= 1, got {ra!r}")
    c.check(r.header("Set-Cookie") is None, f"{what}: no cookie")
    return r


def t_backoff_email(c, s, n_free):
    """Failures for one e-mail, each from another address: the account waits,
    even for the right password from yet another address."""
    email = "carol@test.local"
    r = fail_until_backoff(c, lambda k: login(s, email, "wrong-password-%d" % k, src=f"127.0.2.{k + 1}"), n_free, "e-mail backoff")
    if not r:
        return
    r = login(s, email, PW, src="127.0.2.200")
    is_problem(c, r, 429, "e-mail backoff: the right password from another address waits too", "login_backoff")
    # another account from that address is not held back by carol's failures
    c.eq(login(s, "erin@test.local", PW, src="127.0.2.200").status, 200, "e-mail backoff: another e-mail signs in meanwhile")
    ra = r.header("Retry-After") or "1"
    time.sleep(int(ra) + 0.3 if ra.isdigit() else 1.3)
    r = login(s, email, PW, src="127.0.2.201")
    c.eq(r.status, 200, "e-mail backoff: after Retry-After the right password works")


def t_backoff_ip(c, s, n_free):
    """Failures from one address across different e-mails: the address waits,
    even for a right password; other addresses do not."""
    src = "127.0.3.1"
    r = fail_until_backoff(c, lambda k: login(s, f"stranger{k}@test.local", "whatever-password", src=src), n_free, "address backoff")
    if not r:
        return
    r = login(s, "erin@test.local", PW, src=src)
    is_problem(c, r, 429, "address backoff: a right password from that address also waits", "login_backoff")
    c.eq(login(s, "erin@test.local", PW, src="127.0.3.2").status, 200, "address backoff: another address is not affected")


def t_csrf(c, s, admin_pat, cookie, csrf):
    r = req(s, "GET", "/api/v1/me", cookie=cookie)
    c.eq(r.status, 200, f"GET /me with the session cookie ({r.body[:200]})")
    cred = (r.json or {}).get("credential") or {}
    c.eq(cred.get("kind"), "session", "/me: credential kind session")
    c.eq(cred.get("csrf_token"), csrf, "/me: the session's CSRF token is the login's")
    sid = cred.get("id") or ""
    c.check(sid.startswith("ses_") and count(s, "sessions", f"id = '{sid}'") == 1, f"the session row exists: {sid}")

    r = req(s, "POST", "/api/v1/apps", body={"name": "via-cookie"}, cookie=cookie)
    is_problem(c, r, 403, "POST with the cookie and no X-CSRF-Token", "csrf")
    r = req(s, "POST", "/api/v1/apps", body={"name": "via-cookie"}, cookie=cookie, csrf="")
    is_problem(c, r, 403, "POST with an empty X-CSRF-Token", "csrf")
    r = req(s, "POST", "/api/v1/apps", body={"name": "via-cookie"}, cookie=cookie, csrf=csrf[:-1] + ("A" if csrf[-1] != "A" else "B"))
    is_problem(c, r, 403, "POST with a wrong X-CSRF-Token (last char changed)", "csrf")
    r = req(s, "POST", "/api/v1/apps", body={"name": "via-cookie"}, cookie=cookie, csrf=csrf + "x")
    is_problem(c, r, 403, "POST with a too long X-CSRF-Token", "csrf")
    other = login(s, ADMIN_EMAIL, ADMIN_PASSWORD).json["csrf_token"]
    r = req(s, "POST", "/api/v1/apps", body={"name": "via-cookie"}, cookie=cookie, csrf=other)
    is_problem(c, r, 403, "POST with another session's CSRF token", "csrf")
    r = req(s, "DELETE", "/api/v1/tokens/tok_0000000000000000aaaaaaaaaaaaaaaa", cookie=cookie)
    is_problem(c, r, 403, "DELETE with the cookie and no X-CSRF-Token", "csrf")
    r = req(s, "POST", "/api/v1/tokens", body={"name": "x", "expires_in_days": 1, "scopes": ["read_app"]}, cookie=cookie)
    is_problem(c, r, 403, "POST /tokens with the cookie and no X-CSRF-Token", "csrf")
    c.eq(count(s, "apps", "name = 'via-cookie'"), 0, "no app was created by the refused requests")

    r = req(s, "POST", "/api/v1/apps", body={"name": "via-cookie"}, cookie=cookie, csrf=csrf)
    c.eq(r.status, 201, f"POST with the cookie and the right X-CSRF-Token ({r.body[:200]})")
    r = req(s, "POST", "/api/v1/apps", body={"name": "via-token"}, token=admin_pat)
    c.eq(r.status, 201, "POST with a bearer PAT needs no CSRF token")
    r = req(s, "POST", "/api/v1/apps", body={"name": "via-token-and-cookie"}, token=admin_pat, cookie=cookie)
    c.eq(r.status, 201, "POST with a PAT and a cookie: the PAT is the credential, no CSRF needed")
    r = req(s, "GET", "/api/v1/me", cookie="weirs_" + "A" * 49)
    is_problem(c, r, 401, "a made-up session cookie is anonymous", "unauthenticated")
    r = req(s, "GET", "/api/v1/me", cookie="garbage;;==\x01")
    c.eq(r.status, 401, "a garbage cookie is anonymous")
    return sid


def t_logout(c, s, cookie, csrf, sid):
    r = req(s, "POST", "/api/v1/auth/logout", cookie=cookie)
    is_problem(c, r, 403, "logout without the CSRF token", "csrf")
    c.eq(req(s, "GET", "/api/v1/me", cookie=cookie).status, 200, "the session survives a refused logout")
    r = req(s, "POST", "/api/v1/auth/logout", cookie=cookie, csrf=csrf)
    c.eq(r.status, 204, f"logout ({r.body[:200]})")
    val, attrs = cookie_of(r)
    c.check(val == "" and attrs.get("max-age") == "0", f"logout clears the cookie: {r.header('Set-Cookie')}")
    r = req(s, "GET", "/api/v1/me", cookie=cookie)
    is_problem(c, r, 401, "the old cookie after logout is anonymous", "unauthenticated")
    c.eq(count(s, "sessions", f"id = '{sid}'"), 0, "logout deleted the session row")
    r = req(s, "POST", "/api/v1/apps", body={"name": "after-logout"}, cookie=cookie, csrf=csrf)
    c.eq(r.status, 401, "the old cookie and CSRF token cannot change anything")


def session_id(s, cookie):
    r = req(s, "GET", "/api/v1/me", cookie=cookie)
    return ((r.json or {}).get("credential") or {}).get("id")


def t_timeouts(c, s):
    # idle: used IDLE_MIN-1 minutes ago → still valid; IDLE_MIN+1 → ended, row deleted
    cookie, _ = cookie_of(login(s, ADMIN_EMAIL, ADMIN_PASSWORD))
    sid = session_id(s, cookie)
    c.check(bool(sid), "idle: a session to age")
    store_sql(s, f"UPDATE sessions SET last_seen_at = {now_us() - (IDLE_MIN - 1) * 60 * 10**6} WHERE id = '{sid}'")
    c.eq(req(s, "GET", "/api/v1/me", cookie=cookie).status, 200, f"idle: unused for {IDLE_MIN - 1} of {IDLE_MIN} min, still valid")
    seen = int(store_rows(s, f"SELECT last_seen_at FROM sessions WHERE id = '{sid}'")[0][0])
    c.check(now_us() - seen < 60 * 10**6, "idle: a use moves last_seen_at forward")
    store_sql(s, f"UPDATE sessions SET last_seen_at = {now_us() - (IDLE_MIN * 60 + 5) * 10**6} WHERE id = '{sid}'")
    r = req(s, "GET", "/api/v1/me", cookie=cookie)
    is_problem(c, r, 401, f"idle: unused for more than session_idle_min ({IDLE_MIN} min)", "unauthenticated")
    c.eq(count(s, "sessions", f"id = '{sid}'"), 0, "idle: the ended session's row is deleted")

    # absolute: expires_at in the past → ended even though just used
    cookie, _ = cookie_of(login(s, ADMIN_EMAIL, ADMIN_PASSWORD))
    sid = session_id(s, cookie)
    row = store_rows(s, f"SELECT created_at, expires_at FROM sessions WHERE id = '{sid}'")[0]
    c.eq(int(row[1]) - int(row[0]), MAX_HOURS * 3600 * 10**6, "absolute: expires_at = sign-in + session_max_hours")
    store_sql(s, f"UPDATE sessions SET expires_at = {now_us() - 10**6}, last_seen_at = {now_us()} WHERE id = '{sid}'")
    r = req(s, "GET", "/api/v1/me", cookie=cookie)
    is_problem(c, r, 401, "absolute: expires_at in the past, last use just now", "unauthenticated")
    c.eq(count(s, "sessions", f"id = '{sid}'"), 0, "absolute: the ended session's row is deleted")


def create_pat(s, auth, scopes, days=1, name="t"):
    return req(s, "POST", "/api/v1/tokens", token=auth, body={"name": name, "expires_in_days": days, "scopes": scopes})


def t_pats(c, s, admin_pat):
    r = create_pat(s, admin_pat, ["admin", "instance_admin"], name="revocable")
    c.eq(r.status, 201, f"create a PAT through the API ({r.body[:200]})")
    tok, tid = r.json["token"], r.json["id"]
    c.eq(req(s, "GET", "/api/v1/me", token=tok).status, 200, "the new PAT works")
    listed = req(s, "GET", "/api/v1/tokens", token=admin_pat).json["items"]
    c.check(any(t["id"] == tid for t in listed) and tok not in json.dumps(listed), "the token is listed, without its text")
    r = req(s, "DELETE", f"/api/v1/tokens/{tid}", token=admin_pat)
    c.eq(r.status, 204, "revoke the PAT")
    r = req(s, "GET", "/api/v1/me", token=tok)
    is_problem(c, r, 401, "a revoked PAT on the very next request", "invalid_credential")
    c.check("Bearer" in (r.header("WWW-Authenticate") or ""), "401 carries WWW-Authenticate: Bearer")
    c.eq(req(s, "DELETE", f"/api/v1/tokens/{tid}", token=admin_pat).status, 404, "revoking twice: 404")

    # a user cannot revoke somebody else's token
    erin = s.token("erin@test.local", name="erin")
    r = create_pat(s, admin_pat, ["read_app"], name="admins")
    c.eq(req(s, "DELETE", f"/api/v1/tokens/{r.json['id']}", token=erin).status, 404, "another user's token cannot be revoked (404)")
    c.eq(req(s, "GET", "/api/v1/me", token=r.json["token"]).status, 200, "… and it still works")

    r = create_pat(s, admin_pat, ["read_app"], name="expiring")
    tok2, tid2 = r.json["token"], r.json["id"]
    c.eq(req(s, "GET", "/api/v1/me", token=tok2).status, 200, "a PAT before its expiry")
    store_sql(s, f"UPDATE tokens SET expires_at = {now_us() - 10**6} WHERE id = '{tid2}'")
    is_problem(c, req(s, "GET", "/api/v1/me", token=tok2), 401, "an expired PAT", "invalid_credential")

    # a disabled user: the PAT and the session both stop at once
    dave = s.token("dave@test.local", name="dave")
    dcookie = cookie_of(login(s, "dave@test.local", PW))[0]
    c.eq(req(s, "GET", "/api/v1/me", token=dave).status, 200, "disabled: the PAT works before")
    c.eq(req(s, "GET", "/api/v1/me", cookie=dcookie).status, 200, "disabled: the session works before")
    store_sql(s, "UPDATE users SET disabled = 1 WHERE email = 'dave@test.local'")
    is_problem(c, req(s, "GET", "/api/v1/me", token=dave), 401, "the PAT of a disabled user", "invalid_credential")
    is_problem(c, req(s, "GET", "/api/v1/me", cookie=dcookie), 401, "the session of a disabled user", "unauthenticated")

    # never stored: neither the whole token nor its secret part, nor session cookies
    secret_tokens = [tok, tok2, dave, erin, admin_pat]
    cookie, _ = cookie_of(login(s, ADMIN_EMAIL, ADMIN_PASSWORD))
    blob = store_text(s)
    c.check(len(blob) > 10000, f"read the store's bytes ({len(blob)})")
    # positive control: what the store does hold is the keyed hash (so the search reads the right bytes)
    c.check(token_hash(s, tok) in blob and token_hash(s, cookie) in blob,
            "the store holds the tokens' keyed hashes (the bytes searched are the right ones)")
    for t in secret_tokens:
        c.check(t not in blob and t[6:49] not in blob, f"the token {t[:10]}… (or its secret part) is not in the store")
    c.check(cookie not in blob and cookie[6:49] not in blob, "the session cookie value is not in the store")
    log = s.read_log()
    c.check(not any(t in log or t[6:49] in log for t in secret_tokens + [cookie]), "no token in the server log")

    # format: weirp_ + 43 base64url chars (32 random bytes) + 6 check chars
    for t in (tok, tok2):
        c.check(t.startswith("weirp_") and len(t) == 55, f"PAT format: weirp_ prefix, 55 chars: {t[:10]}…")
        body = t[6:49]
        raw = base64.urlsafe_b64decode(body + "=")
        c.check(re.fullmatch(r"[A-Za-z0-9_-]{43}", body) is not None and len(raw) == 32,
                f"PAT secret: 43 base64url chars = {len(raw) * 8} bits (>= 256)")
        c.eq(t[49:], with_check(t[:49])[49:], "PAT check characters")
    c.check(tok[6:49] != tok2[6:49], "two PATs have different secrets")


def t_pat_rules(c, s, admin_pat):
    narrow = create_pat(s, admin_pat, ["read_app", "read_boards"], name="narrow").json["token"]
    r = create_pat(s, narrow, ["admin"])
    is_problem(c, r, 403, "a read_app token creating an admin token", "escalation")
    r = create_pat(s, narrow, ["read_app", "write_boards"])
    is_problem(c, r, 403, "a token adding write_boards to its own scopes", "escalation")
    r = create_pat(s, narrow, ["instance_admin"])
    is_problem(c, r, 403, "a token creating an instance_admin token", "escalation")
    r = create_pat(s, narrow, ["read_app"])
    c.eq(r.status, 201, f"a token creating a token within its scopes ({r.body[:200]})")
    c.eq(r.json.get("scopes"), ["read_app"], "the narrower token's scopes")

    r = create_pat(s, admin_pat, ["read_app"], days=PAT_MAX_DAYS + 1)
    is_problem(c, r, 422, f"expires_in_days over pat_max_days ({PAT_MAX_DAYS})", "bad_expiry")
    r = create_pat(s, admin_pat, ["read_app"], days=0)
    is_problem(c, r, 422, "expires_in_days 0", "bad_expiry")
    r = create_pat(s, admin_pat, ["read_app"], days=-1)
    is_problem(c, r, 422, "expires_in_days -1", "bad_expiry")
    r = req(s, "POST", "/api/v1/tokens", token=admin_pat, body={"name": "x", "expires_in_days": "7", "scopes": ["read_app"]})
    is_problem(c, r, 422, "expires_in_days as a string", "bad_expiry")
    r = req(s, "POST", "/api/v1/tokens", token=admin_pat, body={"name": "x", "expires_in_days": 1.5, "scopes": ["read_app"]})
    is_problem(c, r, 422, "expires_in_days 1.5", "bad_expiry")
    r = req(s, "POST", "/api/v1/tokens", token=admin_pat, body={"name": "x", "scopes": ["read_app"]})
    is_problem(c, r, 422, "no expires_in_days (no token lives for ever)", "bad_expiry")
    r = create_pat(s, admin_pat, ["read_app"], days=PAT_MAX_DAYS)
    c.eq(r.status, 201, "expires_in_days exactly pat_max_days")
    if r.status == 201:
        c.check(abs(r.json["expires_at"] - (now_us() + PAT_MAX_DAYS * 86400 * 10**6)) < 60 * 10**6, "expires_at = now + days")
    r = create_pat(s, admin_pat, [])
    c.eq(r.status, 422, f"no scopes at all ({r.body[:200]})")
    r = req(s, "POST", "/api/v1/tokens", token=admin_pat, body={"name": "x", "expires_in_days": 1})
    c.eq(r.status, 422, "scopes missing")
    r = create_pat(s, admin_pat, ["read_app", "root"])
    is_problem(c, r, 422, "an unknown scope", "bad_scopes")
    r = req(s, "POST", "/api/v1/tokens", token=admin_pat, body={"name": "x", "expires_in_days": 1, "scopes": "admin"})
    is_problem(c, r, 422, "scopes as a string", "bad_scopes")
    r = req(s, "POST", "/api/v1/tokens", token=admin_pat, body={"name": "", "expires_in_days": 1, "scopes": ["read_app"]})
    c.eq(r.status, 422, "an empty token name")
    r = req(s, "POST", "/api/v1/tokens", token=admin_pat, body={"expires_in_days": 1, "scopes": ["read_app"]})
    c.eq(r.status, 422, "no token name")


def t_malformed(c, s, admin_pat):
    good = admin_pat
    unknown = with_check("weirp_" + b64url(secrets.token_bytes(32)))

    def flip(t, i):
        ch = "A" if t[i] != "A" else "B"
        return t[:i] + ch + t[i + 1:]

    values = {
        "Basic": "Basic " + base64.b64encode(f"{ADMIN_EMAIL}:{ADMIN_PASSWORD}".encode()).decode(),
        "empty": "",
        "Bearer and nothing": "Bearer ",
        "Bearer without space": "Bearer",
        "Bearer and spaces": "Bearer    ",
        "junk": "junk",
        "Bearer junk": "Bearer junk",
        "token without Bearer": good,
        "two spaces": "Bearer  " + good,
        "Token scheme": "Token " + good,
        "one char changed in the prefix": "Bearer " + flip(good, 2),
        "one char changed in the secret": "Bearer " + flip(good, 20),
        "one char changed in the check": "Bearer " + flip(good, 52),
        "truncated": "Bearer " + good[:-1],
        "one char more": "Bearer " + good + "A",
        "trailing junk": "Bearer " + good + " junk",
        "well-formed but unknown PAT": "Bearer " + unknown,
        "session-shaped token": "Bearer weirs_" + unknown[6:],
        "API-key-shaped token": "Bearer weirk_" + unknown[6:],
        "JWT-shaped": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.",
        "JWT-shaped three parts": "Bearer a.b.c",
        "long": "Bearer " + "A" * 8000,
        "NUL-free binary": "Bearer \x7f\x80\xff" + good[3:],
        "two tokens": "Bearer " + good + ", Bearer " + good,
    }
    for what, v in values.items():
        try:
            r = raw_authz(s, v)
        except (OSError, http.client.HTTPException) as e:
            c.check(False, f"Authorization {what}: {e!r}")
            continue
        c.eq(r.status, 401, f"Authorization {what}: 401 ({r.body[:120]})")
    c.eq(raw_authz(s, "Bearer " + good).status, 200, "the unchanged token still works")
    c.eq(raw_authz(s, "bearer " + good).status, 200, "the scheme is case-insensitive")
    c.eq(s.call("GET", "/healthz").status, 200, "healthy after the malformed headers")


# ---- main ------------------------------------------------------------------------------

def suite(c, weir, src, db_url):
    n_free = backoff_free_failures(src)
    extra = ["--session-idle-min", str(IDLE_MIN), "--session-max-hours", str(MAX_HOURS), "--pat-max-days", str(PAT_MAX_DAYS)]
    section = Sections(c)
    with Server(weir, database=db_url, extra=extra) as s:
        admin_pat = s.admin_token()
        for who in ("carol", "dave", "erin", "disabled"):
            s.add_user(f"{who}@test.local", password=PW)
        uid_disabled = store_rows(s, "SELECT id FROM users WHERE email = 'disabled@test.local'")[0][0]
        store_sql(s, f"UPDATE users SET disabled = 1 WHERE id = '{uid_disabled}'")

        got = section("login", t_login, c, s)
        section("bad-login", t_bad_login, c, s)
        section("backoff-email", t_backoff_email, c, s, n_free)
        section("backoff-ip", t_backoff_ip, c, s, n_free)
        if got:
            cookie, csrf = got
            sid = section("csrf", t_csrf, c, s, admin_pat, cookie, csrf)
            if sid:
                section("logout", t_logout, c, s, cookie, csrf, sid)
        section("timeouts", t_timeouts, c, s)
        section("pats", t_pats, c, s, admin_pat)
        section("pat-rules", t_pat_rules, c, s, admin_pat)
        section("malformed", t_malformed, c, s, admin_pat)
        c.check(s.proc.poll() is None, "the server is still running")
        # (/readyz answers 503 while the server starts: the harness polls it)
        bad = [ln for ln in s.read_log().splitlines()
               if ("request failed" in ln and '"/readyz"' not in ln) or "store error" in ln]
        c.check(not bad, "no request failed with 5xx (server log): " + "\n".join(bad[:10]))
    print(f"[{'postgresql' if db_url else 'sqlite'}] " + ", ".join(section.times), flush=True)


if __name__ == "__main__":
    sys.exit(main_per_store(suite))
