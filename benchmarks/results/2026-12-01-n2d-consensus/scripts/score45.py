"""Plan item 6: the label-free stability of the nine-encoder consensus (ARI between its three results, X = 0, 500,
1000) beside the three-encoder consensuses' (ARI between the three triples' results); scores are in table.md."""
import itertools, os, sys
import numpy as np
from sklearn.metrics import adjusted_rand_score
here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
def ari(paths):
    labels = [np.load(os.path.join(here, p)) for p in paths]
    pairs = [adjusted_rand_score(a, b) for a, b in itertools.combinations(labels, 2)]
    return np.mean(pairs), pairs
for name, paths in (("nine encoders, 45 runs (X = 0, 500, 1000)", [f"n2d-consensus45-seed{x}.npy" for x in (0, 500, 1000)]),
                    ("three encoders, 15 runs (triples 0-1-2, 3-4-5, 6-7-8)", [f"n2d-consensus15-seed{s}.npy" for s in (0, 3, 6)])):
    mean, pairs = ari(paths)
    print(f"{name}: ARI between results {mean:.3f} (pairs {', '.join(f'{p:.3f}' for p in pairs)})")
