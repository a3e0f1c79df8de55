#!/usr/bin/env bash
# Plan item 6: the consensus of all nine encoders, X = 0, 500, 1000.
set -euo pipefail
cd /tmp/c45
models=()
for s in 0 1 2; do models+=(--model /tmp/dc/models/simclr-seed$s.safetensors); done
for s in 3 4 5; do models+=(--model /tmp/conf/models/simclr-seed$s.safetensors); done
for s in 6 7 8; do models+=(--model /tmp/ens/models/simclr-seed$s.safetensors); done
for x in 0 500 1000; do
  [ -f consensus45-$x.npy ] && continue
  start=$(date +%s)
  nice -n 5 ./fmnist deep-cluster --method n2d "${models[@]}" --n2d-runs 5 --seed $x --out consensus45-$x.npy --json --quiet \
    > consensus45-$x.json
  echo "X=$x $(( $(date +%s) - start )) s, finished $(date +%T)"
done
