#!/usr/bin/env bash
# Runs every SkyDeck test and prints one summary at the end.
#
#   scripts/test.sh
#
# Installs what the tests need first (scripts/install-tools.sh --browser),
# skipping what is already there. Stages:
#   1. host tests: cargo test --workspace (protocol, astronomy, simulator
#      integration over real WebSockets, app state)
#   2. browser tests: wasm-pack test in headless Chromium, against a
#      skynode-sim this script starts and stops
#   3. end to end: the release dist/ served by skynode-sim, driven in headless
#      Chromium through chromedriver (crates/e2e); screenshots in
#      target/screenshots/, then a short smoke run of the benchmark harness
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

logs="$root/target/test-logs"
mkdir -p "$logs"

"$root/scripts/install-tools.sh" --browser
# build-site.sh need not check again.
export SKYDECK_TOOLS_READY=1

passed=0
failed=0
stages=()

# Adds up the "test result:" lines of a cargo or wasm-bindgen-test run into the
# totals, and leaves this stage's counts in $counts (no subshell: the totals
# must survive).
counts=""
count() {
    local log="$1" p f
    # A stage without test results (the benchmark smoke) makes grep fail:
    # that is a count of zero, not an error.
    p=$( (grep -Eo 'test result: [A-Za-z]+\. [0-9]+ passed' "$log" || true) | awk '{s += $4} END {print s + 0}')
    f=$( (grep -Eo 'test result: [A-Za-z]+\. [0-9]+ passed; [0-9]+ failed' "$log" || true) | awk '{s += $6} END {print s + 0}')
    passed=$((passed + p))
    failed=$((failed + f))
    counts="$p passed, $f failed"
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
    count "$log"
    if [ "$status" -ne 0 ] && ! grep -Eq 'test result: [A-Za-z]+\. [0-9]+ passed; [1-9][0-9]* failed' "$log"; then
        failed=$((failed + 1))
        counts="$counts (the stage itself failed: exit $status, see $log)"
    fi
    stages+=("$name: $counts")
}

stage host cargo test --workspace --exclude skydeck-e2e --color never

# The browser tests talk to a real simulator: start one on a free port (time
# runs 20x faster, test hooks on), wait for it to print where it listens, and
# pass its URL to the tests at compile time.
sim_pid=""
stop_sim() {
    if [ -n "$sim_pid" ]; then
        kill "$sim_pid" 2>/dev/null || true
        wait "$sim_pid" 2>/dev/null || true
    fi
}

# The browser stages' temporary files go to a folder of this run's own
# (TMPDIR): Chromium profiles, which chromedriver leaves behind when a
# session ends at once (a few MB each, over 100 MB after a benchmark), and
# which once filled this machine's disk. Removed when the stages end, with
# any browser a failed test left running from it.
browser_tmp="$root/target/browser-tmp"
clean_browser_tmp() {
    pkill -f -- "$browser_tmp/" 2>/dev/null || true
    rm -rf "$browser_tmp"
}
clean_browser_tmp
mkdir -p "$browser_tmp"
trap 'stop_sim; clean_browser_tmp' EXIT

start_sim() {
    cargo build -p skynode-sim --color never >"$logs/sim-build.log" 2>&1 || return 1
    : >"$logs/sim.log"
    "$root/target/debug/skynode-sim" --listen 127.0.0.1:0 --time-scale 20 --test-hooks --weather clear \
        >"$logs/sim.log" 2>&1 &
    sim_pid=$!
    local addr="" waited=0
    while [ -z "$addr" ]; do
        addr=$(sed -n 's|^skynode-sim listening on http://||p' "$logs/sim.log" | head -n1)
        if [ -n "$addr" ]; then break; fi
        if ! kill -0 "$sim_pid" 2>/dev/null || [ "$waited" -ge 300 ]; then
            echo "skynode-sim did not start; see $logs/sim.log" >&2
            return 1
        fi
        waited=$((waited + 1))
        sleep 0.1 # polling the log for the line that says it listens
    done
    export SKYNODE_SIM_URL="ws://$addr"
    echo "==> skynode-sim for the browser tests: $SKYNODE_SIM_URL"
}

if start_sim; then
    export WASM_BINDGEN_TEST_TIMEOUT=120
    # Only the app package builds for wasm32 (the simulator needs tokio's net).
    TMPDIR="$browser_tmp" stage browser wasm-pack test --headless --chrome --mode no-install \
        --chromedriver /usr/bin/chromedriver "$root"
else
    failed=$((failed + 1))
    stages+=("browser: not run (skynode-sim did not start)")
fi
stop_sim
sim_pid=""

# End to end: the release site, as users load it (scripts/build-site.sh, the
# nightly build that ships; the browser tests above build with stable),
# served by skynode-sim and driven in headless Chromium through chromedriver.
# Each test starts (and kills) simulators of its own; one test at a time,
# each with its browsers.
build_site() {
    "$root/scripts/build-site.sh" >"$logs/site-build.log" 2>&1 &&
        cargo build -p skynode-sim --color never >>"$logs/site-build.log" 2>&1
}
if build_site; then
    export SKYNODE_SIM_BIN="$root/target/debug/skynode-sim"
    export SKYDECK_DIST="$root/dist"
    TMPDIR="$browser_tmp" stage e2e cargo test -p skydeck-e2e --color never -- --test-threads=1
    # The benchmark harness, briefly, so that it cannot rot (its figures go to
    # target/bench/, not to BENCHMARKS.md).
    TMPDIR="$browser_tmp" stage bench-smoke cargo run -p skydeck-bench --color never -- --smoke
else
    failed=$((failed + 1))
    stages+=("e2e: not run (the release site did not build; see $logs/site-build.log)")
fi
clean_browser_tmp

echo
echo "==> summary"
for line in "${stages[@]}"; do
    echo "    $line"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
