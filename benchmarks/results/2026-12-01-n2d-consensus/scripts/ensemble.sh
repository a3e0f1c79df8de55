#!/usr/bin/env bash
# Plan items 2 and 3 for one triple of encoders: ensemble.sh MODELDIR A B C
set -euo pipefail
cd /tmp/ens
F=./fmnist; P=/work/main/benchmarks/.venv/bin/python; M=$1; a=$2; b=$3; c=$4
for s in $a $b $c; do
  [ -f out/h-seed$s.npy ] || $F encode --model $M/simclr-seed$s.safetensors --split all --out out/h-seed$s.npy --quiet
done
$P - $a $b $c <<'PY'
import sys, numpy as np
seeds = sys.argv[1:]
parts = []
for s in seeds:
    h = np.load(f"out/h-seed{s}.npy").astype(np.float64)
    parts.append(h / np.sqrt((h * h).sum(axis=1).mean()))
np.save(f"out/e-{'-'.join(seeds)}.npy", np.concatenate(parts, axis=1).astype(np.float32))
PY
t=$a-$b-$c
$F embed --method umap --n-neighbors 20 --min-dist 0 --dims 10 --sgd sequential --input out/e-$t.npy --seed $a \
  --out out/ue-$t.npy --json --quiet > out/embed-ensemble3-$t.json
$F cluster --method gmm --k 10 --covariance full --input out/ue-$t.npy --seed $a --out out/ensemble3-$t.npy --json --quiet \
  > out/gmm-ensemble3-$t.json
echo "ensemble $t $(date +%T)"
