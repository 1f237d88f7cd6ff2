#!/usr/bin/env bash
# setup.sh — the README's first command: install what is missing, build, and
# run the main job (for now: the hello board).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
echo "setup: built build/weir; running examples/hello.board.json" >&2
exec ./build/weir run examples/hello.board.json "$@"
