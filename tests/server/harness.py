"""harness.py — start a real `weir serve` on a free loopback port with a fresh
data directory, and talk to it. Shared by every tests/server/test_*.py.

Usage in a test:
    from harness import Server
    with Server(weir_bin) as s:
        admin = s.admin_token()           # instance admin, full scopes
        app = s.call("POST", "/api/v1/apps", admin, {"name": "a"}).json["id"]

Only the Python standard library is used, so CI needs nothing extra.

For the suite-wide secret check (tests/integration/test_server.sh runs
test_secret_hygiene.py last), three environment variables:
  WEIR_TEST_LOG_DIR       every Server writes its log here (and leaves it)
  WEIR_TEST_SECRETS_FILE  every secret the harness sees issued is appended
                          here ("kind<TAB>value"): tokens, keys, session
                          cookies and CSRF tokens in any Response, passwords
                          given to add_user or sent in a body by Server.call,
                          tokens printed by `weir token create`
  WEIR_TEST_LOG_LEVEL     the servers' --log-level (default warn)
"""
import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback

ADMIN_EMAIL = "admin@test.local"
ADMIN_PASSWORD = "correct-horse-battery-staple"

LOG_DIR = os.environ.get("WEIR_TEST_LOG_DIR") or None
SECRETS_FILE = os.environ.get("WEIR_TEST_SECRETS_FILE") or None
LOG_LEVEL = os.environ.get("WEIR_TEST_LOG_LEVEL") or "warn"
TOKEN_RE = re.compile(r"weir[pks]_[A-Za-z0-9_-]{49}")
CSRF_RE = re.compile(r'"csrf_token"\s*:\s*"([A-Za-z0-9_-]{43})"')


def note_secret(kind, value):
    """Remember an issued secret for the suite-wide check (WEIR_TEST_SECRETS_FILE)."""
    if SECRETS_FILE and value and "\n" not in value:
        with open(SECRETS_FILE, "a") as f:
            f.write(f"{kind}\t{value}\n")


def note_secrets_in(text):
    if SECRETS_FILE and text:
        for t in set(TOKEN_RE.findall(text)):
            note_secret("token", t)
        for t in set(CSRF_RE.findall(text)):
            note_secret("csrf", t)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def now_us():
    return int(time.time() * 1e6)


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None
        if SECRETS_FILE:
            note_secrets_in(body if isinstance(body, str) else "")
            note_secrets_in(" ".join(str(v) for _, v in headers or ()))

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


class Server:
    def __init__(self, weir, data_dir=None, database=None, extra=(), env=None, port=None):
        self.weir = weir
        self.own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="weir-test-")
        self.database = database
        self.extra = list(extra)
        self.env = dict(os.environ, **(env or {}))
        self.port = port or free_port()
        self.proc = None
        self.log_path = os.path.join(LOG_DIR or os.path.join(self.data_dir, ".."), os.path.basename(self.data_dir) + ".log")
        self._admin = None

    # ---- process ---------------------------------------------------------
    def base_args(self):
        a = ["--data-dir", self.data_dir]
        if self.database:
            a += ["--database", self.database]
        return a

    def start(self, wait=True):
        args = [self.weir, "serve", "--listen", f"127.0.0.1:{self.port}", "--log-level", LOG_LEVEL] + self.base_args() + self.extra
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log, env=self.env)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"weir serve exited with {self.proc.returncode}: {self.read_log()[-2000:]}")
            try:
                if self.call("GET", "/readyz").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("weir serve did not become ready")

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "log", None):
            self.log.close()
            self.log = None
        return self.proc.returncode if self.proc else None

    def kill(self):
        return self.stop(signal.SIGKILL)

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        if self.own_dir:
            self.discard()
        else:
            self.stop()

    def discard(self):
        """Stop, then remove the data directory and the log (which stays when
        LOG_DIR collects logs for the suite-wide secret check)."""
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)
        if not LOG_DIR:
            try:
                os.unlink(self.log_path)
            except OSError:
                pass

    # ---- CLI ---------------------------------------------------------------
    def cli(self, *args, stdin=None, check=True):
        p = subprocess.run([self.weir, *args, *self.base_args()], input=stdin, capture_output=True, text=True, env=self.env)
        if check and p.returncode != 0:
            raise RuntimeError(f"weir {' '.join(args)} failed ({p.returncode}): {p.stderr}")
        return p

    def add_user(self, email, password=ADMIN_PASSWORD, admin=False):
        a = ["user", "add", email, "--password-stdin"] + (["--admin"] if admin else [])
        note_secret("password", password)
        return json.loads(self.cli(*a, stdin=password + "\n").stdout)["id"]

    def token(self, email, scopes=None, name="test", expires="1d"):
        a = ["token", "create", "--user", email, "--name", name, "--expires-in", expires]
        if scopes is not None:
            a += ["--scopes", ",".join(scopes)]
        tok = self.cli(*a).stdout.strip().splitlines()[-1]
        note_secret("token", tok)
        return tok

    def admin_token(self):
        if not self._admin:
            self.add_user(ADMIN_EMAIL, admin=True)
            self._admin = self.token(ADMIN_EMAIL)
        return self._admin

    # ---- HTTP ------------------------------------------------------------------
    def call(self, method, path, token=None, body=None, headers=None, raw=None, timeout=30):
        if isinstance(body, dict) and isinstance(body.get("password"), str):
            note_secret("password", body["password"])
        return request(self, method, path, token, body, headers, raw, timeout)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"


def exchange(conn, method, path, token=None, body=None, headers=None, raw=None, read_stream=True):
    """One request on conn (an HTTP(S)Connection, closed after): a Bearer
    token, a JSON body or raw bytes (str or bytes), more headers. An event
    stream's body is read only when read_stream (it may never end)."""
    h = dict(headers or {})
    data = None
    if token:
        h["Authorization"] = "Bearer " + token
    if body is not None:
        data = json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    elif raw is not None:
        data = raw if isinstance(raw, bytes) else raw.encode()
    try:
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        stream = (r.getheader("Content-Type") or "").startswith("text/event-stream")
        return Response(r.status, r.getheaders(), "" if stream and not read_stream else r.read().decode("utf-8", "replace"))
    finally:
        conn.close()


def request(s, method, path, token=None, body=None, headers=None, raw=None, timeout=30, src="127.0.0.1", read_stream=True):
    """exchange with the Server s over plain HTTP, from the loopback address src."""
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=timeout, source_address=(src, 0))
    return exchange(conn, method, path, token, body, headers, raw, read_stream)


def load_board(src, name):
    with open(os.path.join(src, name)) as f:
        return json.load(f)


# ---- the store, read and changed behind the server's back --------------------------------

# What the server caches (docs/server.md "Cache"; SQLite only): an edit of
# these tables behind the server's back is seen within cache_ttl_ms.
CACHED_TABLES = re.compile(r"\b(tokens|api_keys|users|members|roles|apps|events|boards|board_versions)\b", re.I)
CACHE_TTL_S = 1.0  # the default cache_ttl_ms


def store_sql(s, *statements):
    """Run the statements on s's store (its SQLite file, or its PostgreSQL
    database through psql) in one transaction. On SQLite, an edit of a table
    the server caches then waits out cache_ttl_ms, as an operator would."""
    if s.database:
        subprocess.run(["psql", s.database, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-c", "; ".join(statements)],
                       check=True, capture_output=True)
        return
    db = sqlite3.connect(os.path.join(s.data_dir, "weir.db"), timeout=30)
    try:
        db.execute("BEGIN")
        for sql in statements:
            db.execute(sql)
        db.commit()
    finally:
        db.close()
    if any(CACHED_TABLES.search(sql) for sql in statements):
        time.sleep(CACHE_TTL_S + 0.05)


def store_rows(s, sql):
    """The rows of a query on s's store, as tuples of text (SQL NULL: "")."""
    if s.database:
        out = subprocess.run(["psql", s.database, "-X", "-q", "-At", "-F", "\x1f", "-v", "ON_ERROR_STOP=1", "-c", sql],
                             check=True, capture_output=True, text=True).stdout
        return [tuple(line.split("\x1f")) for line in out.splitlines() if line]
    db = sqlite3.connect(os.path.join(s.data_dir, "weir.db"), timeout=30)
    try:
        return [tuple("" if v is None else str(v) for v in row) for row in db.execute(sql)]
    finally:
        db.close()


def store_text(s):
    """Everything s's store holds, as text: the SQLite files byte for byte
    (database, WAL; latin-1), or a pg_dump of the PostgreSQL database's rows."""
    if not s.database:
        out = b""
        for name in sorted(os.listdir(s.data_dir)):
            if name.startswith("weir.db"):
                with open(os.path.join(s.data_dir, name), "rb") as f:
                    out += f.read()
        return out.decode("latin-1")
    return subprocess.run(["pg_dump", "--data-only", s.database], check=True, capture_output=True, text=True).stdout


def token_hash(s, text):
    """The stored form of a token, key, session or sign-in state (docs/auth.md
    "Tokens"): keyed BLAKE2b-256 under the token subkey of s's weir.key, in hex."""
    with open(os.path.join(s.data_dir, "weir.key")) as f:
        master = base64.b64decode(f.read().split("\n")[1])
    # crypto_kdf_derive_from_key(32, id 1, "weirtokn", master)
    sub = hashlib.blake2b(b"", digest_size=32, key=master, salt=(1).to_bytes(8, "little"), person=b"weirtokn").digest()
    return hashlib.blake2b(text.encode(), digest_size=32, key=sub).hexdigest()


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def with_check(head):
    """head (prefix + 43 characters) with its 6 check characters (docs/auth.md "Tokens")."""
    return head + b64url(hashlib.blake2b(head.encode(), digest_size=16).digest()[:4])


class Checks:
    """Counts checks and prints `N passed, M failed` as the integration runner expects."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL: {what}", flush=True)
        return cond

    def eq(self, got, want, what):
        return self.check(got == want, f"{what}: got {got!r}, want {want!r}")

    def done(self):
        print(f"{self.passed} passed, {self.failed} failed")
        return 1 if self.failed else 0


PROBLEM = "application/problem+json"


def is_problem(c, r, status, what, code=None):
    """r is an RFC 9457 problem with this status (and code, when given)."""
    ok = c.eq(r.status, status, f"{what}: status ({r.body[:200]})")
    c.check((r.header("Content-Type") or "").startswith(PROBLEM), f"{what}: problem+json, got {r.header('Content-Type')}")
    if code:
        c.eq((r.json or {}).get("code"), code, f"{what}: code")
    return ok


class Sections:
    """Timed parts of a suite (section(name, fn, *args) returns fn's result):
    one that raises is a failure, and the others still run. times: "name 1.2s"."""

    def __init__(self, c):
        self.c = c
        self.times = []

    def __call__(self, name, fn, *a):
        t0 = time.time()
        try:
            out = fn(*a)
        except Exception:  # noqa: BLE001
            self.c.check(False, f"{name} raised:\n{traceback.format_exc()}")
            out = None
        self.times.append(f"{name} {time.time() - t0:.1f}s")
        return out


def main_per_store(suite):
    """main() of a suite that starts its own servers: `prog WEIR SRC` runs
    suite(c, weir, src, db_url) once per store (store_urls) with its own
    Checks and prints each store's count, then the total. Returns the exit code."""
    if len(sys.argv) < 3:
        print(f"usage: {os.path.basename(sys.argv[0])} WEIR SRC", file=sys.stderr)
        return 2
    weir, src = os.path.abspath(sys.argv[1]), sys.argv[2]
    total = Checks()
    for url in store_urls():
        c = Checks()
        t0 = time.time()
        try:
            suite(c, weir, src, url)
        except Exception:  # noqa: BLE001
            c.check(False, f"suite raised:\n{traceback.format_exc()}")
        print(f"[{'postgresql' if url else 'sqlite'}] {c.passed} passed, {c.failed} failed in {time.time() - t0:.1f} s", flush=True)
        total.passed += c.passed
        total.failed += c.failed
    return total.done()


def each_store(c, weir, fn, **server_args):
    """fn(s, label) against a fresh Server per store (store_urls; label
    "sqlite" or "postgres"). A crash is a failure, with the end of the log."""
    for url in store_urls():
        label = "postgres" if url else "sqlite"
        with Server(weir, database=url, **server_args) as s:
            print(f"-- store: {label}", flush=True)
            try:
                fn(s, label)
            except Exception as ex:  # noqa: BLE001
                c.check(False, f"[{label}] the suite crashed: {ex!r}\n{traceback.format_exc()}\n{s.read_log()[-3000:]}")


def main_each_store(suite, **server_args):
    """main() of a suite run against a fresh Server per store: `prog WEIR SRC`
    runs suite(c, s, src, label) through each_store, prints `N passed, M
    failed` and returns the exit code."""
    weir, src = sys.argv[1], sys.argv[2]
    c = Checks()
    each_store(c, weir, lambda s, label: suite(c, s, src, label), **server_args)
    return c.done()


def store_urls():
    """The stores to run a suite against: SQLite (None: the default) always,
    plus a fresh PostgreSQL database when WEIR_TEST_PG_URL is set."""
    urls = [None]
    if os.environ.get("WEIR_TEST_PG_URL"):
        urls.append(fresh_pg_database(os.environ["WEIR_TEST_PG_URL"]))
    elif os.environ.get("WEIR_TEST_REQUIRE_PG") == "1":
        raise RuntimeError("WEIR_TEST_REQUIRE_PG=1 but WEIR_TEST_PG_URL is not set")
    return urls


def fresh_pg_database(url):
    """Create an empty database on the server of `url` and return its URL."""
    import random
    import re
    name = "weir_t%08x" % random.getrandbits(32)
    subprocess.run(["psql", url, "-q", "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    # replace the path (database name) of the URL, keep the query (host=…)
    m = re.match(r"^(postgres(?:ql)?://[^/?]*)(/[^?]*)?(\?.*)?$", url)
    return m.group(1) + "/" + name + (m.group(3) or "")
