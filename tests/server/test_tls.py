#!/usr/bin/env python3
"""test_tls.py WEIR SRC — `weir serve` with tls_cert / tls_key:

- a self-signed certificate made with GnuTLS's certtool (Debian package
  gnutls-bin, in scripts/install-deps.sh; the openssl command is not used);
- Python's ssl module verifies the server against that certificate: TLS 1.2
  and 1.3 work, TLS 1.0 and 1.1 are refused by the server (the client is
  allowed to offer them, so the refusal is the server's);
- Strict-Transport-Security on every answer (and none over plain HTTP);
- the session cookie carries Secure after a login over TLS;
- plain HTTP to the TLS port gets no answer, and the server stays healthy;
- only one of tls_cert / tls_key, a missing file, a file that is not PEM, a
  key that does not match the certificate: exit 2 with a message naming the
  problem.

TLS does not depend on the store: SQLite only.
"""
import http.client
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import traceback
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import ADMIN_EMAIL, ADMIN_PASSWORD, Checks, Sections, Server, exchange, free_port  # noqa: E402

warnings.filterwarnings("ignore", category=DeprecationWarning)  # ssl.TLSVersion.TLSv1 / TLSv1_1 on purpose
EXIT_USAGE = 2

TEMPLATE = """cn = "localhost"
organization = "weir test"
dns_name = "localhost"
ip_address = "127.0.0.1"
serial = 1
expiration_days = 2
ca
tls_www_server
signing_key
cert_signing_key
"""


def certtool(args, what):
    p = subprocess.run(["certtool", *args], capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"certtool {what} failed: {p.stderr[-500:]}")


def make_pair(d, name, key_type="ecdsa"):
    """A private key and a self-signed certificate for localhost / 127.0.0.1."""
    key, cert, tmpl = (os.path.join(d, f"{name}.{x}") for x in ("key.pem", "cert.pem", "tmpl"))
    with open(tmpl, "w") as f:
        f.write(TEMPLATE)
    certtool(["--generate-privkey", "--key-type", key_type, "--outfile", key], "--generate-privkey")
    certtool(["--generate-self-signed", "--load-privkey", key, "--template", tmpl, "--outfile", cert], "--generate-self-signed")
    os.chmod(key, 0o600)
    return cert, key


def context(cafile, minv=None, maxv=None, legacy=False):
    ctx = ssl.create_default_context(cafile=cafile)
    if legacy:
        # let the client offer what OpenSSL's default security level forbids,
        # so that a refusal of TLS 1.0/1.1 comes from the server
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = ssl.TLSVersion.TLSv1
    if minv:
        ctx.minimum_version = minv
    if maxv:
        ctx.maximum_version = maxv
    return ctx


def https(port, ctx, method, path, token=None, body=None, headers=None):
    """One request over HTTPS to 127.0.0.1 (the certificate names that address
    as well as localhost, and Python checks the IP address against it)."""
    return exchange(http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=ctx), method, path, token, body, headers)


def handshake(port, ctx, server_hostname="localhost"):
    """(TLS version, None) or (None, the SSL error)."""
    so = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        ss = ctx.wrap_socket(so, server_hostname=server_hostname)
        v = ss.version()
        ss.close()
        return v, None
    except (ssl.SSLError, OSError) as e:
        so.close()
        return None, e


def wait_tls_ready(s, ctx, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if s.proc.poll() is not None:
            raise RuntimeError(f"weir serve exited with {s.proc.returncode}: {s.read_log()[-2000:]}")
        try:
            if https(s.port, ctx, "GET", "/readyz").status == 200:
                return
        except (OSError, ssl.SSLError, http.client.HTTPException):
            pass
        time.sleep(0.05)
    raise RuntimeError("weir serve (TLS) did not become ready")


def cookie_attrs(r):
    sc = r.header("Set-Cookie") or ""
    parts = [p.strip() for p in sc.split(";")]
    return parts[0], {p.partition("=")[0].lower(): p.partition("=")[2] for p in parts[1:]}


# ---- sections -----------------------------------------------------------------------------

def t_versions(c, port, cafile):
    v, e = handshake(port, context(cafile, ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2))
    c.eq(v, "TLSv1.2", f"TLS 1.2 handshake, certificate verified ({e!r})")
    v, e = handshake(port, context(cafile, ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_3))
    c.eq(v, "TLSv1.3", f"TLS 1.3 handshake, certificate verified ({e!r})")
    v, e = handshake(port, context(cafile))
    c.eq(v, "TLSv1.3", "a default client gets TLS 1.3")
    v, e = handshake(port, context(cafile, legacy=True))
    c.eq(v, "TLSv1.3", f"control: the legacy-enabled client still reaches TLS 1.3 ({e!r})")
    for name, ver in (("TLS 1.0", ssl.TLSVersion.TLSv1), ("TLS 1.1", ssl.TLSVersion.TLSv1_1)):
        v, e = handshake(port, context(cafile, ver, ver, legacy=True))
        c.eq(v, None, f"{name} only: refused")
        msg = repr(e)
        c.check(e is not None and "NO_PROTOCOLS_AVAILABLE" not in msg and "NO_CIPHERS" not in msg,
                f"{name}: the refusal came from the server, not from the client's own settings: {msg}")
    v, e = handshake(port, context(None))
    c.check(v is None and isinstance(e, ssl.SSLCertVerificationError),
            f"control: a client not trusting the self-signed certificate fails verification ({e!r})")
    v, e = handshake(port, context(cafile), server_hostname="not-localhost.example")
    c.check(v is None and isinstance(e, ssl.SSLCertVerificationError), f"control: a wrong host name fails verification ({e!r})")


def t_https(c, s, port, cafile):
    ctx = context(cafile)
    r = https(port, ctx, "GET", "/healthz")
    c.eq(r.status, 200, "GET /healthz over HTTPS")
    hsts = r.header("Strict-Transport-Security") or ""
    c.check(hsts.startswith("max-age=") and int(hsts.split("=")[1].split(";")[0]) >= 180 * 86400,
            f"Strict-Transport-Security with max-age >= 180 days: {hsts!r}")
    for method, path, want in (("GET", "/api/v1/me", 401), ("GET", "/api/v1/nope", 404)):
        r = https(port, ctx, method, path)
        c.eq(r.status, want, f"{method} {path} over HTTPS")
        c.check(r.header("Strict-Transport-Security") is not None, f"HSTS on a {want} answer too")

    tok = s.admin_token()
    r = https(port, ctx, "GET", "/api/v1/me", token=tok)
    c.eq(r.status, 200, "a PAT over HTTPS")
    r = https(port, ctx, "POST", "/api/v1/auth/login", body={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    c.eq(r.status, 200, f"login over HTTPS ({r.body[:200]})")
    first, attrs = cookie_attrs(r)
    c.check(first.startswith("weir_session=weirs_"), f"a session cookie: {r.header('Set-Cookie')}")
    c.check("secure" in attrs, f"the session cookie carries Secure over TLS: {r.header('Set-Cookie')}")
    c.check("httponly" in attrs and attrs.get("samesite") == "Lax", "… and HttpOnly, SameSite=Lax")
    csrf = (r.json or {}).get("csrf_token")
    cookie = {"Cookie": first}
    r = https(port, ctx, "GET", "/api/v1/me", headers=cookie)
    c.eq(r.status, 200, "the session cookie works over HTTPS")
    r = https(port, ctx, "POST", "/api/v1/apps", body={"name": "tls"}, headers=cookie)
    c.eq((r.status, (r.json or {}).get("code")), (403, "csrf"), "CSRF is still required over HTTPS")
    r = https(port, ctx, "POST", "/api/v1/apps", body={"name": "tls"}, headers=dict(cookie, **{"X-CSRF-Token": csrf}))
    c.eq(r.status, 201, "with the CSRF token over HTTPS")
    r = https(port, ctx, "POST", "/api/v1/auth/logout", headers=dict(cookie, **{"X-CSRF-Token": csrf}))
    c.eq(r.status, 204, "logout over HTTPS")
    c.check("secure" in cookie_attrs(r)[1], "the clearing cookie of logout carries Secure too")


def t_plain_to_tls(c, s, port, cafile):
    try:
        cn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        cn.request("GET", "/healthz")
        r = cn.getresponse()
        status = r.status
        cn.close()
    except (OSError, http.client.HTTPException) as e:
        status = repr(e)
    c.check(not (isinstance(status, int) and 200 <= status < 300), f"plain HTTP to the TLS port is not served: {status}")
    for junk in (b"\x00" * 64, b"\x16\x03\x01\x00\x05hello", os.urandom(2048)):
        try:
            so = socket.create_connection(("127.0.0.1", port), timeout=1)
            so.sendall(junk)
            try:
                so.recv(100)
            except (socket.timeout, ConnectionResetError):
                pass
            so.close()
        except OSError:
            pass
    c.check(s.proc.poll() is None, "the server survives plain HTTP and junk on the TLS port")
    c.eq(https(port, context(cafile), "GET", "/healthz").status, 200, "HTTPS still works afterwards")


def t_plain_server(c, weir):
    with Server(weir) as s:
        r = s.call("GET", "/healthz")
        c.eq(r.status, 200, "control: a plain HTTP server")
        c.eq(r.header("Strict-Transport-Security"), None, "no Strict-Transport-Security over plain HTTP")


def t_bad_config(c, weir, tmp, cert, key, other_key):
    dd = os.path.join(tmp, "bad-data")
    # (a certificate with a BEGIN line and broken base64 is left out: GnuTLS
    # 3.7 leaks a certificate object on that error path, which fails the
    # sanitizer build although weir exits 2 with the right message)
    bad = os.path.join(tmp, "garbage.pem")
    with open(bad, "w") as f:
        f.write("this is not a certificate\n")
    badkey = os.path.join(tmp, "garbage-key.pem")
    with open(badkey, "w") as f:
        f.write("-----BEGIN PRIVATE KEY-----\nnot base64 at all!\n-----END PRIVATE KEY-----\n")
    empty = os.path.join(tmp, "empty.pem")
    open(empty, "w").close()
    missing = os.path.join(tmp, "missing.pem")
    cases = [
        ("only tls_cert", ["--tls-cert", cert], ["tls_cert", "tls_key"]),
        ("only tls_key", ["--tls-key", key], ["tls_cert", "tls_key"]),
        ("tls_cert missing", ["--tls-cert", missing, "--tls-key", key], [missing]),
        ("tls_key missing", ["--tls-cert", cert, "--tls-key", missing], [missing]),
        ("tls_cert not PEM", ["--tls-cert", bad, "--tls-key", key], [bad]),
        ("tls_cert empty", ["--tls-cert", empty, "--tls-key", key], [empty]),
        ("tls_key not PEM", ["--tls-cert", cert, "--tls-key", bad], [bad]),
        ("tls_key with broken base64", ["--tls-cert", cert, "--tls-key", badkey], [badkey]),
        ("cert and key swapped", ["--tls-cert", key, "--tls-key", cert], ["TLS"]),
        ("a key of another certificate", ["--tls-cert", cert, "--tls-key", other_key], [other_key]),
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEIR_")}
    for what, args, needles in cases:
        port = free_port()
        try:
            p = subprocess.run([weir, "serve", "--data-dir", dd, "--listen", f"127.0.0.1:{port}", "--log-level", "warn", *args],
                               capture_output=True, text=True, timeout=15, env=env)
            rc, err = p.returncode, p.stderr
        except subprocess.TimeoutExpired:
            rc, err = None, "it started"
        c.eq(rc, EXIT_USAGE, f"{what}: exit 2 ({err.strip()[-200:]})")
        c.check(all(n in err for n in needles), f"{what}: the message names {needles}: {err.strip()[-200:]}")
        c.check("address in use" not in err, f"{what}: the message does not blame the address: {err.strip()[-200:]}")
    # a file that cannot be read: a directory; permissions do not stop root
    port = free_port()
    p = subprocess.run([weir, "serve", "--data-dir", dd, "--listen", f"127.0.0.1:{port}", "--tls-cert", tmp, "--tls-key", key],
                       capture_output=True, text=True, timeout=15, env=env)
    c.eq(p.returncode, EXIT_USAGE, f"tls_cert a directory: exit 2 ({p.stderr.strip()[-200:]})")
    c.check(tmp in p.stderr, f"tls_cert a directory: the message names it: {p.stderr.strip()[-200:]}")


# ---- main -----------------------------------------------------------------------------------

def main():
    if len(sys.argv) < 3:
        print("usage: test_tls.py WEIR SRC", file=sys.stderr)
        return 2
    weir = os.path.abspath(sys.argv[1])
    c = Checks()
    section = Sections(c)
    t_start = time.time()
    tmp = tempfile.mkdtemp(prefix="weir-tls-")

    try:
        if not shutil.which("certtool"):
            c.check(False, "certtool is not installed (Debian package gnutls-bin; run scripts/install-deps.sh)")
            return c.done()
        cert, key = make_pair(tmp, "server")
        _, other_key = make_pair(tmp, "other")
        rsa_cert, rsa_key = make_pair(tmp, "rsa", key_type="rsa")
        s = Server(weir, extra=["--tls-cert", cert, "--tls-key", key])
        try:
            s.start(wait=False)
            wait_tls_ready(s, context(cert))
            c.check("https://" in s.read_log(), "the start line says https://")
            section("versions", t_versions, c, s.port, cert)
            section("https", t_https, c, s, s.port, cert)
            section("plain-to-tls", t_plain_to_tls, c, s, s.port, cert)
        finally:
            s.discard()
        # an RSA certificate works as well
        s = Server(weir, extra=["--tls-cert", rsa_cert, "--tls-key", rsa_key])
        try:
            s.start(wait=False)
            wait_tls_ready(s, context(rsa_cert))
            v, e = handshake(s.port, context(rsa_cert, ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_2))
            c.eq(v, "TLSv1.2", f"an RSA certificate: TLS 1.2 ({e!r})")
        except Exception:  # noqa: BLE001
            c.check(False, f"RSA certificate:\n{traceback.format_exc()}")
        finally:
            s.discard()
        section("plain-server", t_plain_server, c, weir)
        section("bad-config", t_bad_config, c, weir, tmp, cert, key, other_key)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(", ".join(section.times) + f"; total {time.time() - t_start:.1f} s", flush=True)
    return c.done()


if __name__ == "__main__":
    sys.exit(main())
