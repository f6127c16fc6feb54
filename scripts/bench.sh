#!/usr/bin/env bash
# Measures SkyDeck and skynode-sim and writes the figures into BENCHMARKS.md
# (between its bench markers; the notes around them are kept).
#
#   scripts/bench.sh            the full run (a few minutes)
#   scripts/bench.sh --smoke    every measurement briefly, written to
#                               target/bench/BENCHMARKS.smoke.md (CI runs this)
#
# Builds the release site as it ships (scripts/build-site.sh) and the release
# simulator, then runs crates/bench in headless Chromium through
# /usr/bin/chromedriver. Installs what it needs first
# (scripts/install-tools.sh --browser), skipping what is already there.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

"$root/scripts/install-tools.sh" --browser
# build-site.sh need not check again.
export SKYDECK_TOOLS_READY=1
"$root/scripts/build-site.sh"
cargo build --release -p skynode-sim -p skydeck-bench
SKYNODE_SIM_BIN="$root/target/release/skynode-sim" SKYDECK_DIST="$root/dist" \
    exec "$root/target/release/skydeck-bench" "$@"
