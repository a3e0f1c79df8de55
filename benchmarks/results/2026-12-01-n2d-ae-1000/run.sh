#!/usr/bin/env bash
# N2D's reference autoencoder (n2d-ae, seed 0, all 70,000 images, Adam 1e-3, batch 256) from its 50-epoch checkpoint
# of benchmarks/results/2026-12-01-n2d-reference-ae to the paper's 1,000 epochs, resumable (rerun this script), with
# snapshots. Binary: build of 4d0c20f to epoch 221, then of e67e7bc (vectorised Adam and bias ops: the same weights
# bit for bit, an epoch in about 0.65x the time).
cd /tmp/n2d-1000
for e in 100 200 300 400 500 600 700 800 900 1000; do
  [ -f snap/e$e.safetensors ] && continue
  nice -n 10 ./fmnist train autoencoder --resume --arch n2d-ae --latent 10 --images all --val-fraction 0 --epochs $e --seed 0 \
    --out ae.safetensors --json --quiet > snap/train-to-e$e.json || exit 1
  cp ae.safetensors snap/e$e.safetensors.partial && mv snap/e$e.safetensors.partial snap/e$e.safetensors
  echo "epoch $e $(date +%T)"
done
