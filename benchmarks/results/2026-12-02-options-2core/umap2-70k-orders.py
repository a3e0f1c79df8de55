import numpy as np, subprocess, sys, time, os
sys.path.insert(0, "/work/main/benchmarks")
from fashion_data import images
from sklearn.manifold import trustworthiness
from sklearn.cluster import KMeans
from sklearn.metrics import normalized_mutual_info_score as nmi
(tr, ytr), (te, yte) = images("train"), images("t10k")
X = np.vstack([tr, te]); y = np.concatenate([ytr, yte])
sample = np.random.default_rng(0).choice(len(X), 5000, replace=False)
F = "/work/main/.build/release/fmnist"
def score(name, t, Y):
    print(f"| {name} | {t:.1f} | {trustworthiness(X[sample], Y[sample], n_neighbors=10):.4f} | {nmi(y, KMeans(10, n_init=10, random_state=0).fit_predict(Y)):.4f} |", flush=True)
for seed in range(int(sys.argv[1])):
    for order in ["blocked", "sequential"]:
        t = time.time()
        subprocess.run([F, "embed", "--split", "all", "--method", "umap", "--seed", str(seed), "--sgd", order, "--backend", "cpu", "--quiet", "--out", "/tmp/u2.npy"], check=True, capture_output=True)
        score(f"fmnist --sgd {order} seed {seed}", time.time() - t, np.load("/tmp/u2.npy"))
    import umap
    t = time.time(); Y = umap.UMAP().fit_transform(X); score(f"umap-learn run {seed + 1}", time.time() - t, Y)
