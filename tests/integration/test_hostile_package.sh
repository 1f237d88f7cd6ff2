#!/usr/bin/env bash
# test_hostile_package.sh WEIR SOURCE_DIR BINARY_DIR — run every node of the
# SDK's deliberately hostile package (sdk/c/examples/hostile, expectations in
# its EXPECTED.md) through `weir node exec` with everything granted, and
# assert the exact result of each attack. "ESCAPED" anywhere is a hole.
set -u
WEIR=$1; BIN=$3
PKG="$BIN/packages/hostile.wasm"
[ -f "$PKG" ] || { echo "missing $PKG"; echo "0 passed, 1 failed"; exit 1; }
exec python3 - "$WEIR" "$PKG" <<'PY'
import json, os, subprocess, sys, tempfile
weir, pkg = sys.argv[1], sys.argv[2]
passed = failed = 0
store = tempfile.mkdtemp(prefix="weir-hostile-")

def run(node):
    p = subprocess.run([weir, "node", "exec", pkg, "--node", node, "--grant-all", "--storage-dir", store],
                       capture_output=True, text=True, timeout=120)
    return p.returncode, json.loads(p.stdout), p.stdout + p.stderr

def check(node, ok, why=""):
    global passed, failed
    if ok:
        passed += 1; print("ok  ", node)
    else:
        failed += 1; print("FAIL", node, why)

def codes_all(out, value, count=None):
    codes = out["outputs"].get("codes", {})
    vals = list(codes.values()) if isinstance(codes, dict) else codes
    return (count is None or len(vals) == count) and vals and all(v == value for v in vals)

def log_bytes(out):
    return sum(len(l["message"].encode()) for l in out["logs"])

def truncated(out):
    return any("truncated" in l["message"] for l in out["logs"])

expect = {
    "loop_forever": lambda rc, o: o["error"]["code"] == "fuel_exhausted" and rc == 3,
    "memory_bomb": lambda rc, o: o["error"]["code"] == "memory_limit",
    "memory_probe": lambda rc, o: o["status"] == "ok" and o["outputs"]["pages"] <= 1024,
    "recurse_deep": lambda rc, o: o["error"]["code"] == "stack_overflow",
    "trap_unreachable": lambda rc, o: o["error"]["code"] == "trap",
    "trap_oob_load": lambda rc, o: o["error"]["code"] == "trap",
    "trap_div_zero": lambda rc, o: o["error"]["code"] == "trap",
    "bad_ranges": lambda rc, o: o["status"] == "ok" and o["outputs"]["count"] == 80 and codes_all(o, -1, 80),
    "bad_range_log": lambda rc, o: o["error"]["code"] == "bad_output",
    "bad_range_fail": lambda rc, o: o["error"]["code"] == "bad_output",
    "log_spam": lambda rc, o: o["status"] == "ok" and log_bytes(o) <= 256 * 1024 + 200 and truncated(o),
    "log_huge_line": lambda rc, o: o["status"] == "ok" and log_bytes(o) <= 256 * 1024 + 200 and truncated(o),
    "output_huge": lambda rc, o: o["error"]["code"] == "bad_output" and o["outputs"] == {},
    "output_total": lambda rc, o: o["error"]["code"] == "bad_output" and o["outputs"] == {},
    "output_invalid": lambda rc, o: o["error"]["code"] == "bad_output" and o["outputs"] == {},
    "storage_traversal": lambda rc, o: o["status"] == "ok" and codes_all(o, -20, 49),
    "http_metadata": lambda rc, o: o["status"] == "ok" and o["outputs"]["code"] == -10,
    "http_not_allowed": lambda rc, o: o["status"] == "ok" and codes_all(o, -10, 11),
    "secret_unlisted": lambda rc, o: o["status"] == "ok" and codes_all(o, -10, 7),
    "fail_huge": lambda rc, o: o["error"]["code"] == "node_failed" and len(o["error"]["message"]) <= 8192,
    "bad_handles": lambda rc, o: o["status"] == "ok" and codes_all(o, -1, 8),
    "activate_invalid": lambda rc, o: o["status"] == "ok" and codes_all(o, -2, 6) and o["activated"] == [],
    "output_unknown_pin": lambda rc, o: o["error"]["code"] == "bad_output",
    "output_wrong_type": lambda rc, o: o["error"]["code"] == "bad_output",
}
for node, test in expect.items():
    try:
        rc, out, raw = run(node)
        ok = test(rc, out) and "ESCAPED" not in raw
        check(node, ok, raw[:600])
    except Exception as e:  # a crash or non-JSON output is a failure too
        check(node, False, repr(e))
# the storage directory holds only what the package may write
files = sorted(os.path.relpath(os.path.join(d, f), store) for d, _, fs in os.walk(store) for f in fs)
check("storage contents", files == ["hostile/big.txt"], repr(files))
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
