#!/bin/bash
# usage: SIMCLR=simclr.safetensors PHOTO=photo.png bash methods.sh FMNIST_BINARY OUTDIR > sums  (FMNIST_THREADS passes through)
set -e
F=$1; O=$2; rm -rf $O; mkdir -p $O; q="--quiet"
$F embed --method densmap --split test --limit 3000 --out $O/densmap.npy $q
$F embed --method pca --split test --dims 10 --out $O/pca.npy $q
$F embed --method umap --split test --limit 4000 --sgd synchronous --out $O/umap-sync.npy $q
$F embed --method umap --split test --limit 3000 --graph mutual --metric cosine --out $O/umap-mut.npy $q
$F embed --method tsne --split test --limit 1500 --tsne-gradient exact --out $O/tsne-exact.npy $q
$F embed --method nmf --split test --limit 2000 --dims 6 --nmf-solver mu --out $O/nmf-mu.npy $q
$F embed --method pca --split test --limit 3000 --dims 2 --trustworthiness --json --out $O/pca2.npy > $O/trust.json
$F cluster --method dbscan --eps 1.5 --min-samples 10 --input $O/pca.npy --out $O/dbscan.npy $q
$F cluster --method optics --input $O/pca.npy --limit 3000 --out $O/optics.npy $q 2>/dev/null || $F cluster --method optics --split test --limit 2000 --out $O/optics.npy $q
$F cluster --method single --input $O/pca.npy --out $O/single.npy $q
$F cluster --method average --split test --limit 3000 --out $O/average.npy $q
$F cluster --method minibatch-kmeans --input $O/pca.npy --out $O/mbk.npy $q
$F cluster --method gmm --covariance-type diag --split test --limit 3000 --out $O/gmmdiag.npy $q
$F elbow --input $O/pca.npy --k 2...5 --out-dir $O/elbow --json > $O/elbow.json
$F deep-cluster --method n2d --model ${SIMCLR:?a SimCLR checkpoint} --split test --limit 3000 --out $O/n2d.npy $q
$F deep-cluster --method scan --model ${SIMCLR:?a SimCLR checkpoint} --split test --limit 2000 --scan-epochs 2 --out $O/scan.npy $q
$F deep-cluster --method dec --split test --limit 2000 --pretrain-epochs 1 --max-iterations 200 --out $O/dec.npy $q 2>/dev/null
$F quantize ${PHOTO:?a PNG photograph} --k 3 --out-dir $O/q --json > /dev/null
( cd $O && sha256sum *.npy trust.json elbow.json q/*.png )
