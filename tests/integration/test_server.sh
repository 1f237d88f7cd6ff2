#!/usr/bin/env bash
# test_server.sh WEIR SRC BIN — every tests/server/test_*.py against a real
# `weir serve` (SQLite, and PostgreSQL too when WEIR_TEST_PG_URL is set).
set -uo pipefail
WEIR=$1 SRC=$2
status=0 passed=0 failed=0
for t in "$SRC"/tests/server/test_*.py; do
  out=$(python3 "$t" "$WEIR" "$SRC" 2>&1); rc=$?
  echo "== $(basename "$t")"; echo "$out" | tail -40
  line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)
  p=$(echo "$line" | cut -d' ' -f1); f=$(echo "$line" | cut -d' ' -f3)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  if [ $rc -ne 0 ] || [ -z "$line" ]; then status=1; [ -z "$line" ] && failed=$((failed + 1)); fi
done
echo "$passed passed, $failed failed"
exit $status
