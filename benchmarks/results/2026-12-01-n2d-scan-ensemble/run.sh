#!/bin/bash
# PLAN.md's members on the three encoders saved in $MODELS (default /tmp/fused): 45 N2D runs and 45 SCAN runs,
# labels in $WORK (default /tmp/ens; not committed, 560 KB each). The consensus rows: consensus.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fmnist=${FMNIST:-$here/../../../.build/release/fmnist}
models=${MODELS:-/tmp/fused}
work=${WORK:-/tmp/ens}; mkdir -p "$work"
for i in 0 1 2; do
    [ -f "$work/codes-$i.npy" ] || "$fmnist" encode --model "$models/simclr-seed$i.safetensors" --split all --quiet \
        --out "$work/codes-$i.npy"
done
n2d() { # ENCODER SEED
    local i=$1 s=$2 out="$work/n2d-e$1-s$2.npy"
    [ -f "$out" ] && return
    "$fmnist" embed --method umap --input "$work/codes-$i.npy" --n-neighbors 20 --min-dist 0 --dims 10 --sgd sequential \
        --seed "$s" --quiet --out "$work/u-e$i-s$s.npy"
    "$fmnist" cluster --method gmm --k 10 --covariance full --seed "$s" --input "$work/u-e$i-s$s.npy" --quiet \
        --out "$out.tmp.npy" > /dev/null && mv "$out.tmp.npy" "$out"
    rm -f "$work/u-e$i-s$s.npy"
}
scan() { # ENCODER SEED
    local i=$1 s=$2 out="$work/scan-e$1-s$2.npy"
    [ -f "$out" ] && return
    "$fmnist" deep-cluster --method scan --model "$models/simclr-seed$i.safetensors" --seed "$s" --json \
        --out "$out.tmp.npy" > "$work/scan-e$i-s$s.json" && mv "$out.tmp.npy" "$out"
}
export -f n2d scan; export fmnist models work
jobs=()
for x in 0 1 2; do for r in 0 1 2 3 4; do for i in 0 1 2; do jobs+=("$i $((x + 100 * r + i))"); done; done; done
printf '%s\n' "${jobs[@]}" | xargs -P 2 -L 1 bash -c 'n2d "$0" "$1"'
printf '%s\n' "${jobs[@]}" | xargs -P 1 -L 1 bash -c 'scan "$0" "$1"'
