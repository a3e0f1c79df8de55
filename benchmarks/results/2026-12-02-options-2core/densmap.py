"""densMAP side by side: fmnist at b17a0a0 (after the fix), the same binary with `--dens-lambda 1 --epochs 500`
(exactly the old code's gradient: the old total membership was half umap-learn's, and the density coefficient is
lambda x that total, so lambda 1 with the right total is lambda 2 with the old one; 500 the old default epochs up to
10,000 points, 200 above), and umap-learn 0.5.12's UMAP(densmap=True), alternated, on the first N test images (or all
70,000 images).

What densMAP is for: each point's local radius in the embedding should follow its radius in the input. Measured as
the Pearson correlation of log r_in and log r_out, both mu-weighted mean squared distances over the edges of one
fuzzy graph (umap-learn's fuzzy_simplicial_set of the input, exact 15-NN): r_in from the pixels, r_out from the
embedding (umap-learn's own rad_orig definition applied to both spaces). Also trustworthiness (k 10, 2,000-point
sample) and the process's seconds (umap-learn's include numba's compilation in its first run of the process).

    benchmarks/.venv/bin/python benchmarks/results/2026-12-02-options-2core/densmap.py [N] [runs]
"""
import os, subprocess, sys, time
import numpy as np
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from fashion_data import images  # noqa: E402
from sklearn.neighbors import NearestNeighbors  # noqa: E402
from sklearn.manifold import trustworthiness  # noqa: E402
import umap  # noqa: E402
import umap.umap_ as U  # noqa: E402

n = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
root = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
if n == 70000:
    (train, _), (test, _) = images("train"), images("t10k")
    X = np.vstack([train, test])
else:
    X = images("t10k")[0][:n]
path = f"/tmp/densmap-{n}.npy"
np.save(path, X)
sample = np.random.default_rng(0).choice(len(X), 2000, replace=False)
d, i = NearestNeighbors(n_neighbors=15).fit(X).kneighbors(X)
G = U.fuzzy_simplicial_set(X, 15, 0, "euclidean", knn_indices=i, knn_dists=d)[0].tocoo()


def log_radius(Z):
    sq = ((Z[G.row].astype(np.float64) - Z[G.col]) ** 2).sum(1)
    num = np.bincount(G.row, weights=G.data * sq, minlength=len(Z))
    return np.log(1e-8 + num / np.bincount(G.row, weights=G.data, minlength=len(Z)))


r_in = log_radius(X)


def report(name, seconds, Y):
    corr = np.corrcoef(r_in, log_radius(Y))[0, 1]
    t = trustworthiness(X[sample], Y[sample], n_neighbors=10)
    print(f"| {name} | {seconds:.1f} | {corr:.4f} | {t:.4f} |", flush=True)
    return corr, t


fmnist = os.path.join(root, ".build", "release", "fmnist")
print(f"{n} images, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores\n| run | seconds | corr(log r_in, log r_out) | trustworthiness |\n|---|---|---|---|")
table = {}
for run in range(runs):
    for name, extra in [("fmnist densmap (after)", []), ("fmnist densmap --dens-lambda 1 --epochs " + ("500" if n <= 10000 else "200") + " (before)",
                                                             ["--dens-lambda", "1", "--epochs", "500" if n <= 10000 else "200"])]:
        start = time.time()
        subprocess.run([fmnist, "embed", "--input", path, "--method", "densmap", "--seed", str(run), "--backend", "cpu", "--quiet",
                        "--out", "/tmp/densmap-out.npy"] + extra, check=True)
        table.setdefault(name, []).append(report(f"{name}, seed {run}", time.time() - start, np.load("/tmp/densmap-out.npy")))
    start = time.time()
    Y = umap.UMAP(densmap=True).fit_transform(X)
    table.setdefault("umap-learn UMAP(densmap=True)", []).append(report(f"umap-learn UMAP(densmap=True), run {run + 1}", time.time() - start, Y))
for name, values in table.items():
    v = np.array(values)
    print(f"{name}: correlation {v[:, 0].mean():.4f} ± {v[:, 0].std(ddof=1) if len(v) > 1 else 0:.4f}, "
          f"trustworthiness {v[:, 1].mean():.4f} ± {v[:, 1].std(ddof=1) if len(v) > 1 else 0:.4f} over {len(v)} runs")
