#!/usr/bin/env bash
# test_web_unit.sh WEIR SRC BIN — the editor's unit tests (Vitest, web/test):
# connection rules, board ↔ graph conversion, undo, literals, the catalog;
# with WEIR_BIN set, the rules are also checked against `weir validate`.
# Needs web/node_modules (scripts/build.sh runs scripts/build-web.sh).
set -uo pipefail
WEIR=$1 SRC=$2
cd "$SRC/web" || exit 1
if [ ! -d node_modules ]; then
  echo "web/node_modules is missing: run scripts/build-web.sh"
  echo "0 passed, 1 failed"
  exit 1
fi
report=$(mktemp /tmp/weir-vitest.XXXXXX.json)
trap 'rm -f "$report"' EXIT
WEIR_BIN=$WEIR npx --no-install vitest run --reporter=default --reporter=json --outputFile="$report" 2>&1 | tail -40
rc=${PIPESTATUS[0]}
counts=$(node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); console.log(r.numPassedTests, r.numFailedTests + (r.numFailedTestSuites||0))' "$report" 2>/dev/null || echo "0 1")
set -- $counts
if [ "$rc" -ne 0 ] && [ "$2" -eq 0 ]; then set -- "$1" 1; fi
echo "$1 passed, $2 failed"
[ "$rc" -eq 0 ]
