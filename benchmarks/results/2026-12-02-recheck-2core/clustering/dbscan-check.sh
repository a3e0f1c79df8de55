#!/bin/bash
# DBSCAN on PoCL (device route) with the band, every radius of the clustering bench, against scikit-learn's labels.
for eps in 0.5 1.0 1.5 2.0; do
  FMNIST_REQUIRE_OPENCL=1 /work/main/.build/release/fmnist cluster --input /work/main/benchmarks/.data/pca10-70k.npy --method dbscan \
    --eps $eps --min-samples 10 --out /tmp/dbo-$eps.npy --json --backend opencl > /tmp/dbo-$eps.json 2>/dev/null
done
/work/main/benchmarks/.venv/bin/python - <<'PY'
import json, numpy as np
from sklearn.cluster import DBSCAN
X = np.load('/work/main/benchmarks/.data/pca10-70k.npy').astype(np.float64)
for eps in ['0.5', '1.0', '1.5', '2.0']:
    s = DBSCAN(eps=float(eps), min_samples=10).fit(X).labels_
    l = np.load(f'/tmp/dbo-{eps}.npy'); d = json.load(open(f'/tmp/dbo-{eps}.json'))
    print(f"eps {eps}: opencl {d['seconds']:.1f} s, noise {int((l == -1).sum())}, labels differing from scikit-learn {int((l != s).sum())}")
PY
