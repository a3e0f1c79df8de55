#!/usr/bin/env bash
# On the GPU machine (after `pack.sh --with-data`): issue 15's best pipeline timed on `--backend
# opencl` as one command — `deep-cluster --pretrain contrastive --encoders 3 --n2d-runs 5`: three SimCLR encoders
# pretrained on all 70,000 images (seeds 0-2, EPOCHS each, default 50, as in benchmarks/deep_cluster.sh) and five N2D
# runs on each combined by consensus —, then on the seed-0 encoder it saved: N2D, N2D's consensus of five runs, SCAN
# and SCAN + self-labelling; and, for the same encoder, one contrastive epoch on `--backend cpu` (all the machine's
# cores). JSON reports, labels and a summary table in $OUT (or ./out). EPOCHS=1 LIMIT=500 for a smoke run (the first
# 500 images of each split).
set -uo pipefail
source "$(dirname "$0")/device-env.sh"
export FMNIST_DATA=${FMNIST_DATA:-$PWD/.device/data}
f="$work/bin/fmnist"
epochs=${EPOCHS:-50}
limit=(); [ -n "${LIMIT:-}" ] && limit=(--limit "$LIMIT")
t=/tmp/deep-cluster; mkdir -p $t
run() { # name backend command...
  local name=$1 backend=$2; shift 2
  local start=$(date +%s%N)
  "$f" "$@" "${limit[@]}" --backend "$backend" --json --quiet > "$out/$name-$backend.json" 2> "$out/$name-$backend.err"
  local status=$? ms=$(( ($(date +%s%N) - start) / 1000000 ))
  printf '| %s | %s | %d.%03d | %s |\n' "$name" "$backend" $((ms / 1000)) $((ms % 1000)) "$status" | tee -a "$out/deep-cluster.md"
}
echo "| command | backend | seconds (process) | exit |" > "$out/deep-cluster.md"
echo "|---|---|---|---|" >> "$out/deep-cluster.md"
run simclr-1-epoch cpu train contrastive --images all --val-fraction 0 --epochs 1 --seed 0 --out $t/simclr-cpu.safetensors
# The README's best pipeline, three-encoder form, as one command: three SimCLR pretrainings (seeds 0, 1, 2, each saved
# as simclr-seedS.safetensors), then five N2D runs on each combined by consensus — its time is the pipeline's.
run n2d-consensus15-simclr opencl deep-cluster --method n2d --pretrain contrastive --pretrain-epochs "$epochs" --encoders 3 --n2d-runs 5 \
  --save-model $t/simclr.safetensors --seed 0 --out "$out/n2d-consensus15-simclr-seed0.npy"
e0=$t/simclr-seed0.safetensors
run n2d-simclr opencl deep-cluster --method n2d --model $e0 --seed 0 --out "$out/n2d-simclr-seed0.npy"
run n2d-consensus5-simclr opencl deep-cluster --method n2d --n2d-runs 5 --model $e0 --seed 0 --out "$out/n2d-consensus5-simclr-seed0.npy"
run scan-simclr opencl deep-cluster --method scan --model $e0 --seed 0 --out "$out/scan-simclr-seed0.npy"
run scan-selflabel-simclr opencl deep-cluster --method scan --self-label --model $e0 --seed 0 --out "$out/scan-selflabel-simclr-seed0.npy"
