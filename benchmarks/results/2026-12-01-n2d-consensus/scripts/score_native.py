import sys, itertools, glob, os, numpy as np
sys.path.insert(0, "/work/main/benchmarks")
from deep_cluster_table import scores
from fashion_data import images
from sklearn.metrics import adjusted_rand_score as ari
truth = np.concatenate([images("train")[1], images("t10k")[1]])
for kind in ("ensemble3", "ensemble3-consensus5"):
    got = {}
    for t in ("0-1-2", "3-4-5", "6-7-8"):
        p = f"/tmp/ens/native2/{kind}-{t}.npy"
        if os.path.exists(p): got[t] = np.load(p); print(kind, t, [round(float(x), 3) for x in scores(truth, got[t])])
    if len(got) > 1:
        v = np.array([scores(truth, l)[:3] for l in got.values()])
        print(kind, "mean", v.mean(0).round(3), "std", v.std(0).round(3), "ARI between triples", round(np.mean([ari(a, b) for a, b in itertools.combinations(got.values(), 2)]), 3))
