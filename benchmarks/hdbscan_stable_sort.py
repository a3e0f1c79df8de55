"""scikit-learn's HDBSCAN with a stable sort of its spanning-tree edges (np.argsort kind="mergesort"):
its default quicksort orders tied weights arbitrarily, the one source of label differences from fmnist.
Usage: benchmarks/.venv/bin/python benchmarks/hdbscan_stable_sort.py FMNIST_LABELS.npy SKLEARN_LABELS.npy
(after fmnist cluster --method hdbscan --min-cluster-size 100 --min-samples 10 --input benchmarks/.data/pca10-70k.npy)."""
import sys
import numpy as np, sklearn.cluster._hdbscan.hdbscan as H
orig = np.argsort
class NP:  # numpy proxy whose argsort is stable
    def __getattr__(self, k): return getattr(np, k)
    @staticmethod
    def argsort(a, *args, **kw): kw["kind"] = "mergesort"; return orig(a, *args, **kw)
H.np = NP()
X = np.load("benchmarks/.data/pca10-70k.npy").astype(np.float64)
l = H.HDBSCAN(min_cluster_size=100, min_samples=10, copy=True).fit(X).labels_
f = np.load(sys.argv[1]); s = np.load(sys.argv[2])
print("stable-sort sklearn vs fmnist differ:", int((l != f).sum()), " vs default sklearn:", int((l != s).sum()))
