#!/usr/bin/env bash
# Re-vendor the browser libraries the public site serves from citystat/static/vendor/ (and axe-core,
# which only the browser tests inject, into tests/browser/vendor/). Every page must work on
# a closed network, so nothing is ever loaded from a CDN.
#
# Usage: scripts/vendor-static.sh
# To upgrade, change a version below, run the script with the new hash left empty, check
# the library's changelog, then paste the printed sha256 in and run it again.
set -euo pipefail
cd "$(dirname "$0")/.."

# package  version  sha256 of the npm tarball  files to copy (relative to the package)
PACKAGES=(
  "htmx.org 2.0.11 165a2655073e9e6e55e307a7c74e8ebcdb76afb7701f9c16cfd106a13add408e dist/htmx.min.js"
  "vega 6.4.0 3521fb6ff68a94a40323954f0ba4484ba4014b157bfd37f89a3b063082320c42 build/vega.min.js"
  "vega-lite 6.5.0 811230a6bfd2cdbfc359d0c38f624a90df86657b7f251b67be88bcc4eee32b7f build/vega-lite.min.js"
  "vega-embed 7.3.0 d9a958ced3240f0418df7d5e12e97dba6e63cecda15b8403e47a0db7eb6ea859 build/vega-embed.min.js"
  "swagger-ui-dist 5.35.0 1b8e891893404ea4c3558b6a87e2a3e494e7eedba41168c2ece5800a391a6ea6 swagger-ui-bundle.js swagger-ui-bundle.js.LICENSE.txt swagger-ui-standalone-preset.js swagger-ui.css favicon-32x32.png NOTICE"
  "axe-core 4.14.1 e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745 axe.min.js LICENSE-3RD-PARTY.txt"
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for line in "${PACKAGES[@]}"; do
  read -r name version expected files <<<"$line"
  echo "== $name@$version"
  tarball=$(cd "$work" && npm pack --silent "$name@$version")
  actual=$(sha256sum "$work/$tarball" | cut -d' ' -f1)
  if [[ "$actual" != "$expected" ]]; then
    echo "sha256 of $tarball is $actual, expected ${expected:-<none>}; refusing to vendor it." >&2
    exit 1
  fi
  mkdir -p "$work/$name"
  tar -xzf "$work/$tarball" -C "$work/$name"
  if [[ "$name" == "axe-core" ]]; then
    dest="tests/browser/vendor/$name"
  else
    dest="citystat/static/vendor/$name"
  fi
  rm -rf "$dest"
  mkdir -p "$dest"
  cp "$work/$name/package/LICENSE" "$dest/LICENSE"
  for file in $files; do
    cp "$work/$name/package/$file" "$dest/$(basename "$file")"
  done
done
echo "Vendored. Update citystat/static/vendor/README.md if a version or license changed."
