#!/usr/bin/env bash
# On the GPU machine (after `pack.sh --with-data`): what a session lent a GPU should measure, most
# important first, inside one call of the device tool (at most 600 s a call, about 15 minutes a
# session with the machine's start-up). Each step runs the script in this folder that owns it under
# `timeout`, with at most its cap and never past the BUDGET (seconds, default 540); a step that no
# longer has its minimum is skipped, and the summary says so. Logs, JSON and labels go to $OUT (or
# ./out), each step's under its own folder; session.md holds one row per step.
#
#   PART=1 (default)  parity suite; fmnist bench with PyTorch's layers and cuBLAS; GEMM tilings (strided and
#                     blocked layouts, FMNIST_TILINGS); epochs beside
#                     PyTorch on the device and on the CPU cores (issue 14); UMAP, NMF, K-means,
#                     DBSCAN, HDBSCAN and OPTICS on both backends (issues 11 and 13)
#   PART=2            issue 15's best pipeline timed: SimCLR pretraining, N2D, SCAN (+ self-labelling)
#   PART=3            issue 15's N2D reproduction: the paper's dense autoencoder pretrained for up to its
#                     1,000 epochs (as many as TRAIN_SECONDS allows), then N2D
#
# Smoke run on a machine without a GPU (PoCL): SMOKE=1 shrinks every step to a few hundred images.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=${OUT:-$PWD/out}; mkdir -p "$root"
budget=${BUDGET:-540}
part=${PART:-1}
start=$(date +%s)
summary="$root/session.md"
echo "| step | status | seconds |" > "$summary"; echo "|---|---|---|" >> "$summary"

step() { # name cap min command... — run one step under what is left of the budget
  local name=$1 cap=$2 min=$3; shift 3
  local left=$((budget - ($(date +%s) - start)))
  local limit=$((cap < left ? cap : left))
  if [ "$limit" -lt "$min" ]; then
    echo "| $name | skipped: ${left} s of the budget left, it needs ${min} | 0 |" | tee -a "$summary"; return
  fi
  mkdir -p "$root/$name"
  local t0=$(date +%s)
  echo "== $name (at most $limit s)"
  OUT="$root/$name" timeout --kill-after=10 "$limit" "$@" > "$root/$name/console.log" 2>&1
  local status=$? took=$(($(date +%s) - t0))
  local said="exit $status"; [ "$status" -eq 124 ] || [ "$status" -eq 137 ] && said="stopped at its $limit s limit"
  tail -25 "$root/$name/console.log"
  echo "| $name | $said | $took |" | tee -a "$summary"
}

if [ -n "${SMOKE:-}" ]; then
  export FMNIST_EPOCHS=0 SPLIT=test LIMIT=300 AE_EPOCHS=1 EPOCHS=1 DENSE_EPOCHS=1
fi
if [ "$part" = 1 ]; then
  FMNIST_PARITY_ONLY=1 step parity 150 30 bash "$here/run-on-device.sh"
  if [ -n "${SMOKE:-}" ]; then bench=(--ops gemm --sizes 256); else bench=(); fi
  FMNIST_SKIP_PARITY=1 step bench 120 40 bash "$here/run-on-device.sh" "${bench[@]}"
  # Issue 14's GEMM: the default tiling beside the blocked layout (float4 reads of the local tiles) and the prefetching
  # tile loop, one run.
  if [ -n "${SMOKE:-}" ]; then
    sweep=(FMNIST_TILINGS="64,64,16,4,4,blocked 64,64,16,4,4,blocked,prefetch" FMNIST_TILING_OPS=gemm FMNIST_TILING_SIZES=256)
    sizes=256
  else
    tilings="128,128,8,8,8 128,128,8,8,8,blocked 128,128,16,8,8,blocked 64,64,16,4,4 64,64,16,4,4,blocked"
    tilings="$tilings 64,128,16,4,8,blocked 128,128,8,8,8,blocked,prefetch 128,128,16,8,8,blocked,prefetch"
    sweep=(FMNIST_TILINGS="${FMNIST_TILINGS-$tilings}")
    sizes=1024,2048,4096
  fi
  FMNIST_SKIP_PARITY=1 step gemm-tilings 150 30 env "${sweep[@]}" bash "$here/run-on-device.sh" --ops gemm --sizes "$sizes"
  FMNIST_EPOCHS=${FMNIST_EPOCHS:-0} step epochs 200 60 bash "$here/train-on-device.sh"
  step reduce-density 240 90 bash "$here/reduce-density-on-device.sh"
elif [ "$part" = 2 ]; then
  step deep-cluster 600 120 bash "$here/deep-cluster-on-device.sh"
else
  TRAIN_SECONDS=${TRAIN_SECONDS:-$((budget - 120))} step n2d-reproduction 600 180 bash "$here/n2d-reproduction-on-device.sh"
fi
echo "session part $part: $(($(date +%s) - start)) s of a $budget s budget; summary in $summary"
cat "$summary"
