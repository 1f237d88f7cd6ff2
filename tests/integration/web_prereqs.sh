# web_prereqs.sh — sourced by the editor's browser tests (test_web_*e2e.sh)
# from web/: fail, saying what to run, when the built editor, its node
# packages or Debian's Chromium are missing.
missing=""
[ -f dist/index.html ] || missing="web/dist (run scripts/build-web.sh)"
[ -d node_modules/playwright-core ] || missing="$missing web/node_modules (run scripts/build-web.sh)"
[ -x "${WEIR_E2E_CHROMIUM:-/usr/bin/chromium}" ] || missing="$missing chromium (run scripts/install-deps.sh)"
if [ -n "$missing" ]; then
  echo "missing: $missing"
  echo "0 passed, 1 failed"
  exit 1
fi
