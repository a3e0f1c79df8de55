#!/usr/bin/env bash
# Wait for epoch 500 of the background pretraining, copy that checkpoint, N2D seeds 0-4 on it (two at a time).
cd /tmp/snap
epoch() { python3 -c "
import json,struct
f=open('$1','rb'); n=struct.unpack('<Q',f.read(8))[0]; print(json.loads(f.read(n))['__metadata__']['fmnist.epoch'])"; }
while :; do
  cp /tmp/n2d-1000/dense-ae.safetensors ae500.tmp 2>/dev/null && e=$(epoch ae500.tmp) && [ "$e" -ge 500 ] && break
  sleep 5
done
mv ae500.tmp ae500.safetensors; echo "snapshot at epoch $e $(date +%T)"
for pair in "0 1" "2 3" "4"; do
  for s in $pair; do
    ./fmnist deep-cluster --method n2d --model ae500.safetensors --seed $s --out n2d-ae500-seed$s.npy --json --quiet > n2d-ae500-seed$s.json &
  done
  wait
done
echo done $(date +%T)
