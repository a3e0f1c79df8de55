#!/usr/bin/env bash
# Item 1 (AE seed 0, N2D seeds 0-4) for both networks on this machine and binary, then item 2 (AE seeds 1, 2).
# The seed-0 autoencoders were started with aa07950 (n2d-ae to epoch 29, dense-ae to 15) and resumed with 09402d3
# (the subnormal flush; the same weights bit for bit, README of ../2026-12-01-adam-subnormals).
cd /tmp/refrun
f=./fmnist2
for arch in n2d-ae dense-ae; do
  row=$([ $arch = n2d-ae ] && echo refae || echo ae)
  $f train autoencoder --resume --arch $arch --latent 10 --images all --val-fraction 0 --epochs 50 --seed 0 \
    --out out/models/$arch-seed0.safetensors --json --quiet > out/pretrain-$row-e50-resumed.json
  cp out/models/$arch-seed0.safetensors out/models/$arch-seed0-e50.safetensors
  echo "$arch seed 0 pretrained $(date +%T)"
  for s in 0 1 2 3 4; do
    $f deep-cluster --method n2d --model out/models/$arch-seed0-e50.safetensors --seed $s --out out/n2d-${row}50-seed$s.npy \
      --json --quiet > out/n2d-${row}50-seed$s.json
  done
  echo "$arch N2D done $(date +%T)"
done
for s in 1 2; do
  for arch in n2d-ae dense-ae; do
    row=$([ $arch = n2d-ae ] && echo refae || echo ae)
    $f train autoencoder --arch $arch --latent 10 --images all --val-fraction 0 --epochs 50 --seed $s \
      --out out/models/$arch-seed$s-e50.safetensors --json --quiet > out/pretrain-$row-e50-aeseed$s.json
    $f deep-cluster --method n2d --model out/models/$arch-seed$s-e50.safetensors --seed $s \
      --out out/n2d-${row}50-aeseed$s.npy --json --quiet > out/n2d-${row}50-aeseed$s.json
    echo "$arch seed $s done $(date +%T)"
  done
done
