#!/usr/bin/env bash
# test.sh [--sanitize] — the README's second command: every test.
# Installs missing packages, builds, then runs the whole ctest suite (unit,
# integration: examples, CLI contract, bad input, valgrind on every example).
# --sanitize runs the same suite built with ASan + UBSan.
# The store suite (test_store) runs on SQLite and on PostgreSQL: a throwaway
# cluster is started for the run (scripts/pg-local.sh) and stopped at exit,
# unless WEIR_TEST_PG_URL already names a server to use.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bash scripts/install-deps.sh
bash scripts/build.sh "$@"
dir=build
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  export WEIR_TEST_SANITIZED=1
fi

if [ -z "${WEIR_TEST_PG_URL:-}" ]; then
  pgdir=$(mktemp -d /tmp/weir-pg.XXXXXX)
  trap 'bash "$root/scripts/pg-local.sh" stop "$pgdir" >/dev/null 2>&1 || true; rm -rf "$pgdir"' EXIT
  WEIR_TEST_PG_URL=$(bash scripts/pg-local.sh start "$pgdir")
  export WEIR_TEST_PG_URL
fi
export WEIR_TEST_REQUIRE_PG=1   # test_store fails, never skips, without PostgreSQL

ctest --test-dir "$dir" --output-on-failure -j2
