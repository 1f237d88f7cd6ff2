#!/usr/bin/env bash
# test_web_oidc_e2e.sh WEIR SRC BIN — signing in to the editor through an
# identity provider in a real browser (web/e2e/oidc.mjs): Debian's Chromium,
# a real `weir serve`, and the OpenID provider of tests/server/oidc (its npm
# packages installed once into ~/.cache/weir, as test_oidc.py does).
set -uo pipefail
WEIR=$(realpath "$1") SRC=$(cd "$2" && pwd)
cd "$SRC/web" || exit 1
. "$SRC/tests/integration/web_prereqs.sh"
moddir=$(python3 - "$SRC" <<'PY'
import sys
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1] + "/tests/server")
import test_oidc
d, why = test_oidc.install_provider(sys.argv[1])
if not d:
    print(why, file=sys.stderr)
    sys.exit(1)
print(d)
PY
) || { echo "the test OpenID provider could not be installed"; echo "0 passed, 1 failed"; exit 1; }
node e2e/oidc.mjs "$WEIR" "$moddir"
