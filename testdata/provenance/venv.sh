#!/usr/bin/env bash
# Creates the Python virtualenv tests/provenance.rs checks envelopes with, in DIR (default:
# target/interop-venv), from the pinned requirements. Does nothing when it is already complete.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${1:-$here/../../target/interop-venv}"
stamp="$dir/.requirements"
if [[ -f "$stamp" ]] && cmp -s "$stamp" "$here/requirements.txt"; then
    exit 0
fi
rm -rf "$dir"
python3 -m venv "$dir"
"$dir/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
cp "$here/requirements.txt" "$stamp"
