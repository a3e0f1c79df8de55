#!/usr/bin/env bash
# Side by side: N2D consensus of 5 runs on encoder 0, before (807754d: each run searches its k-NN graph) and after
# (57d5a5a: the runs share it), alternated twice; both must write the same labels.
set -euo pipefail
cd /tmp/ens/ab
for round in 1 2; do
  for v in old new; do
    start=$(date +%s.%N)
    ./fmnist-$v deep-cluster --method n2d --model /tmp/dc/models/simclr-seed0.safetensors --n2d-runs 5 --seed 0 \
      --out $v.npy --json --quiet > $v-$round.json
    echo "round $round $v $(echo "$(date +%s.%N) - $start" | bc) s"
  done
done
cmp old.npy new.npy && echo "the same labels"
cmp new.npy /tmp/ens/out/consensus5-seed0-a.npy && echo "and the composed consensus's"
