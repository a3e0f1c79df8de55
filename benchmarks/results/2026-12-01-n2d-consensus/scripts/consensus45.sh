#!/usr/bin/env bash
# Plan item 6's check: the consensus of all nine encoders composed from the committed single runs (five per encoder,
# run r of encoder s seeded X + 100 r + s) — it must equal `deep-cluster --model x9 --n2d-runs 5 --seed X`. consensus45.sh X
set -euo pipefail
cd /tmp/ens
F=./fmnist; P=/work/main/benchmarks/.venv/bin/python; x=$1
$P - $x <<'PY'
import sys, numpy as np
x = int(sys.argv[1])
runs = [np.load(f"out/run-seed{s}-x{x + 100*r + s}.npy") for s in range(9) for r in range(5)]
np.save(f"out/onehot45-{x}.npy", np.concatenate([np.eye(10, dtype=np.float32)[l] for l in runs], axis=1))
PY
$F cluster --method kmeans --k 10 --n-init 10 --input out/onehot45-$x.npy --seed $x --out out/consensus45-composed-$x.npy --json --quiet \
  > out/consensus45-composed-$x.json
cmp out/consensus45-composed-$x.npy /tmp/c45/consensus45-$x.npy && echo "consensus45 X=$x: composed = native"
