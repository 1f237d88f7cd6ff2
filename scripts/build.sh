#!/usr/bin/env bash
# build.sh [--sanitize] — configure and build with CMake + Ninja.
# Plain build in build/, ASan+UBSan build in build-asan/; then the browser
# editor into web/dist (scripts/build-web.sh: skips what is up to date).
set -euo pipefail
cd "$(dirname "$0")/.."

dir=build
flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan
  flags=(-DCMAKE_BUILD_TYPE=Debug -DWEIR_SANITIZE=ON)
fi
cmake -S . -B "$dir" -G Ninja "${flags[@]}" >/dev/null
ninja -C "$dir"
bash scripts/build-web.sh
