#!/usr/bin/env bash
# Side by side: the consensus of 5 runs on encoder 0 with the runs' steps one after another (57d5a5a) and at once
# on the host's cores (this commit), alternated twice; both must write the same labels.
set -euo pipefail
cd /tmp/ens/ab
for round in 1 2; do
  for v in new concurrent; do
    start=$(date +%s.%N)
    ./fmnist-$v deep-cluster --method n2d --model /tmp/dc/models/simclr-seed0.safetensors --n2d-runs 5 --seed 0 \
      --out $v.npy --json --quiet > $v-b$round.json
    echo "round $round $v $(echo "$(date +%s.%N) - $start" | bc) s"
  done
done
cmp new.npy concurrent.npy && echo "the same labels"
