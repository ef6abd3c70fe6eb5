#!/usr/bin/env bash
# Unpacks two older real cargos from Debian bookworm's package archive into DIR (default:
# target/debian-cargo): DIR/1.85 (package `cargo-web`, 1.85.0) and DIR/1.65 (package `cargo`,
# 0.66.0, cargo 1.65), each with the libraries they need that a minimal system lacks. Both link
# the system's C zlib. tests/it/eras.rs packages with them. Does nothing for a copy that is complete.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${1:-$here/../../target/debian-cargo}"
# Tests run in parallel: one unpacks, the others wait for it.
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9

unpack() {
    local into="$dir/$1"
    shift
    [[ -f "$into/.complete" ]] && return 0
    rm -rf "$into"
    mkdir -p "$into/debs"
    (cd "$into/debs" && apt-get download -qq "$@" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
    for deb in "$into"/debs/*.deb; do
        dpkg-deb -x "$deb" "$into"
    done
    rm -rf "$into/debs"
    LD_LIBRARY_PATH="$(libs "$into")" "$into/usr/bin/cargo" --version >/dev/null
    touch "$into/.complete"
}

# The library path a copy runs with.
libs() {
    echo "$1/usr/lib/x86_64-linux-gnu:$1/lib/x86_64-linux-gnu"
}

unpack 1.85 cargo-web=1.85.0+dfsg3-1~deb12u3 libpcre3 libhttp-parser2.9
unpack 1.65 cargo=0.66.0+ds1-1 libgit2-1.5 libmbedtls14 libmbedx509-1 libmbedcrypto7 libhttp-parser2.9
