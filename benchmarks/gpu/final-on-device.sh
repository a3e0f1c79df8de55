#!/usr/bin/env bash
# On the GPU machine: PyTorch interop both ways, and classifier tuning runs (schedule, shifts).
set -uo pipefail
source "$(dirname "$0")/device-env.sh"
export FMNIST_DATA=${FMNIST_DATA:-$PWD/.device/data}
f="$work/bin/fmnist"
t=/tmp/interop; mkdir -p $t
{
"$f" train autoencoder --epochs 2 --backend opencl --quiet --out $t/ae.safetensors
"$f" train classifier --epochs 2 --backend opencl --quiet --out $t/cnn.safetensors
"$f" encode --model $t/ae.safetensors --split test --limit 256 --out $t/ae-codes.npy --backend opencl
"$f" encode --model $t/cnn.safetensors --split test --limit 256 --layer logits --out $t/cnn-logits.npy --backend opencl
python3 benchmarks/torch/interop.py "$FMNIST_DATA" $t/ae.safetensors $t/ae-codes.npy $t/cnn.safetensors $t/cnn-logits.npy $t 256
"$f" encode --model $t/torch-ae.safetensors --split test --limit 256 --out $t/fm-from-torch-ae.npy --backend opencl
"$f" encode --model $t/torch-cnn.safetensors --split test --limit 256 --layer logits --out $t/fm-from-torch-cnn.npy --backend opencl
python3 -c "
import numpy as np
for a, b in (('torch-ae-codes', 'fm-from-torch-ae'), ('torch-cnn-logits', 'fm-from-torch-cnn')):
    x, y = np.load('$t/' + a + '.npy'), np.load('$t/' + b + '.npy')
    print(f'torch -> fmnist, {a}: max |diff| {np.abs(x - y).max():.2e}, NMSE {np.sum((x - y) ** 2) / np.sum(x ** 2):.2e}')
"
} > "$out/interop.txt" 2>&1
cat "$out/interop.txt"
for run in "--epochs 10" "--epochs 20 --lr-schedule cosine" "--epochs 20 --lr-schedule cosine --shift 2" "--epochs 30 --lr-schedule cosine --shift 2"; do
  "$f" train classifier $run --backend opencl --quiet --out /tmp/tune.safetensors 2>/dev/null
  acc=$("$f" test --model /tmp/tune.safetensors --split test --backend opencl --json 2>/dev/null | grep -m1 '"accuracy"')
  echo "cnn $run: test $acc" | tee -a "$out/tuning.txt"
done
for run in "--epochs 20 --lr 2e-3 --l1 1e-5 --l2 1e-4"; do
  "$f" train classifier --arch softmax $run --backend opencl --quiet --out /tmp/sm.safetensors 2>/dev/null
  acc=$("$f" test --model /tmp/sm.safetensors --split test --backend opencl --json 2>/dev/null | grep -m1 '"accuracy"')
  echo "softmax $run: test $acc" | tee -a "$out/tuning.txt"
done
