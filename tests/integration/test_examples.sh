#!/usr/bin/env bash
# test_examples.sh WEIR SOURCE_DIR BINARY_DIR — run every board in examples/
# with its inputs, assert its status and result, and (outside sanitizer
# builds) run each once more under valgrind: no leaks, no memory errors.
set -u
WEIR=$1; SRC=$2; BIN=$3
EX=$SRC/examples
TMP=$(mktemp -d); trap 'kill $SERVER_PID 2>/dev/null; rm -rf "$TMP"' EXIT
pass=0; fail=0

# A local HTTP server for the http example (loopback only).
mkdir -p "$TMP/www"
echo '{"message": "hello over http"}' > "$TMP/www/greeting.json"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$TMP/www" >/dev/null 2>&1 &
SERVER_PID=$!
for _ in $(seq 50); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 0.2)" 2>/dev/null && break
  sleep 0.1
done

# check NAME EXPECTED_EXIT PYTHON_ASSERTION -- WEIR_ARGS...
# The assertion sees the report as `r`.
check() {
  local name=$1 want_exit=$2 assertion=$3; shift 4
  local out="$TMP/$name.out" err="$TMP/$name.err"
  "$WEIR" run "$@" >"$out" 2>"$err"
  local got=$?
  if [ "$got" -ne "$want_exit" ]; then
    echo "FAIL $name: exit $got, want $want_exit"; cat "$out" "$err"; fail=$((fail + 1)); return
  fi
  if ! python3 - "$out" "$assertion" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ok = eval(sys.argv[2])
if not ok:
    print(json.dumps(r, indent=2)); sys.exit(1)
PY
  then echo "FAIL $name: assertion $assertion"; fail=$((fail + 1)); return; fi
  echo "ok   $name"; pass=$((pass + 1))
}

DATA="$TMP/data"
check hello 0 'r["status"] == "completed" and r["result"] == "Hello from weir" and r["logs"][0]["message"] == "Hello from weir"' -- "$EX/hello.board.json"
check hello-var 0 'r["result"] == "hi"' -- "$EX/hello.board.json" --var 'greeting="hi"'
check branching-small 0 'r["result"] == "approved"' -- "$EX/branching.board.json" --payload '{"amount": 42}'
check branching-large 0 'r["result"] == "needs review" and len(r["logs"]) == 1' -- "$EX/branching.board.json" --payload '{"amount": 420}'
check branching-limit 0 'r["result"] == "approved"' -- "$EX/branching.board.json" --payload '{"amount": 420}' --var 'limit=1000'
check loops 0 'r["result"] == 55 and r["logs"][0]["message"] == "55"' -- "$EX/loops.board.json"
check parallel 0 'r["result"] == "parallel work finished" and sorted(l["message"] for l in r["logs"] if l["node"] == "item") == ["a","b","c","d"] and any(l["node"] == "joined" for l in r["logs"])' -- "$EX/parallel.board.json"
check http 0 'r["result"] == "hello over http"' -- "$EX/http.board.json" --allow-private-net --payload "{\"url\": \"http://127.0.0.1:$PORT/greeting.json\"}"
check http-policy 0 'r["result"] == "no response" and r["logs"][0]["level"] == "error"' -- "$EX/http.board.json" --payload "{\"url\": \"http://127.0.0.1:$PORT/greeting.json\"}"
check storage 0 'r["result"] == "remember the milk"' -- "$EX/storage.board.json" --data-dir "$DATA" --payload '{"note": "remember the milk"}'
if [ -f "$DATA/storage/local/boards/storage/notes/today.txt" ]; then echo "ok   storage-file"; pass=$((pass + 1)); else echo "FAIL storage-file: not under the data dir"; fail=$((fail + 1)); fi
check error-handling 0 'r["result"] == {"recovered": True} and r["logs"][0]["level"] == "error"' -- "$EX/error-handling.board.json"
check greeting 0 'r["result"] == "Hello Ada, you have 3 items in your cart."' -- "$EX/greeting.board.json" --payload '{"name": "Ada", "items": [1, 2, 3]}'
check timeout 0 'r["result"] == "gave up after 100 ms" and r["logs"] == []' -- "$EX/timeout.board.json"
check schema-ok 0 'r["result"] == {"sku": "A-1", "qty": 2}' -- "$EX/schema.board.json" --payload '{"order": "{\"sku\": \"A-1\", \"qty\": 2}"}'
PKGDATA="$TMP/pkgdata"
if "$WEIR" node install "$BIN/packages/text.wasm" --data-dir "$PKGDATA" >/dev/null; then
  echo "ok   install example.text"; pass=$((pass + 1))
else
  echo "FAIL install example.text"; fail=$((fail + 1))
fi
check package-text 0 'r["result"] == "3 words; reversed and upper-cased: DLROW DEXOBDNAS OLLEH"' -- "$EX/package-text.board.json" --data-dir "$PKGDATA" --payload '{"text": "hello sandboxed world"}'
check package-text-empty 0 'r["result"] == "no words"' -- "$EX/package-text.board.json" --data-dir "$PKGDATA" --payload '{"text": "   "}'
check package-not-installed 2 'r["valid"] == False and r["errors"][0]["code"] == "unknown_node_type"' -- "$EX/package-text.board.json" --data-dir "$TMP/empty" --payload '{"text": "x"}'
check schema-bad 0 'isinstance(r["result"], str) and "qty" in r["result"]' -- "$EX/schema.board.json" --payload '{"order": "{\"sku\": \"A-1\", \"qty\": 0}"}'

# Every example validates.
for b in "$EX"/*.board.json; do
  if "$WEIR" validate "$b" --data-dir "$PKGDATA" >/dev/null; then pass=$((pass + 1)); else echo "FAIL validate $b"; fail=$((fail + 1)); fi
done

# Valgrind: every example, no leaks and no errors (skipped in the ASan build,
# where the sanitizer checks the same runs).
if [ -z "${WEIR_TEST_SANITIZED:-}" ] && command -v valgrind >/dev/null; then
  vg() {
    local name=$1; shift
    if valgrind --quiet --suppressions="$SRC/tests/valgrind.supp" --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
         --error-exitcode=99 "$WEIR" run "$@" >/dev/null 2>"$TMP/vg-$name.err"; then
      echo "ok   valgrind $name"; pass=$((pass + 1))
    else
      echo "FAIL valgrind $name"; cat "$TMP/vg-$name.err"; fail=$((fail + 1))
    fi
  }
  vg hello "$EX/hello.board.json"
  vg branching "$EX/branching.board.json" --payload '{"amount": 420}'
  vg loops "$EX/loops.board.json"
  vg parallel "$EX/parallel.board.json"
  vg http "$EX/http.board.json" --allow-private-net --payload "{\"url\": \"http://127.0.0.1:$PORT/greeting.json\"}"
  vg storage "$EX/storage.board.json" --data-dir "$DATA" --payload '{"note": "again"}'
  vg error-handling "$EX/error-handling.board.json"
  vg greeting "$EX/greeting.board.json" --payload '{"name": "Ada", "items": []}'
  vg timeout "$EX/timeout.board.json"
  vg schema "$EX/schema.board.json" --payload '{"order": "{\"sku\": \"x\", \"qty\": 1}"}'
  vg package-text "$EX/package-text.board.json" --data-dir "$PKGDATA" --payload '{"text": "a b"}'
else
  echo "valgrind: skipped in the sanitizer build (ASan and LeakSanitizer check these runs)"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
