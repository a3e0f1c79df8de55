#!/bin/bash
# PLAN.md's rows from the members run.sh wrote to $WORK (default /tmp/ens): fmnist's own consensus
# (`cluster --method consensus`, K-means with 10 starts, seed X) of (a) the 15 N2D runs, (b) those and the 15 SCAN runs,
# (c) the 15 SCAN runs, for X = 0, 1, 2. Labels and --json reports land here; scored by ../../deep_cluster_table.py.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fmnist=${FMNIST:-$here/../../../.build/release/fmnist}
work=${WORK:-/tmp/ens}
for x in 0 1 2; do
    n2d=() scan=()
    for i in 0 1 2; do for r in 0 1 2 3 4; do  # deep-cluster's order: encoder by encoder, run by run
        s=$((x + 100 * r + i))
        n2d+=(--partition "$work/n2d-e$i-s$s.npy"); scan+=(--partition "$work/scan-e$i-s$s.npy")
    done; done
    "$fmnist" cluster --method consensus "${n2d[@]}" --k 10 --seed "$x" --json --out "$here/n2d15-seed$x.npy" > "$here/n2d15-seed$x.json"
    "$fmnist" cluster --method consensus "${n2d[@]}" "${scan[@]}" --k 10 --seed "$x" --json --out "$here/n2d15-scan15-seed$x.npy" \
        > "$here/n2d15-scan15-seed$x.json"
    "$fmnist" cluster --method consensus "${scan[@]}" --k 10 --seed "$x" --json --out "$here/scan15-seed$x.npy" > "$here/scan15-seed$x.json"
done
