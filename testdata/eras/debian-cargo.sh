#!/usr/bin/env bash
# Unpacks Debian bookworm's cargo 1.85 (package `cargo-web`, linked with the system's C zlib) and
# the two libraries it needs that a minimal system lacks into DIR (default:
# target/debian-cargo-1.85), from Debian's package archive: tests/eras.rs packages with it to
# check what cargo-seal's era profiles say of its output. Does nothing when DIR is complete.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${1:-$here/../../target/debian-cargo-1.85}"
packages=(cargo-web=1.85.0+dfsg3-1~deb12u3 libpcre3 libhttp-parser2.9)
[[ -x "$dir/usr/bin/cargo" && -f "$dir/.complete" ]] && exit 0
rm -rf "$dir"
mkdir -p "$dir/debs"
(cd "$dir/debs" && apt-get download -qq "${packages[@]}")
for deb in "$dir"/debs/*.deb; do
    dpkg-deb -x "$deb" "$dir"
done
rm -rf "$dir/debs"
touch "$dir/.complete"
