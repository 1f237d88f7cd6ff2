#!/usr/bin/env python3
"""test_limits.py WEIR SRC — the limits of a real `weir serve` hold, and the
server stays healthy behind them:

- max_body_bytes: 413 with a Content-Length and with a chunked body;
- max_header_bytes: a too large request head is refused (431), not served;
- client_timeout_s: a client that stops half-way through its request line is
  disconnected, while others are served;
- rate limits: per address (the (burst+1)-th quick request is 429 with
  Retry-After; /healthz counts too) and per credential (one token exhausted,
  another still works, whatever address either comes from);
- max_queue_length: 503 queue_full with Retry-After, on POST …/runs and on a
  non-waiting webhook; the runs accepted before complete;
- max_connections_per_ip: the extra connections are closed at once, counted
  in /metrics and said once in the log; max_connections likewise;
- run workers that cannot be started: weir serve says so and exits 2;
- configuration: unknown flags and file keys, values out of range and wrong
  types stop the server (exit 2, the message names them); precedence
  defaults < config file < environment < flags.

Limits do not depend on the store, so this suite runs on SQLite only. Every
section speaks from its own loopback address (127.0.x.y), so one section's
rate limit or connection count never leaks into another.
"""
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Sections, Server, free_port, is_problem, load_board, request  # noqa: E402

EXIT_USAGE = 2
FAST = ["--rate-ip-per-s", "1000000", "--rate-ip-burst", "1000000",
        "--rate-cred-per-s", "1000000", "--rate-cred-burst", "1000000"]


# ---- HTTP helpers ---------------------------------------------------------------------------

def raw_exchange(port, data, src="127.0.0.1", timeout=5):
    """Send bytes, read until the server closes or the timeout; (status or None, bytes)."""
    so = socket.create_connection(("127.0.0.1", port), timeout=timeout, source_address=(src, 0))
    out = b""
    try:
        so.sendall(data)
        while True:
            b = so.recv(65536)
            if not b:
                break
            out += b
    except (socket.timeout, ConnectionResetError, BrokenPipeError):
        pass
    finally:
        so.close()
    status = None
    if out.startswith(b"HTTP/1."):
        try:
            status = int(out.split(b" ", 2)[1])
        except (IndexError, ValueError):
            status = None
    return status, out


def retry_after_ok(c, r, what):
    ra = r.header("Retry-After") or ""
    c.check(ra.isdigit() and int(ra) >= 1, f"{what}: Retry-After >= 1, got {ra!r}")
    return int(ra) if ra.isdigit() else 1


def healthy(c, s, what, src="127.0.0.1"):
    c.check(s.proc.poll() is None, f"{what}: the server process is alive")
    try:
        c.eq(request(s, "GET", "/healthz", src=src, timeout=5).status, 200, f"{what}: /healthz answers")
    except OSError as e:
        c.check(False, f"{what}: /healthz: {e!r}")


# ---- sections ---------------------------------------------------------------------------------

def t_body(c, s, tok, app):
    limit = 2048
    ok_body = {"name": "fits", "description": "d" * 1500}
    r = request(s, "POST", "/api/v1/apps", tok, body=ok_body)
    c.eq(r.status, 201, f"a body under max_body_bytes ({r.body[:200]})")
    big = json.dumps({"name": "big", "description": "d" * (2 * limit)}).encode()
    r = request(s, "POST", "/api/v1/apps", tok, raw=big, headers={"Content-Type": "application/json"})
    is_problem(c, r, 413, "a body over max_body_bytes with Content-Length", "body_too_large")
    r = request(s, "POST", f"/hooks/{app}/hook", tok, raw=big, headers={"Content-Type": "application/json"})
    is_problem(c, r, 413, "a webhook body over max_body_bytes", "body_too_large")

    def chunked(body, n_chunks):
        step = max(1, len(body) // n_chunks)
        parts = [body[i:i + step] for i in range(0, len(body), step)]
        return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"

    head = (f"POST /api/v1/apps HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n").encode()
    st, out = raw_exchange(s.port, head + chunked(big, 7))
    c.eq(st, 413, f"a chunked body over max_body_bytes, no Content-Length: {out[:120]!r}")
    c.check(b"body_too_large" in out, "chunked: code body_too_large")
    st, out = raw_exchange(s.port, head + chunked(json.dumps({"name": "chunked-ok"}).encode(), 3))
    c.eq(st, 201, f"a small chunked body is accepted: {out[:120]!r}")
    r = request(s, "POST", "/api/v1/apps", tok, body={"name": "after-413"})
    c.eq(r.status, 201, "a normal request after the 413s")
    c.eq(sum(1 for a in request(s, "GET", "/api/v1/apps", tok).json["items"] if a["name"] == "big"), 0, "nothing was created by a refused body")
    healthy(c, s, "after the body limits")


def t_headers(c, s, tok):
    ok = request(s, "GET", "/api/v1/me", tok, headers={"X-Pad": "p" * 2000})
    c.eq(ok.status, 200, "a request with 2 KB of headers (under max_header_bytes 8192)")
    cases = {
        "one 20 KB header": b"X-Big: " + b"a" * 20000 + b"\r\n",
        "200 headers of 100 bytes": b"".join(b"X-H%d: %s\r\n" % (i, b"a" * 100) for i in range(200)),
        "a 20 KB request line": None,
    }
    for what, extra in cases.items():
        if extra is None:
            data = b"GET /healthz?" + b"q" * 20000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        else:
            data = b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tok.encode() + b"\r\n" + extra + b"Connection: close\r\n\r\n"
        try:
            st, out = raw_exchange(s.port, data)
        except OSError as e:
            st, out = None, repr(e).encode()
        # libmicrohttpd answers 431 (or 414 for the request line) and closes
        c.check(st is None or st >= 400, f"{what} over max_header_bytes: refused, got {st} {out[:80]!r}")
        c.check(st != 200 and b'"user"' not in out, f"{what}: not served")
        c.check(st in (413, 414, 431, None), f"{what}: 413/414/431 or closed, got {st}")
    healthy(c, s, "after the header limits")


def t_slow_client(c, s, notes):
    """client_timeout_s 2: a request line cut in half is dropped after ~2 s,
    and meanwhile the server answers others."""
    so = socket.create_connection(("127.0.0.1", s.port), timeout=10, source_address=("127.0.7.1", 0))
    t0 = time.time()
    so.sendall(b"GET /hea")
    c.eq(request(s, "GET", "/healthz", src="127.0.7.2", timeout=3).status, 200, "slow client: others are served meanwhile")
    got = b"?"
    try:
        got = so.recv(1024)
    except socket.timeout:
        got = b"timeout"
    except ConnectionResetError:
        got = b""
    waited = time.time() - t0
    so.close()
    c.check(got == b"" or got.startswith(b"HTTP/1.1 408"), f"slow client: the server closed the connection (got {got[:60]!r})")
    c.check(1.5 <= waited <= 6, f"slow client: closed after ~client_timeout_s (2 s), took {waited:.1f} s")

    # A header trickled one byte every 0.7 s is never idle for 2 s: libmicrohttpd's
    # timeout is an idle timeout, not a deadline for the whole request. Observed, not asserted.
    so = socket.create_connection(("127.0.0.1", s.port), timeout=10, source_address=("127.0.7.3", 0))
    so.settimeout(0.05)
    t0, closed = time.time(), None
    for b in b"GET /healthz HTTP/1.1\r\nX-Slow: aaaaaaaa":
        try:
            so.sendall(bytes([b]))
            if so.recv(16) == b"":
                closed = time.time() - t0
                break
        except socket.timeout:
            pass
        except OSError:
            closed = time.time() - t0
            break
        if time.time() - t0 > 4.5:
            break
        time.sleep(0.7)
    so.close()
    notes.append("trickling client (1 byte / 0.7 s, client_timeout_s 2): " +
                 (f"closed after {closed:.1f} s" if closed else f"still open after {time.time() - t0:.1f} s (idle timeout only)"))
    healthy(c, s, "after the slow clients")


def t_rate_ip(c, s, burst):
    src = "127.0.4.1"
    got = [request(s, "GET", "/healthz", src=src) for _ in range(burst + 1)]
    c.eq([r.status for r in got[:burst]], [200] * burst, f"rate per address: the first {burst} /healthz pass")
    r = got[burst]
    is_problem(c, r, 429, f"rate per address: request {burst + 1} (GET /healthz counts too)", "rate_limited")
    wait = retry_after_ok(c, r, "rate per address")
    r = request(s, "GET", "/api/v1/nope", src=src)
    c.eq(r.status, 429, "rate per address: an unknown path is limited too (before routing)")
    r = request(s, "POST", "/api/v1/auth/login", body={"email": "a@b.c", "password": "x" * 12}, src=src)
    c.eq(r.status, 429, "rate per address: login is limited too")
    c.eq(request(s, "GET", "/healthz", src="127.0.4.2").status, 200, "rate per address: another address is not limited")
    time.sleep(wait + 0.2)
    c.eq(request(s, "GET", "/healthz", src=src).status, 200, "rate per address: after Retry-After the address is served again")


def t_rate_cred(c, s, burst):
    a = s.token("admin@test.local", name="a")
    b = s.token("admin@test.local", name="b")
    # each request from its own address: the address buckets stay full
    got = [request(s, "GET", "/api/v1/me", a, src=f"127.0.5.{i + 1}") for i in range(burst + 1)]
    c.eq([r.status for r in got[:burst]], [200] * burst, f"rate per credential: the first {burst} requests of token A pass")
    r = got[burst]
    is_problem(c, r, 429, f"rate per credential: request {burst + 1} of token A, from yet another address", "rate_limited")
    c.check("credential" in ((r.json or {}).get("detail") or ""), f"rate per credential: the detail names the credential: {r.body[:160]}")
    wait = retry_after_ok(c, r, "rate per credential")
    c.eq(request(s, "GET", "/api/v1/me", b, src="127.0.5.100").status, 200, "rate per credential: token B of the same user still works")
    time.sleep(wait + 0.2)
    c.eq(request(s, "GET", "/api/v1/me", a, src="127.0.5.101").status, 200, "rate per credential: token A after Retry-After")


def t_queue(c, weir, B, notes):
    with Server(weir, extra=FAST + ["--max-queue-length", "2", "--run-workers", "1"]) as s:
        tok = s.admin_token()
        app = s.call("POST", "/api/v1/apps", tok, {"name": "q"}).json["id"]
        slow = s.call("POST", f"/api/v1/apps/{app}/boards", tok, {"board": B["slow"]}).json["id"]
        r = s.call("POST", f"/api/v1/apps/{app}/events", tok, {"name": "hook", "kind": "webhook", "board_id": slow, "config": {"wait": False}})
        c.eq(r.status, 201, f"queue: a non-waiting webhook event ({r.body[:200]})")
        accepted, refused = [], []
        ms = 1200
        for i in range(6):
            r = s.call("POST", f"/api/v1/apps/{app}/boards/{slow}/runs", tok, {"payload": {"ms": ms, "i": i}})
            (accepted if r.status == 201 else refused).append(r)
        c.eq(len(accepted), 2, f"queue: max_queue_length 2 accepts 2 runs at once, got {[x.status for x in accepted + refused]}")
        c.check(refused and all(x.status == 503 for x in refused), "queue: the rest are 503")
        if refused:
            is_problem(c, refused[0], 503, "queue: POST …/runs past max_queue_length", "queue_full")
            retry_after_ok(c, refused[0], "queue: POST …/runs")
        r = s.call("POST", f"/hooks/{app}/hook", tok, {"ms": ms})
        is_problem(c, r, 503, "queue: a non-waiting webhook past max_queue_length", "queue_full")
        retry_after_ok(c, r, "queue: webhook")
        c.eq(r.header("X-Weir-Run-Id"), None, "queue: a refused webhook names no run")
        # the accepted ones complete
        ids = [x.json["id"] for x in accepted]
        deadline = time.time() + 20
        final = {}
        while time.time() < deadline and len(final) < len(ids):
            for rid in ids:
                st = s.call("GET", f"/api/v1/apps/{app}/runs/{rid}", tok).json.get("status")
                if st in ("completed", "failed", "timed_out", "cancelled"):
                    final[rid] = st
            time.sleep(0.1)
        c.eq(sorted(final.values()), ["completed"] * len(ids), "queue: the runs accepted before all complete")
        listed = s.call("GET", f"/api/v1/apps/{app}/runs?limit=200", tok).json["items"]
        c.eq(len(listed), len(ids), "queue: refused runs left no row")
        # room again
        time.sleep(1.2)  # the store's queue count is refreshed every second
        r = s.call("POST", f"/hooks/{app}/hook", tok, {"ms": 1})
        c.eq(r.status, 202, f"queue: with room again a webhook is accepted ({r.body[:200]})")
        healthy(c, s, "after the queue")


def t_conn_per_ip(c, weir):
    limit = 4
    with Server(weir, extra=FAST + ["--max-connections-per-ip", str(limit)]) as s:
        src = "127.0.6.1"
        held = [socket.create_connection(("127.0.0.1", s.port), timeout=5, source_address=(src, 0)) for _ in range(limit)]
        time.sleep(0.2)
        extra = []
        for _ in range(2):
            so = socket.create_connection(("127.0.0.1", s.port), timeout=5, source_address=(src, 0))
            try:
                so.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                extra.append(so.recv(64))
            except (ConnectionResetError, BrokenPipeError):
                extra.append(b"")
            except socket.timeout:
                extra.append(b"timeout")
            so.close()
        c.check(all(x == b"" for x in extra), f"connections per address: the {limit + 1}th and later are closed unanswered: {extra}")
        m = s.call("GET", "/metrics", token=s.admin_token())
        c.check("\nweir_http_connections_refused_total 2\n" in m.body,
                f"connections per address: both refusals counted in /metrics: {[x for x in m.body.splitlines() if 'refused' in x]}")
        said = [x for x in s.read_log().splitlines() if "connection refused at max_connections" in x]
        c.check(len(said) == 1 and "127.0.6.1" in said[0], f"connections per address: said once in the log, with the address: {said}")
        c.eq(request(s, "GET", "/healthz", src="127.0.6.2").status, 200, "connections per address: another address is served meanwhile")
        for so in held[:1]:
            so.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            c.check(so.recv(64).startswith(b"HTTP/1.1 200"), "connections per address: a held connection is served")
        for so in held:
            so.close()
        time.sleep(0.3)
        c.eq(request(s, "GET", "/healthz", src=src).status, 200, "connections per address: once closed, the address is served again")
        healthy(c, s, "after the connection limit")


def t_conn_total(c, weir):
    """max_connections: with every slot held (from several addresses, under
    their own limit), the next connection is closed unanswered and counted."""
    limit = 4
    with Server(weir, extra=FAST + ["--max-connections", str(limit), "--http-threads", "2"]) as s:
        s.admin_token()
        held = [socket.create_connection(("127.0.0.1", s.port), timeout=5, source_address=(f"127.0.7.{i + 1}", 0))
                for i in range(limit)]
        time.sleep(0.2)
        so = socket.create_connection(("127.0.0.1", s.port), timeout=5, source_address=("127.0.7.9", 0))
        try:
            so.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            got = so.recv(64)
        except (ConnectionResetError, BrokenPipeError):
            got = b""
        except socket.timeout:
            got = b"timeout"
        so.close()
        c.eq(got, b"", f"connections in all: the {limit + 1}th is closed unanswered")
        held[0].close()
        time.sleep(0.3)
        m = s.call("GET", "/metrics", token=s.admin_token())
        c.check("\nweir_http_connections_refused_total 1\n" in m.body,
                f"connections in all: the refusal is counted: {[x for x in m.body.splitlines() if 'refused' in x]}")
        for h in held[1:]:
            h.close()
        time.sleep(0.3)
        healthy(c, s, "after the total connection limit")


def run_serve(weir, args, env=None, timeout=8):
    """weir serve that is expected to refuse to start: (exit code, stderr)."""
    e = dict(os.environ)
    for k in list(e):
        if k.startswith("WEIR_") and k not in ("WEIR_TEST_PG_URL",):
            del e[k]
    e.update(env or {})
    try:
        p = subprocess.run([weir, "serve", *args], capture_output=True, text=True, timeout=timeout, env=e)
        return p.returncode, p.stderr
    except subprocess.TimeoutExpired:
        return None, "still running (it started)"


def t_no_threads(c, weir, tmp, notes):
    """When the run workers cannot all be started (here: 1,024 threads of
    8 MiB stacks in a 3 GiB address space), weir serve says so and exits 2;
    it neither crashes nor serves half started. Not under the sanitizers:
    their shadow memory needs the address space this takes away."""
    if os.environ.get("WEIR_TEST_SANITIZED"):
        notes.append("no-threads: not run under the sanitizers (the address space limit leaves them none)")
        return
    import resource

    def limited():
        resource.setrlimit(resource.RLIMIT_STACK, (8 << 20, 8 << 20))
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
    port = free_port()
    data = os.path.join(tmp, "no-threads")
    try:
        p = subprocess.run([weir, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", data, "--run-workers", "1024"],
                           capture_output=True, text=True, timeout=30, preexec_fn=limited)
        rc, err = p.returncode, p.stderr
    except subprocess.TimeoutExpired:
        rc, err = None, "still running (it started)"
    c.eq(rc, EXIT_USAGE, f"run workers that cannot start: exit {EXIT_USAGE}, no crash ({err[-300:]!r})")
    c.check("cannot start the run workers" in err, "and it says why")
    with Server(weir, port=port) as s:   # the port was let go
        healthy(c, s, "a server started after it on the same port")


def t_config_errors(c, weir, tmp):
    dd = os.path.join(tmp, "cfg-data")
    base = ["--data-dir", dd, "--listen", f"127.0.0.1:{free_port()}"]
    cases = [
        ("an unknown flag", base + ["--bogus", "1"], None, None, "--bogus"),
        ("an unknown flag with =", base + ["--bogus-flag=1"], None, None, "--bogus-flag"),
        ("a misspelt flag", base + ["--run-worker", "4"], None, None, "--run-worker"),
        ("--run-workers 0 (out of range)", base + ["--run-workers", "0"], None, None, "run_workers"),
        ("--run-workers 2000 (out of range)", base + ["--run-workers", "2000"], None, None, "run_workers"),
        ("--run-workers abc", base + ["--run-workers", "abc"], None, None, "run_workers"),
        ("--max-body-bytes 10 (under its minimum)", base + ["--max-body-bytes", "10"], None, None, "max_body_bytes"),
        ("a flag without its value", base + ["--run-workers"], None, None, "--run-workers"),
        ("a bare argument", base + ["extra"], None, None, "extra"),
        ("--log-level loud", base + ["--log-level", "loud"], None, None, "log_level"),
        ("--allow-private-net maybe", base + ["--allow-private-net", "maybe"], None, None, "allow_private_net"),
        ("WEIR_RUN_WORKERS=0 in the environment", base, {"WEIR_RUN_WORKERS": "0"}, None, "run_workers"),
        ("WEIR_MAX_QUEUE_LENGTH=lots", base, {"WEIR_MAX_QUEUE_LENGTH": "lots"}, None, "max_queue_length"),
        ("a config file with an unknown key", base, None, {"listen": "127.0.0.1:1", "bogus_key": 1}, "bogus_key"),
        ("a config file with a wrong type", base, None, {"run_workers": "8"}, "run_workers"),
        ("a config file out of range", base, None, {"max_queue_length": 0}, "max_queue_length"),
        ("a config file that is not an object", base, None, [1, 2], "JSON object"),
        ("a rate burst under its rate", base + ["--rate-ip-per-s", "10", "--rate-ip-burst", "5"], None, None, "burst"),
    ]
    for what, args, env, cfg, needle in cases:
        a = list(args)
        if cfg is not None:
            path = os.path.join(tmp, "bad.json")
            with open(path, "w") as f:
                json.dump(cfg, f)
            a += ["--config", path]
        rc, err = run_serve(weir, a, env)
        c.eq(rc, EXIT_USAGE, f"config: {what}: exit 2 ({err.strip()[:160]})")
        c.check(needle in err, f"config: {what}: the message names {needle!r}: {err.strip()[:200]}")
    rc, err = run_serve(weir, ["--config", os.path.join(tmp, "no-such.json")] + base)
    c.eq(rc, EXIT_USAGE, "config: --config naming a missing file: exit 2")
    c.check("no-such.json" in err, f"config: the message names the missing file: {err.strip()[:160]}")
    with open(os.path.join(tmp, "broken.json"), "w") as f:
        f.write('{"run_workers": 4,')
    rc, err = run_serve(weir, ["--config", os.path.join(tmp, "broken.json")] + base)
    c.eq(rc, EXIT_USAGE, "config: a config file that is not JSON: exit 2")
    p = subprocess.run([weir, "serve", "--help"], capture_output=True, text=True, timeout=10)
    c.check(p.returncode == 0 and "--run-workers" in p.stdout and "--prune-every-s" in p.stdout, "serve --help lists the settings")


def start_and_find(weir, args, env, ports, log_path):
    """Start weir serve; return (the port of `ports` that answers /healthz, the
    effective config from the start log line)."""
    e = dict(os.environ)
    for k in list(e):
        if k.startswith("WEIR_"):
            del e[k]
    e.update(env)
    with open(log_path, "wb") as log:
        p = subprocess.Popen([weir, "serve", *args], stdout=log, stderr=log, env=e)
    try:
        deadline = time.time() + 15
        answering = None
        while time.time() < deadline and answering is None and p.poll() is None:
            for port in ports:
                try:
                    cn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                    cn.request("GET", "/healthz")
                    if cn.getresponse().status == 200:
                        answering = port
                    cn.close()
                except OSError:
                    pass
            time.sleep(0.05)
        others = []
        for port in ports:
            if port == answering:
                continue
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                others.append(port)
            except OSError:
                pass
    finally:
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
    cfg = None
    with open(log_path, "rb") as f:
        for line in f.read().decode("utf-8", "replace").splitlines():
            try:
                j = json.loads(line)
            except ValueError:
                continue
            if j.get("msg") == "weir is serving":
                cfg = j.get("config")
    return answering, others, cfg


def t_precedence(c, weir, tmp):
    pa, pb, pc = free_port(), free_port(), free_port()
    while len({pa, pb, pc}) < 3:
        pb, pc = free_port(), free_port()
    ports = [pa, pb, pc]
    dd = os.path.join(tmp, "prec-data")
    os.makedirs(dd, mode=0o700, exist_ok=True)
    cfg_file = os.path.join(tmp, "weir-prec.json")
    with open(cfg_file, "w") as f:
        json.dump({"listen": f"127.0.0.1:{pa}", "run_workers": 3, "max_queue_length": 33, "log_level": "info"}, f)
    env = {"WEIR_LISTEN": f"127.0.0.1:{pb}", "WEIR_RUN_WORKERS": "5", "WEIR_CONFIG": cfg_file}
    log = os.path.join(tmp, "prec.log")

    port, others, cfg = start_and_find(weir, ["--data-dir", dd, "--listen", f"127.0.0.1:{pc}", "--run-workers", "7"], env, ports, log)
    c.eq(port, pc, "precedence: file A, environment B, flag C → listens on C")
    c.eq(others, [], "precedence: and on neither A nor B")
    c.eq((cfg or {}).get("run_workers"), 7, "precedence: run_workers from the flag (7) over env (5) over file (3)")
    c.eq((cfg or {}).get("max_queue_length"), 33, "precedence: a setting only in the file is taken from the file")

    port, others, cfg = start_and_find(weir, ["--data-dir", dd], env, ports, log)
    c.eq(port, pb, "precedence: file A, environment B, no flag → listens on B")
    c.eq((cfg or {}).get("run_workers"), 5, "precedence: run_workers from the environment (5) over the file (3)")

    env2 = {"WEIR_CONFIG": cfg_file}
    port, others, cfg = start_and_find(weir, ["--data-dir", dd], env2, ports, log)
    c.eq(port, pa, "precedence: only the file → listens on A")
    c.eq((cfg or {}).get("run_workers"), 3, "precedence: run_workers from the file (3)")
    c.eq((cfg or {}).get("http_threads"), 8, "precedence: a setting given nowhere has its default")

    # DATA/weir.json is the config file when none is named
    shutil.copy(cfg_file, os.path.join(dd, "weir.json"))
    port, others, cfg = start_and_find(weir, ["--data-dir", dd], {}, ports, log)
    c.eq(port, pa, "precedence: DATA/weir.json is read when no config file is named")
    port, others, cfg = start_and_find(weir, ["--data-dir", dd], {"WEIR_LISTEN": f"127.0.0.1:{pb}"}, ports, log)
    c.eq(port, pb, "precedence: the environment over DATA/weir.json")


# ---- main -------------------------------------------------------------------------------------

def main():
    if len(sys.argv) < 3:
        print("usage: test_limits.py WEIR SRC", file=sys.stderr)
        return 2
    weir, src = os.path.abspath(sys.argv[1]), sys.argv[2]
    B = {n: load_board(os.path.join(src, "tests", "server", "boards"), n + ".board.json") for n in ("slow", "echo")}
    c = Checks()
    notes = []
    section = Sections(c)
    tmp = tempfile.mkdtemp(prefix="weir-limits-")
    t_start = time.time()

    try:
        extra = FAST + ["--max-body-bytes", "2048", "--max-header-bytes", "8192", "--client-timeout-s", "2"]
        with Server(weir, extra=extra) as s:
            tok = s.admin_token()
            app = s.call("POST", "/api/v1/apps", tok, {"name": "limits"}).json["id"]
            echo = s.call("POST", f"/api/v1/apps/{app}/boards", tok, {"board": B["echo"]}).json["id"]
            s.call("POST", f"/api/v1/apps/{app}/events", tok, {"name": "hook", "kind": "webhook", "board_id": echo})
            section("body", t_body, c, s, tok, app)
            section("headers", t_headers, c, s, tok)
            section("slow-client", t_slow_client, c, s, notes)
        # a slow refill (1 per second) so that even a slow machine makes the
        # (burst+1)-th request before a token comes back
        ip_burst, cred_burst = 5, 3
        rates = ["--rate-ip-per-s", "1", "--rate-ip-burst", str(ip_burst),
                 "--rate-cred-per-s", "1", "--rate-cred-burst", str(cred_burst)]
        with Server(weir, extra=rates) as s:
            s.add_user("admin@test.local", admin=True)
            section("rate-ip", t_rate_ip, c, s, ip_burst)
            section("rate-cred", t_rate_cred, c, s, cred_burst)
            healthy(c, s, "the rate-limited server at the end", src="127.0.9.9")
        section("queue", t_queue, c, weir, B, notes)
        section("conn-per-ip", t_conn_per_ip, c, weir)
        section("conn-total", t_conn_total, c, weir)
        section("no-threads", t_no_threads, c, weir, tmp, notes)
        section("config-errors", t_config_errors, c, weir, tmp)
        section("precedence", t_precedence, c, weir, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(", ".join(section.times), flush=True)
    for n in notes:
        print("NOTE:", n, flush=True)
    print(f"total {time.time() - t_start:.1f} s", flush=True)
    return c.done()


if __name__ == "__main__":
    sys.exit(main())
