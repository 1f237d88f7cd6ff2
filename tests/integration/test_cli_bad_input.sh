#!/usr/bin/env bash
# test_cli_bad_input.sh — `weir validate` and `weir run` on bad input.
#
#   bash test_cli_bad_input.sh WEIR_BINARY SOURCE_DIR BINARY_DIR
#
# Every case checks that weir does not crash (exit status below 124, i.e. no
# signal and no hang, and no "Sanitizer" / "runtime error" on stderr, so the
# script is useful against a WEIR_SANITIZE build too), that the exit status is
# the one boards.md §4 asks for (2 for an invalid board or a usage error), and
# that the output says what is wrong: the error code in the JSON on stdout
# (parsed with python3), or the offending option on stderr. It also checks the
# exit-status contract (0 completed, 3 failed, 2 invalid), `--help` of every
# command, and that `weir catalog` lists every node key of boards.md §3.
# Prints one line per check and finishes with "N passed, M failed".
set -u

W=${1:?usage: bash test_cli_bad_input.sh WEIR_BINARY SOURCE_DIR BINARY_DIR}
SRC=${2:-$(cd "$(dirname "$0")/../.." && pwd)}
case $W in /*) ;; *) W=$PWD/$W ;; esac
T=$(mktemp -d "${TMPDIR:-/tmp}/weir-bad-input.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
export WEIR_DATA=$T/data

pass=0 fail=0 failures=()
ok() { pass=$((pass + 1)); echo "ok   - $1"; }
not_ok() {
    fail=$((fail + 1)); failures+=("$1"); echo "FAIL - $1: $2"
    echo "       exit status $RC; stdout: $(head -c 300 "$T/out" | tr '\n' ' ')"
    echo "       stderr: $(head -c 300 "$T/err" | tr '\n' ' ')"
}

# w ARGS…: run weir with a time limit of $LIMIT seconds; sets RC, keeps
# $T/out and $T/err.
LIMIT=120
w() {
    timeout "$LIMIT" "$W" "$@" >"$T/out" 2>"$T/err" </dev/null
    RC=$?
}
# Why the last command counts as a crash, or nothing.
crashed() {
    if [ "$RC" -eq 124 ]; then echo "hung (killed after $LIMIT s)"
    elif [ "$RC" -ge 128 ]; then echo "killed by signal $((RC - 128))"
    elif grep -qE 'Sanitizer|runtime error' "$T/err"; then echo "sanitizer report: $(grep -m1 -E 'Sanitizer|runtime error' "$T/err")"
    fi
}
# jq_ FILE PYEXPR…: FILE holds JSON and every PYEXPR (over `d`) is true.
# Exit status 0 when all hold, k when the k-th is false, 99 when FILE is not
# JSON.
jq_() {
    python3 -c 'import json, sys
try:
    d = json.load(open(sys.argv[1], encoding="utf-8"))
except Exception:
    sys.exit(99)
for k, e in enumerate(sys.argv[2:], 1):
    try:
        if not eval(e): sys.exit(k)
    except Exception:
        sys.exit(k)' "$@" 2>/dev/null
}
# The {"valid": false, "errors": [...]} document, with `code` among the codes
# and every error carrying code, node, pin and message.
INVALID_DOC='d.get("valid") is False and isinstance(d.get("errors"), list) and len(d["errors"]) > 0 and all(isinstance(e, dict) and {"code", "node", "pin", "message"} <= set(e) and isinstance(e["message"], str) and e["message"] for e in d["errors"])'

# invalid NAME CODE FILE [EXTRA_PYEXPR]: validate and run both refuse FILE
# with exit 2, `code` in the errors, and a line on stderr naming the code.
invalid() {
    local name=$1 code=$2 file=$3 extra=${4:-True} cmd why
    for cmd in validate run; do
        w "$cmd" "$file"
        why=$(crashed)
        jq_ "$T/out" "$INVALID_DOC" "\"$code\" in [e['code'] for e in d['errors']]" "$extra"
        case $? in
            0) ;;
            99) why=${why:-"stdout is not JSON"} ;;
            1) why=${why:-"stdout is not {\"valid\": false, \"errors\": [{code,node,pin,message}…]}"} ;;
            2) why=${why:-"no error with code $code"} ;;
            *) why=${why:-"stdout fails: $extra"} ;;
        esac
        if [ -n "$why" ]; then not_ok "$cmd: $name" "$why"
        elif [ "$RC" -ne 2 ]; then not_ok "$cmd: $name" "exit status $RC, expected 2"
        elif ! grep -q "$code" "$T/err"; then not_ok "$cmd: $name" "stderr does not name $code"
        else ok "$cmd: $name ($code)"
        fi
    done
}
# usage NAME STDERR_REGEX ARGS…: exit 2, no crash, stderr matches, stdout is
# empty or JSON.
usage() {
    local name=$1 re=$2 why
    shift 2
    w "$@"
    why=$(crashed)
    if [ -n "$why" ]; then not_ok "$name" "$why"
    elif [ "$RC" -ne 2 ]; then not_ok "$name" "exit status $RC, expected 2"
    elif ! grep -qE -- "$re" "$T/err"; then not_ok "$name" "stderr does not match /$re/"
    elif [ -s "$T/out" ] && ! jq_ "$T/out" True; then not_ok "$name" "stdout is neither empty nor JSON"
    else ok "$name"
    fi
}
# run_refused NAME CODE REGEX ARGS…: `weir run` exits 2 after loading the
# board, printing a JSON error with `code` and a stderr line matching REGEX.
run_refused() {
    local name=$1 code=$2 re=$3 why
    shift 3
    w run "$@"
    why=$(crashed)
    if [ -n "$why" ]; then not_ok "$name" "$why"
    elif [ "$RC" -ne 2 ]; then not_ok "$name" "exit status $RC, expected 2"
    elif ! jq_ "$T/out" "isinstance(d.get('error'), dict) and d['error'].get('code') == '$code'"; then
        not_ok "$name" "stdout has no error with code $code"
    elif ! grep -qE -- "$re" "$T/err"; then not_ok "$name" "stderr does not match /$re/"
    else ok "$name ($code)"
    fi
}
board() { # board FILE NODES [CONNECTIONS] [VARIABLES]
    printf '{"format": "weir-board/1", "id": "t", "variables": [%s], "nodes": [%s], "connections": [%s]}\n' \
        "${4:-}" "$2" "${3:-}" >"$1"
}
START='{"id": "start", "type": "events_simple"}'

# ---- files that are not boards ------------------------------------------------
printf 'this is not JSON\n' >notjson.json
invalid "not JSON" invalid_json notjson.json 'd["errors"][0].get("line") == 1 and d["errors"][0].get("column", 0) >= 1'
: >empty.json
invalid "empty file" invalid_json empty.json
printf '{"format": "weir-board/1", "id": "t", "nodes": [' >truncated.json
invalid "truncated JSON" invalid_json truncated.json
mkdir -p adir.json
invalid "a directory" unreadable adir.json 'any("directory" in e["message"] for e in d["errors"])'
invalid "a missing file" unreadable "$T/does-not-exist.json" 'any("does-not-exist.json" in e["message"] for e in d["errors"])'
if [ -r /dev/zero ]; then
    invalid "an endless file (/dev/zero)" board_too_large /dev/zero
fi

# ---- wrong types everywhere ------------------------------------------------------
wt() { # wt NAME CODE JSON
    printf '%s\n' "$3" >"wt.json"
    invalid "wrong type: $1" "$2" wt.json
}
wt "board is an array" invalid_board '[{"format": "weir-board/1", "id": "t", "nodes": []}]'
wt "board is a string" invalid_json '"weir-board/1"'
wt "format missing" unsupported_format '{"id": "t", "nodes": []}'
wt "format is a number" unsupported_format '{"format": 1, "id": "t", "nodes": []}'
wt "id is a number" invalid_board '{"format": "weir-board/1", "id": 5, "nodes": []}'
wt "name is an array" invalid_board '{"format": "weir-board/1", "id": "t", "name": [], "nodes": []}'
wt "nodes is an object" invalid_board '{"format": "weir-board/1", "id": "t", "nodes": {"start": {"type": "events_simple"}}}'
wt "nodes is missing" invalid_board '{"format": "weir-board/1", "id": "t"}'
wt "connections is an object" invalid_board '{"format": "weir-board/1", "id": "t", "nodes": [], "connections": {}}'
wt "variables is a string" invalid_board '{"format": "weir-board/1", "id": "t", "nodes": [], "variables": "x"}'
wt "comments is a number" invalid_board '{"format": "weir-board/1", "id": "t", "nodes": [], "comments": 3}'
wt "a node is a string" invalid_board '{"format": "weir-board/1", "id": "t", "nodes": ["start"]}'
wt "a node is null" invalid_board '{"format": "weir-board/1", "id": "t", "nodes": [null]}'
wt "node id is a number" invalid_board '{"format": "weir-board/1", "id": "t", "nodes": [{"id": 1, "type": "events_simple"}]}'
wt "node id is empty" invalid_board '{"format": "weir-board/1", "id": "t", "nodes": [{"id": "", "type": "events_simple"}]}'
wt "node type is a number" invalid_board '{"format": "weir-board/1", "id": "t", "nodes": [{"id": "s", "type": 7}]}'
wt "inputs is an array" invalid_board "{\"format\": \"weir-board/1\", \"id\": \"t\", \"nodes\": [$START, {\"id\": \"l\", \"type\": \"log_info\", \"inputs\": [\"message\"]}]}"
wt "pin_counts is an array" invalid_board "{\"format\": \"weir-board/1\", \"id\": \"t\", \"nodes\": [$START, {\"id\": \"q\", \"type\": \"control_sequence\", \"pin_counts\": [3]}]}"
wt "pin count is a string" bad_value "{\"format\": \"weir-board/1\", \"id\": \"t\", \"nodes\": [$START, {\"id\": \"q\", \"type\": \"control_sequence\", \"pin_counts\": {\"exec_out\": \"3\"}}]}"
wt "pin count is 100000" bad_value "{\"format\": \"weir-board/1\", \"id\": \"t\", \"nodes\": [$START, {\"id\": \"q\", \"type\": \"control_sequence\", \"pin_counts\": {\"exec_out\": 100000}}]}"
wt "extra_pins is an object" invalid_board '{"format": "weir-board/1", "id": "t", "nodes": [{"id": "e", "type": "events_generic", "extra_pins": {"name": "x"}}]}'
wt "handle_errors is a string" invalid_board "{\"format\": \"weir-board/1\", \"id\": \"t\", \"nodes\": [$START, {\"id\": \"l\", \"type\": \"log_info\", \"handle_errors\": \"yes\"}]}"
wt "x is a string" invalid_board '{"format": "weir-board/1", "id": "t", "nodes": [{"id": "s", "type": "events_simple", "x": "10"}]}'
wt "a connection is an array" invalid_board "{\"format\": \"weir-board/1\", \"id\": \"t\", \"nodes\": [$START], \"connections\": [[\"start.exec_out\", \"x.exec_in\"]]}"
wt "connection from is a number" invalid_board "{\"format\": \"weir-board/1\", \"id\": \"t\", \"nodes\": [$START], \"connections\": [{\"from\": 1, \"to\": \"start.exec_out\"}]}"
wt "connection without a pin" unknown_pin "{\"format\": \"weir-board/1\", \"id\": \"t\", \"nodes\": [$START, {\"id\": \"l\", \"type\": \"log_info\"}], \"connections\": [{\"from\": \"start\", \"to\": \"l.\"}]}"
wt "connection #k is not a number" unknown_pin "{\"format\": \"weir-board/1\", \"id\": \"t\", \"nodes\": [$START, {\"id\": \"l\", \"type\": \"log_info\"}], \"connections\": [{\"from\": \"start.exec_out#x\", \"to\": \"l.exec_in#-1\"}]}"
wt "a variable is a number" invalid_board "{\"format\": \"weir-board/1\", \"id\": \"t\", \"nodes\": [$START], \"variables\": [3]}"
wt "variable type unknown" bad_value "{\"format\": \"weir-board/1\", \"id\": \"t\", \"nodes\": [$START], \"variables\": [{\"id\": \"v\", \"type\": \"text\"}]}"
wt "variable exposed is a string" bad_value "{\"format\": \"weir-board/1\", \"id\": \"t\", \"nodes\": [$START], \"variables\": [{\"id\": \"v\", \"type\": \"string\", \"exposed\": \"yes\"}]}"
wt "variable default has the wrong type" bad_value "{\"format\": \"weir-board/1\", \"id\": \"t\", \"nodes\": [$START], \"variables\": [{\"id\": \"v\", \"type\": \"integer\", \"default\": \"7\"}]}"
wt "input literal has the wrong type" bad_value "{\"format\": \"weir-board/1\", \"id\": \"t\", \"nodes\": [$START, {\"id\": \"a\", \"type\": \"int_add\", \"inputs\": {\"integer1\": \"1\"}}]}"
wt "a comment without id" invalid_board "{\"format\": \"weir-board/1\", \"id\": \"t\", \"nodes\": [$START], \"comments\": [{\"text\": \"hi\"}]}"

# ---- unknown nodes --------------------------------------------------------------------
board unknown.json "$START"', {"id": "mystery", "type": "no_such_node"}'
invalid "unknown node type" unknown_node_type unknown.json 'any(e["code"] == "unknown_node_type" and e["node"] == "mystery" and "no_such_node" in e["message"] for e in d["errors"])'
board unknownpkg.json "$START"', {"id": "p", "type": "pkg:not.installed/node"}'
invalid "unknown package node" unknown_node_type unknownpkg.json
board nostart.json '{"id": "say", "type": "log_info"}'
invalid "no start node" no_start nostart.json

# ---- size and depth ----------------------------------------------------------------------
# 100 MB: the loader must stop at its limit rather than read it all.
{ printf '{"format": "weir-board/1", "id": "big", "nodes": [], "comments": [{"id": "c", "text": "'
  head -c 100000000 /dev/zero | tr '\0' 'a'
  printf '"}]}\n'; } >huge.json
invalid "a 100 MB file" board_too_large huge.json
rm -f huge.json

python3 -c 'import sys; n = 200000; sys.stdout.write("[" * n + "]" * n)' >deep.json
invalid "JSON nested 200,000 levels deep" invalid_json deep.json
python3 -c 'import sys; n = 200000
sys.stdout.write("{\"format\": \"weir-board/1\", \"id\": \"t\", \"nodes\": [{\"id\": \"s\", \"type\": \"events_simple\"}, {\"id\": \"r\", \"type\": \"return_result\", \"inputs\": {\"result\": " + "{\"a\": " * n + "1" + "}" * n + "}}]}")' >deep2.json
invalid "a literal nested 200,000 levels deep" invalid_json deep2.json
rm -f deep.json deep2.json

# 10 MB strings where short names belong. The board is refused; the error is
# about the board, and does not copy the 10 MB back (a clear message stays
# short: at most 64 KiB of output).
big10() { python3 -c 'import sys; sys.stdout.write(sys.argv[1].replace("@", "x" * (10 * 1024 * 1024)))' "$1"; }
SMALL_OUT='len(json.dumps(d)) < 65536'
big10 '{"format": "weir-board/1", "id": "t", "nodes": [{"id": "@", "type": "events_simple"}]}' >bigid.json
invalid "a 10 MB node id" invalid_board bigid.json "$SMALL_OUT"
big10 '{"format": "weir-board/1", "id": "t", "nodes": [{"id": "s", "type": "events_simple"}, {"id": "n", "type": "@"}]}' >bigtype.json
invalid "a 10 MB node type" unknown_node_type bigtype.json "$SMALL_OUT"
big10 '{"format": "weir-board/1", "id": "t", "nodes": [{"id": "s", "type": "events_simple"}, {"id": "l", "type": "log_info", "inputs": {"@": 1}}]}' >bigpin.json
invalid "a 10 MB input name" unknown_pin bigpin.json "$SMALL_OUT"
big10 '{"format": "weir-board/1", "id": "t", "nodes": [{"id": "s", "type": "events_simple"}], "connections": [{"from": "s.exec_out", "to": "@.exec_in"}]}' >bigconn.json
invalid "a 10 MB connection end" unknown_pin bigconn.json "$SMALL_OUT"
# …and a 10 MB literal is a valid board: it runs, and the output stays bounded.
big10 '{"format": "weir-board/1", "id": "t", "nodes": [{"id": "s", "type": "events_simple"}, {"id": "l", "type": "log_info", "inputs": {"message": "@"}}], "connections": [{"from": "s.exec_out", "to": "l.exec_in"}]}' >bigmsg.json
w run bigmsg.json
why=$(crashed)
if [ -n "$why" ]; then not_ok "run: a 10 MB log message" "$why"
elif [ "$RC" -ne 0 ]; then not_ok "run: a 10 MB log message" "exit status $RC, expected 0"
elif ! jq_ "$T/out" 'd["status"] == "completed" and len(json.dumps(d)) < 4 * 1024 * 1024'; then
    not_ok "run: a 10 MB log message" "not completed, or the output is not bounded by the log limit"
else ok "run: a 10 MB log message (completed, output bounded)"
fi
rm -f big*.json

# More pins on one node than 16 bits count (2 definition pins + 32,767
# string_format placeholders or events_generic extra_pins = 32,769): refused
# or accepted, never a crash, and within 60 s.
python3 -c 'import string, itertools, sys
al = string.ascii_letters + string.digits
names = list(al) + ["".join(p) for p in itertools.product(al, repeat=2)] + ["".join(p) for p in itertools.product(al, repeat=3)]
fmt = "".join("{%s}" % x for x in names[:32767])
sys.stdout.write("{\"format\": \"weir-board/1\", \"id\": \"t\", \"nodes\": [{\"id\": \"s\", \"type\": \"events_simple\"}, {\"id\": \"f\", \"type\": \"string_format\", \"inputs\": {\"format_string\": \"%s\"}}]}" % fmt)' >manypins.json
python3 -c 'import json, sys
pins = [{"name": "p%d" % i} for i in range(32767)]
json.dump({"format": "weir-board/1", "id": "t", "nodes": [{"id": "e", "type": "events_generic", "extra_pins": pins}]}, sys.stdout)' >manyextra.json
LIMIT=60
for f in manypins manyextra; do
    for cmd in validate run; do
        w "$cmd" "$f.json"
        why=$(crashed)
        if [ -n "$why" ]; then not_ok "$cmd: 32,769 pins on one node ($f)" "$why"
        elif [ "$RC" -ne 0 ] && [ "$RC" -ne 2 ]; then not_ok "$cmd: 32,769 pins on one node ($f)" "exit status $RC"
        elif ! jq_ "$T/out" True; then not_ok "$cmd: 32,769 pins on one node ($f)" "stdout is not JSON"
        else ok "$cmd: 32,769 pins on one node ($f), exit $RC"
        fi
    done
done
LIMIT=120
rm -f manypins.json manyextra.json

# The same input given twice (`string` is `string#1`): one value or an error,
# never a leak or a crash (matters under WEIR_SANITIZE).
board twice.json "$START"', {"id": "e", "type": "equal_string", "inputs": {"string": "a", "string#1": "b"}}'
for cmd in validate run; do
    w "$cmd" twice.json
    why=$(crashed)
    if [ -n "$why" ]; then not_ok "$cmd: an input given as NAME and NAME#1" "$why"
    elif [ "$RC" -ne 0 ] && [ "$RC" -ne 2 ]; then not_ok "$cmd: an input given as NAME and NAME#1" "exit status $RC"
    elif ! jq_ "$T/out" True; then not_ok "$cmd: an input given as NAME and NAME#1" "stdout is not JSON"
    else ok "$cmd: an input given as NAME and NAME#1, exit $RC"
    fi
done

# ---- bytes that are not JSON text ---------------------------------------------------------
printf '{"format": "weir-board/1", "id": "bad \xff\xfe utf-8 \xc0\xaf", "nodes": [{"id": "s", "type": "events_simple"}]}\n' >utf8.json
invalid "invalid UTF-8 in a string" invalid_json utf8.json
printf '{"format": "weir-board/1", "id": "t", "nodes": [{"id": "s", "type": "events_simple", "\xed\xa0\x80": 1}]}\n' >utf8key.json
invalid "invalid UTF-8 (a surrogate) in a key" invalid_json utf8key.json
printf '{"format": "weir-board/1", "id": "t", "nodes": [{"id": "s", "type": "events_simple"}]}\n\0\0\0' >nul.json
invalid "NUL bytes after the board" invalid_json nul.json
printf '{"format": "weir-board/1", "id": "a\0b", "nodes": [{"id": "s", "type": "events_simple"}]}\n' >nul2.json
invalid "a NUL byte inside a string" invalid_json nul2.json
printf '{"format": "weir-board/1", "id": "a\\u0000b", "nodes": [{"id": "s", "type": "events_simple"}]}\n' >nul3.json
invalid "an escaped NUL (\\u0000) in a string" invalid_json nul3.json
printf '{"format": "weir-board/1", "id": "t", "id": "u", "nodes": [{"id": "s", "type": "events_simple"}]}\n' >dup.json
invalid "duplicate keys at the top" invalid_json dup.json 'any("duplicate" in e["message"] for e in d["errors"])'
printf '{"format": "weir-board/1", "id": "t", "nodes": [{"id": "s", "type": "events_simple", "type": "log_info"}]}\n' >dup2.json
invalid "duplicate keys in a node" invalid_json dup2.json

# ---- bad options of `weir run` ------------------------------------------------------------
cat >vars.json <<'EOF'
{"format": "weir-board/1", "id": "vars",
 "variables": [
   {"id": "greeting", "name": "greeting", "type": "string", "default": "hi", "exposed": true},
   {"id": "hidden", "name": "hidden", "type": "string", "default": "no", "exposed": false}],
 "nodes": [{"id": "start", "type": "events_simple"},
           {"id": "get", "type": "variable_get", "inputs": {"var_ref": "greeting"}},
           {"id": "ret", "type": "return_result"}],
 "connections": [{"from": "start.exec_out", "to": "ret.exec_in"}, {"from": "get.value_ref", "to": "ret.result"}]}
EOF
usage "run --payload that is not JSON" '--payload' run vars.json --payload 'nope'
usage "run --payload that is an array" '--payload.*object' run vars.json --payload '[1, 2]'
usage "run --payload that is a string" '--payload' run vars.json --payload '"text"'
usage "run --payload with duplicate keys" '--payload' run vars.json --payload '{"a": 1, "a": 2}'
usage "run --payload nested 60,000 levels deep" '--payload' run vars.json --payload "$(python3 -c 'print("[" * 60000 + "]" * 60000)')"
usage "run --payload without a value" '--payload' run vars.json --payload
usage "run --var without '='" '--var' run vars.json --var greeting
usage "run --var without a name" '--var' run vars.json --var '=1'
usage "run --var that is not JSON" '--var.*greeting' run vars.json --var 'greeting=hello'
run_refused "run --var of an unknown variable" bad_variable 'nope' vars.json --var 'nope="x"'
run_refused "run --var of a variable that is not exposed" bad_variable 'hidden' vars.json --var 'hidden="x"'
run_refused "run --var of the wrong type" bad_variable 'greeting' vars.json --var 'greeting=5'
usage "run --timeout-ms 0" '--timeout-ms' run vars.json --timeout-ms 0
usage "run --timeout-ms -1" '--timeout-ms' run vars.json --timeout-ms -1
usage "run --timeout-ms abc" '--timeout-ms' run vars.json --timeout-ms abc
usage "run --timeout-ms 1.5" '--timeout-ms' run vars.json --timeout-ms 1.5
usage "run --timeout-ms ''" '--timeout-ms' run vars.json --timeout-ms ''
usage "run --timeout-ms huge" '--timeout-ms' run vars.json --timeout-ms 99999999999999999999999999
usage "run --timeout-ms 2^64" '--timeout-ms' run vars.json --timeout-ms 18446744073709551616
usage "run --timeout-ms without a value" '--timeout-ms' run vars.json --timeout-ms
run_refused "run --event of a missing node" bad_event 'nope' vars.json --event nope
run_refused "run --event of a node that is not a start node" bad_event 'ret' vars.json --event ret
usage "run with an unknown option" 'unknown option.*--bogus' run vars.json --bogus
usage "run with an unknown short option" '-x' run vars.json -x
usage "run with two boards" 'unexpected argument' run vars.json vars.json
usage "run without a board" 'usage: weir run' run
usage "run with options but no board" 'usage: weir run' run --trace
usage "validate without a board" 'usage: weir validate' validate
usage "validate with two boards" 'usage: weir validate' validate vars.json vars.json
usage "catalog with an argument" 'usage: weir catalog' catalog extra
usage "weir without a command" 'usage: weir COMMAND' 
usage "weir nope" 'unknown command.*nope' nope
usage "weir with an unknown option" 'unknown command|usage' --bogus

# ---- the exit-status contract --------------------------------------------------------------
w run vars.json
if [ -n "$(crashed)" ] || [ "$RC" -ne 0 ]; then not_ok "exit 0: a completed run" "exit status $RC"
elif ! jq_ "$T/out" 'd["status"] == "completed" and d["result"] == "hi"'; then not_ok "exit 0: a completed run" "status/result"
else ok "exit 0: a completed run"
fi
board failing.json "$START"', {"id": "add", "type": "int_add", "inputs": {"integer1": 9223372036854775807, "integer2": 1}}, {"id": "say", "type": "log_info"}' \
    '{"from": "start.exec_out", "to": "say.exec_in"}, {"from": "add.sum", "to": "say.message"}'
w run failing.json
if [ -n "$(crashed)" ] || [ "$RC" -ne 3 ]; then not_ok "exit 3: a run whose node fails" "exit status $RC"
elif ! jq_ "$T/out" 'd["status"] == "failed" and d["error"]["code"] == "node_failed" and d["error"]["node"] == "add"'; then
    not_ok "exit 3: a run whose node fails" "status / error.code / error.node"
else ok "exit 3: a run whose node fails"
fi
w validate failing.json
if [ "$RC" -ne 0 ] || ! jq_ "$T/out" 'd == {"valid": True}'; then not_ok "exit 0: validate of a valid board" "exit status $RC"
else ok "exit 0: validate of a valid board"
fi
invalid "exit 2: an invalid board" no_start nostart.json

# ---- --help of every command ----------------------------------------------------------------
for cmd in validate run catalog; do
    for h in --help -h; do
        w "$cmd" "$h"
        if [ -n "$(crashed)" ] || [ "$RC" -ne 0 ]; then not_ok "weir $cmd $h" "exit status $RC, expected 0"
        elif ! grep -q "usage: weir $cmd" "$T/out"; then not_ok "weir $cmd $h" "no 'usage: weir $cmd' on stdout"
        else ok "weir $cmd $h"
        fi
    done
done
w --help
if [ "$RC" -ne 0 ] || ! grep -q 'usage: weir COMMAND' "$T/out" || ! grep -q validate "$T/out"; then
    not_ok "weir --help" "exit status $RC or no usage on stdout"
else ok "weir --help"
fi

# ---- the catalog lists every node of boards.md §3 -------------------------------------------
SPEC_NODES="events_simple events_generic return_result control_branch control_sequence control_gate
control_do_once control_do_n control_flip_flop control_for_each control_for_each_with_break
control_par_for_each control_par_execution control_gather control_while_loop control_timeout delay
reroute variable_get variable_set struct_make struct_get struct_set int_add int_subtract int_multiply
int_less_than int_equal float_add float_multiply bool_and bool_not string_format string_join
string_split string_contains equal_string val_to_string array_length array_push array_get
repair_parse parse_with_schema http_make_request http_fetch http_response_to_json
path_from_storage_dir path_child read_to_string write_string log_info log_error utils_datetime_now eval"
w catalog
if [ -n "$(crashed)" ] || [ "$RC" -ne 0 ]; then not_ok "catalog" "exit status $RC"
elif ! jq_ "$T/out" 'isinstance(d, list) and all(isinstance(n, dict) and isinstance(n.get("type"), str) for n in d)'; then
    not_ok "catalog" "not a JSON array of node types"
else
    missing=$(python3 -c 'import json, sys
have = {n["type"] for n in json.load(open(sys.argv[1]))}
print(" ".join(k for k in sys.argv[2].split() if k not in have))' "$T/out" "$SPEC_NODES")
    if [ -n "$missing" ]; then not_ok "catalog lists every node of boards.md §3" "missing: $missing"
    else ok "catalog lists every node of boards.md §3 ($(echo $SPEC_NODES | wc -w) keys)"
    fi
fi

echo
if [ "$fail" -gt 0 ]; then
    echo "failed checks:"
    printf '  %s\n' "${failures[@]}"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
