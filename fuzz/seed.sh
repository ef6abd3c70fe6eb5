#!/usr/bin/env bash
# Seeds the fuzz corpora (fuzz/corpus/<target>/) from real inputs: `.crate` files in cargo's
# download cache, and the Cargo.toml, Cargo.lock and .cargo_vcs_info.json files cargo unpacked
# from them. At most $SEED_MAX (default 200) files per target, smallest first; existing corpus
# files stay. Usage: fuzz/seed.sh [CARGO_HOME]
set -euo pipefail
cd "$(dirname "$0")"
home="${1:-${CARGO_HOME:-$HOME/.cargo}}"
max="${SEED_MAX:-200}"

# Copies the files named on stdin (NUL-separated) into corpus/$1, through the filter command
# $2 (default: cat), named by content digest.
seed() {
    local target="$1" filter="${2:-cat}" count=0 tmp
    mkdir -p "corpus/$target"
    tmp="$(mktemp)"
    while IFS= read -r -d '' file; do
        [ "$count" -ge "$max" ] && break
        $filter < "$file" > "$tmp" || continue
        cp "$tmp" "corpus/$target/$(sha1sum "$tmp" | cut -c1-40)"
        count=$((count + 1))
    done
    rm -f "$tmp"
    echo "$target: $(ls "corpus/$target" | wc -l) inputs"
}

# Files named $1 under $2, smallest first, up to 1 MiB.
smallest() {
    find "$2" -name "$1" -type f -size -1024k -printf '%s\t%p\0' 2>/dev/null | sort -z -n | cut -z -f2-
}

seed read_crate < <(smallest '*.crate' "$home/registry/cache")
# read_gz_tar takes the tar stream; it compresses it itself.
seed read_gz_tar "gzip -dc" < <(smallest '*.crate' "$home/registry/cache")
seed manifest < <(smallest 'Cargo.toml.orig' "$home/registry/src")
seed lock_text < <(smallest 'Cargo.lock' "$home/registry/src")
seed vcs_info < <(smallest '.cargo_vcs_info.json' "$home/registry/src")
# tree_config takes a repository's cargo configuration: the ones published crates carry.
seed tree_config < <(find "$home/registry/src" -path '*/.cargo/config*' -type f -size -64k -print0 2>/dev/null)
# check_envelope takes a mode byte, then the envelope text: the golden envelope of the tests.
envelope() { printf '\0'; awk 'n >= 2; /^---$/ { n++ }'; }
seed check_envelope envelope < <(printf '%s\0' ../tests/it/snapshots/it__provenance__golden_envelope.snap)
# read_bundle takes bundle files: the Sigstore conformance suite's and the real ones the tests
# keep, and JSON lines of two.
find ../testdata/sigstore-conformance ../testdata/sigstore-real -name '*.sigstore.json' -print0 | seed read_bundle
lines="$(mktemp)"
cat ../testdata/sigstore-real/*.sigstore.json ../testdata/sigstore-conformance/bundle-verify/happy-path-v0.3/bundle.sigstore.json > "$lines"
printf '%s\0' "$lines" | seed read_bundle
rm -f "$lines"
