#!/usr/bin/env bash
# Seconds per training epoch, fmnist against PyTorch on the same machine, taken side by side:
# each round runs PyTorch's epoch of both models (benchmarks/torch/train_epoch.py) and then
# fmnist's (`fmnist train --epochs 1 --val-fraction 0`), on the 60,000 training images, batch 256,
# Adam; the table gives each side's best and median over the rounds and their ratio.
# Usage: benchmarks/train_side_by_side.sh [ROUNDS=3] [OUT_DIR] (environment, OPENBLAS_CORETYPE
# included, left as it is; FMNIST_BIN overrides the binary; FMNIST_BACKEND the backend, default cpu).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
out=${2:-benchmarks/results/$(date -u +%Y-%m-%d)-train-epochs}
data=${FMNIST_DATA:-/usr/share/datasets/fashion-mnist}
bin=${FMNIST_BIN:-.build/release/fmnist}
backend=${FMNIST_BACKEND:-cpu}
venv=benchmarks/.venv
if ! "$venv/bin/python" -c "import torch" 2>/dev/null; then
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q numpy torch
fi
[ -n "${FMNIST_BIN:-}" ] || swift build -c release --product fmnist
mkdir -p "$out"
log="$out/rounds.tsv"
printf 'round\tside\tmodel\tseconds\n' > "$log"
scratch=$(mktemp -d); trap 'rm -rf "$scratch"' EXIT
for round in $(seq "$rounds"); do
  "$venv/bin/python" benchmarks/torch/train_epoch.py "$data" --epochs 1 --device cpu --out "$scratch/torch.json" > /dev/null
  "$venv/bin/python" - "$scratch/torch.json" "$round" >> "$log" <<'PY'
import json, sys
for row in json.load(open(sys.argv[1])):
    print(f"{sys.argv[2]}\ttorch\t{row['model']}\t{row['secondsPerEpoch']:.3f}")
PY
  for spec in "autoencoder conv-ae" "classifier cnn"; do
    set -- $spec
    "$bin" train "$1" --arch "$2" --epochs 1 --val-fraction 0 --backend "$backend" --data-dir "$data" \
      --out "$scratch/model.safetensors" --json > "$scratch/fmnist.json"
    "$venv/bin/python" -c "import json,sys; print(f'$round\tfmnist\t$2\t{json.load(open(sys.argv[1]))[\"epochs\"][0][\"seconds\"]:.3f}')" \
      "$scratch/fmnist.json" >> "$log"
  done
done
"$venv/bin/python" - "$log" "$backend" <<'PY' | tee "$out/table.md"
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
print(f"| model | fmnist ({sys.argv[2]}) best / median s | PyTorch CPU best / median s | ratio of bests | ratio of medians |")
print("|---|---|---|---|---|")
for model in ("conv-ae", "cnn"):
    f = [float(r["seconds"]) for r in rows if r["model"] == model and r["side"] == "fmnist"]
    t = [float(r["seconds"]) for r in rows if r["model"] == model and r["side"] == "torch"]
    print(f"| {model} | {min(f):.2f} / {statistics.median(f):.2f} | {min(t):.2f} / {statistics.median(t):.2f} "
          f"| {min(f) / min(t):.2f} | {statistics.median(f) / statistics.median(t):.2f} |")
print(f"\n{len(rows) // 4} rounds, 60,000 images per epoch, batch 256; per-round times in rounds.tsv")
PY
