#!/usr/bin/env bash
# On the GPU machine: full-data training runs and epoch timings for the closing notes.
# Needs the Fashion-MNIST files in .device/data (copied there by pack.sh --with-data).
# Writes to $OUT: train-ae.log, train-cnn.log, test.json, epochs.txt, profile-conv-ae.txt and profile-cnn.txt
# (one more OpenCL epoch each under --profile-kernels: device time per kernel, and the device's idle time).
# The OpenCL epochs are timed after a short warm-up that builds the kernels and tunes the GEMM tiles (GemmTuner),
# beside FMNIST_GEMM_TUNE=off (the size heuristic's tiles), FMNIST_BATCHES_PER_READ=1, FMNIST_SPLIT_K=64 and
# FMNIST_CONV_FORWARD=im2col / implicit (the convolutions' forward path forced instead of timed per layer).
# FMNIST_EPOCHS=0 skips the full trainings and keeps only the epoch timings beside PyTorch (issue 14's table).
set -uo pipefail
source "$(dirname "$0")/device-env.sh"
export FMNIST_DATA=${FMNIST_DATA:-$PWD/.device/data}
f="$work/bin/fmnist"
epochs=${FMNIST_EPOCHS:-10}
limit=(); [ -n "${LIMIT:-}" ] && limit=(--limit "$LIMIT")  # LIMIT=N: the first N images (smoke runs)
if [ "$epochs" -gt 0 ]; then
"$f" train autoencoder --epochs "$epochs" --backend opencl --out /tmp/conv-ae.safetensors > "$out/train-ae.log" 2>&1; tail -3 "$out/train-ae.log"
"$f" train classifier --epochs "$epochs" --backend opencl --out /tmp/cnn.safetensors > "$out/train-cnn.log" 2>&1; tail -3 "$out/train-cnn.log"
{ "$f" test --model /tmp/cnn.safetensors --split test --backend opencl --json --out-dir /tmp; "$f" test --model /tmp/conv-ae.safetensors --split test --backend opencl --json; } > "$out/test.json" 2>&1
grep -E '"accuracy"|reconstructionMSE|macroF1' "$out/test.json"
fi
{
  echo "== one epoch each on the CPU backend (all the machine's cores), OpenBLAS default kernel"
  "$f" train autoencoder --epochs 1 --backend cpu --val-fraction 0 "${limit[@]}" --out /tmp/a.safetensors 2>&1 | tail -1
  "$f" train classifier --epochs 1 --backend cpu --val-fraction 0 "${limit[@]}" --out /tmp/c.safetensors 2>&1 | tail -1
  if grep -qw avx512f /proc/cpuinfo; then  # SkylakeX kernels need AVX-512
    echo "== the same with OPENBLAS_CORETYPE=SkylakeX"
    OPENBLAS_CORETYPE=SkylakeX "$f" train autoencoder --epochs 1 --backend cpu --val-fraction 0 "${limit[@]}" --out /tmp/a.safetensors 2>&1 | tail -1
    OPENBLAS_CORETYPE=SkylakeX "$f" train classifier --epochs 1 --backend cpu --val-fraction 0 "${limit[@]}" --out /tmp/c.safetensors 2>&1 | tail -1
  fi
  echo "== warm-up on OpenCL, not in the epoch timings: builds the kernels and times the GEMM tiles per shape and the"
  echo "   convolutions' forward paths per layer (GemmTuner, cached); its wall time is the first run's one-off cost"
  for model in autoencoder classifier; do
    start=$(date +%s.%N)
    "$f" train "$model" --epochs 1 --backend opencl --val-fraction 0 --limit 2560 --out /tmp/w.safetensors 2>&1 | tail -1
    echo "warm-up $model: $(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $start }") s wall, process included"
  done
  cat "${XDG_CACHE_HOME:-$HOME/.cache}"/fmnist/opencl/gemm-tuning-*.json 2>/dev/null
  echo "== one epoch each on OpenCL (the GPU)"
  "$f" train autoencoder --epochs 1 --backend opencl --val-fraction 0 "${limit[@]}" --out /tmp/a.safetensors 2>&1 | tail -1
  "$f" train classifier --epochs 1 --backend opencl --val-fraction 0 "${limit[@]}" --out /tmp/c.safetensors 2>&1 | tail -1
  echo "== the same with the size heuristic's GEMM tiles (FMNIST_GEMM_TUNE=off; default: tuned per shape)"
  FMNIST_GEMM_TUNE=off "$f" train autoencoder --epochs 1 --backend opencl --val-fraction 0 "${limit[@]}" --out /tmp/a.safetensors 2>&1 | tail -1
  FMNIST_GEMM_TUNE=off "$f" train classifier --epochs 1 --backend opencl --val-fraction 0 "${limit[@]}" --out /tmp/c.safetensors 2>&1 | tail -1
  echo "== the same, the host waiting for the device every batch (FMNIST_BATCHES_PER_READ=1; default 16 on a GPU)"
  FMNIST_BATCHES_PER_READ=1 "$f" train autoencoder --epochs 1 --backend opencl --val-fraction 0 "${limit[@]}" --out /tmp/a.safetensors 2>&1 | tail -1
  FMNIST_BATCHES_PER_READ=1 "$f" train classifier --epochs 1 --backend opencl --val-fraction 0 "${limit[@]}" --out /tmp/c.safetensors 2>&1 | tail -1
  echo "== the same with split-K capped at 64 slices (FMNIST_SPLIT_K=64: the cap before 2026-12-02; default 1024)"
  FMNIST_SPLIT_K=64 "$f" train autoencoder --epochs 1 --backend opencl --val-fraction 0 "${limit[@]}" --out /tmp/a.safetensors 2>&1 | tail -1
  FMNIST_SPLIT_K=64 "$f" train classifier --epochs 1 --backend opencl --val-fraction 0 "${limit[@]}" --out /tmp/c.safetensors 2>&1 | tail -1
  echo "== the same with every convolution's forward step by im2col + GEMM (FMNIST_CONV_FORWARD=im2col; default:"
  echo "   implicit GEMM or im2col, timed per layer; the warm-up made the choices, kept in the tuning file above)"
  FMNIST_CONV_FORWARD=im2col "$f" train autoencoder --epochs 1 --backend opencl --val-fraction 0 "${limit[@]}" --out /tmp/a.safetensors 2>&1 | tail -1
  FMNIST_CONV_FORWARD=im2col "$f" train classifier --epochs 1 --backend opencl --val-fraction 0 "${limit[@]}" --out /tmp/c.safetensors 2>&1 | tail -1
  echo "== and with every one by implicit GEMM (FMNIST_CONV_FORWARD=implicit)"
  FMNIST_CONV_FORWARD=implicit "$f" train autoencoder --epochs 1 --backend opencl --val-fraction 0 "${limit[@]}" --out /tmp/a.safetensors 2>&1 | tail -1
  FMNIST_CONV_FORWARD=implicit "$f" train classifier --epochs 1 --backend opencl --val-fraction 0 "${limit[@]}" --out /tmp/c.safetensors 2>&1 | tail -1
  echo "== convolution layers on OpenCL: split-K cap 64, untuned GEMM tiles, forward steps by im2col, by implicit GEMM,"
  echo "   then the defaults, one run (ms)"
  for setting in FMNIST_SPLIT_K=64 FMNIST_GEMM_TUNE=off FMNIST_CONV_FORWARD=im2col FMNIST_CONV_FORWARD=implicit FMNIST_GEMM_TUNE=automatic; do
    env "$setting" "$f" bench --ops layers --backend opencl --no-check --quiet 2>&1 | grep -E "conv|pool|rror" | sed "s/^/$setting: /"
  done
  echo "== one more epoch each on OpenCL with --profile-kernels (device time per kernel: profile-*.txt; not timed)"
  "$f" train autoencoder --epochs 1 --backend opencl --val-fraction 0 "${limit[@]}" --out /tmp/a.safetensors \
    --profile-kernels "$out/profile-conv-ae.txt" 2>&1 | tail -2
  "$f" train classifier --epochs 1 --backend opencl --val-fraction 0 "${limit[@]}" --out /tmp/c.safetensors \
    --profile-kernels "$out/profile-cnn.txt" 2>&1 | tail -2
  echo "== PyTorch, same models, same data"
  python3 benchmarks/torch/train_epoch.py "$FMNIST_DATA" --epochs 2 "${limit[@]}"
} > "$out/epochs.txt" 2>&1
cat "$out/epochs.txt"
for model in conv-ae cnn; do
  [ -s "$out/profile-$model.txt" ] || { echo "train-on-device.sh: no kernel profile for $model (see epochs.txt)" >&2; exit 1; }
  head -12 "$out/profile-$model.txt"
done
