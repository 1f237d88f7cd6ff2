#!/usr/bin/env bash
# build-web.sh — build the browser editor (web/) into web/dist, which
# `weir serve` serves (docs/editor.md). Needs Node.js 20.19+ and npm.
# `npm ci` (exact versions from web/package-lock.json) runs only when
# node_modules is missing or the lock file changed since it last ran; the
# Vite build only when a source is newer than web/dist/index.html.
# WEIR_SKIP_WEB=1 skips it all (a server-only build: / then says the editor
# is not built).
set -euo pipefail
cd "$(dirname "$0")/../web"
if [ "${WEIR_SKIP_WEB:-}" = 1 ]; then
  echo "build-web: skipped (WEIR_SKIP_WEB=1)" >&2
  exit 0
fi
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' 2>/dev/null \
   || ! command -v npm >/dev/null; then
  echo "build-web: the editor needs Node.js 20.19+ and npm (docs/dependencies.md); set WEIR_SKIP_WEB=1 to build the server alone" >&2
  exit 1
fi
stamp=node_modules/.weir-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "build-web: npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
if [ ! -f dist/index.html ] || [ -n "$(find src index.html vite.config.ts tsconfig.json package-lock.json -newer dist/index.html -print -quit)" ]; then
  npm run --silent build
fi
