import numpy as np, subprocess, sys, json, time
sys.path.insert(0, "/work/main/benchmarks")
from sklearn.manifold import trustworthiness
X = np.load("/work/main/benchmarks/.data/options-pixels-10000.npy")
sample = np.random.default_rng(0).choice(len(X), 2000, replace=False)
k = int(sys.argv[1]); tool = sys.argv[2]; runs = int(sys.argv[3])
for s in range(runs):
    if tool == "fmnist":
        subprocess.run(["/work/main/.build/release/fmnist","embed","--input","/work/main/benchmarks/.data/options-pixels-10000.npy","--method","umap","--n-neighbors",str(k),"--seed",str(s),"--backend","cpu","--quiet","--out","/tmp/u.npy"]+sys.argv[4:],check=True)
        Y = np.load("/tmp/u.npy")
    else:
        import umap
        Y = umap.UMAP(n_neighbors=k, random_state=s if tool == "umap-seeded" else None).fit_transform(X)
    print(tool, k, s, round(trustworthiness(X[sample], Y[sample], n_neighbors=10), 4), flush=True)
