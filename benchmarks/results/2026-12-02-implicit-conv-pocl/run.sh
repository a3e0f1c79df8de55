F=/work/main/.build/release/fmnist
export FMNIST_KERNEL_STYLE=gpu FMNIST_GEMM_TUNE=off
for model in autoencoder classifier; do for mode in im2col implicit; do
  FMNIST_CONV_FORWARD=$mode $F train $model --epochs 1 --limit 512 --val-fraction 0 --backend opencl --out w-$model-$mode.safetensors --quiet >/dev/null 2>&1
done; done
echo "warm-up done"
for round in 1 2 3; do for model in autoencoder classifier; do for mode in im2col implicit; do
  echo -n "round $round $model $mode: "
  FMNIST_CONV_FORWARD=$mode $F train $model --epochs 1 --limit 2048 --val-fraction 0 --backend opencl --out $model-$mode.safetensors 2>&1 | grep -oE "[0-9,]+ img/s|images/s[^,]*|[0-9.]+ s" | tr '\n' ' '; echo
done; done; done
for model in autoencoder classifier; do cmp $model-im2col.safetensors $model-implicit.safetensors && echo "$model same bytes"; done
for model in autoencoder classifier; do for mode in im2col implicit; do
  FMNIST_CONV_FORWARD=$mode $F train $model --epochs 1 --limit 2048 --val-fraction 0 --backend opencl --out p.safetensors --quiet --profile-kernels prof-$model-$mode.txt; head -2 prof-$model-$mode.txt | tail -1
done; done
