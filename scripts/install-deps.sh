#!/usr/bin/env bash
# install-deps.sh — install every Debian package weir needs to build and test.
# Idempotent and quick when everything is present: only missing packages are
# fetched. Runs apt-get as root, or through sudo. Rust (cargo) comes with the
# machine (rustup); it is needed once, to build Wasmtime into the cache
# (scripts/build-wasmtime.sh, run by CMake).
set -euo pipefail

PACKAGES=(
  gcc make cmake ninja-build pkg-config        # build
  libjansson-dev libcurl4-gnutls-dev libsodium-dev  # runtime libraries
  tzdata                                       # time zones of schedules (read by src/base/tzfile.c)
  libsqlite3-dev libpq-dev libmicrohttpd-dev libgnutls28-dev  # server: stores, HTTP, TLS
  librhonabwy-dev                              # server: JOSE (JWS/JWK) for OIDC sign-in
  libjemalloc-dev                              # the weir binary's allocator
  postgresql wrk                               # the PostgreSQL store suite; load benchmark
  libcmocka-dev valgrind python3 python3-jsonschema  # tests
  gnutls-bin                                   # test tools: certtool makes the TLS suite's certificate
  chromium                                     # test tools: the editor's end-to-end suite (web/e2e, playwright-core)
  clang libclang-rt-14-dev                     # libFuzzer and clang sanitizers
  lld wasi-libc libclang-rt-14-dev-wasm32      # WebAssembly node packages (sdk/c)
)

# tests/server/test_oidc.py runs a real OpenID provider (oidc-provider, from npm)
# on Node.js 20+; Debian 12's nodejs is 18, so Node comes from NodeSource and
# is not installed here. The test fails, saying why, without it.
if ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' 2>/dev/null || ! command -v npm >/dev/null; then
  echo "install-deps: warning: Node.js 20+ and npm are needed by tests/server/test_oidc.py (docs/dependencies.md)" >&2
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
