import numpy as np, subprocess
from sklearn import cluster
X = np.load("/tmp/p5k.npy"); Xd = X.astype(np.float64)
F = "/work/main/.build/release/fmnist"
for link in ["ward", "complete", "average", "single"]:
    sk = cluster.AgglomerativeClustering(n_clusters=10, linkage=link).fit(Xd).labels_
    subprocess.run([F, "cluster", "--input", "/tmp/p5k.npy", "--out", "/tmp/l.npy", "--quiet", "--method", link, "--k", "10"], check=True)
    a = np.load("/tmp/l.npy"); from sklearn.metrics import adjusted_rand_score as A; print(link, "k 10:", (a != sk).sum(), "differ, ARI", A(a, sk), np.bincount(a), np.bincount(sk))
