#!/usr/bin/env bash
# N2D on the SimCLR representation with UMAP's metric euclidean (N2D's, deep-cluster's default) and cosine
# (the similarity SimCLR trains with), composed from the single commands; labels never read before scoring.
# The n2d-simclr-codes256 rows: FMNIST=<a61562f's build, which encoded in batches of 256> TAG=256
# ROW=n2d-simclr-codes256 METRICS=euclidean ./run.sh; the cosine rows: METRICS=cosine ./run.sh.
set -euo pipefail
F=${FMNIST:-/work/main/.build/release/fmnist}
M=/tmp/dc/models
O=/tmp/cos
T=${TAG:-}
for s in 0 1 2; do
  [ -f $O/h$T-seed$s.npy ] || $F encode --model $M/simclr-seed$s.safetensors --split all --out $O/h$T-seed$s.npy --quiet
  for metric in ${METRICS:-euclidean cosine}; do
    row=${ROW:-n2d-simclr-$metric}
    start=$(date +%s)
    $F embed --method umap --metric $metric --n-neighbors 20 --min-dist 0 --dims 10 --input $O/h$T-seed$s.npy --seed $s \
      --out $O/u$T-$metric-seed$s.npy --json --quiet > $O/embed$T-$metric-seed$s.json
    $F cluster --method gmm --k 10 --input $O/u$T-$metric-seed$s.npy --seed $s --out $O/$row-seed$s.npy --json --quiet \
      > $O/gmm$T-$metric-seed$s.json
    echo "seed $s $metric: $(( $(date +%s) - start )) s"
  done
done
echo done
