#!/usr/bin/env bash
# test.sh [--sanitize] — the README's second command: every test.
# Installs missing packages, builds, then runs the whole ctest suite (unit,
# integration: examples, CLI contract, bad input, valgrind on every example).
# --sanitize runs the same suite built with ASan + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh "$@"
dir=build
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  export WEIR_TEST_SANITIZED=1
fi
ctest --test-dir "$dir" --output-on-failure -j2
