#!/usr/bin/env python3
"""test_oidc.py WEIR SRC — signing in with an identity provider (OIDC), against
a real provider: oidc-provider (a certified OpenID provider, pinned in
tests/server/oidc/package-lock.json) started on loopback by this test, plus a
small hand-made issuer in the same node process for tokens oidc-provider
would never mint (expired, wrong audience, alg none, bad signature…).

The node packages are installed here with `npm ci` into
${WEIR_CACHE_DIR:-~/.cache/weir}/oidc-test-<hash of package.json + lock> and
reused while the lock is unchanged. Nothing is skipped: without Node.js 20+
or when npm cannot install, the test FAILS and says why.

Browser-less: a "browser" is a cookie jar plus plain HTTP requests that follow
redirects by hand and post the provider's login and consent forms.

Covered (docs/security.md lists each claim with its check here):
  round trip (start → provider → login → callback → session → /me), linking by
  issuer + subject (second sign-in: same user), never by e-mail (a verified
  e-mail of an existing account is refused until the account links it; an
  unverified one creates a separate account), group claim → app roles (added,
  updated, removed only when the mapping made them, the owner never touched),
  provider access tokens as bearer credentials (audience checked), key
  rotation (unknown kid → refresh → found; a removed key → refused), JWKS
  refresh rate limit, and refusals: wrong audience, wrong issuer (token,
  discovery, response), expired, not yet valid, iat in the future / too old,
  bad signature, tampered payload, alg none, HS256 keyed with the public key,
  algorithm not the key's, small RSA key, replayed state, state from another
  browser, expired state, state without its verifier, provider refusing a code
  without the verifier, nonce mismatch, open redirects in return_to, strict
  configuration, and no code, state, token or secret in the server's log.
"""
import hashlib
import html
import http.cookiejar
import json
import os
import re
import secrets
import select
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ADMIN_EMAIL, ADMIN_PASSWORD, Checks, Server, b64url, free_port, store_rows, store_sql, store_urls, token_hash  # noqa: E402

NPM_TIMEOUT_S = 600
NODE_MIN_MAJOR = 20


# ---- the provider's node packages ---------------------------------------------------------

def install_provider(src):
    """(directory with node_modules, None) or (None, why)."""
    here = os.path.join(src, "tests", "server", "oidc")
    try:
        pkg = open(os.path.join(here, "package.json"), "rb").read()
        lock = open(os.path.join(here, "package-lock.json"), "rb").read()
    except OSError as e:
        return None, f"cannot read the provider's package files: {e}"
    h = hashlib.sha256(pkg + b"\0" + lock).hexdigest()[:16]
    cache = os.environ.get("WEIR_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "weir")
    dest = os.path.join(cache, f"oidc-test-{h}")
    if os.path.exists(os.path.join(dest, ".installed")):
        return dest, None
    try:
        v = subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"Node.js is not installed ({e}); Node.js {NODE_MIN_MAJOR}+ and npm are needed"
    m = re.match(r"v(\d+)\.", v)
    if not m or int(m.group(1)) < NODE_MIN_MAJOR:
        return None, f"Node.js {v or '?'} is too old; {NODE_MIN_MAJOR}+ is needed"
    os.makedirs(cache, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f"oidc-test-{h}.", dir=cache)
    try:
        for name, data in (("package.json", pkg), ("package-lock.json", lock)):
            with open(os.path.join(tmp, name), "wb") as f:
                f.write(data)
        try:
            p = subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
                               cwd=tmp, capture_output=True, text=True, timeout=NPM_TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired) as e:
            return None, f"npm ci could not run: {e}"
        if p.returncode != 0:
            return None, f"npm ci failed ({p.returncode}): {(p.stderr or p.stdout)[-1500:]}"
        open(os.path.join(tmp, ".installed"), "w").close()
        try:
            os.rename(tmp, dest)
            tmp = None
        except OSError:
            pass  # another run installed it first: use theirs
        return dest, None
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


class Idp:
    """The node process: oidc-provider on `port`, the hand-made issuer on `fake_port`."""

    def __init__(self, moddir, src, cfg, log_path):
        self.script = os.path.join(moddir, f"provider-{os.getpid()}.mjs")
        shutil.copyfile(os.path.join(src, "tests", "server", "oidc", "provider.js"), self.script)
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(["node", self.script, json.dumps(cfg)], stdout=subprocess.PIPE, stderr=self.log)
        deadline = time.time() + 60
        buf = b""
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the test provider exited with {self.proc.returncode} (log: {log_path})")
            r, _, _ = select.select([self.proc.stdout], [], [], 0.2)
            if r:
                buf += os.read(self.proc.stdout.fileno(), 4096)
                if b"READY" in buf:
                    return
        raise RuntimeError("the test provider did not start within 60 s")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        try:
            os.unlink(self.script)
        except OSError:
            pass


# ---- a browser without a browser ------------------------------------------------------------

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Page:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def header(self, name):
        return self.headers.get(name) if self.headers else None

    def headers_all(self, name):
        return self.headers.get_all(name) or [] if self.headers else []

    def code(self):
        return (self.json or {}).get("code") if isinstance(self.json, dict) else None

    def reason(self):
        return (self.json or {}).get("reason") if isinstance(self.json, dict) else None

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


class Browser:
    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.op = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def req(self, method, url, data=None, headers=None):
        r = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        try:
            resp = self.op.open(r, timeout=30)
            return Page(resp.status, resp.headers, resp.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as e:
            return Page(e.code, e.headers, e.read().decode("utf-8", "replace"))

    def get(self, url, headers=None):
        return self.req("GET", url, headers=headers)

    def cookie(self, name):
        for ck in self.jar:
            if ck.name == name:
                return ck
        return None


def provider_login(b, url, account, stop):
    """Follow redirects from `url`, posting the provider's login form (as
    `account`) and its consent form, until a redirect to a URL starting with
    `stop`; return that URL."""
    for _ in range(30):
        pg = b.get(url)
        if pg.status == 200 and "<form" in pg.body:
            action = html.unescape(re.search(r'<form[^>]*action="([^"]+)"', pg.body).group(1))
            prompt = re.search(r'name="prompt" value="([^"]+)"', pg.body).group(1)
            fields = {"prompt": prompt}
            if prompt == "login":
                fields.update(login=account, password="any password")
            pg = b.req("POST", urllib.parse.urljoin(url, action), urllib.parse.urlencode(fields).encode(),
                       {"Content-Type": "application/x-www-form-urlencoded"})
        if pg.status in (301, 302, 303):
            loc = urllib.parse.urljoin(url, pg.header("Location"))
            if loc.startswith(stop):
                return loc
            url = loc
            continue
        raise RuntimeError(f"unexpected answer at the provider ({url}): {pg!r}")
    raise RuntimeError("too many redirects at the provider")


def query_of(url):
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


# ---- the suite ------------------------------------------------------------------------------------

class World:
    def __init__(self, weir, src, moddir, database, label, c):
        self.weir, self.src, self.moddir, self.database, self.label, self.c = weir, src, moddir, database, label, c
        self.tmp = tempfile.mkdtemp(prefix="weir-oidc-")
        self.data_dir = os.path.join(self.tmp, "data")
        self.wport, self.op_port, self.fake_port = free_port(), free_port(), free_port()
        while len({self.wport, self.op_port, self.fake_port}) < 3:
            self.op_port, self.fake_port = free_port(), free_port()
        self.weir_secret = "wsec-" + secrets.token_urlsafe(24)
        self.cli_secret = "csec-" + secrets.token_urlsafe(24)
        self.fake_secret = "fsec-" + secrets.token_urlsafe(24)
        self.issuer = f"http://127.0.0.1:{self.op_port}"
        self.fake_issuer = f"http://127.0.0.1:{self.fake_port}/fake"
        self.base = f"http://127.0.0.1:{self.wport}"
        self.cli_redirect = f"http://127.0.0.1:{free_port()}/cb"
        self.down_port = free_port()  # nothing listens there
        self.seen = []  # codes, states, tokens: none may reach the server's log
        self.idp = Idp(moddir, src, {
            "port": self.op_port, "fakePort": self.fake_port,
            "weirSecret": self.weir_secret, "weirRedirect": self.callback_url("corp"),
            "cliSecret": self.cli_secret, "cliRedirect": self.cli_redirect,
            "fakeClientId": "weir-fake", "fakeSecret": self.fake_secret,
        }, os.path.join(self.tmp, "provider.log"))
        self.s = None

    def callback_url(self, pid):
        return f"{self.base}/api/v1/auth/oidc/{pid}/callback"

    def close(self):
        if self.s:
            self.s.stop()
        self.idp.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- checks with the run's label
    def eq(self, got, want, what):
        return self.c.eq(got, want, f"[{self.label}] {what}")

    def check(self, cond, what):
        return self.c.check(cond, f"[{self.label}] {what}")

    def refused(self, pg, status, code, reason, what):
        ok = self.eq(pg.status, status, f"{what}: status ({pg!r})")
        if ok and code:
            ok = self.eq(pg.code(), code, f"{what}: code")
        if ok and reason:
            ok = self.eq(pg.reason(), reason, f"{what}: reason")
        return ok

    # ---- configuration
    def config(self, group_roles=None):
        secret_file = os.path.join(self.tmp, "corp.secret")
        with open(secret_file, "w") as f:
            f.write(self.weir_secret + "\n")
        corp = {
            "id": "corp", "name": "Corp SSO", "issuer": self.issuer, "client_id": "weir", "client_secret_file": secret_file,
            "redirect_url": self.callback_url("corp"), "scopes": ["openid", "email", "profile", "groups"],
            "groups_claim": "groups", "access_tokens": {"audience": "weir-api"}, "jwks_min_refresh_s": 1,
        }
        if group_roles:
            corp["group_roles"] = group_roles
        cfg = {"oidc_providers": [
            corp,
            {"id": "fake", "name": "Hand-made", "issuer": self.fake_issuer, "client_id": "weir-fake", "client_secret": self.fake_secret,
             "redirect_url": self.callback_url("fake"), "access_tokens": {"audience": "fake-api"}, "jwks_min_refresh_s": 5},
            {"id": "mismatch", "issuer": f"http://127.0.0.1:{self.fake_port}/mismatch", "client_id": "x", "client_secret": "y",
             "redirect_url": self.callback_url("mismatch")},
            {"id": "down", "issuer": f"http://127.0.0.1:{self.down_port}", "client_id": "x", "client_secret": "y",
             "redirect_url": self.callback_url("down")},
        ]}
        path = os.path.join(self.tmp, "weir.json")
        with open(path, "w") as f:
            json.dump(cfg, f)
        return path

    def start(self, group_roles=None):
        if self.s:
            self.s.stop()
        os.makedirs(self.data_dir, exist_ok=True)
        self.s = Server(self.weir, data_dir=self.data_dir, database=self.database, port=self.wport,
                        extra=["--config", self.config(group_roles), "--log-level", "debug"])
        self.s.start()
        return self.s

    # ---- the provider's controls
    def op(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        return Browser().req(method, self.issuer + path, data, {"Content-Type": "application/json"}).json

    def fake(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        return Browser().req(method, f"http://127.0.0.1:{self.fake_port}{path}", data, {"Content-Type": "application/json"}).json

    def set_mode(self, mode):
        self.fake("POST", "/__test/mode", {"mode": mode})

    # ---- weir
    def start_url(self, pid, **q):
        return f"{self.base}/api/v1/auth/oidc/{pid}/start" + ("?" + urllib.parse.urlencode(q) if q else "")

    def begin(self, b, pid="corp", **q):
        """GET …/start: (the Page, the authorization URL or None)."""
        pg = b.get(self.start_url(pid, **q))
        loc = pg.header("Location") if pg.status == 302 else None
        if loc:
            self.seen.append(query_of(loc).get("state", ""))
        return pg, loc

    def to_callback(self, b, auth_url, pid="corp", account="alice"):
        """The provider's part: the callback URL weir gets the browser back on."""
        if pid == "corp":
            cb = provider_login(b, auth_url, account, self.callback_url("corp"))
        else:
            pg = b.get(auth_url)
            cb = urllib.parse.urljoin(auth_url, pg.header("Location") or "")
        q = query_of(cb)
        self.seen += [q.get("code", ""), q.get("state", "")]
        return cb

    def login(self, b, pid="corp", account="alice", **q):
        """Start → provider → callback; returns the callback's Page."""
        pg, auth = self.begin(b, pid, **q)
        if not auth:
            return pg
        return b.get(self.to_callback(b, auth, pid, account))

    def me(self, b):
        return b.get(self.base + "/api/v1/me")

    def bearer(self, path, token, method="GET", body=None):
        data = json.dumps(body).encode() if body is not None else None
        h = {"Authorization": "Bearer " + token}
        if data:
            h["Content-Type"] = "application/json"
        return Browser().req(method, self.base + path, data, h)

    def cli_token(self, account, resource="urn:weir:api", exchange=True, verifier_mode="right"):
        """The test as an API client at the real provider: (Page of the token
        endpoint, the code) — PKCE S256, client_secret_post."""
        b = Browser()
        verifier = b64url(secrets.token_bytes(32))
        q = {"client_id": "cli", "response_type": "code", "redirect_uri": self.cli_redirect, "scope": "openid api",
             "resource": resource, "state": secrets.token_urlsafe(16), "nonce": secrets.token_urlsafe(16),
             "code_challenge": b64url(hashlib.sha256(verifier.encode()).digest()), "code_challenge_method": "S256"}
        cb = provider_login(b, f"{self.issuer}/auth?{urllib.parse.urlencode(q)}", account, self.cli_redirect)
        code = query_of(cb)["code"]
        self.seen.append(code)
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.cli_redirect, "client_id": "cli",
                "client_secret": self.cli_secret, "resource": resource}
        if verifier_mode == "right":
            form["code_verifier"] = verifier
        elif verifier_mode == "wrong":
            form["code_verifier"] = b64url(secrets.token_bytes(32))
        pg = b.req("POST", self.issuer + "/token", urllib.parse.urlencode(form).encode(),
                   {"Content-Type": "application/x-www-form-urlencoded"})
        for k in ("access_token", "id_token"):
            if isinstance(pg.json, dict) and pg.json.get(k):
                self.seen.append(pg.json[k])
        return pg


def config_validation(c, weir, tmp):
    """weir serve refuses a bad providers configuration at start, naming the
    problem and never the secret."""
    secret = "do-not-print-" + secrets.token_hex(8)
    good = {"id": "corp", "issuer": "https://idp.example", "client_id": "weir", "client_secret": secret,
            "redirect_url": "https://weir.example/api/v1/auth/oidc/corp/callback"}
    cases = [
        ("unknown key in a provider", dict(good, colour="blue"), "unknown key"),
        ("http issuer that is not loopback", dict(good, issuer="http://idp.example"), "issuer"),
        ("http issuer named localhost (not an IP literal)", dict(good, issuer="http://localhost:9999"), "issuer"),
        ("issuer with user-info", dict(good, issuer="https://u@idp.example"), "issuer"),
        ("no client secret", {k: v for k, v in good.items() if k != "client_secret"}, "client_secret"),
        ("both client_secret and client_secret_file", dict(good, client_secret_file="/nonexistent"), "client_secret"),
        ("redirect_url not weir's callback of this provider", dict(good, redirect_url="https://weir.example/api/v1/auth/oidc/other/callback"), "redirect_url"),
        ("scopes without openid", dict(good, scopes=["email"]), "openid"),
        ("group_roles without groups_claim", dict(good, group_roles=[{"group": "g", "app": "app_" + "0" * 32, "role": "editor"}]), "groups_claim"),
        ("group mapped to the owner role", dict(good, groups_claim="groups", group_roles=[{"group": "g", "app": "app_" + "0" * 32, "role": "owner"}]), "owner"),
        ("group_roles app not an app id", dict(good, groups_claim="groups", group_roles=[{"group": "g", "app": "corp", "role": "editor"}]), "app id"),
        ("access token audience equal to client_id", dict(good, access_tokens={"audience": "weir"}), "audience"),
        ("unknown key in access_tokens", dict(good, access_tokens={"audience": "api", "x": 1}), "access_tokens"),
        ("bad provider id", dict(good, id="Corp!"), "id"),
        ("jwks_min_refresh_s out of range", dict(good, jwks_min_refresh_s=0), "jwks_min_refresh_s"),
    ]
    dup = [("duplicate provider id", [good, dict(good, issuer="https://other.example")], "id"),
           ("duplicate issuer", [good, dict(good, id="corp2", redirect_url="https://weir.example/api/v1/auth/oidc/corp2/callback")], "issuer"),
           ("not an array", {"id": "x"}, "array")]
    runs = [(what, [p], want) for what, p, want in cases] + dup
    for what, providers, want in runs:
        path = os.path.join(tmp, "bad.json")
        with open(path, "w") as f:
            json.dump({"oidc_providers": providers}, f)
        try:
            p = subprocess.run([weir, "serve", "--config", path, "--data-dir", os.path.join(tmp, "bad-data"), "--listen", "127.0.0.1:0"],
                               capture_output=True, text=True, timeout=20)
            out = p.stdout + p.stderr
            c.eq(p.returncode, 2, f"config: {what}: weir serve exits 2 ({out.strip()[-200:]})")
            c.check(want in out, f"config: {what}: the message names {want!r}: {out.strip()[-200:]}")
            c.check(secret not in out, f"config: {what}: the client secret is not printed")
        except subprocess.TimeoutExpired:
            c.check(False, f"config: {what}: weir serve started instead of refusing the configuration")
    path = os.path.join(tmp, "ok.json")
    with open(path, "w") as f:
        json.dump({"oidc_providers": [good, dict(good, id="v6", issuer="http://[::1]:8080/realm",
                                                 redirect_url="http://127.0.0.1:8420/api/v1/auth/oidc/v6/callback")]}, f)
    with Server(weir, extra=["--config", path]) as s:
        r = s.call("GET", "/api/v1/auth/providers")
        c.eq([(p["id"], p["name"]) for p in (r.json or {}).get("items", [])], [("corp", "corp"), ("v6", "v6")],
             "config: https issuer and http on [::1] accepted; providers listed, name defaults to the id")
        c.check(secret not in r.body, "config: the providers list carries no secret")


def suite(w):
    s = w.start()
    eq, check, refused = w.eq, w.check, w.refused

    # ---- phase 0: apps the group mapping names (their ids go in the config)
    admin = s.admin_token()
    apps = {}
    for name in ("mapped", "owned", "manual"):
        r = s.call("POST", "/api/v1/apps", admin, {"name": name})
        apps[name] = r.json["id"]
    s = w.start(group_roles=[
        {"group": "weir-editors", "app": apps["mapped"], "role": "editor"},
        {"group": "weir-viewers", "app": apps["mapped"], "role": "viewer"},
        {"group": "weir-editors", "app": apps["owned"], "role": "admin"},
        {"group": "weir-editors", "app": "app_" + "0" * 32, "role": "editor"},   # an app that does not exist: skipped
    ])
    w.op("POST", "/__test/groups", {"account": "alice", "groups": ["weir-editors"]})

    # ---- the providers list, for the sign-in page
    r = Browser().get(w.base + "/api/v1/auth/providers")
    eq(r.status, 200, "GET /api/v1/auth/providers")
    eq([(p.get("id"), p.get("name")) for p in (r.json or {}).get("items", [])],
       [("corp", "Corp SSO"), ("fake", "Hand-made"), ("mismatch", "mismatch"), ("down", "down")], "providers: id and name")
    check(w.weir_secret not in r.body and w.fake_secret not in r.body, "providers: no secret in the list")
    refused(Browser().get(w.start_url("nope")), 404, "not_found", None, "start with an unknown provider")

    # ---- the authorization request weir makes
    b = Browser()
    pg, auth = w.begin(b)
    eq(pg.status, 302, "start redirects to the provider")
    q = query_of(auth or "")
    check((auth or "").startswith(w.issuer + "/auth?"), f"start goes to the discovered authorization_endpoint: {auth}")
    eq((q.get("response_type"), q.get("client_id"), q.get("redirect_uri"), q.get("scope"), q.get("code_challenge_method")),
       ("code", "weir", w.callback_url("corp"), "openid email profile groups", "S256"), "authorization request parameters")
    check(len(q.get("state", "")) >= 43 and len(q.get("nonce", "")) >= 43 and len(q.get("code_challenge", "")) == 43,
          "state and nonce have 256 bits, code_challenge is a SHA-256")
    ck = next((h for h in pg.headers_all("Set-Cookie") if h.startswith("weir_oidc=")), "")
    check("HttpOnly" in ck and "SameSite=Lax" in ck and "Path=/api/v1/auth/oidc/" in ck, f"the browser binding cookie: {ck}")
    _, auth2 = w.begin(b)
    q2 = query_of(auth2 or "")
    check(q2.get("state") != q.get("state") and q2.get("nonce") != q.get("nonce") and q2.get("code_challenge") != q.get("code_challenge"),
          "every start has its own state, nonce and verifier")
    for bad in ("//evil.example/", "/\\evil.example", "https://evil.example/", "evil", "/a b", "/" + "a" * 600):
        refused(Browser().get(w.start_url("corp", return_to=bad)), 400, "bad_return_to", None, f"return_to {bad[:40]!r} refused")

    # ---- the round trip
    b1 = Browser()
    pg, auth = w.begin(b1)
    cb = w.to_callback(b1, auth)
    eq(query_of(cb).get("iss"), w.issuer, "the provider names itself in the response (RFC 9207)")
    pg = b1.get(cb)
    eq((pg.status, pg.header("Location")), (302, "/"), f"callback signs in and goes to / ({pg!r})")
    sc = next((h for h in pg.headers_all("Set-Cookie") if h.startswith("weir_session=")), "")
    check("HttpOnly" in sc and "SameSite=Lax" in sc, f"the session cookie is HttpOnly, SameSite=Lax: {sc}")
    me = w.me(b1)
    eq(me.status, 200, "GET /me with the session")
    user = (me.json or {}).get("user", {})
    alice = user.get("id")
    eq(user.get("email"), "alice@corp.test", "a new user with the verified e-mail")
    eq([(i["provider"], i["issuer"], i["subject"]) for i in user.get("identities", [])], [("corp", w.issuer, "alice")],
       "/me shows the identity: issuer + subject")
    eq(store_rows(s, f"SELECT user_id, email_at_link FROM user_identities WHERE issuer = '{w.issuer}' AND subject = 'alice'"),
       [(alice, "alice@corp.test")], "user_identities row (issuer, subject) → user")
    eq(((me.json or {}).get("credential") or {}).get("kind"), "session", "the credential is a session")
    roles = {a["id"]: a["role"] for a in (me.json or {}).get("apps", [])}
    eq((roles.get(apps["mapped"]), roles.get(apps["owned"])), ("editor", "admin"), "groups claim → roles in the mapped apps")
    eq(store_rows(s, f"SELECT COUNT(*) FROM oidc_states WHERE state_hash = '{token_hash(s, query_of(cb)['state'])}'"), [("0",)],
       "the used state is deleted")
    refused(b1.get(cb), 400, "oidc_state_invalid", "unknown_state", "replayed callback (same state again)")
    pg = b1.get(cb, headers={"Accept": "text/html,application/xhtml+xml"})
    eq((pg.status, pg.header("Location")), (302, "/?signin_error=oidc_state_invalid&reason=unknown_state"),
       "a browser page (Accept: text/html) is sent back to the sign-in page with the refusal, not shown JSON")
    csrf = ((me.json or {}).get("credential") or {}).get("csrf_token")
    check(b1.req("POST", w.base + "/api/v1/auth/logout", b"", {"X-CSRF-Token": csrf or ""}).status == 204, "the OIDC session signs out like any session")

    b2 = Browser()
    pg = w.login(b2, return_to="/apps/x?tab=runs")
    eq((pg.status, pg.header("Location")), (302, "/apps/x?tab=runs"), "return_to is where the callback goes")
    eq(((w.me(b2).json or {}).get("user") or {}).get("id"), alice, "second sign-in: the same user (issuer + subject)")
    eq(store_rows(s, "SELECT COUNT(*) FROM users WHERE email = 'alice@corp.test'"), [("1",)], "no second account")

    # the state is bound to the browser that started it (login CSRF)
    b3, b4 = Browser(), Browser()
    _, auth = w.begin(b3)
    cb = w.to_callback(b3, auth)
    refused(b4.get(cb), 400, "oidc_state_invalid", "browser_mismatch", "callback in another browser")
    refused(b3.get(cb), 400, "oidc_state_invalid", "unknown_state", "the state is used up by the refused attempt")
    check(b4.cookie("weir_session") is None and w.me(b4).status == 401, "no session from a refused callback")
    # an expired state
    b5 = Browser()
    _, auth = w.begin(b5)
    store_sql(s, f"UPDATE oidc_states SET expires_at = 1 WHERE state_hash = '{token_hash(s, query_of(auth)['state'])}'")
    refused(b5.get(w.to_callback(b5, auth)), 400, "oidc_state_invalid", "expired_state", "expired state")
    refused(Browser().get(w.callback_url("corp") + "?code=x"), 400, "oidc_state_invalid", "missing_state", "callback without state")
    refused(Browser().get(w.callback_url("corp") + "?code=x&state=" + "A" * 43), 400, "oidc_state_invalid", "unknown_state", "made-up state")
    # the provider says no
    b6 = Browser()
    _, auth = w.begin(b6)
    st = query_of(auth)["state"]
    refused(b6.get(w.callback_url("corp") + "?" + urllib.parse.urlencode({"error": "access_denied", "state": st, "iss": w.issuer})),
            401, "oidc_provider_refused", "access_denied", "the provider refused (error=access_denied)")
    # a state started for one provider, returned to another's callback
    b7 = Browser()
    _, auth = w.begin(b7, "fake")
    st = query_of(auth)["state"]
    refused(b7.get(w.callback_url("corp") + "?" + urllib.parse.urlencode({"code": "x", "state": st})), 400, "oidc_state_invalid",
            "wrong_provider", "state of another provider (mix-up)")

    # ---- the owner is never touched; memberships made by hand are kept
    r = s.call("PUT", f"/api/v1/apps/{apps['owned']}/members/{alice}", s.token(ADMIN_EMAIL, scopes=["owner"]), {"role": "owner"})
    eq(r.status, 200, f"admin transfers ownership of 'owned' to alice ({r!r})")
    eq(s.call("PUT", f"/api/v1/apps/{apps['manual']}/members/{alice}", admin, {"role": "viewer"}).status, 200, "a membership made by hand")
    w.login(Browser())
    roles = {a["id"]: a["role"] for a in (w.me(b2).json or {}).get("apps", [])}
    eq(roles.get(apps["owned"]), "owner", "sign-in with a group mapped to 'admin': the owner stays owner")
    for _ in range(3):  # alice's role in 'mapped' is now in the server's cache (SQLite)
        warm = b2.get(f"{w.base}/api/v1/apps/{apps['mapped']}/boards")
    eq(warm.status, 200, "alice, editor through her group, reads the mapped app")
    w.op("POST", "/__test/groups", {"account": "alice", "groups": []})
    w.login(Browser())
    eq(b2.get(f"{w.base}/api/v1/apps/{apps['mapped']}/boards").status, 403,
       "a sign-in that removes the mapped membership applies to her other sessions at once (the callback empties the cache)")
    roles = {a["id"]: a["role"] for a in (w.me(b2).json or {}).get("apps", [])}
    eq((roles.get(apps["mapped"]), roles.get(apps["owned"]), roles.get(apps["manual"])), (None, "owner", "viewer"),
       "group gone: the mapped membership is removed; owner and hand-made memberships stay")
    w.op("POST", "/__test/groups", {"account": "alice", "groups": ["weir-viewers", "weir-editors"]})
    w.login(Browser())
    roles = {a["id"]: a["role"] for a in (w.me(b2).json or {}).get("apps", [])}
    eq(roles.get(apps["mapped"]), "editor", "two groups for one app: the first mapping entry wins")
    eq(s.call("PUT", f"/api/v1/apps/{apps['mapped']}/members/{alice}", admin, {"role": "operator"}).status, 200, "an admin changes the mapped role by hand")
    w.op("POST", "/__test/groups", {"account": "alice", "groups": []})
    w.login(Browser())
    roles = {a["id"]: a["role"] for a in (w.me(b2).json or {}).get("apps", [])}
    eq(roles.get(apps["mapped"]), "operator", "a role changed by hand is not removed with the group")
    w.op("POST", "/__test/groups", {"account": "alice", "groups": ["weir-editors"]})

    # ---- e-mail never links: unverified → separate account; verified and taken → refused until linked
    bob_local = s.add_user("bob@corp.test")
    bb = Browser()
    pg = w.login(bb, account="bob")
    eq(pg.status, 302, "bob (unverified e-mail) signs in")
    u = (w.me(bb).json or {}).get("user", {})
    check(u.get("id") not in (None, bob_local), "an unverified e-mail never reaches an existing account")
    check(re.fullmatch(r"oidc-[0-9a-f]{24}@corp\.invalid", u.get("email", "")) is not None, f"…and is not used: placeholder {u.get('email')}")
    carol_local = s.add_user("carol@corp.test")
    bc = Browser()
    refused(w.login(bc, account="carol"), 409, "oidc_email_in_use", None, "a verified e-mail of an existing account is not linked by itself")
    eq(store_rows(s, "SELECT COUNT(*) FROM user_identities WHERE subject = 'carol'"), [("0",)], "…and no identity was stored")
    refused(Browser().get(w.start_url("corp", link="1")), 401, "link_needs_session", None, "linking needs a session")
    login = bc.req("POST", w.base + "/api/v1/auth/login", json.dumps({"email": "carol@corp.test", "password": ADMIN_PASSWORD}).encode(),
                   {"Content-Type": "application/json"})
    eq(login.status, 200, "carol signs in with her password")
    pg = w.login(bc, account="carol", link="1", return_to="/settings")
    eq((pg.status, pg.header("Location")), (302, "/settings"), "…and links the provider to her account")
    eq([i["subject"] for i in ((w.me(bc).json or {}).get("user") or {}).get("identities", [])], ["carol"], "carol's account lists the identity")
    bc2 = Browser()
    w.login(bc2, account="carol")
    eq(((w.me(bc2).json or {}).get("user") or {}).get("id"), carol_local, "after linking, signing in with the provider reaches carol's account")
    bl = Browser()
    bl.req("POST", w.base + "/api/v1/auth/login", json.dumps({"email": "bob@corp.test", "password": ADMIN_PASSWORD}).encode(),
           {"Content-Type": "application/json"})
    refused(w.login(bl, account="alice", link="1"), 409, "oidc_identity_in_use", None, "an identity linked to one user cannot be linked to another")

    # ---- provider access tokens as bearer credentials
    tok = w.cli_token("alice")
    at_k1 = (tok.json or {}).get("access_token", "")
    eq(at_k1.count("."), 2, f"the provider issues a JWT access token for urn:weir:api ({tok!r})")
    r = w.bearer("/api/v1/me", at_k1)
    eq((r.status, ((r.json or {}).get("user") or {}).get("id"), ((r.json or {}).get("credential") or {}).get("kind")),
       (200, alice, "oidc"), "GET /me with the provider's access token: alice, kind oidc")
    r = w.bearer(f"/api/v1/apps/{apps['owned']}", at_k1, "PATCH", {"name": "renamed by bearer"})
    eq(r.status, 200, f"a bearer access token needs no CSRF token for a write ({r!r})")
    other = (w.cli_token("alice", resource="urn:other:api").json or {}).get("access_token", "")
    refused(w.bearer("/api/v1/me", other), 401, "invalid_credential", "bad_audience", "access token for another API (aud other-api)")
    erin = (w.cli_token("erin").json or {}).get("access_token", "")
    refused(w.bearer("/api/v1/me", erin), 401, "invalid_credential", "unknown_identity", "access token of someone who never signed in")
    idt = (tok.json or {}).get("id_token", "")
    refused(w.bearer("/api/v1/me", idt), 401, "invalid_credential", "bad_audience", "an ID token is not an access token")
    refused(w.bearer("/api/v1/me", "aaaa.bbbb.cccc"), 401, "invalid_credential", "unknown_issuer", "junk shaped like a JWT")
    # PKCE at the provider: the code is useless without its verifier
    pg = w.cli_token("alice", verifier_mode="none")
    eq((pg.status, (pg.json or {}).get("error")), (400, "invalid_grant"), "the provider refuses a code exchange without code_verifier")
    pg = w.cli_token("alice", verifier_mode="wrong")
    eq((pg.status, (pg.json or {}).get("error")), (400, "invalid_grant"), "the provider refuses a code exchange with a wrong code_verifier")

    # ---- key rotation at the real provider
    before = w.op("GET", "/__test/stats")
    w.op("POST", "/__test/rotate")
    time.sleep(1.2)  # jwks_min_refresh_s of corp is 1
    br = Browser()
    pg = w.login(br)
    eq(pg.status, 302, f"after rotation: an ID token signed by a key weir has not seen → JWKS refreshed → sign-in works ({pg!r})")
    after = w.op("GET", "/__test/stats")
    check(after["jwks"] > before["jwks"], f"…the JWKS was fetched again ({before['jwks']} → {after['jwks']})")
    refused(w.bearer("/api/v1/me", at_k1), 401, "invalid_credential", "unknown_key", "access token signed by the removed key")
    at_k2 = (w.cli_token("alice").json or {}).get("access_token", "")
    eq(w.bearer("/api/v1/me", at_k2).status, 200, "access token signed by the new key")

    # ---- crafted ID tokens from the hand-made issuer
    w.set_mode("ok")
    bf = Browser()
    pg = w.login(bf, "fake")
    eq(pg.status, 302, f"hand-made issuer, a good RS256 token: signed in ({pg!r})")
    fstats = w.fake("GET", "/__test/stats")
    eq((fstats["verifier_sent"], fstats["verifier_ok"]), (True, True), "weir sent the PKCE verifier matching its challenge (client_secret_post)")
    fake_user = ((w.me(bf).json or {}).get("user") or {}).get("id")
    accepted = ["ok_es256", "ok_eddsa", "aud_array_ok", "expired_in_leeway", "nbf_in_leeway"]
    for mode in accepted:
        w.set_mode(mode)
        bx = Browser()
        pg = w.login(bx, "fake")
        eq(pg.status, 302, f"ID token {mode}: accepted ({pg!r})")
        eq(((w.me(bx).json or {}).get("user") or {}).get("id"), fake_user, f"ID token {mode}: the same user")
    rejected = [
        ("wrong_aud", "bad_audience"), ("multi_aud_no_azp", "bad_azp"), ("azp_wrong", "bad_azp"), ("wrong_iss", "bad_issuer"),
        ("expired", "expired"), ("no_exp", "expired"), ("nbf_future", "not_yet_valid"), ("iat_future", "issued_in_future"),
        ("iat_old", "too_old"), ("no_sub", "no_subject"), ("nonce_mismatch", "nonce_mismatch"), ("no_nonce", "nonce_mismatch"),
        ("bad_sig", "bad_signature"), ("tampered", "bad_signature"), ("alg_none", "alg_not_allowed"),
        ("alg_none_kid", "alg_not_allowed"), ("alg_hs256_pubkey", "alg_not_allowed"), ("key_alg_mismatch", "key_mismatch"),
        ("kty_mismatch", "key_mismatch"), ("small_rsa", "key_mismatch"), ("ok_no_kid", "unknown_key"),
        ("at_typ", "wrong_token_type"), ("crit", "malformed"), ("jwe_shape", "malformed"),
    ]
    for mode, reason in rejected:
        w.set_mode(mode)
        bx = Browser()
        pg = w.login(bx, "fake")
        refused(pg, 401, "oidc_id_token_invalid", reason, f"ID token {mode}")
        check(bx.cookie("weir_session") is None, f"ID token {mode}: no session cookie")
    w.set_mode("token_error")
    refused(w.login(Browser(), "fake"), 401, "oidc_exchange_failed", "exchange_refused:access_denied", "the token endpoint refuses the code")
    w.set_mode("resp_iss_wrong")
    refused(w.login(Browser(), "fake"), 400, "oidc_bad_callback", "issuer_mismatch", "response names another issuer (RFC 9207)")
    for i in range(2):
        refused(Browser().get(w.start_url("mismatch")), 502, "oidc_provider_unavailable", "discovery_mismatch",
                f"discovery document naming another issuer (attempt {i + 1})")
    refused(Browser().get(w.start_url("down")), 502, "oidc_provider_unavailable", "provider_unavailable", "a provider that does not answer")

    # ---- a state without its verifier is refused before any exchange
    w.set_mode("ok")
    bv = Browser()
    _, auth = w.begin(bv, "fake")
    store_sql(s, f"UPDATE oidc_states SET verifier = '' WHERE state_hash = '{token_hash(s, query_of(auth)['state'])}'")
    hits = w.fake("GET", "/__test/stats")["token"]
    refused(bv.get(w.to_callback(bv, auth, "fake")), 400, "oidc_state_invalid", "verifier_missing", "state without its PKCE verifier")
    eq(w.fake("GET", "/__test/stats")["token"], hits, "…refused before the token endpoint is called")
    _, auth1 = w.begin(bv, "fake")
    _, auth2 = w.begin(bv, "fake")
    h1, h2 = token_hash(s, query_of(auth1)["state"]), token_hash(s, query_of(auth2)["state"])
    store_sql(s, f"UPDATE oidc_states SET verifier = (SELECT verifier FROM oidc_states WHERE state_hash = '{h2}') WHERE state_hash = '{h1}'")
    refused(bv.get(w.to_callback(bv, auth1, "fake")), 400, "oidc_state_invalid", "verifier_missing",
            "another state's sealed verifier does not open (bound to its state)")

    # ---- JWKS refresh on an unknown kid, rate-limited (fake: jwks_min_refresh_s 5)
    time.sleep(5.2)
    j0 = w.fake("GET", "/__test/stats")["jwks"]
    w.set_mode("unknown_kid")
    for i in range(3):
        refused(w.login(Browser(), "fake"), 401, "oidc_id_token_invalid", "unknown_key", f"unknown kid, attempt {i + 1}")
    eq(w.fake("GET", "/__test/stats")["jwks"], j0 + 1, "three unknown kids in a row: one JWKS fetch (rate limit)")
    w.fake("POST", "/__test/publish")
    refused(w.login(Browser(), "fake"), 401, "oidc_id_token_invalid", "unknown_key", "key published, but within jwks_min_refresh_s: not fetched yet")
    time.sleep(5.2)
    pg = w.login(Browser(), "fake")
    eq(pg.status, 302, f"after jwks_min_refresh_s the new key is fetched and accepted ({pg!r})")
    eq(w.fake("GET", "/__test/stats")["jwks"], j0 + 2, "…with one more fetch")

    # ---- crafted access tokens
    def mint(mode, kind="at"):
        t = (w.fake("GET", f"/__test/mint?mode={mode}&kind={kind}") or {}).get("token", "")
        w.seen.append(t)
        return t
    eq(w.bearer("/api/v1/me", mint("ok")).status, 200, "crafted access token, good: accepted")
    for mode, reason in [("expired", "expired"), ("nbf_future", "not_yet_valid"), ("wrong_aud", "bad_audience"),
                         ("alg_none", "alg_not_allowed"), ("alg_hs256_pubkey", "alg_not_allowed"), ("bad_sig", "bad_signature"),
                         ("tampered", "bad_signature"), ("iat_future", "issued_in_future"), ("wrong_iss", "unknown_issuer"),
                         ("key_alg_mismatch", "key_mismatch")]:
        refused(w.bearer("/api/v1/me", mint(mode)), 401, "invalid_credential", reason, f"access token {mode}")
    refused(w.bearer("/api/v1/me", mint("ok", "id")), 401, "invalid_credential", "bad_audience", "a (good) ID token as an access token")
    r = w.bearer("/api/v1/me", mint("expired"))
    check("invalid_token" in (r.header("WWW-Authenticate") or ""), "401 says Bearer error=\"invalid_token\"")

    # ---- nothing secret in the server's log
    log = s.read_log()
    leaked = [v for v in set(w.seen) | {w.weir_secret, w.fake_secret, w.cli_secret} if v and len(v) >= 12 and v in log]
    eq(leaked, [], "no code, state, token or client secret in the server's log")
    check("identity provider sign-in refused" in log, "refusals are logged (with their reason)")
    audit = store_rows(s, "SELECT action, actor_kind, outcome, COALESCE(detail, '') FROM audit")
    check(any(a == "user.create" and '"oidc"' in d for a, _, _, d in audit), "audit: the user created by a sign-in")
    check(any(a == "member.add" and k == "system" and "oidc_groups" in d for a, k, _, d in audit), "audit: memberships the group mapping made")
    check(any(a == "member.remove" and k == "system" for a, k, _, _ in audit), "audit: memberships the group mapping removed")
    check(any(a == "auth.login" and o == "failed" and "nonce_mismatch" in d for a, _, o, d in audit), "audit: refused sign-ins with their reason")
    leaked = [v for v in set(w.seen) | {w.weir_secret, w.fake_secret} if v and len(v) >= 12 and any(v in row[3] for row in audit)]
    eq(leaked, [], "no code, state, token or secret in the audit log")
    # a clean stop (under ASan/UBSan: no report, no leak)
    w.s = None
    eq(s.stop(), 0, "the server stops cleanly")
    log = s.read_log()
    check("Sanitizer" not in log and "runtime error:" not in log, f"no sanitizer report: {log[log.find('Sanitizer') - 200:][:1500] if 'Sanitizer' in log else ''}")


def main():
    weir, src = sys.argv[1], sys.argv[2]
    c = Checks()
    moddir, why = install_provider(src)
    if not c.check(moddir is not None, f"the test OpenID provider (npm packages) could not be installed: {why}"):
        return c.done()
    tmp = tempfile.mkdtemp(prefix="weir-oidc-cfg-")
    try:
        config_validation(c, weir, tmp)
    except Exception as ex:
        c.check(False, f"config validation crashed: {ex!r}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for url in store_urls():
        label = "postgres" if url else "sqlite"
        w = None
        try:
            w = World(weir, src, moddir, url, label, c)
            suite(w)
        except Exception as ex:  # a crash is a failure, with the logs
            import traceback
            logs = (w.s.read_log()[-3000:] if w and w.s else "")
            c.check(False, f"[{label}] suite crashed: {ex!r}\n{traceback.format_exc()}\n{logs}")
        finally:
            if w:
                w.close()
    return c.done()


if __name__ == "__main__":
    sys.exit(main())
