#!/usr/bin/env bash
# On the GPU machine (after `pack.sh --with-data`): issue 15's best pipeline timed on `--backend
# opencl` — SimCLR pretraining of the encoder on all 70,000 images (EPOCHS, default 50, as in
# benchmarks/deep_cluster.sh), then N2D on it, two more encoders (seeds 1, 2) and the best pipeline's consensus
# (five N2D runs on each of the three), then N2D's consensus of five runs on the first, SCAN and SCAN + self-labelling
# on its representation — and, for the same command, one contrastive epoch on `--backend cpu` (all the
# machine's cores). JSON reports, labels and a
# summary table in $OUT (or ./out). EPOCHS=1 LIMIT=500 for a smoke run (the first 500 images of each split).
# ARCH=simclr-cnn trains the encoder on the CNN's pooled trunk instead (the larger encoder a GPU affords).
set -uo pipefail
source "$(dirname "$0")/device-env.sh"
export FMNIST_DATA=${FMNIST_DATA:-$PWD/.device/data}
f="$work/bin/fmnist"
epochs=${EPOCHS:-50}
arch=${ARCH:-simclr}
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
run simclr-1-epoch cpu train contrastive --arch "$arch" --images all --val-fraction 0 --epochs 1 --seed 0 --out $t/simclr-cpu.safetensors
run simclr-$epochs-epochs opencl train contrastive --arch "$arch" --images all --val-fraction 0 --epochs "$epochs" --seed 0 --out $t/simclr.safetensors
run n2d-simclr opencl deep-cluster --method n2d --model $t/simclr.safetensors --seed 0 --out "$out/n2d-simclr-seed0.npy"
# The README's best pipeline: two more encoders (seeds 1 and 2), then five N2D runs on each of the three
# combined by consensus — its GPU time is the three pretrainings plus this last command.
for seed in 1 2; do
  run simclr-$epochs-epochs-seed$seed opencl train contrastive --arch "$arch" --images all --val-fraction 0 --epochs "$epochs" \
    --seed $seed --out $t/simclr-seed$seed.safetensors
done
run n2d-consensus15-simclr opencl deep-cluster --method n2d --n2d-runs 5 --model $t/simclr.safetensors \
  --model $t/simclr-seed1.safetensors --model $t/simclr-seed2.safetensors --seed 0 --out "$out/n2d-consensus15-simclr-seed0.npy"
run n2d-consensus5-simclr opencl deep-cluster --method n2d --n2d-runs 5 --model $t/simclr.safetensors --seed 0 \
  --out "$out/n2d-consensus5-simclr-seed0.npy"
run scan-simclr opencl deep-cluster --method scan --model $t/simclr.safetensors --seed 0 --out "$out/scan-simclr-seed0.npy"
run scan-selflabel-simclr opencl deep-cluster --method scan --self-label --model $t/simclr.safetensors --seed 0 \
  --out "$out/scan-selflabel-simclr-seed0.npy"
