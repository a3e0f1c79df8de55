"""UMAP of all 70,000 images: fmnist (one process per run, as a user runs it) against umap-learn 0.5.12 cold (the
first fit in a fresh interpreter: import and numba compilation included, as benchmarks/reduce.py times it) and warm
(a second fit in the same interpreter, after numba has compiled), 2 and 10 dimensions, alternated, on this machine.
Trustworthiness (k 10, 5,000-point sample) and K-means NMI (k 10, 10 starts) on each embedding.

    benchmarks/.venv/bin/python benchmarks/results/2026-12-02-umap-warm-2core/warm.py [rounds]
"""
import os, subprocess, sys, time
import numpy as np
here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", ".."))
from fashion_data import images  # noqa: E402
from sklearn.manifold import trustworthiness  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.metrics import normalized_mutual_info_score as nmi  # noqa: E402

rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 2
(tr, ytr), (te, yte) = images("train"), images("t10k")
X = np.vstack([tr, te]); y = np.concatenate([ytr, yte])
path = "/tmp/umap-warm-pixels.npy"
np.save(path, X)
sample = np.random.default_rng(0).choice(len(X), 5000, replace=False)
fmnist = os.path.join(here, "..", "..", "..", ".build", "release", "fmnist")
CHILD = """
import sys, time, json, numpy as np, umap
start = time.time(); import umap.umap_; X = np.load(sys.argv[1]); d = int(sys.argv[2])
t0 = time.time(); Y1 = umap.UMAP(n_components=d).fit_transform(X); t1 = time.time()
Y2 = umap.UMAP(n_components=d).fit_transform(X); t2 = time.time()
np.save("/tmp/umap-warm-1.npy", Y1); np.save("/tmp/umap-warm-2.npy", Y2)
print(json.dumps({"cold": t1 - t0, "warm": t2 - t1}))
"""


def row(name, seconds, Y):
    print(f"| {name} | {seconds:.1f} | {trustworthiness(X[sample], Y[sample], n_neighbors=10):.4f} | "
          f"{nmi(y, KMeans(10, n_init=10, random_state=0).fit_predict(Y)):.4f} |", flush=True)


print(f"70,000 images, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores\n| run | seconds | trustworthiness | K-means NMI |\n|---|---|---|---|", flush=True)
for r in range(rounds):
    for d in (2, 10):
        start = time.time()
        subprocess.run([fmnist, "embed", "--input", path, "--method", "umap", "--dims", str(d), "--seed", str(r), "--backend", "cpu",
                        "--quiet", "--out", "/tmp/umap-warm-fmnist.npy"], check=True, capture_output=True)
        row(f"fmnist UMAP-{d} (process), seed {r}", time.time() - start, np.load("/tmp/umap-warm-fmnist.npy"))
        start = time.time()
        out = subprocess.run([sys.executable, "-c", CHILD, path, str(d)], check=True, capture_output=True, text=True).stdout
        import json
        t = json.loads(out.strip().splitlines()[-1])
        row(f"umap-learn UMAP-{d} cold (first fit in the process), round {r}", t["cold"], np.load("/tmp/umap-warm-1.npy"))
        row(f"umap-learn UMAP-{d} warm (second fit, same process), round {r}", t["warm"], np.load("/tmp/umap-warm-2.npy"))
