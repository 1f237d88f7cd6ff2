#!/usr/bin/env bash
# test_server.sh WEIR SRC BIN — every tests/server/test_*.py against a real
# `weir serve` (SQLite, and PostgreSQL too when WEIR_TEST_PG_URL is set).
#
# Every server's log goes to one directory (WEIR_TEST_LOG_DIR) and every
# secret the harness sees issued to one file (WEIR_TEST_SECRETS_FILE), and the
# servers log at debug level; test_secret_hygiene.py runs last and searches
# all those logs for all those secrets (tests/server/harness.py). The
# directory is removed at the end (WEIR_TEST_KEEP_LOGS=1 keeps it).
set -uo pipefail
WEIR=$1 SRC=$2
status=0 passed=0 failed=0
logdir=$(mktemp -d "${TMPDIR:-/tmp}/weir-server-logs.XXXXXX")
export WEIR_TEST_LOG_DIR=$logdir WEIR_TEST_SECRETS_FILE=$logdir/issued-secrets.tsv
export WEIR_TEST_LOG_LEVEL=${WEIR_TEST_LOG_LEVEL:-debug}
run() {
  local t=$1 out rc line p f
  out=$(python3 "$t" "$WEIR" "$SRC" 2>&1); rc=$?
  echo "== $(basename "$t")"; echo "$out" | tail -40
  line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)
  p=$(echo "$line" | cut -d' ' -f1); f=$(echo "$line" | cut -d' ' -f3)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  if [ $rc -ne 0 ] || [ -z "$line" ]; then status=1; [ -z "$line" ] && failed=$((failed + 1)); fi
}
last=$SRC/tests/server/test_secret_hygiene.py
for t in "$SRC"/tests/server/test_*.py; do
  [ "$t" = "$last" ] || run "$t"
done
[ -f "$last" ] && run "$last"
if [ "${WEIR_TEST_KEEP_LOGS:-0}" = 1 ]; then echo "server logs kept in $logdir"; else rm -rf "$logdir"; fi
echo "$passed passed, $failed failed"
exit $status
