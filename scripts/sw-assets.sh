#!/usr/bin/env bash
# Part of trunk's post_build hook (Trunk.toml, scripts/post-build.sh, after
# the split step): fills in the service worker that trunk copied into the
# staged dist/ with what this build ships.
#
#   TRUNK_STAGING_DIR=dist/.stage scripts/sw-assets.sh   (trunk sets it)
#
# It replaces the `const BUILD = ...` line of sw.js with this build's version
# (the first 16 hex digits of a SHA-256 over every file's name and contents)
# and the list of files to precache: every file of the build but sw.js itself
# and a skydeck.config.json (never cached), index.html listed apart (the
# worker keeps the page under its scope's URL). Needs bash and coreutils only.
set -euo pipefail

stage="${TRUNK_STAGING_DIR:?scripts/sw-assets.sh runs as trunk post_build hook (TRUNK_STAGING_DIR unset)}"
cd "$stage"
[ -f sw.js ] || { echo "sw-assets: no sw.js in $stage (index.html copies public/sw.js)" >&2; exit 1; }
[ -f index.html ] || { echo "sw-assets: no index.html in $stage" >&2; exit 1; }

assets=()
while IFS= read -r -d '' file; do
    file="${file#./}"
    case "$file" in
        sw.js | index.html | skydeck.config.json) continue ;;
        *'"'* | *'\'* | *$'\n'*)
            echo "sw-assets: cannot list a file named '$file'" >&2
            exit 1
            ;;
    esac
    assets+=("$file")
done < <(find . -type f -print0 | LC_ALL=C sort -z)
[ "${#assets[@]}" -gt 0 ] || { echo "sw-assets: $stage holds no assets" >&2; exit 1; }

# The version changes whenever any shipped file (index.html and the worker's
# own code included) does, so each build's worker installs afresh.
version="$(for f in index.html sw.js "${assets[@]}"; do printf '%s\0' "$f"; sha256sum <"$f"; done |
    sha256sum | cut -c1-16)"

list=""
for f in "${assets[@]}"; do
    list+="${list:+, }\"$f\""
done
line="const BUILD = { version: \"$version\", assets: [$list] }; // written by scripts/sw-assets.sh"

marker='const BUILD = { version: "unbuilt", assets: [] }; // replaced at build time'
grep -qxF "$marker" sw.js || { echo "sw-assets: sw.js has no BUILD line to replace" >&2; exit 1; }
tmp="$(mktemp sw.js.XXXXXX)"
while IFS= read -r l || [ -n "$l" ]; do
    if [ "$l" = "$marker" ]; then
        printf '%s\n' "$line"
    else
        printf '%s\n' "$l"
    fi
done <sw.js >"$tmp"
mv "$tmp" sw.js
chmod 644 sw.js
echo "sw-assets: sw.js precaches index.html and ${#assets[@]} files, version $version"
