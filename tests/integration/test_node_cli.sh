#!/usr/bin/env bash
# test_node_cli.sh — the `weir node` commands on packages built here from C:
# inspect and exec (node-abi.md §6: output shapes, exit statuses 0 / 3 / 2),
# install / list / remove (docs/node-abi.md, "Installed packages"), and
# installed package nodes in boards (`pkg:PACKAGE_ID/NODE_NAME` in
# validate, run and catalog; grants, changed files, removal).
#
#   bash test_node_cli.sh WEIR_BINARY SOURCE_DIR BINARY_DIR
#
# The two packages are written to a temporary directory and compiled with
# clang --target=wasm32-wasi against the C SDK (sdk/c/weir_node.h). Prints one
# line per check, then "N passed, M failed".
set -u

W=${1:?usage: bash test_node_cli.sh WEIR_BINARY SOURCE_DIR BINARY_DIR}
SRC=${2:?usage: bash test_node_cli.sh WEIR_BINARY SOURCE_DIR BINARY_DIR}
case $W in /*) ;; *) W=$PWD/$W ;; esac
case $SRC in /*) ;; *) SRC=$PWD/$SRC ;; esac
T=$(mktemp -d "${TMPDIR:-/tmp}/weir-nodecli.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
export WEIR_DATA=$T/default-data
D=$T/data

pass=0 fail=0 failures=()
RC=0
: >"$T/out"; : >"$T/err"
ok() { pass=$((pass + 1)); echo "ok   - $1"; }
not_ok() {
    fail=$((fail + 1)); failures+=("$1"); echo "FAIL - $1: $2"
    echo "       exit status $RC; stdout: $(head -c 600 "$T/out" | tr '\n' ' ')"
    echo "       stderr: $(head -c 400 "$T/err" | tr '\n' ' ')"
}
# w ARGS…: run weir (60 s limit); sets RC.
w() {
    timeout 60 "$W" "$@" >"$T/out" 2>"$T/err" </dev/null
    RC=$?
}
PYHELP='
import json, os, re, stat, sys
HEX64 = re.compile("[0-9a-f]{64}")
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
CAPS = {"http", "storage", "variables", "secrets", "stream", "wasi"}
def is_exec(d):
    return (isinstance(d, dict) and {"status", "error", "outputs", "activated", "logs", "fuel_used", "duration_us"} <= set(d)
        and set(d) <= {"status", "error", "outputs", "activated", "logs", "fuel_used", "duration_us", "emitted", "variables"}
        and d["status"] in ("ok", "error") and (d["error"] is None) == (d["status"] == "ok")
        and (d["error"] is None or (set(d["error"]) == {"code", "message"} and isinstance(d["error"]["message"], str)))
        and isinstance(d["outputs"], dict) and isinstance(d["activated"], list)
        and all(isinstance(l, dict) and set(l) == {"level", "message"} and l["level"] in ("debug", "info", "warn", "error") for l in d["logs"])
        and type(d["fuel_used"]) is int and d["fuel_used"] >= 0 and type(d["duration_us"]) is int and d["duration_us"] >= 0)
def is_error(d, code=None):
    return (isinstance(d, dict) and set(d) == {"error"} and set(d["error"]) == {"code", "message"}
        and isinstance(d["error"]["message"], str) and d["error"]["message"] != "" and (code is None or d["error"]["code"] == code))
def is_pkg(d):
    keys = {"id", "version", "sha256", "requested", "granted", "installed_at", "nodes", "status"}
    return (isinstance(d, dict) and keys <= set(d) and set(d) <= keys | {"message", "replaced"}
        and isinstance(d["id"], str) and d["status"] in ("ok", "changed", "missing_grants")
        and (d["sha256"] is None or HEX64.fullmatch(d["sha256"]) is not None)
        and (d["installed_at"] is None or RFC3339.fullmatch(d["installed_at"]) is not None)
        and all(isinstance(x, list) for x in (d["requested"], d["granted"], d["nodes"]))
        and set(d["requested"]) <= CAPS and set(d["granted"]) <= set(d["requested"]))
def by_type(d, t): return next((n for n in d if n.get("type") == t), None)
def messages(d): return [e["message"] for e in d["logs"]]
def mode(p): return stat.S_IMODE(os.lstat(p).st_mode)
'
# check NAME RC PYEXPR…: the exit status is RC, stdout is JSON, and each
# PYEXPR (over `d`; `err` is stderr) holds.
check() {
    local name=$1 want=$2 expr
    shift 2
    if [ "$RC" -ge 124 ]; then not_ok "$name" "crashed or hung (exit status $RC)"; return; fi
    if grep -qE 'Sanitizer|runtime error' "$T/err"; then not_ok "$name" "sanitizer report on stderr"; return; fi
    if [ "$RC" -ne "$want" ]; then not_ok "$name" "exit status $RC, expected $want"; return; fi
    for expr in "$@"; do
        if ! python3 -c "$PYHELP"'
d = json.load(open(sys.argv[1], encoding="utf-8"))
err = open(sys.argv[3], encoding="utf-8", errors="replace").read()
D = sys.argv[4]
sys.exit(0 if eval(sys.argv[2]) else 1)' "$T/out" "$expr" "$T/err" "$D" 2>/dev/null; then
            not_ok "$name" "fails: $expr"
            return
        fi
    done
    ok "$name"
}
# no_run: check the file system only (stdout is null).
no_run() { echo null >"$T/out"; : >"$T/err"; RC=0; }
# usage NAME: exit status 2 and a message on stderr (stdout may be anything).
usage() {
    if [ "$RC" -eq 2 ] && [ -s "$T/err" ] && ! grep -qE 'Sanitizer|runtime error' "$T/err"; then ok "$1"
    else not_ok "$1" "expected exit status 2 and a message on stderr"
    fi
}

# ---- the packages -------------------------------------------------------------

cat >text.c <<'EOF'
#include "weir_node.h"

WEIR_MANIFEST(
    "{\"abi\": 1, \"package\": {\"id\": \"itest.text\", \"version\": \"0.3.0\"},"
    " \"nodes\": ["
    "  {\"name\": \"shout\", \"friendly_name\": \"Shout\", \"category\": \"Test\", \"pins\": ["
    "    {\"name\": \"exec_in\", \"direction\": \"in\", \"type\": \"execution\"},"
    "    {\"name\": \"text\", \"direction\": \"in\", \"type\": \"string\", \"default\": \"quiet\"},"
    "    {\"name\": \"exec_out\", \"direction\": \"out\", \"type\": \"execution\"},"
    "    {\"name\": \"loud\", \"direction\": \"out\", \"type\": \"string\"}]},"
    "  {\"name\": \"fail_me\", \"pins\": ["
    "    {\"name\": \"exec_in\", \"direction\": \"in\", \"type\": \"execution\"},"
    "    {\"name\": \"exec_out\", \"direction\": \"out\", \"type\": \"execution\"}]},"
    "  {\"name\": \"upper\", \"pins\": ["
    "    {\"name\": \"text\", \"direction\": \"in\", \"type\": \"string\", \"default\": \"\"},"
    "    {\"name\": \"loud\", \"direction\": \"out\", \"type\": \"string\"}]}]}");

static int up(const weir_input *in) {
    char *text = weir_input_cstr(in, "text");
    if (!text) return weir_fail("text must be a string");
    for (char *p = text; *p; p++)
        if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 32);
    return weir_set_output_cstr("loud", text) == WEIR_OK ? WEIR_NODE_OK : weir_fail("cannot set loud");
}

static int shout(const weir_input *in) {
    weir_info("shouting");
    int rc = up(in);
    if (rc != WEIR_NODE_OK) return rc;
    weir_activate("exec_out");
    return WEIR_NODE_OK;
}

static int fail_me(const weir_input *in) {
    (void)in;
    return weir_fail("nope");
}

WEIR_NODES(shout, fail_me, up);
EOF
cat >net.c <<'EOF'
#include "weir_node.h"

WEIR_MANIFEST(
    "{\"abi\": 1, \"package\": {\"id\": \"itest.net\", \"version\": \"1.0.0\"},"
    " \"capabilities\": {\"http\": {\"hosts\": [\"api.example.com\"], \"methods\": [\"GET\"]}},"
    " \"nodes\": [{\"name\": \"ping\", \"pins\": ["
    "    {\"name\": \"exec_in\", \"direction\": \"in\", \"type\": \"execution\"},"
    "    {\"name\": \"exec_out\", \"direction\": \"out\", \"type\": \"execution\"}]}]}");

static int ping(const weir_input *in) {
    (void)in;
    weir_activate("exec_out");
    return WEIR_NODE_OK;
}

WEIR_NODES(ping);
EOF
built=1
for p in text net; do
    if clang --target=wasm32-wasi -mexec-model=reactor -O2 -I"$SRC/sdk/c" -o "$p.wasm" "$p.c" 2>"$T/err"; then
        ok "clang builds $p.wasm"
    else
        RC=1; not_ok "clang builds $p.wasm" "clang --target=wasm32-wasi failed (clang, lld and wasi-libc are needed)"
        built=0
    fi
done
if [ "$built" -ne 1 ]; then
    echo "$pass passed, $fail failed"
    exit 1
fi
printf 'not a module' >junk.wasm

# ---- inspect ------------------------------------------------------------------

w node inspect text.wasm
check "inspect: the package's shape" 0 \
    'set(d) == {"sha256", "package", "capabilities", "limits", "nodes", "imports"}' \
    'HEX64.fullmatch(d["sha256"]) and d["package"]["id"] == "itest.text" and d["package"]["version"] == "0.3.0"' \
    'd["capabilities"] == {} and set(d["limits"]) == {"memory_mb", "fuel", "timeout_ms"}' \
    '[n["name"] for n in d["nodes"]] == ["shout", "fail_me", "upper"]' \
    '"weir.log" in d["imports"] and "weir.set_output" in d["imports"] and all(i.startswith("weir.") for i in d["imports"])'
SHA_TEXT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sha256"])' "$T/out" 2>/dev/null)
if [ "$SHA_TEXT" = "$(sha256sum text.wasm | cut -c1-64)" ]; then ok "inspect: sha256 is the file's"
else not_ok "inspect: sha256 is the file's" "$SHA_TEXT"; fi
w node inspect net.wasm
check "inspect: requested capabilities" 0 'd["capabilities"]["http"]["hosts"] == ["api.example.com"]'
w node inspect junk.wasm
check "inspect: a rejected package prints the error, exit 2" 2 'is_error(d, "invalid_module")'
w node inspect
usage "inspect without a file: usage, exit 2"

# ---- exec ---------------------------------------------------------------------

w node exec text.wasm --node shout --input '{"text": "abc"}'
check "exec: ok, exit 0, the contract's shape" 0 'is_exec(d)' 'd["status"] == "ok" and d["error"] is None' \
    'd["outputs"] == {"loud": "ABC"} and d["activated"] == ["exec_out"]' \
    'd["logs"] == [{"level": "info", "message": "shouting"}]'
w node exec text.wasm --node shout
check "exec: an input left out gets its default" 0 'd["outputs"] == {"loud": "QUIET"}'
w node exec text.wasm --node upper --input '{"text": "pure"}'
check "exec: a pure node" 0 'is_exec(d) and d["outputs"] == {"loud": "PURE"} and d["activated"] == []'
w node exec text.wasm --node fail_me
check "exec: a failing node: error, exit 3" 3 'is_exec(d)' \
    'd["status"] == "error" and d["error"] == {"code": "node_failed", "message": "nope"}' \
    'd["outputs"] == {} and d["activated"] == []'
w node exec text.wasm --node shout --input '{"text": 5}'
check "exec: an input of the wrong type: bad_input, exit 3" 3 'is_exec(d) and d["error"]["code"] == "bad_input"'
w node exec net.wasm --node ping
check "exec: not granted: capability_denied, exit 3" 3 \
    'is_exec(d) and d["error"]["code"] == "capability_denied" and "http" in d["error"]["message"]'
w node exec net.wasm --node ping --grant http
check "exec: --grant http: ok" 0 'is_exec(d) and d["status"] == "ok" and d["activated"] == ["exec_out"]'
w node exec net.wasm --node ping --grant-all
check "exec: --grant-all: ok" 0 'is_exec(d) and d["status"] == "ok"'
w node exec junk.wasm --node x
check "exec: a rejected package: exit 3" 3 'is_error(d, "invalid_module")'
w node exec text.wasm
usage "exec without --node: usage, exit 2"
w node exec text.wasm --node nosuch
usage "exec of an unknown node: usage, exit 2"
w node exec text.wasm --node shout --grant bogus
usage "exec --grant bogus: usage, exit 2"
w node exec text.wasm --node shout --input '[1]'
usage "exec --input that is not an object: usage, exit 2"

# ---- install / list -----------------------------------------------------------

w node list --data-dir "$D"
check "list: nothing installed: []" 0 'd == []'
w node install text.wasm --data-dir "$D"
check "install: the installed package" 0 'is_pkg(d)' \
    'd["id"] == "itest.text" and d["version"] == "0.3.0" and d["status"] == "ok" and d["replaced"] is False' \
    'd["nodes"] == ["shout", "fail_me", "upper"] and d["requested"] == [] and d["granted"] == []' \
    "d[\"sha256\"] == \"$SHA_TEXT\""
no_run
check "install: files 0600, directories 0700, the grants record" 0 \
    'mode(D + "/packages") == 0o700 and mode(D + "/packages/itest.text") == 0o700' \
    'mode(D + "/packages/itest.text/package.wasm") == 0o600 and mode(D + "/packages/itest.text/grants.json") == 0o600' \
    'set(json.load(open(D + "/packages/itest.text/grants.json"))) == {"package", "version", "sha256", "requested", "granted", "installed_at"}' \
    'json.load(open(D + "/packages/itest.text/grants.json"))["package"] == "itest.text"' \
    'open(D + "/packages/itest.text/package.wasm", "rb").read() == open("text.wasm", "rb").read()' \
    'sorted(os.listdir(D + "/packages/itest.text")) == ["grants.json", "package.wasm"]'
w node install net.wasm --data-dir "$D" --grant storage
check "install without the requested grants: a warning, status missing_grants" 0 'is_pkg(d)' \
    'd["status"] == "missing_grants" and d["requested"] == ["http"] and d["granted"] == []' \
    '"warning" in err and "http" in err'
w node list --data-dir "$D"
check "list: both, by id, with their status" 0 'isinstance(d, list) and len(d) == 2 and all(is_pkg(p) for p in d)' \
    '[p["id"] for p in d] == ["itest.net", "itest.text"]' \
    '[p["status"] for p in d] == ["missing_grants", "ok"]' \
    'd[1]["nodes"] == ["shout", "fail_me", "upper"] and d[0]["nodes"] == ["ping"]'
w node install junk.wasm --data-dir "$D"
check "install: a rejected package prints the error, exit 2" 2 'is_error(d, "invalid_module")'
w node install --data-dir "$D"
usage "install without a file: usage, exit 2"
w node install text.wasm --data-dir "$D" --grant bogus
usage "install --grant bogus: usage, exit 2"

# ---- catalog ------------------------------------------------------------------

w catalog --data-dir "$D"
check "catalog: the installed package nodes, with package and grants" 0 \
    'by_type(d, "events_simple") is not None' \
    'by_type(d, "pkg:itest.text/shout")["package"] == "itest.text" and by_type(d, "pkg:itest.text/shout")["friendly_name"] == "Shout"' \
    'by_type(d, "pkg:itest.text/shout")["capabilities"] == [] and by_type(d, "pkg:itest.text/shout")["pure"] is False' \
    'by_type(d, "pkg:itest.text/upper")["pure"] is True' \
    'by_type(d, "pkg:itest.net/ping")["capabilities"] == ["http"] and by_type(d, "pkg:itest.net/ping")["granted"] == []' \
    '[p["name"] for p in by_type(d, "pkg:itest.text/shout")["pins"]] == ["exec_in", "text", "exec_out", "loud"]'
w catalog
check "catalog without packages in the default data directory" 0 \
    'by_type(d, "events_simple") is not None and not any(n["type"].startswith("pkg:") for n in d)'

# ---- boards -------------------------------------------------------------------

cat >shout.board.json <<'EOF'
{"format": "weir-board/1", "id": "shouting", "nodes": [
  {"id": "start", "type": "events_simple"},
  {"id": "s", "type": "pkg:itest.text/shout", "inputs": {"text": "hello"}},
  {"id": "u", "type": "pkg:itest.text/upper", "inputs": {"text": "pure"}},
  {"id": "join", "type": "string_format", "inputs": {"format_string": "{a} {b}"}},
  {"id": "ret", "type": "return_result"}],
 "connections": [
  {"from": "start.exec_out", "to": "s.exec_in"},
  {"from": "s.exec_out", "to": "ret.exec_in"},
  {"from": "s.loud", "to": "join.a"},
  {"from": "u.loud", "to": "join.b"},
  {"from": "join.formatted_string", "to": "ret.result"}]}
EOF
cat >ping.board.json <<'EOF'
{"format": "weir-board/1", "id": "pinging", "nodes": [
  {"id": "start", "type": "events_simple"},
  {"id": "p", "type": "pkg:itest.net/ping"},
  {"id": "ret", "type": "return_result", "inputs": {"result": "pinged"}}],
 "connections": [
  {"from": "start.exec_out", "to": "p.exec_in"},
  {"from": "p.exec_out", "to": "ret.exec_in"}]}
EOF
w validate shout.board.json --data-dir "$D"
check "validate: a board with package nodes" 0 'd == {"valid": True}'
w run shout.board.json --data-dir "$D"
check "run: package nodes run, outputs and activation" 0 \
    'd["status"] == "completed" and d["result"] == "HELLO PURE"' \
    '{"node": "s", "level": "info", "message": "shouting"} in d["logs"]'
w validate shout.board.json
check "validate: not installed in the default data directory: unknown_node_type" 2 \
    'd["valid"] is False and d["errors"][0]["code"] == "unknown_node_type" and "not installed" in d["errors"][0]["message"]'
w validate ping.board.json --data-dir "$D"
check "validate: a package missing grants still validates" 0 'd == {"valid": True}'
w run ping.board.json --data-dir "$D"
check "run: missing grants: the node fails with capability_denied, exit 3" 3 \
    'd["status"] == "failed" and d["error"]["node"] == "p" and d["error"]["message"].startswith("capability_denied: ")'
w node install net.wasm --data-dir "$D" --grant-all
check "install again with --grant-all: replaced, ok" 0 'is_pkg(d)' \
    'd["replaced"] is True and d["status"] == "ok" and d["granted"] == ["http"] and "warning" not in err'
w run ping.board.json --data-dir "$D"
check "run: granted, it runs" 0 'd["status"] == "completed" and d["result"] == "pinged"'

# a package file changed after it was granted
printf 'x' >>"$D/packages/itest.text/package.wasm"
w node list --data-dir "$D"
check "list: a changed file is \"changed\"" 0 \
    '[p["status"] for p in d] == ["ok", "changed"] and "install it again" in d[1]["message"] and d[1]["nodes"] == []'
w validate shout.board.json --data-dir "$D"
check "validate: a changed package is refused: unknown_node_type" 2 \
    'd["valid"] is False and {e["code"] for e in d["errors"]} == {"unknown_node_type"}' \
    'all("changed since it was granted: install it again" in e["message"] for e in d["errors"])'
w run shout.board.json --data-dir "$D"
check "run: a changed package is refused, exit 2" 2 'd["valid"] is False'
w catalog --data-dir "$D"
check "catalog: a changed package is left out, with a note" 0 \
    'by_type(d, "pkg:itest.text/shout") is None and by_type(d, "pkg:itest.net/ping") is not None' \
    '"itest.text" in err'
w node install text.wasm --data-dir "$D"
check "install again: ok" 0 'd["status"] == "ok" and d["replaced"] is True'
w run shout.board.json --data-dir "$D"
check "run: installed again, it runs" 0 'd["status"] == "completed" and d["result"] == "HELLO PURE"'

# ---- remove -------------------------------------------------------------------

mkdir -p "$D/storage/local/packages/itest.text"
echo keep >"$D/storage/local/packages/itest.text/data.txt"
w node remove itest.text --data-dir "$D"
check "remove: removed, exit 0" 0 'd == {"removed": "itest.text"}' \
    'not os.path.exists(D + "/packages/itest.text")' \
    'open(D + "/storage/local/packages/itest.text/data.txt").read() == "keep\n"'
w node list --data-dir "$D"
check "list after remove" 0 '[p["id"] for p in d] == ["itest.net"]'
w validate shout.board.json --data-dir "$D"
check "validate after remove: unknown_node_type" 2 \
    'd["errors"][0]["code"] == "unknown_node_type" and "itest.text is not installed" in d["errors"][0]["message"]'
w node remove itest.text --data-dir "$D"
check "remove an unknown package: exit 2" 2 'is_error(d, "not_installed")'
w node remove ../data --data-dir "$D"
check "remove a malformed id: exit 2" 2 'is_error(d, "not_installed")'
w node remove
usage "remove without an id: usage, exit 2"

# ---- the default data directory -------------------------------------------------

w node install text.wasm
check "install into \$WEIR_DATA" 0 'd["status"] == "ok"' \
    'os.path.isfile(os.environ["WEIR_DATA"] + "/packages/itest.text/package.wasm")'
w node list
check "list \$WEIR_DATA" 0 '[p["id"] for p in d] == ["itest.text"]'
w run shout.board.json
check "run from \$WEIR_DATA" 0 'd["status"] == "completed" and d["result"] == "HELLO PURE"'

w node --help
if [ "$RC" -eq 0 ] && grep -q "install" "$T/out" && grep -q "remove" "$T/out"; then ok "node --help lists install, list, remove"
else not_ok "node --help lists install, list, remove" "missing"; fi

echo
if [ "$fail" -gt 0 ]; then
    echo "failed checks:"
    printf '  %s\n' "${failures[@]}"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
