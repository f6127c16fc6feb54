#!/usr/bin/env bash
# trunk post_build hook (Trunk.toml). trunk runs the hooks of one stage side
# by side, and these two must run in turn:
#   1. crates/split: split the module at its wasm_split points (the deferred
#      panels) and put the split files in place of trunk's pair; it reads
#      the module from CARGO_TARGET_DIR (target/site for scripts/build-site.sh)
#      and is itself a host program, built by the stable toolchain into
#      target/ without the site's nightly flags;
#   2. scripts/sw-assets.sh: list what the staged site now holds for the
#      service worker.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
env -u RUSTUP_TOOLCHAIN -u RUSTFLAGS -u CARGO_UNSTABLE_BUILD_STD -u CARGO_UNSTABLE_BUILD_STD_FEATURES \
    cargo run --quiet --release --target-dir "$root/target" --package skydeck-split
bash "$(dirname "${BASH_SOURCE[0]}")/sw-assets.sh"
