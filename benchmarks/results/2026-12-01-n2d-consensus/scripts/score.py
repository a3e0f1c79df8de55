import itertools, os, sys, glob
import numpy as np
sys.path.insert(0, "/work/main/benchmarks")
from deep_cluster_table import scores
from fashion_data import images
from sklearn.metrics import adjusted_rand_score
truth = np.concatenate([images("train")[1], images("t10k")[1]])
os.chdir("/tmp/ens/out")
for s in [int(a) for a in sys.argv[1:]]:
    runs = [np.load(f"run-seed{s}-x{100*r+s}.npy") for r in range(10)]
    single_ari = [adjusted_rand_score(a, b) for a, b in itertools.combinations(runs, 2)]
    ca, cb = np.load(f"consensus5-seed{s}-a.npy"), np.load(f"consensus5-seed{s}-b.npy")
    print(f"seed {s}: stability (label-free) single-run pairs ARI {np.mean(single_ari):.3f} ± {np.std(single_ari):.3f}; "
          f"consensus a vs b ARI {adjusted_rand_score(ca, cb):.3f}; consensus vs its runs ARI "
          f"{np.mean([adjusted_rand_score(ca, r) for r in runs[:5]]):.3f}")
    sc = np.array([scores(truth, r)[:2] for r in runs])
    print(f"   single runs ACC {sc[:,0].mean():.3f} ± {sc[:,0].std():.3f} (r0 {sc[0,0]:.3f}), NMI {sc[:,1].mean():.3f} ± {sc[:,1].std():.3f}"
          f" | first five ACC {sc[:5,0].mean():.3f} NMI {sc[:5,1].mean():.3f} | last five ACC {sc[5:,0].mean():.3f} NMI {sc[5:,1].mean():.3f}")
    for h, c in (("a", ca), ("b", cb)):
        a = scores(truth, c)
        print(f"   consensus {h}: ACC {a[0]:.3f} NMI {a[1]:.3f} ARI {a[2]:.3f} sizes {sorted(np.bincount(c, minlength=10))}")
