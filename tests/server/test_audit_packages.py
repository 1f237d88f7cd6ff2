"""test_audit_packages.py WEIR SRC — package installs and their grants, done
by an operator with `weir node install/remove` on a server's data directory,
are in the instance audit log (actor "operator"); a data directory without a
server store gets none created by them."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
from harness import Checks, Server


def main():
    weir, src = sys.argv[1], sys.argv[2]
    ck = Checks()
    pkg = os.path.join(os.path.dirname(os.path.abspath(weir)), "packages", "http_caller.wasm")
    if not ck.check(os.path.exists(pkg), f"the example package exists ({pkg})"):
        return ck.done()
    with Server(weir) as s:
        admin = s.admin_token()
        p = subprocess.run([weir, "node", "install", pkg, "--grant", "http", "--data-dir", s.data_dir], capture_output=True, text=True)
        ck.eq(p.returncode, 0, f"install exits 0 ({p.stderr.strip()[:200]})")
        pid = json.loads(p.stdout)["id"] if p.returncode == 0 else "?"
        p = subprocess.run([weir, "node", "remove", pid, "--data-dir", s.data_dir], capture_output=True, text=True)
        ck.eq(p.returncode, 0, "remove exits 0")
        r = s.call("GET", "/api/v1/audit?limit=200", admin)
        ck.eq(r.status, 200, "the instance audit log is readable by an instance admin")
        items = (r.json or {}).get("items", [])
        inst = [i for i in items if i.get("action") == "package.install" and i.get("target") == pid]
        rem = [i for i in items if i.get("action") == "package.remove" and i.get("target") == pid]
        ck.eq(len(inst), 1, "one package.install row")
        ck.eq(len(rem), 1, "one package.remove row")
        if inst:
            row = inst[0]
            ck.eq(row.get("actor_kind"), "operator", "installed by an operator")
            detail = row.get("detail") or {}
            ck.check("http" in json.dumps(detail.get("requested")), f"the requested capabilities are recorded ({detail})")
            ck.eq(detail.get("granted"), "http", "the grant is recorded")
    # A plain CLI data directory (no server store) stays without one.
    d = tempfile.mkdtemp(prefix="weir-cli-")
    try:
        p = subprocess.run([weir, "node", "install", pkg, "--grant", "http", "--data-dir", d], capture_output=True, text=True)
        ck.eq(p.returncode, 0, "install into a CLI-only data directory")
        ck.check(not os.path.exists(os.path.join(d, "weir.db")) and not os.path.exists(os.path.join(d, "weir.key")),
                 "no store and no key are created by a CLI install")
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return ck.done()


if __name__ == "__main__":
    sys.exit(main())
