#!/usr/bin/env bash
# Confirmation on fresh encoders (seeds 3, 4, 5, never used before): N2D as deep-cluster runs it
# (euclidean, one mixture start) against the exploratory variant (cosine, 10 mixture starts).
set -euo pipefail
F=fmnist   # the binary of ce7e39f
O=.   # models/, labels and reports here
for s in 3 4 5; do
  [ -f $O/models/simclr-seed$s.safetensors ] || $F train contrastive --images all --val-fraction 0 --epochs 50 --seed $s \
    --out $O/models/simclr-seed$s.safetensors --json --quiet > $O/pretrain-simclr-seed$s.json
  echo "seed $s pretrained $(date +%T)"
done
for s in 3 4 5; do
  $F deep-cluster --method n2d --model $O/models/simclr-seed$s.safetensors --seed $s --out $O/n2d-simclr-seed$s.npy --json --quiet \
    > $O/n2d-simclr-seed$s.json
  $F encode --model $O/models/simclr-seed$s.safetensors --split all --out $O/h-seed$s.npy --quiet
  $F embed --method umap --metric cosine --n-neighbors 20 --min-dist 0 --dims 10 --input $O/h-seed$s.npy --seed $s \
    --out $O/u-cosine-seed$s.npy --json --quiet > $O/embed-cosine-seed$s.json
  $F cluster --method gmm --k 10 --n-init 10 --input $O/u-cosine-seed$s.npy --seed $s --out $O/n2d-simclr-cosine-ninit10-seed$s.npy \
    --json --quiet > $O/gmm-cosine-ninit10-seed$s.json
  echo "seed $s clustered $(date +%T)"
done
echo done
