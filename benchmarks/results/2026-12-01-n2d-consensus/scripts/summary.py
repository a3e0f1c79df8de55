"""Per-encoder table of plan items 1-4 (labels read only here, to score) and the label-free stability."""
import itertools, os, sys
import numpy as np
sys.path.insert(0, "/work/main/benchmarks")
from deep_cluster_table import scores
from fashion_data import images
from sklearn.metrics import adjusted_rand_score
truth = np.concatenate([images("train")[1], images("t10k")[1]])
os.chdir("/tmp/ens/out")
seeds = [int(a) for a in sys.argv[1:]]
def sc(l): return scores(truth, l)[:3]
rows, agg = [], {k: [] for k in ("single", "r0", "a", "b", "stab_single", "stab_cons")}
print("| encoder seed | single runs ACC / NMI (10 runs: mean ± std) | run 0 (= `deep-cluster --method n2d`) | consensus of runs 0-4 (`--n2d-runs 5`) | consensus of runs 5-9 | ARI between single runs (mean of 45 pairs) | ARI between the two consensuses |")
print("|---|---|---|---|---|---|---|")
for s in seeds:
    runs = [np.load(f"run-seed{s}-x{100*r+s}.npy") for r in range(10)]
    single = np.array([sc(r) for r in runs])
    a, b = np.load(f"consensus5-seed{s}-a.npy"), np.load(f"consensus5-seed{s}-b.npy")
    sa, sb = sc(a), sc(b)
    pairs = np.mean([adjusted_rand_score(x, y) for x, y in itertools.combinations(runs, 2)])
    ab = adjusted_rand_score(a, b)
    agg["single"].append(single.mean(axis=0)); agg["r0"].append(single[0]); agg["a"].append(sa); agg["b"].append(sb)
    agg["stab_single"].append(pairs); agg["stab_cons"].append(ab)
    print(f"| {s} | {single[:,0].mean():.3f} ± {single[:,0].std():.3f} / {single[:,1].mean():.3f} ± {single[:,1].std():.3f} | "
          f"{single[0,0]:.3f} / {single[0,1]:.3f} | {sa[0]:.3f} / {sa[1]:.3f} | {sb[0]:.3f} / {sb[1]:.3f} | {pairs:.3f} | {ab:.3f} |")
m = {k: np.array(v) for k, v in agg.items()}
f = lambda x, i: f"{x[:, i].mean():.3f} ± {x[:, i].std():.3f}"
print(f"| mean over {len(seeds)} encoders | {f(m['single'],0)} / {f(m['single'],1)} | {f(m['r0'],0)} / {f(m['r0'],1)} | "
      f"{f(m['a'],0)} / {f(m['a'],1)} | {f(m['b'],0)} / {f(m['b'],1)} | {m['stab_single'].mean():.3f} | {m['stab_cons'].mean():.3f} |")
both = np.concatenate([m["a"], m["b"]])
print(f"\nall {len(both)} consensuses: ACC {f(both,0)}, NMI {f(both,1)}, ARI {f(both,2)}; single runs ARI {f(m['single'],2)}")
