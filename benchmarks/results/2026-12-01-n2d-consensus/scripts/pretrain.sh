#!/usr/bin/env bash
set -euo pipefail
cd /tmp/ens
for s in 6 7 8; do
  [ -f models/simclr-seed$s.safetensors ] || ./fmnist train contrastive --images all --val-fraction 0 --epochs 50 --seed $s \
    --out models/simclr-seed$s.safetensors --json --quiet > pretrain-simclr-seed$s.json
  echo "seed $s pretrained $(date +%T)"
done
