"""Evidence-accumulation consensus (Fred and Jain 2005) of the 15 N2D members per seed, against the committed
K-means consensus; PLAN.md fixes the rule (ANMI on all three seeds). Usage: eac.py [MEMBERS_DIR=/tmp/ens]."""
import json, sys
import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

here = sys.path[0]
work = sys.argv[1] if len(sys.argv) > 1 else "/tmp/ens"


def upgma_weighted(profiles, counts, k):
    """Average linkage over distinct profiles weighted by their counts (Lance-Williams), cut at k clusters."""
    m = len(profiles)
    d = np.zeros((m, m))
    for q in range(profiles.shape[1]):  # fraction of members that separate two profiles
        d += profiles[:, q][:, None] != profiles[:, q][None, :]
    d /= profiles.shape[1]
    np.fill_diagonal(d, np.inf)
    size = counts.astype(float)
    alive = np.ones(m, bool)
    member = np.arange(m)  # the cluster each profile belongs to (its representative's index)
    for _ in range(m - k):
        i, j = divmod(int(np.argmin(d)), m)
        if i > j:
            i, j = j, i
        merged = (size[i] * d[i] + size[j] * d[j]) / (size[i] + size[j])
        d[i, :] = merged
        d[:, i] = merged
        d[i, i] = np.inf
        d[j, :] = np.inf
        d[:, j] = np.inf
        size[i] += size[j]
        alive[j] = False
        member[member == j] = i
    _, labels = np.unique(member, return_inverse=True)
    return labels


def accuracy(truth, labels):
    c = np.zeros((labels.max() + 1, truth.max() + 1))
    np.add.at(c, (labels, truth), 1)
    r, col = linear_sum_assignment(-c)
    return c[r, col].sum() / len(truth)


def anmi(labels, members):
    return float(np.mean([normalized_mutual_info_score(labels, members[:, q], average_method="geometric")
                          for q in range(members.shape[1])]))


def truth_labels():
    import gzip
    out = []
    for name in ("train-labels-idx1-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        with gzip.open(f"/usr/share/datasets/fashion-mnist/{name}") as f:
            out.append(np.frombuffer(f.read()[8:], np.uint8).astype(int))
    return np.concatenate(out)


truth = truth_labels()
rows = []
for x in (0, 1, 2):
    members = np.stack([np.load(f"{work}/n2d-e{i}-s{x + 100 * r + i}.npy") for i in range(3) for r in range(5)], 1)
    profiles, inverse, counts = np.unique(members, axis=0, return_inverse=True, return_counts=True)
    eac = upgma_weighted(profiles, counts, 10)[inverse.ravel()]
    np.save(f"{here}/eac-seed{x}.npy", eac.astype(np.int64))
    kmeans = np.load(f"{here}/../2026-12-01-n2d-scan-ensemble/n2d15-seed{x}.npy")
    for name, labels in (("kmeans-onehot", kmeans), ("eac-average", eac)):
        rows.append(dict(seed=x, consensus=name, profiles=len(profiles), anmi=anmi(labels, members),
                         acc=accuracy(truth, labels), nmi=normalized_mutual_info_score(truth, labels),
                         ari=adjusted_rand_score(truth, labels), sizes=sorted(np.bincount(labels).tolist(), reverse=True)))
        print(json.dumps(rows[-1]), flush=True)
json.dump(rows, open(f"{here}/results.json", "w"), indent=1)
