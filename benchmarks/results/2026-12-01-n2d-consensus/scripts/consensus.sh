#!/usr/bin/env bash
# Consensus of N2D runs per encoder (plan item 1). Usage: consensus.sh MODELDIR S...
set -euo pipefail
cd /tmp/ens
F=./fmnist; P=/work/main/benchmarks/.venv/bin/python; M=$1; shift
for s in "$@"; do
  [ -f out/h-seed$s.npy ] || $F encode --model $M/simclr-seed$s.safetensors --split all --out out/h-seed$s.npy --quiet
  for r in 0 1 2 3 4 5 6 7 8 9; do
    x=$((100*r + s))
    [ -f out/run-seed$s-x$x.npy ] && continue
    $F embed --method umap --n-neighbors 20 --min-dist 0 --dims 10 --sgd sequential --input out/h-seed$s.npy --seed $x \
      --out out/u-seed$s-x$x.npy --json --quiet > out/embed-seed$s-x$x.json
    $F cluster --method gmm --k 10 --covariance full --input out/u-seed$s-x$x.npy --seed $x \
      --out out/run-seed$s-x$x.npy.tmp.npy --json --quiet > out/gmm-seed$s-x$x.json
    mv out/run-seed$s-x$x.npy.tmp.npy out/run-seed$s-x$x.npy; rm -f out/u-seed$s-x$x.npy
    echo "seed $s run $x $(date +%T)"
  done
  for half in a b; do
    if [ $half = a ]; then xs="0 1 2 3 4"; else xs="5 6 7 8 9"; fi
    $P - "$s" "$half" $xs <<'PY'
import sys, numpy as np
s, half, rs = int(sys.argv[1]), sys.argv[2], [int(r) for r in sys.argv[3:]]
runs = [np.load(f"out/run-seed{s}-x{100*r+s}.npy") for r in rs]
onehot = np.concatenate([np.eye(10, dtype=np.float32)[l] for l in runs], axis=1)
np.save(f"out/onehot-seed{s}-{half}.npy", onehot)
PY
    $F cluster --method kmeans --k 10 --n-init 10 --input out/onehot-seed$s-$half.npy --seed $s \
      --out out/consensus5-seed$s-$half.npy --json --quiet > out/consensus5-seed$s-$half.json
  done
  echo "seed $s consensus $(date +%T)"
done
