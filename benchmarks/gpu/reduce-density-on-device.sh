#!/usr/bin/env bash
# On the GPU machine (after `pack.sh --with-data`): issue 11's and 13's device timings, each
# command on `--backend opencl` and on `--backend cpu` (all the machine's cores) in one run, same
# binary: DBSCAN and HDBSCAN on PCA-10 of the images and on the codes of a conv-AE trained AE_EPOCHS
# (default 10) on the device (DBSCAN eps 1.5 there) — issue 13's table —, HDBSCAN's device route
# with 64, 256 and 1,024 MiB distance blocks, both top-k kernels and both Borůvka searches, every HDBSCAN run's phases, K-means of the pixels,
# OPTICS on PCA-10, UMAP-10 of the images (k-NN graph and device epochs: --sgd auto) and NMF-20, in
# that order (a run stopped by a time limit keeps the first). JSON reports and a summary table in $OUT (or ./out). SPLIT=test (10,000 images) for a short run; default all 70,000;
# LIMIT=N keeps the first N images of each split (smoke runs).
set -uo pipefail
source "$(dirname "$0")/device-env.sh"
export FMNIST_DATA=${FMNIST_DATA:-$PWD/.device/data}
f="$work/bin/fmnist"
split=${SPLIT:-all}
limit=(); [ -n "${LIMIT:-}" ] && limit=(--limit "$LIMIT")
t=/tmp/reduce-density; mkdir -p $t
"$f" embed --method pca --dims 10 --split "$split" "${limit[@]}" --backend cpu --quiet --out $t/pca10.npy
run() { # name backend command...
  local name=$1 backend=$2; shift 2
  local start=$(date +%s%N)
  "$f" "$@" --backend "$backend" --json --quiet > "$out/$name-$backend.json" 2> "$out/$name-$backend.err"
  local status=$? ms=$(( ($(date +%s%N) - start) / 1000000 ))
  printf '| %s | %s | %d.%03d | %s |\n' "$name" "$backend" $((ms / 1000)) $((ms % 1000)) "$status" | tee -a "$out/reduce-density.md"
}
echo "| command | backend | seconds (process) | exit |" > "$out/reduce-density.md"
echo "|---|---|---|---|" >> "$out/reduce-density.md"
same() { # name: say whether both backends wrote the same labels
  cmp -s $t/$1-opencl.npy $t/$1-cpu.npy && echo "$1: the same labels on both backends" || echo "$1: labels differ between backends"
}
# Most important first, so that a run stopped by its time limit keeps what matters most: issue 13's
# density rows (PCA-10 and conv-AE codes), then K-means, then issue 11's UMAP and NMF (device first).
# The conv-AE codes (10-d) of issue 13's first table, from an autoencoder trained on the device.
images=train; [ "$split" = all ] && images=all
"$f" train autoencoder --epochs "${AE_EPOCHS:-10}" --images $images --val-fraction 0 "${limit[@]}" --backend opencl --quiet \
  --out $t/conv-ae.safetensors 2> "$out/conv-ae.err" \
  && "$f" encode --model $t/conv-ae.safetensors --split "$split" "${limit[@]}" --backend opencl --quiet \
    --out $t/codes.npy 2>> "$out/conv-ae.err"
for backend in opencl cpu; do
  run dbscan $backend cluster --method dbscan --eps 1.0 --min-samples 10 --input $t/pca10.npy --out $t/dbscan-$backend.npy
  run dbscan-codes $backend cluster --method dbscan --eps 1.5 --min-samples 10 --input $t/codes.npy --out $t/dbscan-codes-$backend.npy
  run hdbscan $backend cluster --method hdbscan --min-cluster-size 200 --input $t/pca10.npy --out $t/hdbscan-$backend.npy
  run hdbscan-codes $backend cluster --method hdbscan --min-cluster-size 200 --input $t/codes.npy \
    --out $t/hdbscan-codes-$backend.npy
done
for m in dbscan dbscan-codes hdbscan hdbscan-codes; do same $m; done | tee -a "$out/reduce-density.md"
# HDBSCAN's device route was slower than the 16-core k-d tree on the H200 (2.96 s against 1.39 s,
# benchmarks/results/2026-11-30-h200), so `auto` now takes the host's tree there (the rows above);
# the device route itself (--neighbour-search brute) with 64, 256 and 1,024 MiB distance blocks (more
# rows, so more work-groups, per launch), each with the core distances' top-k selected by the
# insertion kernel (the route measured slow) and by the gather kernel (FMNIST_TOPK), and Borůvka's
# rounds searched from the points (exact, in double: FMNIST_BORUVKA=automatic) and over the distance
# blocks (FMNIST_BORUVKA=blocks, the route measured slow), then each run's phases (core distances,
# spanning tree, condensed tree).
for mb in 64 256 1024; do
  for topk in insertion gather; do
    for boruvka in automatic blocks; do
      name=hdbscan-device$mb-$topk-$boruvka
      export FMNIST_DISTANCE_BLOCK_MB=$mb FMNIST_TOPK=$topk FMNIST_BORUVKA=$boruvka
      run $name opencl cluster --method hdbscan --min-cluster-size 200 --neighbour-search brute \
        --input $t/pca10.npy --out $t/$name-opencl.npy
      unset FMNIST_DISTANCE_BLOCK_MB FMNIST_TOPK FMNIST_BORUVKA
      cmp -s $t/$name-opencl.npy $t/hdbscan-opencl.npy \
        && echo "hdbscan, device route, $mb MiB blocks, $topk top-k, $boruvka Borůvka: the same labels" \
        || echo "hdbscan, device route, $mb MiB blocks, $topk top-k, $boruvka Borůvka: labels differ from auto's"
    done
  done
done | tee -a "$out/reduce-density.md"
python3 - "$out" <<'PY' | tee -a "$out/reduce-density.md"
import glob, json, os, sys
for path in sorted(glob.glob(os.path.join(sys.argv[1], "hdbscan*.json"))):
    try: phases = json.load(open(path)).get("phases", [])
    except ValueError: continue
    print(os.path.basename(path), " ".join(f"{p['phase']} {p['seconds']:.3f} s;" for p in phases))
PY
for backend in opencl cpu; do
  run kmeans-pixels $backend cluster --method kmeans --k 10 --max-iter 55 --tol 0 --split "$split" \
    "${limit[@]}" --out $t/kmeans-pixels-$backend.npy
  run optics $backend cluster --method optics --min-samples 10 --input $t/pca10.npy --out $t/optics-$backend.npy
done
same optics | tee -a "$out/reduce-density.md"
for backend in opencl cpu; do
  run umap10 $backend embed --method umap --dims 10 --split "$split" "${limit[@]}" --out $t/umap10-$backend.npy
  run nmf20 $backend embed --method nmf --dims 20 --split "$split" "${limit[@]}" --out $t/nmf20-$backend.npy
done
