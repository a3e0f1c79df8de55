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
#   PIPELINES=contrastive CONTRASTIVE_EPOCHS=100 TAG=100 bash benchmarks/deep_cluster.sh   # rows n2d-simclr100, ...
#   PIPELINES=contrastive CONTRASTIVE_ARCH=simclr-cnn CONTRASTIVE_EPOCHS=20 TAG=20 CONTRASTIVE_ROWS="n2d scan" \
#     bash benchmarks/deep_cluster.sh                                      # rows n2d-simclr-cnn20, scan-simclr-cnn20
#   PIPELINES=contrastive TEMPERATURE=0.1 TAG=-t01 CONTRASTIVE_ROWS="n2d scan" bash benchmarks/deep_cluster.sh
#   PIPELINES=contrastive CONTRASTIVE_BATCH=512 CONTRASTIVE_LR=2e-3 TAG=-b512 CONTRASTIVE_ROWS="n2d scan" \
#     bash benchmarks/deep_cluster.sh                                      # SimCLR's linear lr scaling with the batch
#   PIPELINES=contrastive CROP_AREA=0.08 TAG=-crop008 CONTRASTIVE_ROWS="n2d scan" bash benchmarks/deep_cluster.sh
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
CONTRASTIVE_ARCH=${CONTRASTIVE_ARCH:-simclr}    # or simclr-cnn
TEMPERATURE=${TEMPERATURE:-}                    # NT-Xent temperature (empty: fmnist's default, 0.5)
CONTRASTIVE_BATCH=${CONTRASTIVE_BATCH:-}        # images per batch (empty: fmnist's default, 256)
CONTRASTIVE_LR=${CONTRASTIVE_LR:-}              # Adam learning rate (empty: fmnist's default, 1e-3)
CROP_AREA=${CROP_AREA:-}                        # smallest crop area of SimCLR's views (empty: fmnist's default, 0.2)
CONTRASTIVE_ROWS=${CONTRASTIVE_ROWS:-"n2d scan scan-network scan-selflabel"}
mkdir -p "$OUT" "$MODELS"
for s in $SEEDS; do
  case " $PIPELINES " in *" autoencoder "*) ;; *) continue ;; esac
  ae="$MODELS/dense-ae$TAG-seed$s.safetensors"
  if [ ! -f "$ae" ] || [ ! -s "$OUT/pretrain$TAG-seed$s.json" ]; then   # no report: an interrupted run
    rm -f "$ae" "$ae.state"
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
  name="$CONTRASTIVE_ARCH$TAG"           # e.g. TAG=100 with CONTRASTIVE_EPOCHS=100: rows n2d-simclr100, ...
  encoder="$MODELS/$name-seed$s.safetensors"
  # The report is written when training ends; a checkpoint without it is an interrupted run: train again.
  if [ ! -f "$encoder" ] || [ ! -s "$OUT/pretrain-$name-seed$s.json" ]; then
    rm -f "$encoder" "$encoder.state"
    "$FMNIST" train contrastive --arch "$CONTRASTIVE_ARCH" --images all --val-fraction 0 --epochs "$CONTRASTIVE_EPOCHS" \
      ${TEMPERATURE:+--temperature "$TEMPERATURE"} ${CONTRASTIVE_BATCH:+--batch "$CONTRASTIVE_BATCH"} \
      ${CONTRASTIVE_LR:+--lr "$CONTRASTIVE_LR"} ${CROP_AREA:+--crop-area "$CROP_AREA"} --seed "$s" --out "$encoder" --json --quiet \
      > "$OUT/pretrain-$name-seed$s.json"
  fi
  for row in $CONTRASTIVE_ROWS; do
    case $row in
      n2d|scan) flags=(--method "$row") ;;
      scan-network) flags=(--method scan --scan-update network) ;;
      scan-selflabel) flags=(--method scan --self-label) ;;
      *) echo "deep_cluster.sh: CONTRASTIVE_ROWS: unknown row '$row'" >&2; exit 2 ;;
    esac
    "$FMNIST" deep-cluster "${flags[@]}" --model "$encoder" --seed "$s" --out "$OUT/$row-$name-seed$s.npy" --json --quiet \
      > "$OUT/$row-$name-seed$s.json"
  done
done
"$(dirname "$0")/.venv/bin/python" benchmarks/deep_cluster_table.py "$OUT" | tee "$OUT/table.md"
