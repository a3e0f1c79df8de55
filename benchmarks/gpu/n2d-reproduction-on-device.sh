#!/usr/bin/env bash
# On the GPU machine (after `pack.sh --with-data`): issue 15's "reproduce N2D itself" — the paper's
# dense autoencoder (784-500-500-2000-10; ARCH, default n2d-ae: as N2D's reference code builds it, linear
# output and Keras's initialisation; ARCH=dense-ae for fmnist's sigmoid one) pretrained on all 70,000 images for up to DENSE_EPOCHS
# (default 1000, the paper's; the 2-core machine affords 50) on `--backend opencl`, then N2D (UMAP-10
# of the codes, 20 neighbours, min-dist 0, GMM) on the checkpoint. The pretraining runs under
# TRAIN_SECONDS (default 360): the learning rate is constant, so a run stopped after epoch N is an
# N-epoch run; its checkpoint (written atomically at every epoch end) says N, and the table reports it.
# Reconstruction losses per epoch, the N2D report, labels and a table go to $OUT (or ./out).
# DENSE_EPOCHS=1 LIMIT=300 for a smoke run.
set -uo pipefail
source "$(dirname "$0")/device-env.sh"
export FMNIST_DATA=${FMNIST_DATA:-$PWD/.device/data}
f="$work/bin/fmnist"
epochs=${DENSE_EPOCHS:-1000}
arch=${ARCH:-n2d-ae}
train_seconds=${TRAIN_SECONDS:-360}
limit=(); [ -n "${LIMIT:-}" ] && limit=(--limit "$LIMIT")
t=/tmp/n2d-reproduction; rm -rf $t; mkdir -p $t
table="$out/n2d-reproduction.md"
echo "| command | backend | seconds (process) | exit |" > "$table"; echo "|---|---|---|---|" >> "$table"
timed() { # name command... — one row of the table; the command's stdout to NAME.json, stderr to NAME.err
  local name=$1; shift
  local start=$(date +%s%N)
  "$@" > "$out/$name.json" 2> "$out/$name.err"
  local status=$? ms=$(( ($(date +%s%N) - start) / 1000000 ))
  printf '| %s | opencl | %d.%03d | %s |\n' "$name" $((ms / 1000)) $((ms % 1000)) "$status" | tee -a "$table"
  return $status
}
# Progress lines (one per epoch, with the loss) go to stderr; the JSON report only at a finished run.
timed pretrain-$arch timeout --signal=INT --kill-after=10 "$train_seconds" "$f" train autoencoder --arch "$arch" --latent 10 \
  --images all --val-fraction 0 --epochs "$epochs" --seed 0 --out $t/ae.safetensors "${limit[@]}" --backend opencl
status=$?
# 124: stopped at TRAIN_SECONDS, which this script asks for; the checkpoint of the last epoch stands.
if [ "$status" -eq 124 ]; then sed -i '$ s/| 124 |$/| 0 (stopped at TRAIN_SECONDS) |/' "$table"; fi
reached=$(python3 - "$t/ae.safetensors" <<'EOF' 2>/dev/null || echo 0
import json, struct, sys
with open(sys.argv[1], "rb") as f:
    header = json.loads(f.read(struct.unpack("<Q", f.read(8))[0]))
print(header.get("__metadata__", {}).get("fmnist.epoch", 0))
EOF
)
echo "pretraining reached epoch $reached of $epochs (TRAIN_SECONDS $train_seconds)" | tee -a "$table"
[ "$reached" -ge 1 ] || exit 1
timed n2d-$arch-seed0 "$f" deep-cluster --method n2d --model $t/ae.safetensors --seed 0 \
  --out "$out/n2d-$arch${reached}-seed0.npy" "${limit[@]}" --backend opencl --json --quiet
python3 - "$out/n2d-$arch-seed0.json" "$reached" "$arch" <<'EOF' | tee -a "$table"
import json, sys
report = json.load(open(sys.argv[1]))
for name, m in (("all images", report.get("metrics")), ("test images", report.get("testMetrics"))):
    if m: print(f"N2D on the {sys.argv[2]}-epoch {sys.argv[3]}, {name}: ACC {m['accuracy']:.4f} NMI {m['nmi']:.4f} ARI {m['ari']:.4f}")
EOF
cat "$table"
