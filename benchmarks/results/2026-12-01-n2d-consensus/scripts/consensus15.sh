#!/usr/bin/env bash
# Plan item 3: the consensus of the first five N2D runs of each of three encoders. consensus15.sh A B C
set -euo pipefail
cd /tmp/ens
F=./fmnist; P=/work/main/benchmarks/.venv/bin/python; a=$1; b=$2; c=$3; t=$a-$b-$c
$P - $a $b $c <<'PY'
import sys, numpy as np
seeds = [int(s) for s in sys.argv[1:]]
runs = [np.load(f"out/run-seed{s}-x{100*r+s}.npy") for s in seeds for r in range(5)]
np.save(f"out/onehot15-{'-'.join(map(str, seeds))}.npy", np.concatenate([np.eye(10, dtype=np.float32)[l] for l in runs], axis=1))
PY
$F cluster --method kmeans --k 10 --n-init 10 --input out/onehot15-$t.npy --seed $a --out out/consensus15-$t.npy --json --quiet \
  > out/consensus15-$t.json
echo "consensus15 $t $(date +%T)"
