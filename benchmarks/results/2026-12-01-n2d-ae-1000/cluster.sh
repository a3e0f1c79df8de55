#!/usr/bin/env bash
# N2D seeds 0-4 on snapshot E (PLAN.md of benchmarks/results/2026-12-01-n2d-ae-1000).
E=$1; cd /tmp/n2d-1000; mkdir -p out
for s in 0 1 2 3 4; do
  [ -f out/n2d-refae$E-seed$s.npy ] && continue
  ./fmnist deep-cluster --method n2d --model snap/e$E.safetensors --seed $s --out out/n2d-refae$E-seed$s.npy --json --quiet \
    > out/n2d-refae$E-seed$s.json
done
echo "clustered e$E $(date +%T)"
