#!/usr/bin/env bash
# Runs SkyDeck: builds the release site into dist/ and starts skynode-sim
# serving it (and the SkyNet API) on http://127.0.0.1:5001.
#
#   scripts/run.sh [skynode-sim flags...]    e.g. --time-scale 5
#
# The site is built as it ships (scripts/build-site.sh), which installs what
# the build needs first (scripts/install-tools.sh), skipping what is there.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

"$root/scripts/build-site.sh"
cargo build --release -p skynode-sim
echo
echo "Open http://127.0.0.1:5001/ (or the address printed below), press 'Sign in with SkyNet'"
echo "and pick an account; scripts can use the development tokens printed below."
exec "$root/target/release/skynode-sim" --serve "$root/dist" "$@"
