#!/usr/bin/env bash
# trunk post_build hook (Trunk.toml). trunk runs the hooks of one stage side
# by side, and these two must run in turn:
#   1. crates/split: split the module at its wasm_split points (the deferred
#      panels) and put the split files in place of trunk's pair; it reads
#      the module from CARGO_TARGET_DIR (target/site for scripts/build-site.sh)
#      and is itself a host program, built by the stable toolchain into
#      target/ without the site's nightly flags;
#   2. in a release build, minify the scripts the split step wrote (the
#      wasm-bindgen glue and the chunk loader) with esbuild, which
#      scripts/install-tools.sh installs (trunk's own minifier, Trunk.toml's
#      `minify`, does the stylesheet and index.html, but runs before this
#      hook writes the scripts);
#   3. scripts/sw-assets.sh: list what the staged site now holds for the
#      service worker (its version hashes the files as shipped), then
#      minify the worker it filled in.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
env -u RUSTUP_TOOLCHAIN -u RUSTFLAGS -u CARGO_UNSTABLE_BUILD_STD -u CARGO_UNSTABLE_BUILD_STD_FEATURES \
    cargo run --quiet --release --target-dir "$root/target" --package skydeck-split
stage="${TRUNK_STAGING_DIR:?scripts/post-build.sh runs as trunk post_build hook (TRUNK_STAGING_DIR unset)}"
release=false
[ "${TRUNK_PROFILE:-}" = release ] && release=true
minify() { # minify FILE [esbuild options]: in place
    local file="$1"
    shift
    command -v esbuild >/dev/null 2>&1 ||
        { echo "post-build: no esbuild on PATH: run scripts/install-tools.sh" >&2; exit 1; }
    esbuild "$file" --minify --log-level=warning --allow-overwrite --outfile="$file" "$@"
}
if [ "$release" = true ]; then
    for script in "$stage"/*.js; do
        [ "$(basename "$script")" = sw.js ] || minify "$script" --format=esm
    done
fi
bash "$(dirname "${BASH_SOURCE[0]}")/sw-assets.sh"
if [ "$release" = true ]; then
    minify "$stage/sw.js"
fi
