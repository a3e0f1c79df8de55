"""Writes the scikit-learn / SciPy reference results the Cluster tests compare against.

Run with the benchmarks venv (scikit-learn 1.9.1, SciPy): benchmarks/.venv/bin/python benchmarks/sklearn_fixtures.py
Data: 240 float32 points in 4-d, five Gaussian blobs of different spreads plus 20 uniform noise points.
"""
import os
import numpy as np
from scipy.cluster.hierarchy import linkage
from sklearn.cluster import HDBSCAN, OPTICS
from sklearn.mixture import GaussianMixture

out = os.path.join(os.path.dirname(__file__), "..", "Tests", "ClusterTests", "Fixtures")
rng = np.random.default_rng(2026)
centres = rng.uniform(-10, 10, (5, 4))
spread = np.array([0.4, 0.7, 1.0, 0.5, 0.8])
truth = rng.integers(0, 5, 220)
blobs = centres[truth] + rng.normal(0, 1, (220, 4)) * spread[truth, None]
noise = rng.uniform(-12, 12, (20, 4))
X = np.vstack([blobs, noise]).astype(np.float32)
Xd = X.astype(np.float64)
np.save(os.path.join(out, "points.npy"), X)
np.save(os.path.join(out, "truth.npy"), np.concatenate([truth, -np.ones(20, dtype=np.int64)]).astype(np.int64))
for method in ["ward", "single", "complete", "average"]:
    np.save(os.path.join(out, f"linkage-{method}.npy"), linkage(Xd, method))
np.save(os.path.join(out, "hdbscan-labels.npy"), HDBSCAN(min_cluster_size=8, copy=True).fit_predict(Xd).astype(np.int64))
optics = OPTICS(min_samples=8).fit(Xd)
np.save(os.path.join(out, "optics-labels.npy"), optics.labels_.astype(np.int64))
np.save(os.path.join(out, "optics-reachability.npy"), optics.reachability_)
np.save(os.path.join(out, "optics-ordering.npy"), optics.ordering_.astype(np.int64))
blob_only = Xd[:220]
scores = [GaussianMixture(5, covariance_type=c, random_state=0).fit(blob_only).score(blob_only) for c in ["full", "diag", "spherical"]]
np.save(os.path.join(out, "gmm-scores.npy"), np.array(scores))
print("wrote fixtures to", out, "GMM scores", scores)
