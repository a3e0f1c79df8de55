#!/bin/bash
# usage: SIMCLR=simclr.safetensors bash pipeline.sh FMNIST_BINARY OUTDIR > sums  (FMNIST_THREADS passes through)
set -e
F=$1; O=$2; rm -rf $O; mkdir -p $O
q="--quiet"
$F train autoencoder --arch dense-ae --epochs 1 --limit 3000 --out $O/dae.safetensors $q
$F train classifier --arch cnn --epochs 1 --limit 2000 --out $O/cnn.safetensors $q
$F train contrastive --epochs 1 --limit 1024 --out $O/sim.safetensors $q
$F encode --model $O/dae.safetensors --split test --out $O/codes.npy $q
$F encode --model ${SIMCLR:?a SimCLR checkpoint, e.g. from fmnist train contrastive} --split test --limit 3000 --out $O/sim-codes.npy $q
$F embed --method umap --input $O/codes.npy --dims 5 --out $O/umap.npy $q
$F embed --method tsne --split test --limit 2500 --out $O/tsne.npy $q
$F embed --method pca --split test --svd-solver randomized --dims 20 --out $O/pca.npy $q
$F embed --method nmf --split test --limit 3000 --dims 8 --out $O/nmf.npy $q
$F cluster --method kmeans --input $O/pca.npy --out $O/km.npy $q
$F cluster --method gmm --input $O/umap.npy --out $O/gmm.npy $q
$F cluster --method hdbscan --input $O/umap.npy --out $O/hdb.npy $q
$F cluster --method ward --input $O/pca.npy --out $O/ward.npy $q
$F cluster --method complete --input $O/pca.npy --limit 3000 --out $O/complete.npy $q 2>/dev/null || $F cluster --method complete --split test --limit 3000 --out $O/complete.npy $q
$F evaluate --pred $O/km.npy --split test --features $O/pca.npy --json > $O/eval.json
$F deep-cluster --method idec --model $O/dae.safetensors --split test --limit 2000 --max-iterations 300 --out $O/idec.npy $q
( cd $O && sha256sum *.npy *.safetensors eval.json )
