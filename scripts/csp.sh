#!/usr/bin/env bash
# Prints the Content-Security-Policy header for a built dist/ whose users talk
# to the SkyNet API at API_BASE (what they type as the API base URL):
#
#   scripts/csp.sh wss://api.skynetgo.org [dist]
#
# It allows scripts, styles and the wasm module from the site itself, the
# page's inline scripts (trunk's loader, the service worker's registration)
# by their sha256 hashes (so no 'unsafe-inline'), the service worker and the
# manifest from the site, images from the site and the API's HTTP origin
# (exposure previews), and network connections to the API's origin only. See
# docs/deploy.md. Needs perl (core Digest::SHA), which every Debian and macOS
# has.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
api="${1%/}"
dist="${2:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/dist}"
index="$dist/index.html"
[ -f "$index" ] || { echo "csp: no $index: run trunk build --release first" >&2; exit 1; }

case "$api" in
    wss://*) ws="wss://${api#wss://}"; http="https://${api#wss://}" ;;
    ws://*) ws="ws://${api#ws://}"; http="http://${api#ws://}" ;;
    https://*) ws="wss://${api#https://}"; http="$api" ;;
    http://*) ws="ws://${api#http://}"; http="$api" ;;
    *) echo "csp: '$api' is not a ws://, wss://, http:// or https:// address" >&2; exit 2 ;;
esac
# Origins only: scheme://host[:port].
ws="$(printf '%s' "$ws" | sed -E 's|^([a-z]+://[^/]+).*|\1|')"
http="$(printf '%s' "$http" | sed -E 's|^([a-z]+://[^/]+).*|\1|')"

hashes="$(perl -MDigest::SHA=sha256_base64 -0777 -ne '
    while (/<script\b[^>]*>(.*?)<\/script>/gs) {
        next if $1 eq "";
        my $h = sha256_base64($1);
        $h .= "=" while length($h) % 4;
        print " '\''sha256-$h'\''";
    }' "$index")"

printf "Content-Security-Policy: default-src 'none'; script-src 'self' 'wasm-unsafe-eval'%s; style-src 'self'; img-src 'self' data: %s; connect-src 'self' %s %s; worker-src 'self' blob:; manifest-src 'self'; base-uri 'self'; form-action 'none'; frame-ancestors 'none'\n" \
    "$hashes" "$http" "$ws" "$http"
