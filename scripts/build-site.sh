#!/usr/bin/env bash
# Builds the shipped site into dist/: `trunk build --release` with the Rust
# standard library rebuilt for size by a nightly toolchain pinned by date.
#
#   scripts/build-site.sh            the shipped build (nightly, build-std)
#   scripts/build-site.sh --stable   the same site from the stable toolchain
#                                    (plain `trunk build --release` does this too)
#   scripts/build-site.sh [--stable] -- ARGS...   ARGS go to trunk build
#                                    (e.g. `-- --dist /tmp/site`)
#
# The nightly build differs only in how std is compiled and what a panic
# costs; the app's code and features are the same (BENCHMARKS.md has the
# bytes it saves):
#   -Zbuild-std=std,panic_abort with optimize_for_size: std compiled at
#       opt-level z with the app, not the prebuilt one;
#   -Cpanic=immediate-abort: a panic traps at once, without formatting a
#       message (a wasm panic kills the page either way);
#   -Zlocation-detail=none: no file/line strings for panics;
#   -Zfmt-debug=none: `{:?}` prints nothing, so the app never shows Debug
#       output to the user (tests build with stable and keep it).
# It builds in its own target directory (target/site), so switching between
# it and the stable test builds recompiles nothing. Either way it runs
# scripts/install-tools.sh first, which installs trunk and the rest, and
# that toolchain (SITE_TOOLCHAIN there) with rust-src, skipping what is there
# (and skipped itself when test.sh or bench.sh ran it: SKYDECK_TOOLS_READY).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

stable=false
while [ "$#" -gt 0 ]; do
    case "$1" in
        --stable) stable=true ;;
        --)
            shift
            break
            ;;
        -h | --help)
            sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "build-site: unknown option '$1' (try --help)" >&2
            exit 2
            ;;
    esac
    shift
done
# test.sh and bench.sh have run it already (SKYDECK_TOOLS_READY).
if [ -z "${SKYDECK_TOOLS_READY:-}" ]; then
    "$root/scripts/install-tools.sh"
fi
# trunk builds --offline (it must not look for tools online): have every
# crate of the lockfile, the wasm-only ones too, in cargo's cache first (a
# no-op once they are there).
cargo fetch --locked -q
if [ "$stable" = true ]; then
    exec trunk build --release --offline "$@"
fi
toolchain="$(sed -n 's/^SITE_TOOLCHAIN=\([^ ]*\).*/\1/p' "$root/scripts/install-tools.sh")"

# RUSTFLAGS replaces .cargo/config.toml's target rustflags: repeat them.
export RUSTUP_TOOLCHAIN="$toolchain"
export CARGO_TARGET_DIR="$root/target/site"
export CARGO_UNSTABLE_BUILD_STD="std,panic_abort"
export CARGO_UNSTABLE_BUILD_STD_FEATURES="optimize_for_size"
export RUSTFLAGS="--cfg erase_components -Clink-args=--emit-relocs -Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none"
exec trunk build --release --offline "$@"
