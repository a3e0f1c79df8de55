#!/usr/bin/env bash
# How many pretraining epochs N2D's dense autoencoder needs (issue 15: "measure how few suffice"):
# one autoencoder (seed AE_SEED, all 70,000 images) trained to the first of EPOCHS, then resumed to
# each next one (`train --resume`: the same run as training straight to it), a snapshot kept at
# each; N2D (UMAP + GMM) of every snapshot under several N2D seeds (UMAP's and the GMM's draws), so
# the autoencoder's effect is read through N2D's own run-to-run variation. Labels and reports go to
# OUT as n2d-ae{E}-seed{S}.npy / .json (S: the N2D seed; the autoencoder's seed is AE_SEED in every
# row), the loss curve in pretrain-e{E}.json, and the table (re-scored with scikit-learn) to
# OUT/table.md. About 14 minutes per 50 epochs and 1 minute per N2D run on 2 cores.
#
# ARCH chooses the network (dense-ae, or n2d-ae: the reference implementation's linear output and Keras
# initialisation; its rows are named n2d-refae{E}).
#
#   bash benchmarks/n2d_pretraining_epochs.sh
#   EPOCHS="10 20 50" N2D_SEEDS="0 1 2" OUT=/tmp/n2d-epochs bash benchmarks/n2d_pretraining_epochs.sh
#   ARCH=n2d-ae EPOCHS=50 OUT=benchmarks/results/2026-12-01-n2d-reference-ae bash benchmarks/n2d_pretraining_epochs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
FMNIST=${FMNIST:-.build/release/fmnist}
OUT=${OUT:-benchmarks/results/$(date +%F)-n2d-pretraining-epochs}
MODELS=${MODELS:-$OUT/models}          # snapshots (not committed: 13 MB each)
AE_SEED=${AE_SEED:-0}
ARCH=${ARCH:-dense-ae}
ROW=$([ "$ARCH" = n2d-ae ] && echo refae || echo ae)
EPOCHS=${EPOCHS:-"50 100 150 200"}
N2D_SEEDS=${N2D_SEEDS:-"0 1 2 3 4"}
mkdir -p "$OUT" "$MODELS"
ae="$MODELS/$ARCH-seed$AE_SEED.safetensors"
first=1
for e in $EPOCHS; do
  snapshot="$MODELS/$ARCH-seed$AE_SEED-e$e.safetensors"
  if [ ! -f "$snapshot" ]; then
    if [ $first -eq 1 ]; then resume=(); rm -f "$ae" "$ae.state"; else resume=(--resume); fi
    "$FMNIST" train autoencoder --arch "$ARCH" --latent 10 --images all --val-fraction 0 --epochs "$e" --seed "$AE_SEED" \
      --out "$ae" "${resume[@]}" --json --quiet > "$OUT/pretrain$([ "$ROW" = ae ] || echo "-$ROW")-e$e.json"
    cp "$ae" "$snapshot.tmp" && mv "$snapshot.tmp" "$snapshot"
  fi
  first=0
  for s in $N2D_SEEDS; do
    [ -s "$OUT/n2d-$ROW$e-seed$s.json" ] && continue
    "$FMNIST" deep-cluster --method n2d --model "$snapshot" --seed "$s" --out "$OUT/n2d-$ROW$e-seed$s.npy" --json --quiet \
      > "$OUT/n2d-$ROW$e-seed$s.json"
  done
done
"$(dirname "$0")/.venv/bin/python" benchmarks/deep_cluster_table.py "$OUT" | tee "$OUT/table.md"
