"""The core of a consensus (plan item 4, revised): in each consensus cluster, the half of its images nearest the
cluster's centre in the one-hot space of the runs' labels (ties to the lower index); no true labels. Writes targets
(consensus label on the core, -1 elsewhere). usage: core.py CONSENSUS.npy OUT.npy RUN.npy..."""
import sys
import numpy as np
consensus = np.load(sys.argv[1]); out = sys.argv[2]
onehot = np.concatenate([np.eye(np.load(p).max() + 1)[np.load(p)] for p in sys.argv[3:]], axis=1)
targets = np.full(len(consensus), -1, np.int64)
for c in np.unique(consensus):
    members = np.flatnonzero(consensus == c)
    d = ((onehot[members] - onehot[members].mean(axis=0)) ** 2).sum(axis=1)
    nearest = members[np.lexsort((members, d))[: (len(members) + 1) // 2]]
    targets[nearest] = c
np.save(out, targets)
print(f"{out}: core {(targets >= 0).sum()} of {len(targets)}; per cluster {np.bincount(targets[targets >= 0], minlength=10).tolist()}")
