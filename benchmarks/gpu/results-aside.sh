#!/usr/bin/env bash
# The device tool sends the repository's tracked files with every call, and the recorded results
# (benchmarks/results, tens of MB of labels) no longer fit beside the bundle in the 64 MiB that
# travels. `out` moves them out of the working tree and the index for the calls (nothing is
# committed or lost: they stay in HEAD and in $ASIDE); `back` restores both (the index entries as
# HEAD has them). Run from anywhere.
#
#   bash benchmarks/gpu/results-aside.sh out    # before the device calls
#   bash benchmarks/gpu/results-aside.sh back   # after them, before any commit
set -euo pipefail
cd "$(dirname "$0")/../.."
aside=${ASIDE:-/tmp/fmnist-results-aside}
case "${1:-}" in
  out)
    [ -e "$aside/results" ] && { echo "results-aside.sh: $aside/results exists; run 'back' first" >&2; exit 1; }
    git rm -r -q --cached benchmarks/results  # refuses (and nothing moves) when results are staged
    mkdir -p "$aside" && mv benchmarks/results "$aside/" || { git reset -q -- benchmarks/results; exit 1; }
    echo "benchmarks/results set aside in $aside; run 'back' after the device calls" ;;
  back)
    [ -d "$aside/results" ] || { echo "results-aside.sh: nothing set aside in $aside" >&2; exit 1; }
    [ -e benchmarks/results ] && { echo "results-aside.sh: benchmarks/results exists; move it first" >&2; exit 1; }
    mv "$aside/results" benchmarks/ && git reset -q -- benchmarks/results
    echo "benchmarks/results restored" ;;
  *) echo "usage: results-aside.sh out|back" >&2; exit 2 ;;
esac
