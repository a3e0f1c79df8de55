"""Randomized PCA-50 of the 70,000 images: two fmnist binaries and scikit-learn, side by side, 3 rounds.
Usage: benchmarks/.venv/bin/python run.py BEFORE_BINARY AFTER_BINARY PIXELS_70000.npy
fmnist: the "pca" phase of `embed --json` (the fit and projection, data already loaded);
scikit-learn: PCA(50, svd_solver="randomized", random_state=0).fit_transform on the float32 array."""
import json, subprocess, sys, time
import numpy as np
from sklearn.decomposition import PCA
before, after, pixels = sys.argv[1:4]
X = np.load(pixels)
rows = []
for r in range(3):
    for name, binary in [("fmnist before", before), ("fmnist after", after)]:
        out = subprocess.run([binary, "embed", "--method", "pca", "--svd-solver", "randomized", "--dims", "50", "--input", pixels,
                              "--out", "/tmp/pca-randomized.npy", "--json", "--quiet", "--backend", "cpu"],
                             check=True, capture_output=True, text=True).stdout
        rows.append((r, name, json.loads(out)["seconds"]["pca"]))
    t = time.time(); PCA(50, svd_solver="randomized", random_state=0).fit_transform(X); rows.append((r, "scikit-learn", time.time() - t))
for r, name, s in rows: print(f"{r}\t{name}\t{s:.3f}")
for name in ["fmnist before", "fmnist after", "scikit-learn"]:
    v = sorted(s for _, n, s in rows if n == name); print(f"{name}: best {v[0]:.2f} s, median {v[1]:.2f} s")
