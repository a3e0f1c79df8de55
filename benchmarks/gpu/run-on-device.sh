#!/usr/bin/env bash
# On the GPU machine: unpack what pack.sh built, make NVIDIA's OpenCL driver visible to the ICD
# loader, then run `fmnist devices`, the parity suite on the GPU, `fmnist bench` and (where PyTorch
# is installed) the PyTorch layer timings and fixtures, writing logs and JSON to $OUT (or ./out).
# Usage: run-on-device.sh [extra bench arguments]; FMNIST_PARITY_ONLY=1 stops after the parity suite,
# FMNIST_SKIP_PARITY=1 starts at the bench.
set -uo pipefail
source "$(dirname "$0")/device-env.sh"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv 2>&1 | tee "$out/devices.txt"
"$work/bin/fmnist" devices 2>&1 | tee -a "$out/devices.txt"
if [ -z "${FMNIST_SKIP_PARITY:-}" ]; then
echo "== parity suite (XCTest, OpenCL on the GPU) =="
# The backend, bench and CLI suites, and the suites that hold the device routes' tests (UMAP's
# epochs, Borůvka's searches, OPTICS's ordering; their fixtures travel as resources). The data
# suites need the Fashion-MNIST package, absent there.
classes=$("$work/bin/fmnistPackageTests.xctest" --list-tests 2>/dev/null \
  | grep -E '^(BackendTests|BenchTests|fmnistTests\.CLITests|ReduceTests\.UMAPTests|ClusterTests\.KDTreeTests|ClusterTests\.DensityTests)' \
  | sed 's|/.*||' | sort -u | paste -sd, -)
FMNIST_REQUIRE_OPENCL=1 "$work/bin/fmnistPackageTests.xctest" $classes > "$out/parity.log" 2>&1; echo "parity exit: $?" | tee -a "$out/parity.log"
grep -E "error|failed|Executed" "$out/parity.log" | tail -15
fi
echo "== bench =="
[ -n "${FMNIST_PARITY_ONLY:-}" ] && exit 0
"$work/bin/fmnist" bench --out "$out/bench.json" "$@" 2>&1 | tee "$out/bench.txt"
# PyTorch side by side (the GPU image ships torch): layer timings on CPU and CUDA, and the
# reference fixtures for the Swift TorchFixtureTests.
if python3 -c "import torch" 2>/dev/null; then
  echo "== PyTorch layers =="
  python3 benchmarks/torch/layers.py "$out/bench.json" --out "$out/torch.json" 2>&1 | tee "$out/torch-layers.txt"
  if [ -n "${FMNIST_TORCH_FIXTURES:-}" ]; then
    python3 benchmarks/torch/fixtures.py /tmp/torch-fixtures > /dev/null && tar -cf "$out/torch-fixtures.tar" -C /tmp torch-fixtures
  fi
fi
# The same CPU rows with OpenBLAS told which kernel family to use (0.3.21 does not recognise newer
# Xeons and falls back to its generic Prescott kernels); the cross-check against OpenCL guards it.
if [ -n "${FMNIST_CORETYPE_RUN:-}" ]; then
  echo "== CPU rows with OPENBLAS_CORETYPE=$FMNIST_CORETYPE_RUN =="
  OPENBLAS_CORETYPE=$FMNIST_CORETYPE_RUN "$work/bin/fmnist" bench --ops gemm,layers --sizes 1024,2048 --out "$out/bench-coretype.json" 2>&1 \
    | grep -E "cpu|MISMATCH|rror" > "$out/bench-coretype.txt"
  python3 benchmarks/torch/layers.py "$out/bench-coretype.json" 2>&1 | tail -22 >> "$out/bench-coretype.txt"
  cat "$out/bench-coretype.txt"
fi
# Optional GEMM tile-shape sweep on the OpenCL device: FMNIST_TILINGS="64,64,16,4,4 128,128,16,8,8,blocked"
# (ops FMNIST_TILING_OPS, default gemm,training; sizes FMNIST_TILING_SIZES, default bench's)
for t in ${FMNIST_TILINGS:-}; do
  echo "== GEMM tiling $t"
  FMNIST_GEMM_TILING=$t "$work/bin/fmnist" bench --ops "${FMNIST_TILING_OPS:-gemm,training}" \
    ${FMNIST_TILING_SIZES:+--sizes "$FMNIST_TILING_SIZES"} --backend opencl --no-check --quiet 2>&1 \
    | grep -E "^gemm|rror" | tee -a "$out/tilings.txt"
done
