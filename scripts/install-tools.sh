#!/usr/bin/env bash
# Install the tools that build (and, with --browser, test) the SkyDeck web app.
#
# Idempotent: each tool is installed only when it is missing or at the wrong
# version; what is already there is skipped and said so. Facts behind the choices
# (versions, flags, pitfalls) are in shared/toolchain.md.
#
#   scripts/install-tools.sh            wasm target, trunk, wasm-bindgen CLI, wasm-opt,
#                                       esbuild, the site's nightly toolchain with rust-src
#   scripts/install-tools.sh --browser  also chromium, chromium-driver, wasm-pack
#
# Needs rustup and cargo; wasm-opt and esbuild come from npm (Node.js), Chromium from
# Debian (apt).
set -euo pipefail

TRUNK_VERSION=0.21.14 # trunk 0.22 needs a newer rustc than ours
WASM_OPT_MIN=132 # oldest wasm-opt checked to keep wasm-bindgen's externref table intact
BINARYEN_NPM_VERSION=132.0.0
ESBUILD_VERSION=0.28.2 # minifies the shipped scripts (scripts/post-build.sh)
# The toolchain of the shipped site (scripts/build-site.sh reads this line):
# a nightly pinned by date, for -Zbuild-std. Its rust-std for wasm32 is not
# needed (build-std compiles std from rust-src); nightly-2026-05-19 has none.
SITE_TOOLCHAIN=nightly-2026-05-20

browser=false
for arg in "$@"; do
    case "$arg" in
        --browser) browser=true ;;
        -h | --help)
            sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "install-tools: unknown option '$arg' (try --help)" >&2
            exit 2
            ;;
    esac
done

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"

say() { echo "install-tools: $*"; }

# --- apt, as root or through sudo; `apt-get update` at most once per run ---
apt_prefix=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        apt_prefix=(sudo)
    else
        echo "install-tools: not root and no sudo: cannot install Debian packages" >&2
        exit 1
    fi
fi
apt_updated=false
apt_install() {
    if [ "$apt_updated" = false ]; then
        say "apt-get update"
        "${apt_prefix[@]}" apt-get update -qq
        apt_updated=true
    fi
    say "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive "${apt_prefix[@]}" apt-get install -y -qq "$@"
}

# --- wasm target ---
if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "skip: rust target wasm32-unknown-unknown already installed"
else
    rustup target add wasm32-unknown-unknown
fi

# --- the site's nightly toolchain, with rust-src (scripts/build-site.sh) ---
if rustup toolchain list | grep -q "^$SITE_TOOLCHAIN-" &&
    rustup component list --installed --toolchain "$SITE_TOOLCHAIN" 2>/dev/null | grep -qx 'rust-src'; then
    say "skip: $SITE_TOOLCHAIN with rust-src already installed"
else
    say "installing $SITE_TOOLCHAIN with rust-src (minimal profile)"
    rustup toolchain install "$SITE_TOOLCHAIN" --profile minimal --component rust-src
fi
# build-std compiles std with its own dependencies (the sysroot's
# library/Cargo.lock), and the site is built --offline: have them in cargo's
# cache. A no-op once they are there; the first time it downloads them.
std_manifest="$(rustc "+$SITE_TOOLCHAIN" --print sysroot)/lib/rustlib/src/rust/library/Cargo.toml"
cargo "+$SITE_TOOLCHAIN" fetch --locked --manifest-path "$std_manifest" -q
say "ready: $SITE_TOOLCHAIN's std dependencies in cargo's cache"

# --- trunk, exactly $TRUNK_VERSION ---
have_trunk="$(trunk --version 2>/dev/null | awk '{print $2}' || true)"
if [ "$have_trunk" = "$TRUNK_VERSION" ]; then
    say "skip: trunk $TRUNK_VERSION already installed"
else
    say "installing trunk $TRUNK_VERSION (found: ${have_trunk:-none}; takes ~9 min)"
    cargo install --locked trunk --version "$TRUNK_VERSION"
fi

# --- wasm-bindgen CLI, exactly the wasm-bindgen version in Cargo.lock ---
lock="$root/Cargo.lock"
if [ ! -f "$lock" ]; then
    say "no Cargo.lock yet: generating it (cargo generate-lockfile)"
    cargo generate-lockfile --manifest-path "$root/Cargo.toml"
fi
wb_version="$(awk '
    /^\[\[package\]\]/ { name = "" }
    /^name = / { name = $3; gsub(/"/, "", name) }
    /^version = / && name == "wasm-bindgen" { v = $3; gsub(/"/, "", v); print v; exit }
' "$lock")"
if [ -z "$wb_version" ]; then
    echo "install-tools: no wasm-bindgen package in $lock" >&2
    exit 1
fi
have_wb="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
have_runner="$(wasm-bindgen-test-runner --version 2>/dev/null | awk '{print $2}' || true)"
if [ "$have_wb" = "$wb_version" ] && [ "$have_runner" = "$wb_version" ]; then
    say "skip: wasm-bindgen CLI $wb_version already installed"
else
    # Not --locked: the CLI's own lock pins a webpki-roots release the registry
    # does not serve (toolchain.md).
    say "installing wasm-bindgen-cli $wb_version (found: ${have_wb:-none}; takes ~3 min)"
    cargo install wasm-bindgen-cli --version "=$wb_version" --force
fi

# --- tools from npm: wasm-opt and esbuild ---
# Installs npm package PACKAGE@VERSION into a tools folder of its own and links
# its command BIN (a path inside node_modules) into cargo's bin folder as NAME,
# which comes before /usr/bin on PATH, so trunk and the hooks find it there.
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
npm_tool() { # npm_tool NAME PACKAGE VERSION BIN
    local name="$1" package="$2" version="$3" bin="$4"
    if ! command -v npm >/dev/null 2>&1; then
        apt_install nodejs npm
    fi
    local tools_dir="${XDG_DATA_HOME:-$HOME/.local/share}/skydeck-tools/$package-$version"
    say "installing $name from npm $package@$version into $tools_dir"
    mkdir -p "$tools_dir" "$cargo_bin"
    npm install --prefix "$tools_dir" --no-audit --no-fund --loglevel=error "$package@$version"
    ln -sf "$tools_dir/node_modules/$package/$bin" "$cargo_bin/$name"
    hash -r
}
# After an install: NAME on PATH is not the one just linked (found: FOUND).
not_on_path() { # not_on_path NAME FOUND
    echo "install-tools: '$1' on PATH is $(command -v "$1") (version ${2:-unknown})," \
        "not $cargo_bin/$1: put $cargo_bin first on PATH" >&2
    exit 1
}

# wasm-opt (binaryen). Debian's binaryen (wasm-opt 108) corrupts wasm-bindgen
# 0.2.130's output: even with no passes it rewrites the `__wbindgen_externrefs`
# table export to point at the funcref table, and the page dies at start-up with
# "WebAssembly.Table.set(): Argument 1 is invalid for table". The npm package
# `binaryen` carries a current wasm-opt (a Node.js build).
wasm_opt_version_of() { # prints N for "wasm-opt version N (...)", or nothing
    "$1" --version 2>/dev/null | awk '$2 == "version" && $3 ~ /^[0-9]+$/ { print $3 }' || true
}
have_wasm_opt="$(command -v wasm-opt >/dev/null 2>&1 && wasm_opt_version_of wasm-opt || true)"
if [ -n "$have_wasm_opt" ] && [ "$have_wasm_opt" -ge "$WASM_OPT_MIN" ]; then
    say "skip: wasm-opt $have_wasm_opt already installed ($(command -v wasm-opt))"
else
    say "wasm-opt: found ${have_wasm_opt:-none}, need $WASM_OPT_MIN or newer"
    npm_tool wasm-opt binaryen "$BINARYEN_NPM_VERSION" bin/wasm-opt
    have_wasm_opt="$(wasm_opt_version_of wasm-opt)"
    if [ -z "$have_wasm_opt" ] || [ "$have_wasm_opt" -lt "$WASM_OPT_MIN" ]; then
        not_on_path wasm-opt "$have_wasm_opt"
    fi
fi

# esbuild, exactly $ESBUILD_VERSION.
have_esbuild="$(esbuild --version 2>/dev/null || true)"
if [ "$have_esbuild" = "$ESBUILD_VERSION" ]; then
    say "skip: esbuild $ESBUILD_VERSION already installed"
else
    say "esbuild: found ${have_esbuild:-none}, need $ESBUILD_VERSION"
    npm_tool esbuild esbuild "$ESBUILD_VERSION" bin/esbuild
    have_esbuild="$(esbuild --version 2>/dev/null || true)"
    if [ "$have_esbuild" != "$ESBUILD_VERSION" ]; then
        not_on_path esbuild "$have_esbuild"
    fi
fi

# --- browser tests: chromium, chromedriver, wasm-pack ---
if [ "$browser" = true ]; then
    missing=()
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
    if [ "${#missing[@]}" -eq 0 ]; then
        say "skip: chromium and chromedriver already installed"
    else
        apt_install "${missing[@]}"
    fi
    if command -v wasm-pack >/dev/null 2>&1; then
        say "skip: wasm-pack already installed ($(wasm-pack --version))"
    else
        say "installing wasm-pack (takes ~2.5 min)"
        cargo install --locked wasm-pack
    fi
fi

# --- summary ---
summary="$SITE_TOOLCHAIN, trunk $(trunk --version | awk '{print $2}')"
summary+=", wasm-bindgen $(wasm-bindgen --version | awk '{print $2}')"
summary+=", wasm-opt $(wasm-opt --version | awk '{print $3}')"
summary+=", esbuild $(esbuild --version)"
if [ "$browser" = true ]; then
    summary+=", wasm-pack $(wasm-pack --version | awk '{print $2}')"
    summary+=", chromium $(chromium --version 2>/dev/null | awk '{print $2}')"
    summary+=", chromedriver $(chromedriver --version | awk '{print $2}')"
fi
say "ready: $summary"
