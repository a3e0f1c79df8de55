#!/bin/bash
# The plan's rows (PLAN.md) on the three encoders the one command saved in $MODELS (default /tmp/fused).
# Labels and --json reports land here as ROW-seedX.npy / .json; scored afterwards by deep_cluster_table.py.
# --n2d-fusion exists only in the binary of b53f83c (reverted in ffdafe5 by the plan's rule): FMNIST=that build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fmnist=${FMNIST:-$here/../../../.build/release/fmnist}
models=${MODELS:-/tmp/fused}
encoders=(--model "$models/simclr-seed0.safetensors" --model "$models/simclr-seed1.safetensors" --model "$models/simclr-seed2.safetensors")
cluster() { # ROW SEED ARGS...
    local row=$1 seed=$2; shift 2
    [ -f "$here/$row-seed$seed.npy" ] && return
    "$fmnist" deep-cluster --method n2d "${encoders[@]}" --seed "$seed" "$@" --out "$here/$row-seed$seed.npy" --json \
        > "$here/$row-seed$seed.json.tmp" && mv "$here/$row-seed$seed.json.tmp" "$here/$row-seed$seed.json"
}
for x in 0 1 2; do cluster n2d-fused3 "$x" --n2d-fusion graph; done
for x in 0 1 2; do cluster n2d-fused3-consensus5 "$x" --n2d-fusion graph --n2d-runs 5; done
for x in 1 2; do cluster n2d-consensus15 "$x" --n2d-runs 5; done
