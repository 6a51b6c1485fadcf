#!/usr/bin/env bash
# Builds export-collector with the ISAL trait (Intel ISA-L inflate) and checks
# that `index --json` prints the same bytes with ISA-L as with zlib
# (EC_INFLATER=zlib) for every archive of the peer corpus, the generated test
# archives and the benchmark data. Not a test: ISA-L is optional and off by
# default; run it before changing that.
#
#   scripts/bench/inflate_identity.sh [MORE_ARCHIVES_OR_FOLDERS...]
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/common.sh
ensure_apt_packages libisal-dev
swift build --scratch-path .build-isal --traits ISAL --product export-collector >/dev/null
binary=.build-isal/debug/export-collector
generated=$(mktemp -d)
trap 'rm -rf "$generated"' EXIT
python3 scripts/gen-test-archives "$generated" >/dev/null
archives=(../shared/corpus/zip/files/* "$generated"/*.zip)
for extra in "$HOME/.cache/export-collector/bench-data/typical" "$HOME/.cache/export-collector/bench-data/tiny" "$@"; do
  if [[ -d $extra ]]; then archives+=("$extra"/*.zip); elif [[ -f $extra ]]; then archives+=("$extra"); fi
done
compared=0 differing=0
for archive in "${archives[@]}"; do
  compared=$((compared + 1))
  if ! cmp -s <(EC_INFLATER=zlib "$binary" index --json "$archive" 2>&1) <("$binary" index --json "$archive" 2>&1); then
    differing=$((differing + 1))
    echo "differs: $archive"
  fi
done
echo "$compared archives, $differing with a different index under ISA-L"
((differing == 0))
