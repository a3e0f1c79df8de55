import numpy as np, subprocess, json, sys
from sklearn import cluster
from sklearn.metrics import adjusted_rand_score
X = np.load("/work/main/benchmarks/.data/pca10-10k.npy")[:5000]
np.save("/tmp/p5k.npy", X)
F = "/work/main/.build/release/fmnist"
def ours(args, backend="cpu"):
    r = subprocess.run([F, "cluster", "--input", "/tmp/p5k.npy", "--out", "/tmp/l.npy", "--quiet", "--backend", backend] + args, capture_output=True, text=True)
    if r.returncode: return r.stderr.strip()
    return np.load("/tmp/l.npy")
def cmp(name, a, b):
    if isinstance(a, str): print(name, "fmnist error:", a); return
    print(f"{name}: {(a != b).sum()} labels differ, ARI {adjusted_rand_score(a, b):.6f}, clusters {len(set(a))}/{len(set(b))}", flush=True)
Xd = X.astype(np.float64)
for link in ["ward", "complete", "average", "single"]:
    for t in [5.0, 20.0]:
        sk = cluster.AgglomerativeClustering(n_clusters=None, distance_threshold=t, linkage=link).fit(Xd).labels_
        cmp(f"{link} distance_threshold {t}", ours(["--method", link, "--distance-threshold", str(t)]), sk)
for xi in [0.02, 0.1]:
    for mcs in [None, 50]:
        kw = {} if mcs is None else {"min_cluster_size": mcs}
        sk = cluster.OPTICS(min_samples=10, xi=xi, **kw).fit(Xd).labels_
        args = ["--method", "optics", "--min-samples", "10", "--xi", str(xi)] + ([] if mcs is None else ["--min-cluster-size", str(mcs)])
        cmp(f"optics xi {xi} mcs {mcs}", ours(args), sk)
        cmp(f"optics xi {xi} mcs {mcs} opencl", ours(args, "opencl"), sk)
for ms in [1, 5, 30]:
    sk = cluster.HDBSCAN(min_cluster_size=50, min_samples=ms).fit(Xd).labels_
    cmp(f"hdbscan mcs 50 min_samples {ms}", ours(["--method", "hdbscan", "--min-cluster-size", "50", "--min-samples", str(ms)]), sk)
sk = cluster.HDBSCAN(min_cluster_size=50).fit(Xd).labels_
cmp("hdbscan mcs 50 (min_samples default)", ours(["--method", "hdbscan", "--min-cluster-size", "50"]), sk)
for ms in [1, 3, 40]:
    sk = cluster.DBSCAN(eps=1.2, min_samples=ms).fit(Xd).labels_
    cmp(f"dbscan eps 1.2 min_samples {ms}", ours(["--method", "dbscan", "--eps", "1.2", "--min-samples", str(ms)]), sk)
    cmp(f"dbscan eps 1.2 min_samples {ms} opencl", ours(["--method", "dbscan", "--eps", "1.2", "--min-samples", str(ms)], "opencl"), sk)
