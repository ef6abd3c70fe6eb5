#!/usr/bin/env bash
# Installs the sigstore-js packages tests/it/provenance.rs checks bundles with, in DIR (default:
# target/interop-js), exactly as package-lock.json pins them. Does nothing when already complete.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${1:-$here/../../../target/interop-js}"
stamp="$dir/.package-lock.json"
if [[ -f "$stamp" ]] && cmp -s "$stamp" "$here/package-lock.json"; then
    exit 0
fi
rm -rf "$dir"
mkdir -p "$dir"
cp "$here/package.json" "$here/package-lock.json" "$dir/"
(cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
cp "$here/package-lock.json" "$stamp"
