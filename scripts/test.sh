#!/usr/bin/env bash
# Runs every SkyDeck test and prints one summary at the end.
#
#   scripts/test.sh
#
# Installs what the tests need first (scripts/install-tools.sh --browser),
# skipping what is already there. Stages:
#   1. host tests: cargo test --workspace (protocol, astronomy, simulator
#      integration over real WebSockets, app state)
#   2. browser tests: wasm-pack test in headless Chromium
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

logs="$root/target/test-logs"
mkdir -p "$logs"

"$root/scripts/install-tools.sh" --browser

passed=0
failed=0
stages=()

# Adds up the "test result:" lines of a cargo or wasm-bindgen-test run.
count() {
    local log="$1" p f
    p=$(grep -Eo 'test result: [A-Za-z]+\. [0-9]+ passed' "$log" | awk '{s += $4} END {print s + 0}')
    f=$(grep -Eo '[0-9]+ failed' "$log" | awk '{s += $1} END {print s + 0}')
    passed=$((passed + p))
    failed=$((failed + f))
    echo "$p passed, $f failed"
}

# Runs one stage, keeping its log; a stage that fails without a count of
# failures (a build error) counts as one failure.
stage() {
    local name="$1"
    shift
    local log="$logs/$name.log"
    echo "==> $name: $*"
    local status=0
    "$@" 2>&1 | tee "$log" || status=$?
    local counts
    counts=$(count "$log")
    if [ "$status" -ne 0 ] && ! grep -Eq '[1-9][0-9]* failed' "$log"; then
        failed=$((failed + 1))
        counts="$counts (the stage itself failed: exit $status, see $log)"
    fi
    stages+=("$name: $counts")
}

stage host cargo test --workspace --color never

# Only the app package builds for wasm32 (the simulator needs tokio's net).
stage browser wasm-pack test --headless --chrome --mode no-install \
    --chromedriver /usr/bin/chromedriver "$root" -- -p skydeck

echo
echo "==> summary"
for line in "${stages[@]}"; do
    echo "    $line"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
