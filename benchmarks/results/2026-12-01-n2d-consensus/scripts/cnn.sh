#!/usr/bin/env bash
# Plan item 4 for encoder seeds given: cnn.sh S... (halves a and b)
set -euo pipefail
cd /tmp/ens
F=./cnn/fmnist; P=/work/main/benchmarks/.venv/bin/python
for s in "$@"; do
  for half in ${HALVES:-a b}; do
    if [ $half = a ]; then rs="0 1 2 3 4"; else rs="5 6 7 8 9"; fi
    runs=""; for r in $rs; do runs="$runs out/run-seed$s-x$((100*r + s)).npy"; done
    $P core.py out/consensus5-seed$s-$half.npy out/core-seed$s-$half.npy $runs
    start=$(date +%s)
    $F train classifier --images all --targets out/core-seed$s-$half.npy --val-fraction 0 --epochs 10 --seed $s \
      --out out/cnn-seed$s-$half.safetensors --json --quiet > out/train-cnn-seed$s-$half.json
    $F test --model out/cnn-seed$s-$half.safetensors --split all --predictions out/consensus5-cnn-seed$s-$half.npy \
      --out-dir out/test-seed$s-$half --quiet > /dev/null
    echo "seed $s half $half: $(( $(date +%s) - start )) s $(date +%T)"
  done
done
