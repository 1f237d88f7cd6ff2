#!/usr/bin/env bash
# test_cli_contract.sh — the JSON `weir validate` and `weir run` print, and
# the options of `weir run`, exactly as boards.md §4 describes them.
#
#   bash test_cli_contract.sh WEIR_BINARY SOURCE_DIR BINARY_DIR
#
# validate: {"valid": true} / {"valid": false, "errors": [{code, node, pin,
# message}]}; run: {run_id (32 hex), status, result, error (null or {code,
# node, message}), logs [{node, level, message}]} plus trace [{node, type,
# status, start_us, duration_us} and, beyond the spec, inputs, outputs and,
# when failed, error (engine.md)] with --trace and only then; --event,
# --payload, --var, --timeout-ms and SIGINT. The boards are written to a
# temporary directory. Prints one line per check, then "N passed, M failed".
set -u

W=${1:?usage: bash test_cli_contract.sh WEIR_BINARY SOURCE_DIR BINARY_DIR}
case $W in /*) ;; *) W=$PWD/$W ;; esac
T=$(mktemp -d "${TMPDIR:-/tmp}/weir-contract.XXXXXX")
BG=
trap '[ -n "$BG" ] && kill -KILL "$BG" 2>/dev/null; rm -rf "$T"' EXIT
cd "$T" || exit 1
export WEIR_DATA=$T/data

pass=0 fail=0 failures=()
ok() { pass=$((pass + 1)); echo "ok   - $1"; }
not_ok() {
    fail=$((fail + 1)); failures+=("$1"); echo "FAIL - $1: $2"
    echo "       exit status $RC; stdout: $(head -c 400 "$T/out" | tr '\n' ' ')"
    echo "       stderr: $(head -c 300 "$T/err" | tr '\n' ' ')"
}
now_ms() { echo $(($(date +%s%N) / 1000000)); }
# w ARGS…: run weir (60 s limit); sets RC and MS (elapsed milliseconds).
w() {
    local t0; t0=$(now_ms)
    timeout 60 "$W" "$@" >"$T/out" 2>"$T/err" </dev/null
    RC=$?
    MS=$(($(now_ms) - t0))
}
# check NAME RC PYEXPR…: the exit status is RC, stdout is JSON, and each
# PYEXPR (over `d`, with `re` and the helpers below) holds.
PYHELP='
import json, re, sys
def is_log(e): return isinstance(e, dict) and set(e) == {"node", "level", "message"} and all(isinstance(e[k], str) for k in e)
def is_trace(e): return (isinstance(e, dict)
    and {"node", "type", "status", "start_us", "duration_us"} <= set(e)
    <= {"node", "type", "status", "start_us", "duration_us", "inputs", "outputs", "error"}
    and isinstance(e["node"], str) and isinstance(e["type"], str) and isinstance(e["status"], str)
    and all(type(e[k]) is int and e[k] >= 0 for k in ("start_us", "duration_us"))
    and ("inputs" in e) == ("outputs" in e)
    and all(isinstance(e[k], dict) for k in ("inputs", "outputs") if k in e)
    and ("error" not in e or (e["status"] == "failed" and isinstance(e["error"], str) and e["error"])))
def is_error(e): return (e is None or (isinstance(e, dict) and set(e) == {"code", "node", "message"}
    and isinstance(e["code"], str) and e["code"] and (e["node"] is None or isinstance(e["node"], str))
    and isinstance(e["message"], str) and e["message"]))
def is_run(d, trace=False):
    keys = {"run_id", "status", "result", "error", "logs"} | ({"trace"} if trace else set())
    return (isinstance(d, dict) and set(d) == keys and isinstance(d["run_id"], str)
        and re.fullmatch("[0-9a-f]{32}", d["run_id"]) is not None
        and d["status"] in ("completed", "failed", "timed_out", "cancelled") and is_error(d["error"])
        and (d["error"] is None) == (d["status"] == "completed")
        and isinstance(d["logs"], list) and all(is_log(e) for e in d["logs"])
        and (not trace or (isinstance(d["trace"], list) and all(is_trace(e) for e in d["trace"]))))
def is_invalid(d): return (isinstance(d, dict) and set(d) == {"valid", "errors"} and d["valid"] is False
    and isinstance(d["errors"], list) and len(d["errors"]) > 0 and all(isinstance(e, dict)
    and {"code", "node", "pin", "message"} <= set(e) <= {"code", "node", "pin", "message", "line", "column"}
    and isinstance(e["code"], str) and isinstance(e["message"], str) and e["message"]
    and (e["node"] is None or isinstance(e["node"], str)) and (e["pin"] is None or isinstance(e["pin"], str))
    for e in d["errors"]))
def messages(d): return [e["message"] for e in d["logs"]]
'
check() {
    local name=$1 want=$2 expr
    shift 2
    if [ "$RC" -ge 124 ]; then not_ok "$name" "crashed or hung (exit status $RC)"; return; fi
    if grep -qE 'Sanitizer|runtime error' "$T/err"; then not_ok "$name" "sanitizer report on stderr"; return; fi
    if [ "$RC" -ne "$want" ]; then not_ok "$name" "exit status $RC, expected $want"; return; fi
    for expr in "$@"; do
        if ! python3 -c "$PYHELP"'
d = json.load(open(sys.argv[1], encoding="utf-8"))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$T/out" "$expr" 2>/dev/null; then
            not_ok "$name" "stdout fails: $expr"
            return
        fi
    done
    ok "$name"
}

# ---- boards --------------------------------------------------------------------------
cat >hello.json <<'EOF'
{"format": "weir-board/1", "id": "hello", "name": "Hello", "description": "", "version": "1.0.0",
 "variables": [
   {"id": "greeting", "name": "greeting", "type": "string", "value_type": "normal",
    "default": "hi there", "exposed": true, "secret": false},
   {"id": "internal", "name": "internal", "type": "integer", "default": 1, "exposed": false}],
 "nodes": [
   {"id": "start", "type": "events_simple", "x": 0, "y": 0},
   {"id": "get", "type": "variable_get", "inputs": {"var_ref": "greeting"}},
   {"id": "say", "type": "log_info"},
   {"id": "warn", "type": "log_error", "inputs": {"message": "careful"}},
   {"id": "done", "type": "return_result"}],
 "connections": [
   {"from": "start.exec_out", "to": "say.exec_in"},
   {"from": "get.value_ref", "to": "say.message"},
   {"from": "say.exec_out", "to": "warn.exec_in"},
   {"from": "warn.exec_out", "to": "done.exec_in"},
   {"from": "get.value_ref", "to": "done.result"}]}
EOF
cat >broken.json <<'EOF'
{"format": "weir-board/1", "id": "broken",
 "nodes": [
   {"id": "start", "type": "events_simple"},
   {"id": "say", "type": "log_info"},
   {"id": "n", "type": "int_add"},
   {"id": "x", "type": "no_such_node"}],
 "connections": [
   {"from": "start.exec_out", "to": "say.nope"},
   {"from": "start.exec_out", "to": "n.integer1"}]}
EOF
cat >failing.json <<'EOF'
{"format": "weir-board/1", "id": "failing",
 "nodes": [
   {"id": "start", "type": "events_simple"},
   {"id": "before", "type": "log_info", "inputs": {"message": "before"}},
   {"id": "add", "type": "int_add", "inputs": {"integer1": 9223372036854775807, "integer2": 1}},
   {"id": "say", "type": "log_info"},
   {"id": "after", "type": "log_info", "inputs": {"message": "after"}}],
 "connections": [
   {"from": "start.exec_out", "to": "before.exec_in"},
   {"from": "before.exec_out", "to": "say.exec_in"},
   {"from": "add.sum", "to": "say.message"},
   {"from": "say.exec_out", "to": "after.exec_in"}]}
EOF
cat >two_starts.json <<'EOF'
{"format": "weir-board/1", "id": "two",
 "nodes": [
   {"id": "a", "type": "events_simple"},
   {"id": "b", "type": "events_simple"},
   {"id": "log_a", "type": "log_info", "inputs": {"message": "from a"}},
   {"id": "log_b", "type": "log_info", "inputs": {"message": "from b"}}],
 "connections": [
   {"from": "a.exec_out", "to": "log_a.exec_in"},
   {"from": "b.exec_out", "to": "log_b.exec_in"}]}
EOF
cat >payload.json <<'EOF'
{"format": "weir-board/1", "id": "payload",
 "nodes": [
   {"id": "hook", "type": "events_generic",
    "extra_pins": [{"name": "user", "direction": "out", "type": "string", "value_type": "normal"}]},
   {"id": "say", "type": "log_info"},
   {"id": "ret", "type": "return_result"}],
 "connections": [
   {"from": "hook.exec_out", "to": "say.exec_in"},
   {"from": "hook.user", "to": "say.message"},
   {"from": "say.exec_out", "to": "ret.exec_in"},
   {"from": "hook.payload", "to": "ret.result"}]}
EOF
cat >slow.json <<'EOF'
{"format": "weir-board/1", "id": "slow",
 "nodes": [
   {"id": "start", "type": "events_simple"},
   {"id": "wait", "type": "delay", "inputs": {"time": 10000}},
   {"id": "after", "type": "log_info", "inputs": {"message": "after the delay"}}],
 "connections": [
   {"from": "start.exec_out", "to": "wait.exec_in"},
   {"from": "wait.exec_out", "to": "after.exec_in"}]}
EOF

# ---- validate ------------------------------------------------------------------------------
w validate hello.json
check "validate: a valid board prints exactly {\"valid\": true}" 0 'd == {"valid": True}'
w validate broken.json
check "validate: an invalid board prints {\"valid\": false, \"errors\": [{code, node, pin, message}]}" 2 \
    'is_invalid(d)' \
    '{"unknown_pin", "type_mismatch", "unknown_node_type"} <= {e["code"] for e in d["errors"]}' \
    'any(e["code"] == "unknown_pin" and e["node"] == "say" and e["pin"] == "nope" for e in d["errors"])' \
    'any(e["code"] == "type_mismatch" and e["node"] == "n" and e["pin"] == "integer1" for e in d["errors"])' \
    'any(e["code"] == "unknown_node_type" and e["node"] == "x" and e["pin"] is None for e in d["errors"])'
printf '{"format": "weir-board/1",\n "id": }' >syntax.json
w validate syntax.json
check "validate: a syntax error carries line and column" 2 'is_invalid(d)' \
    'd["errors"][0]["code"] == "invalid_json" and d["errors"][0]["line"] == 2 and d["errors"][0]["column"] >= 1'
w run broken.json
check "run: an invalid board prints the validate document and exits 2" 2 'is_invalid(d)'

# ---- run: the report -----------------------------------------------------------------------
w run hello.json
check "run: completed report has exactly run_id, status, result, error, logs" 0 \
    'is_run(d)' 'd["status"] == "completed" and d["error"] is None' 'd["result"] == "hi there"' \
    'd["logs"] == [{"node": "say", "level": "info", "message": "hi there"}, {"node": "warn", "level": "error", "message": "careful"}]'
cp "$T/out" first.json
w run hello.json
check "run: every run has a new run_id" 0 'is_run(d)' \
    'd["run_id"] != json.load(open("first.json"))["run_id"]'
w run hello.json --trace
check "run --trace: trace [{node, type, status, start_us, duration_us}]" 0 \
    'is_run(d, trace=True)' \
    '[(e["node"], e["type"]) for e in d["trace"] if e["node"] in ("start", "say", "warn", "done")] == [("start", "events_simple"), ("say", "log_info"), ("warn", "log_error"), ("done", "return_result")]' \
    'all(e["status"] == "ok" for e in d["trace"])' \
    'any(e["node"] == "get" and e["type"] == "variable_get" for e in d["trace"])' \
    '[e["inputs"] for e in d["trace"] if e["node"] == "say"] == [{"message": "hi there"}]' \
    '[e["outputs"] for e in d["trace"] if e["node"] == "get"][0] == {"value_ref": "hi there"}'
w run failing.json
check "run: a failing node gives status failed, error {code, node, message}, exit 3" 3 \
    'is_run(d)' 'd["status"] == "failed" and d["result"] is None' \
    'd["error"]["code"] == "node_failed" and d["error"]["node"] == "add" and "overflow" in d["error"]["message"]' \
    'messages(d) == ["before"]'
w run failing.json --trace
check "run --trace: the failing node is traced as failed" 3 'is_run(d, trace=True)' \
    'any(e["node"] == "add" and e["status"] != "ok" for e in d["trace"])' \
    'any(e["node"] == "add" and "overflow" in e["error"] for e in d["trace"])' \
    'not any(e["node"] == "after" for e in d["trace"])'

# ---- run: options ----------------------------------------------------------------------------
w run two_starts.json --event b
check "run --event b starts at b" 0 'is_run(d)' 'messages(d) == ["from b"]'
w run two_starts.json --event a
check "run --event a starts at a" 0 'is_run(d)' 'messages(d) == ["from a"]'
w run two_starts.json
if [ "$RC" -eq 2 ] && grep -q -- '--event' "$T/err"; then ok "run: two start nodes and no --event exits 2 naming --event"
else not_ok "run: two start nodes and no --event exits 2 naming --event" "exit status $RC / stderr"
fi
w run payload.json --payload '{"user": "ann", "n": 1, "list": [1, 2]}'
check "run --payload reaches events_generic (extra pin + payload)" 0 'is_run(d)' \
    'messages(d) == ["ann"]' 'd["result"] == {"n": 1, "list": [1, 2]}'
w run hello.json --var 'greeting="yo"'
check "run --var overrides an exposed variable" 0 'is_run(d)' 'd["result"] == "yo"' 'messages(d)[0] == "yo"'
w run hello.json --var 'internal=5'
if [ "$RC" -eq 2 ] && grep -q 'internal' "$T/err"; then ok "run --var of a variable that is not exposed exits 2"
else not_ok "run --var of a variable that is not exposed exits 2" "exit status $RC / stderr"
fi

# ---- run: limits and cancellation -------------------------------------------------------------
w run slow.json --timeout-ms 100
check "run --timeout-ms 100 on a 10 s delay: timed_out, exit 3" 3 'is_run(d)' \
    'd["status"] == "timed_out" and d["result"] is None' '"after the delay" not in messages(d)'
if [ "$MS" -lt 2000 ]; then ok "run --timeout-ms 100 ends within 2 s (${MS} ms)"
else not_ok "run --timeout-ms 100 ends within 2 s" "took ${MS} ms"
fi

t0=$(now_ms)
"$W" run slow.json >"$T/out" 2>"$T/err" </dev/null &
BG=$!
sleep 0.3
kill -INT "$BG"
for _ in $(seq 100); do kill -0 "$BG" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$BG" 2>/dev/null; then
    kill -KILL "$BG"; wait "$BG"; RC=$?; BG=
    not_ok "SIGINT during a 10 s delay" "still running 5 s after SIGINT"
else
    wait "$BG"; RC=$?; BG=
    MS=$(($(now_ms) - t0))
    check "SIGINT during a 10 s delay: cancelled, exit 3" 3 'is_run(d)' \
        'd["status"] == "cancelled" and d["result"] is None' '"after the delay" not in messages(d)'
    if [ "$MS" -lt 2000 ]; then ok "SIGINT ends the run within 2 s (${MS} ms)"
    else not_ok "SIGINT ends the run within 2 s" "took ${MS} ms"
    fi
fi

echo
if [ "$fail" -gt 0 ]; then
    echo "failed checks:"
    printf '  %s\n' "${failures[@]}"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
