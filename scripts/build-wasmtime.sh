#!/usr/bin/env bash
# build-wasmtime.sh — build the Wasmtime C API static library once per
# version of deps/wasmtime (its Cargo.toml, Cargo.lock and sources), into a
# cache outside the clone, and print the cache directory. Later builds, CI
# runs and sessions reuse it. The cache holds:
#   lib/libweir_wasmtime.a   include/ (wasm.h, wasmtime.h, wasi.h, conf.h …)
# WEIR_CACHE_DIR overrides the cache root (default ~/.cache/weir).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
crate="$top/deps/wasmtime"
key=$(cat "$crate/Cargo.toml" "$crate/Cargo.lock" "$crate/build.rs" "$crate/src/lib.rs" | sha256sum | cut -c1-16)
home="${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}"
root="${WEIR_CACHE_DIR:-${XDG_CACHE_HOME:-$home/.cache}/weir}"
out="$root/wasmtime-$key"
if [ -f "$out/lib/libweir_wasmtime.a" ] && [ -f "$out/include/wasmtime.h" ]; then
  echo "$out"; exit 0
fi
command -v cargo >/dev/null || { echo "build-wasmtime: cargo (Rust) is needed to build Wasmtime once" >&2; exit 1; }
mkdir -p "$root"
echo "build-wasmtime: building Wasmtime into $out (once per lock file; ~15-30 min on 2 cores)" >&2
tmp="$out.tmp.$$"
rm -rf "$tmp"; mkdir -p "$tmp"
CARGO_TARGET_DIR="$root/target-$key" cargo build --release --locked --manifest-path "$crate/Cargo.toml" >&2
target="$root/target-$key/release"
inc=$(cat "$target/weir-wasmtime-include.txt")
mkdir -p "$tmp/lib"
cp "$target/libweir_wasmtime.a" "$tmp/lib/"
cp -r "$inc" "$tmp/include"
rm -rf "$out"; mv "$tmp" "$out"
rm -rf "$root/target-$key"   # the static library and headers are all we keep
echo "$out"
