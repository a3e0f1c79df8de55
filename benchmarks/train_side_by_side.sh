#!/usr/bin/env bash
# Seconds per training epoch, fmnist against PyTorch on the same machine, taken side by side:
# each round runs PyTorch's epoch of both models (benchmarks/torch/train_epoch.py) and then
# fmnist's (`fmnist train --epochs 1 --val-fraction 0`), on the 60,000 training images, batch 256,
# Adam; the table gives each side's best and median over the rounds and their ratio.
# Usage: benchmarks/train_side_by_side.sh [ROUNDS=3] [OUT_DIR] (environment, OPENBLAS_CORETYPE
# included, left as it is; FMNIST_BIN overrides the binary; FMNIST_BACKEND the backend, default cpu;
# FMNIST_BASELINE_BIN adds another fmnist binary, e.g. an older commit's, to every round as "baseline";
# MODELS="conv-ae cnn" by default, dense-ae (N2D's 784-500-500-2000-10 autoencoder) and simclr (one SimCLR epoch
# on all 70,000 images, 140,000 views: benchmarks/torch/contrastive.py beside `fmnist train contrastive --images all`)
# may be added).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
out=${2:-benchmarks/results/$(date -u +%Y-%m-%d)-train-epochs}
data=${FMNIST_DATA:-/usr/share/datasets/fashion-mnist}
bin=${FMNIST_BIN:-.build/release/fmnist}
backend=${FMNIST_BACKEND:-cpu}
models=${MODELS:-conv-ae cnn}
task_of() { case $1 in cnn) echo classifier ;; simclr) echo contrastive ;; *) echo autoencoder ;; esac; }
torch_models=$(for m in $models; do [ "$m" = simclr ] || printf '%s,' "$m"; done); torch_models=${torch_models%,}
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
  if [ -n "$torch_models" ]; then
    "$venv/bin/python" benchmarks/torch/train_epoch.py "$data" --epochs 1 --device cpu --models "$torch_models" --out "$scratch/torch.json" > /dev/null
    "$venv/bin/python" - "$scratch/torch.json" "$round" >> "$log" <<'PY'
import json, sys
for row in json.load(open(sys.argv[1])):
    print(f"{sys.argv[2]}\ttorch\t{row['model']}\t{row['secondsPerEpoch']:.3f}")
PY
  fi
  if [[ " $models " == *" simclr "* ]]; then
    # contrastive.py prints "epoch 1: loss L S s", S the epoch's seconds (views, forward, NT-Xent, backward, Adam).
    seconds=$("$venv/bin/python" benchmarks/torch/contrastive.py --epochs 1 --threads "$(nproc)" --no-evaluation \
      | sed -n 's/^epoch 1: loss [^ ]* \([0-9.]*\) s$/\1/p')
    [ -n "$seconds" ] || { echo "contrastive.py printed no epoch time" >&2; exit 1; }
    printf '%s\ttorch\tsimclr\t%s\n' "$round" "$seconds" >> "$log"
  fi
  sides=("fmnist=$bin"); [ -n "${FMNIST_BASELINE_BIN:-}" ] && sides+=("baseline=$FMNIST_BASELINE_BIN")
  for side in "${sides[@]}"; do
    for model in $models; do
      set -- "$(task_of "$model")" "$model"
      case $model in simclr) arch=(--images all) ;; *) arch=(--arch "$2") ;; esac
      "${side#*=}" train "$1" "${arch[@]}" --epochs 1 --val-fraction 0 --backend "$backend" --data-dir "$data" \
        --out "$scratch/model.safetensors" --json > "$scratch/fmnist.json"
      "$venv/bin/python" -c "import json,sys; print(f'$round\t${side%%=*}\t$2\t{json.load(open(sys.argv[1]))[\"epochs\"][0][\"seconds\"]:.3f}')" \
        "$scratch/fmnist.json" >> "$log"
    done
  done
done
"$venv/bin/python" - "$log" "$backend" $models <<'PY' | tee "$out/table.md"
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
sides = [s for s in ("fmnist", "baseline") if any(r["side"] == s for r in rows)]
def seconds(model, side): return [float(r["seconds"]) for r in rows if r["model"] == model and r["side"] == side]
print("| model | side | best / median s | ratio to PyTorch (bests) | ratio to PyTorch (medians) |")
print("|---|---|---|---|---|")
for model in sys.argv[3:]:
    t = seconds(model, "torch")
    print(f"| {model} | PyTorch CPU | {min(t):.2f} / {statistics.median(t):.2f} | 1 | 1 |")
    for side in sides:
        f = seconds(model, side)
        print(f"| {model} | {side} ({sys.argv[2]}) | {min(f):.2f} / {statistics.median(f):.2f} | {min(f) / min(t):.2f} "
              f"| {statistics.median(f) / statistics.median(t):.2f} |")
rounds = len({r["round"] for r in rows})
print(f"\n{rounds} rounds, 60,000 images per epoch (simclr: 70,000 images, 140,000 views), batch 256; "
      "per-round times in rounds.tsv")
PY
