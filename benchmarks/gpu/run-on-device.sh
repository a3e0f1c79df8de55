#!/usr/bin/env bash
# On the GPU machine: unpack what pack.sh built, make NVIDIA's OpenCL driver visible to the ICD
# loader, then run `fmnist devices`, the parity suite on the GPU and `fmnist bench`, writing logs
# and JSON to $OUT (or ./out). Usage: run-on-device.sh [extra bench arguments]
set -uo pipefail
out=${OUT:-$PWD/out}; mkdir -p "$out"
work=/tmp/fmnist-device; rm -rf "$work"; mkdir -p "$work"
tar -xJf .device/fmnist-device.tar.xz -C "$work"
export LD_LIBRARY_PATH="$work/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# The ICD loader reads /etc/OpenCL/vendors; GPU containers often mount NVIDIA's OpenCL library
# without registering it there. Register every vendor file plus any libnvidia-opencl found.
nv=$(ldconfig -p | awk '/libnvidia-opencl\.so\.1/{print $NF; exit}')
[ -z "$nv" ] && nv=$(find / -xdev \( -name 'libnvidia-opencl.so.1' -o -name 'libnvidia-opencl.so.*' \) 2>/dev/null | head -1)
mkdir -p "$work/vendors"
cp /etc/OpenCL/vendors/*.icd "$work/vendors/" 2>/dev/null || true
if [ -n "$nv" ] && ! grep -qs nvidia "$work"/vendors/*.icd; then echo "$nv" > "$work/vendors/nvidia.icd"; fi
export OCL_ICD_VENDORS="$work/vendors"
echo "ICD vendors: $(cat "$work"/vendors/*.icd 2>/dev/null | tr '\n' ' ')"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv 2>&1 | tee "$out/nvidia-smi.txt"
"$work/bin/fmnist" devices 2>&1 | tee "$out/devices.txt"
"$work/bin/fmnist" devices --json > "$out/devices.json" 2>&1
echo "== parity suite (XCTest, OpenCL on the GPU) =="
FMNIST_REQUIRE_OPENCL=1 "$work/bin/fmnistPackageTests.xctest" > "$out/parity.log" 2>&1; echo "parity exit: $?" | tee -a "$out/parity.log"
grep -E "error|failed|Executed" "$out/parity.log" | tail -15
echo "== bench =="
"$work/bin/fmnist" bench --out "$out/bench.json" "$@" 2>&1 | tee "$out/bench.txt"
# Optional GEMM tile-shape sweep on the OpenCL device: FMNIST_TILINGS="64,64,16,4,4 128,128,16,8,8"
for t in ${FMNIST_TILINGS:-}; do
  echo "== GEMM tiling $t"
  FMNIST_GEMM_TILING=$t "$work/bin/fmnist" bench --ops gemm,training --backend opencl --no-check --quiet 2>&1 \
    | grep -E "^gemm|rror" | tee -a "$out/tilings.txt"
done
