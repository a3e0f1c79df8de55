"""Writes the scikit-learn / umap-learn reference results the Reduce tests compare against.

Run with the benchmarks venv (scikit-learn 1.9.1, umap-learn 0.5.12):
    benchmarks/.venv/bin/python benchmarks/reduce_fixtures.py
Data: 300 float32 points in 20-d: four anisotropic Gaussian blobs (so PCA has distinct variances).
"""
import os
import numpy as np
from sklearn.decomposition import PCA
from sklearn.manifold import trustworthiness
from scipy.spatial.distance import cdist
from umap.umap_ import find_ab_params, fuzzy_simplicial_set

out = os.path.join(os.path.dirname(__file__), "..", "Tests", "ReduceTests", "Fixtures")
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(2026)
centres = rng.normal(0, 4, (4, 20))
scales = np.linspace(3, 0.2, 20)
X = (centres[rng.integers(0, 4, 300)] + rng.normal(0, 1, (300, 20)) * scales).astype(np.float32)
np.save(os.path.join(out, "points.npy"), X)

pca = PCA(5, svd_solver="full").fit(X.astype(np.float64))
np.save(os.path.join(out, "pca-components.npy"), np.ascontiguousarray(pca.components_))
np.save(os.path.join(out, "pca-explained-variance.npy"), pca.explained_variance_)
np.save(os.path.join(out, "pca-explained-variance-ratio.npy"), pca.explained_variance_ratio_)
np.save(os.path.join(out, "pca-transform.npy"), np.ascontiguousarray(pca.transform(X.astype(np.float64))))

# The fuzzy graph from an exact k-NN graph (the point itself first), as fmnist builds it.
k = 10
# Distances straight from the differences (scipy's cdist), so each point is at exactly 0 from itself
# (scikit-learn's brute force uses the norm expansion and gives ~1e-7, which umap-learn takes for a neighbour).
full = cdist(X.astype(np.float64), X.astype(np.float64))
indices = np.argsort(full, axis=1, kind="stable")[:, :k]
distances = np.take_along_axis(full, indices, axis=1)
graph, sigmas, rhos = fuzzy_simplicial_set(X, k, 0, "euclidean", knn_indices=indices, knn_dists=distances.astype(np.float32))
coo = graph.tocoo()
np.save(os.path.join(out, "umap-graph-coo.npy"), np.stack([coo.row, coo.col, coo.data]).astype(np.float64))  # [3, nnz]
np.save(os.path.join(out, "umap-sigmas.npy"), np.asarray(sigmas, dtype=np.float64))
np.save(os.path.join(out, "umap-rhos.npy"), np.asarray(rhos, dtype=np.float64))
ab = [(md, sp, *find_ab_params(sp, md)) for md, sp in [(0.1, 1.0), (0.0, 1.0), (0.5, 1.0), (0.25, 2.0)]]
np.save(os.path.join(out, "umap-ab.npy"), np.array(ab, dtype=np.float64))

# Trustworthiness of a deliberately imperfect embedding: the first two PCA coordinates plus noise.
Y = (pca.transform(X.astype(np.float64))[:, :2] + rng.normal(0, 1.5, (300, 2))).astype(np.float32)
np.save(os.path.join(out, "trust-embedding.npy"), Y)
np.save(os.path.join(out, "trust-values.npy"), np.array([trustworthiness(X, Y, n_neighbors=kk) for kk in (1, 5, 10, 30)]))

# NMF of the absolute values (float32): scikit-learn's reconstruction error from the nndsvd starts, both solvers.
from sklearn.decomposition import NMF
A = np.abs(X)  # float32, as users pass it: scikit-learn then computes in float32 too
errors = [NMF(5, init=init, solver=solver, max_iter=400, tol=1e-6).fit(A).reconstruction_err_
          for init in ("nndsvd", "nndsvda") for solver in ("cd", "mu")]
np.save(os.path.join(out, "nmf-errors.npy"), np.array(errors, dtype=np.float64))  # nndsvd cd, mu; nndsvda cd, mu

# t-SNE joint probabilities from the exact 3 x perplexity nearest neighbours (self excluded), as
# scikit-learn's TSNE._fit builds them: squared distances into _joint_probabilities_nn.
from scipy.sparse import csr_matrix
from sklearn.manifold._t_sne import _joint_probabilities_nn
perplexity = 10.0
kk = int(3 * perplexity + 1)  # scikit-learn: min(n - 1, int(3 perplexity + 1)) neighbours, itself excluded
order = np.argsort(full, axis=1, kind="stable")[:, 1:kk + 1]
squared = np.take_along_axis(full, order, axis=1) ** 2
graph = csr_matrix((squared.ravel().astype(np.float32), order.ravel(), np.arange(0, 300 * kk + 1, kk)), shape=(300, 300))
P = _joint_probabilities_nn(graph, perplexity, 0).tocoo()
np.save(os.path.join(out, "tsne-p-coo.npy"), np.stack([P.row, P.col, P.data]).astype(np.float64))

# UMAP's layout of a graph's components (umap-learn's component_layout): 12 components of 5 points in
# 5-d, their centroids' spectral embedding in 2-d, euclidean and cosine. Its own generator, so the
# fixtures above do not change.
from umap.spectral import component_layout
rng_components = np.random.default_rng(77)
component_labels = np.repeat(np.arange(12), 5)
component_data = (rng_components.normal(0, 1, (12, 5))[component_labels] + rng_components.normal(0, 0.1, (60, 5))).astype(np.float32)
np.save(os.path.join(out, "components-data.npy"), component_data)
np.save(os.path.join(out, "components-layout.npy"), np.stack([
    component_layout(component_data, 12, component_labels, 2, np.random.RandomState(0), metric=metric)
    for metric in ("euclidean", "cosine")]).astype(np.float64))  # [2 metrics, 12, 2]

# densMAP's constants and one epoch's radii (umap-learn's own code): the fuzzy graph above (exact k-NN, k 10) pruned as
# a 700-epoch densMAP run prunes it; simplicial_set_embedding stores mu_sum and R in the densmap_kwds it is given, and
# optimize_layout_euclidean's dens_mu_tot is sum(mu_sum) / 2. The epoch state: umap-learn's
# _optimize_layout_euclidean_densmap_epoch_init on a fixed 2-d layout, then the std / mean / covariance lines of
# optimize_layout_euclidean. Its own generator, so the fixtures above do not change.
import scipy.sparse
from umap.umap_ import simplicial_set_embedding
from umap.layouts import _optimize_layout_euclidean_densmap_epoch_init
graph, _, _, graph_dists = fuzzy_simplicial_set(X, k, 0, "euclidean", knn_indices=indices,
                                                knn_dists=distances.astype(np.float32), return_dists=True)
a, b = find_ab_params(1.0, 0.1)
kwds = {"lambda": 2.0, "frac": 0.3, "var_shift": 0.1, "n_neighbors": k, "graph_dists": graph_dists}
simplicial_set_embedding(X, graph.copy(), 2, 1.0, a, b, 1.0, 5, 700, "spectral", np.random.RandomState(0), "euclidean", {},
                         True, kwds, False)
pruned = graph.tocoo()
pruned.sum_duplicates()
pruned.data[pruned.data < pruned.data.max() / 700.0] = 0.0
pruned.eliminate_zeros()
assert np.array_equal(pruned.data, kwds["mu"]), "the pruned graph is not the one umap-learn optimised"
layout = np.random.default_rng(31).normal(0, 3, (300, 2)).astype(np.float32)
re_sum, phi_sum = np.zeros(300, dtype=np.float32), np.zeros(300, dtype=np.float32)
_optimize_layout_euclidean_densmap_epoch_init(layout, layout, pruned.row, pruned.col, a, b, re_sum, phi_sum)
statistics = [np.mean(re_sum), np.sqrt(np.var(re_sum) + 0.1), np.dot(re_sum, kwds["R"]) / (300 - 1)]
np.save(os.path.join(out, "densmap-layout.npy"), layout)
np.save(os.path.join(out, "densmap-constants.npy"), np.concatenate([
    [len(pruned.data), np.sum(kwds["mu_sum"]) / 2], kwds["mu_sum"], kwds["R"]]).astype(np.float64))  # [2 + 2n]
np.save(os.path.join(out, "densmap-epoch.npy"), np.concatenate([statistics, re_sum, phi_sum]).astype(np.float64))  # [3 + 2n]
