#!/usr/bin/env bash
# Deep clustering of all 70,000 Fashion-MNIST images (training then test images, file order), labels
# used only to score. For each seed:
# - PIPELINES "autoencoder": N2D's dense autoencoder (784-500-500-2000-10) pretrained on the 70,000
#   images, then N2D (UMAP + GMM), DEC and IDEC from it (rows n2d, dec, idec);
# - PIPELINES "contrastive": a SimCLR encoder (`fmnist train contrastive`, CONTRASTIVE_EPOCHS epochs)
#   trained on the 70,000 images, then N2D on its representation, SCAN's head-only step (the
#   default), SCAN's whole-network step and the head-only step followed by SCAN's self-labelling
#   (rows n2d-simclr, scan-simclr, scan-network-simclr, scan-selflabel-simclr).
# Writes each row's labels (ROW-seedS.npy, int64) and report (ROW-seedS.json) to OUT, then the table
# (mean and spread over the seeds, re-scored from the .npy files with scikit-learn) to OUT/table.md.
#
#   bash benchmarks/deep_cluster.sh                  # seeds 0 1 2, both pipelines
#   SEEDS="0" EPOCHS=10 MAX_ITERATIONS=1000 OUT=/tmp/dc bash benchmarks/deep_cluster.sh
#   PIPELINES=contrastive bash benchmarks/deep_cluster.sh
#
# The hyper-parameters are fixed in advance (README, "Deep clustering"): none is chosen by a score.
set -euo pipefail
cd "$(dirname "$0")/.."
FMNIST=${FMNIST:-.build/release/fmnist}
OUT=${OUT:-benchmarks/results/$(date +%F)-deep-cluster}
MODELS=${MODELS:-$OUT/models}          # checkpoints (not committed: 13 MB each)
SEEDS=${SEEDS:-"0 1 2"}
EPOCHS=${EPOCHS:-50}
MAX_ITERATIONS=${MAX_ITERATIONS:-5000}
SHIFT=${SHIFT:-0}
TAG=${TAG:-}                            # suffix of the row names, e.g. "-shift2"
PIPELINES=${PIPELINES:-"autoencoder contrastive"}
CONTRASTIVE_EPOCHS=${CONTRASTIVE_EPOCHS:-50}
mkdir -p "$OUT" "$MODELS"
for s in $SEEDS; do
  case " $PIPELINES " in *" autoencoder "*) ;; *) continue ;; esac
  ae="$MODELS/dense-ae$TAG-seed$s.safetensors"
  if [ ! -f "$ae" ]; then
    "$FMNIST" train autoencoder --arch dense-ae --latent 10 --images all --val-fraction 0 --epochs "$EPOCHS" \
      --shift "$SHIFT" --seed "$s" --out "$ae" --json --quiet > "$OUT/pretrain$TAG-seed$s.json"
  fi
  "$FMNIST" deep-cluster --method n2d --model "$ae" --seed "$s" --out "$OUT/n2d$TAG-seed$s.npy" --json --quiet \
    > "$OUT/n2d$TAG-seed$s.json"
  for m in dec idec; do
    "$FMNIST" deep-cluster --method $m --model "$ae" --seed "$s" --max-iterations "$MAX_ITERATIONS" \
      --out "$OUT/$m$TAG-seed$s.npy" --json --quiet > "$OUT/$m$TAG-seed$s.json"
  done
done
for s in $SEEDS; do
  case " $PIPELINES " in *" contrastive "*) ;; *) continue ;; esac
  encoder="$MODELS/simclr-seed$s.safetensors"
  if [ ! -f "$encoder" ]; then
    "$FMNIST" train contrastive --images all --val-fraction 0 --epochs "$CONTRASTIVE_EPOCHS" --seed "$s" --out "$encoder" \
      --json --quiet > "$OUT/pretrain-simclr-seed$s.json"
  fi
  for m in n2d scan; do
    "$FMNIST" deep-cluster --method $m --model "$encoder" --seed "$s" --out "$OUT/$m-simclr-seed$s.npy" --json --quiet \
      > "$OUT/$m-simclr-seed$s.json"
  done
  "$FMNIST" deep-cluster --method scan --scan-update network --model "$encoder" --seed "$s" \
    --out "$OUT/scan-network-simclr-seed$s.npy" --json --quiet > "$OUT/scan-network-simclr-seed$s.json"
  "$FMNIST" deep-cluster --method scan --self-label --model "$encoder" --seed "$s" \
    --out "$OUT/scan-selflabel-simclr-seed$s.npy" --json --quiet > "$OUT/scan-selflabel-simclr-seed$s.json"
done
"$(dirname "$0")/.venv/bin/python" benchmarks/deep_cluster_table.py "$OUT" | tee "$OUT/table.md"
