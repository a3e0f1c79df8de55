#!/usr/bin/env bash
set -euo pipefail
cd /tmp/ens/native2
for t in "conf 3 4 5" "ens 6 7 8"; do
  set -- $t
  case $1 in conf) M=/tmp/conf/models;; ens) M=/tmp/ens/models;; esac
  ./fmnist deep-cluster --method n2d --model $M/simclr-seed$2.safetensors --model $M/simclr-seed$3.safetensors \
    --model $M/simclr-seed$4.safetensors --seed $2 --out ensemble3-$2-$3-$4.npy --json --quiet > ensemble3-$2-$3-$4.json
  echo "$2-$3-$4 $(date +%T)"
done
for t in "dc 0 1 2" "conf 3 4 5" "ens 6 7 8"; do
  set -- $t
  case $1 in dc) M=/tmp/dc/models;; conf) M=/tmp/conf/models;; ens) M=/tmp/ens/models;; esac
  ./fmnist deep-cluster --method n2d --model $M/simclr-seed$2.safetensors --model $M/simclr-seed$3.safetensors \
    --model $M/simclr-seed$4.safetensors --n2d-runs 5 --seed $2 --out ensemble3-consensus5-$2-$3-$4.npy --json --quiet \
    > ensemble3-consensus5-$2-$3-$4.json
  echo "consensus $2-$3-$4 $(date +%T)"
done
