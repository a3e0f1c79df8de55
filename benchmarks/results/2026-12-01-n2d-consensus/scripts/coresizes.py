import numpy as np
from scipy.optimize import linear_sum_assignment
def matched(run, consensus):
    table = np.zeros((run.max() + 1, consensus.max() + 1), np.int64)
    np.add.at(table, (run, consensus), 1)
    rows, cols = linear_sum_assignment(-table)
    mapping = np.full(run.max() + 1, -1); mapping[rows] = cols
    return mapping[run] == consensus
for s in (0, 1, 2):
    for half, rs in (("a", range(5)), ("b", range(5, 10))):
        c = np.load(f"/tmp/ens/out/consensus5-seed{s}-{half}.npy")
        votes = sum(matched(np.load(f"/tmp/ens/out/run-seed{s}-x{100*r+s}.npy"), c).astype(int) for r in rs)
        for need in (5, 4, 3):
            core = votes >= need
            print(s, half, need, core.sum(), np.bincount(c[core], minlength=10).tolist(), "cluster sizes", np.bincount(c, minlength=10).tolist() if need == 5 else "")
