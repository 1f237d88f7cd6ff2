#!/usr/bin/env bash
# test_web_e2e.sh WEIR SRC BIN — the editor end to end (web/e2e/run.mjs):
# Debian's Chromium driven by playwright-core against a real `weir serve`
# with a fresh data directory. Screenshots and frame times go to
# web/e2e/screenshots/. Needs web/dist and web/node_modules
# (scripts/build-web.sh) and /usr/bin/chromium (scripts/install-deps.sh).
set -uo pipefail
WEIR=$1 SRC=$2
cd "$SRC/web" || exit 1
. "$SRC/tests/integration/web_prereqs.sh"
node e2e/run.mjs "$WEIR"
