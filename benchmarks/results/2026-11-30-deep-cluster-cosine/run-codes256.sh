#!/usr/bin/env bash
# N2D on the SimCLR representation with UMAP's metric euclidean (N2D's, deep-cluster's default) and cosine
# (the similarity SimCLR trains with), composed from the single commands; labels never read before scoring.
set -euo pipefail
F=/tmp/wt-old/.build/release/fmnist
M=/tmp/dc/models
O=/tmp/cos
for s in 0 1 2; do
  [ -f $O/h256-seed$s.npy ] || $F encode --model $M/simclr-seed$s.safetensors --split all --out $O/h256-seed$s.npy --quiet
  for metric in ${METRICS:-euclidean cosine}; do
    start=$(date +%s)
    $F embed --method umap --metric $metric --n-neighbors 20 --min-dist 0 --dims 10 --input $O/h256-seed$s.npy --seed $s \
      --out $O/u256-$metric-seed$s.npy --json --quiet > $O/embed256-$metric-seed$s.json
    $F cluster --method gmm --k 10 --input $O/u256-$metric-seed$s.npy --seed $s --out $O/n2d-simclr-codes256-seed$s.npy --json --quiet \
      > $O/gmm256-$metric-seed$s.json
    echo "seed $s $metric: $(( $(date +%s) - start )) s"
  done
done
echo done
