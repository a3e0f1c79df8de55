import numpy as np, sys
from sklearn.manifold import trustworthiness
from sklearn.neighbors import NearestNeighbors
import umap
X = np.load("/work/main/benchmarks/.data/options-pixels-10000.npy")
sample = np.random.default_rng(0).choice(len(X), 2000, replace=False)
k = int(sys.argv[1])
d, i = NearestNeighbors(n_neighbors=k).fit(X).kneighbors(X)
for s in range(3):
    Y = umap.UMAP(n_neighbors=k, random_state=s).fit_transform(X)
    print("seeded(sequential sgd, nndescent)", k, s, round(trustworthiness(X[sample], Y[sample], n_neighbors=10), 4), flush=True)
    Y = umap.UMAP(n_neighbors=k, precomputed_knn=(i, d, None)).fit_transform(X)
    print("exact knn, parallel", k, s, round(trustworthiness(X[sample], Y[sample], n_neighbors=10), 4), flush=True)
