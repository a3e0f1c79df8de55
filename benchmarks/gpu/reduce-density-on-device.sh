#!/usr/bin/env bash
# On the GPU machine (after `pack.sh --with-data`): issue 11's and 13's device timings, each
# command on `--backend opencl` and on `--backend cpu` (all the machine's cores) in one run, same
# binary: UMAP-10 of the images (k-NN graph and device epochs: --sgd auto), HDBSCAN, OPTICS and
# DBSCAN on PCA-10 of them, NMF-20, K-means of the pixels, then DBSCAN (eps 1.5) and HDBSCAN on the
# codes of a conv-AE trained AE_EPOCHS (default 10) on the device — issue 13's table. JSON reports and
# a summary table in $OUT (or ./out). SPLIT=test (10,000 images) for a short run; default all 70,000;
# LIMIT=N keeps the first N images of each split (smoke runs).
set -uo pipefail
source "$(dirname "$0")/device-env.sh"
export FMNIST_DATA=${FMNIST_DATA:-$PWD/.device/data}
f="$work/bin/fmnist"
split=${SPLIT:-all}
limit=(); [ -n "${LIMIT:-}" ] && limit=(--limit "$LIMIT")
t=/tmp/reduce-density; mkdir -p $t
"$f" embed --method pca --dims 10 --split "$split" --val-fraction 0 "${limit[@]}" --backend cpu --quiet --out $t/pca10.npy
run() { # name backend command...
  local name=$1 backend=$2; shift 2
  local start=$(date +%s%N)
  "$f" "$@" --backend "$backend" --json --quiet > "$out/$name-$backend.json" 2> "$out/$name-$backend.err"
  local status=$? ms=$(( ($(date +%s%N) - start) / 1000000 ))
  printf '| %s | %s | %d.%03d | %s |\n' "$name" "$backend" $((ms / 1000)) $((ms % 1000)) "$status" | tee -a "$out/reduce-density.md"
}
echo "| command | backend | seconds (process) | exit |" > "$out/reduce-density.md"
echo "|---|---|---|---|" >> "$out/reduce-density.md"
for backend in opencl cpu; do
  run umap10 $backend embed --method umap --dims 10 --split "$split" --val-fraction 0 "${limit[@]}" --out $t/umap10-$backend.npy
  run hdbscan $backend cluster --method hdbscan --min-cluster-size 200 --input $t/pca10.npy --out $t/hdbscan-$backend.npy
  run optics $backend cluster --method optics --min-samples 10 --input $t/pca10.npy --out $t/optics-$backend.npy
  run dbscan $backend cluster --method dbscan --eps 1.0 --min-samples 10 --input $t/pca10.npy --out $t/dbscan-$backend.npy
  run nmf20 $backend embed --method nmf --dims 20 --split "$split" --val-fraction 0 "${limit[@]}" --out $t/nmf20-$backend.npy
  run kmeans-pixels $backend cluster --method kmeans --k 10 --max-iter 55 --tol 0 --split "$split" --val-fraction 0 \
    "${limit[@]}" --out $t/kmeans-pixels-$backend.npy
done
# The conv-AE codes (10-d) of issue 13's first table, from an autoencoder trained on the device.
images=train; [ "$split" = all ] && images=all
"$f" train autoencoder --epochs "${AE_EPOCHS:-10}" --images $images --val-fraction 0 "${limit[@]}" --backend opencl --quiet \
  --out $t/conv-ae.safetensors 2> "$out/conv-ae.err" \
  && "$f" encode --model $t/conv-ae.safetensors --split "$split" --val-fraction 0 "${limit[@]}" --backend opencl --quiet \
    --out $t/codes.npy 2>> "$out/conv-ae.err"
for backend in opencl cpu; do
  run dbscan-codes $backend cluster --method dbscan --eps 1.5 --min-samples 10 --input $t/codes.npy --out $t/dbscan-codes-$backend.npy
  run hdbscan-codes $backend cluster --method hdbscan --min-cluster-size 200 --input $t/codes.npy \
    --out $t/hdbscan-codes-$backend.npy
done
for m in hdbscan optics dbscan dbscan-codes hdbscan-codes; do
  cmp -s $t/$m-opencl.npy $t/$m-cpu.npy && echo "$m: the same labels on both backends" || echo "$m: labels differ between backends"
done | tee -a "$out/reduce-density.md"
