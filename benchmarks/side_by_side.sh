#!/usr/bin/env bash
# Side-by-side timings: fmnist's CPU backend against NumPy / scikit-learn on the same machine, in
# the same run, on the same shapes. Makes a venv under benchmarks/.venv from PyPI the first time.
# Usage: benchmarks/side_by_side.sh [fmnist bench options, default: --ops gemm,training,distances]
# Environment (OPENBLAS_CORETYPE included) is left as it is, so both sides see the same setting.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=benchmarks/.venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q numpy scikit-learn threadpoolctl
fi
swift build -c release --product fmnist
stamp=$(date -u +%Y-%m-%d)
mkdir -p benchmarks/results
out="benchmarks/results/$stamp-$(hostname)-cpu.json"
args=("$@"); [ ${#args[@]} -eq 0 ] && args=(--ops gemm,training,distances)
.build/release/fmnist bench --backend cpu --no-check --quiet --out "$out" "${args[@]}"
"$venv/bin/python" benchmarks/numpy_ops.py "$out" | tee "${out%.json}-vs-numpy.txt"
