#!/usr/bin/env bash
# setup.sh — the README's first command: install what is missing, build, and
# start the server on its embedded default store (SQLite in the data
# directory). Extra arguments go to `weir serve` (e.g. --listen 0.0.0.0:8420).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
./build/weir run examples/hello.board.json >/dev/null   # a quick self-check of the engine
echo "setup: built build/weir and the editor; starting the server (Ctrl-C stops it); open its URL in a browser" >&2
exec ./build/weir serve "$@"
