#!/usr/bin/env bash
# trunk post_build hook (Trunk.toml). trunk runs the hooks of one stage side
# by side, and these two must run in turn:
#   1. crates/split: split the module at its wasm_split points (the deferred
#      panels) and put the split files in place of trunk's pair;
#   2. scripts/sw-assets.sh: list what the staged site now holds for the
#      service worker.
set -euo pipefail
cargo run --quiet --release --package skydeck-split
bash "$(dirname "${BASH_SOURCE[0]}")/sw-assets.sh"
