import json, glob, os, sys
import numpy as np
R = "benchmarks/results/2026-12-01-n2d-reference-ae"
O = sys.argv[1] if len(sys.argv) > 1 else "/tmp/ul/out"
rows = []
for ref in sorted(glob.glob(f"{O}/ref-*.json")):
    name = os.path.basename(ref)[4:]
    ours = json.load(open(f"{R}/{name}"))["metrics"]
    theirs = json.load(open(ref))["metrics"]
    rows.append((name, ours["accuracy"], theirs["accuracy"], ours["nmi"], theirs["nmi"], ours["ari"], theirs["ari"]))
    print(f"{name:34s} ACC {ours['accuracy']:.3f} -> {theirs['accuracy']:.3f}  NMI {ours['nmi']:.3f} -> {theirs['nmi']:.3f}  ARI {ours['ari']:.3f} -> {theirs['ari']:.3f}")
a = np.array([r[1:] for r in rows])
for label, i in (("ACC", 0), ("NMI", 2), ("ARI", 4)):
    d = a[:, i + 1] - a[:, i]
    print(f"{label}: fmnist {a[:, i].mean():.3f} ± {a[:, i].std():.3f}, reference {a[:, i + 1].mean():.3f} ± {a[:, i + 1].std():.3f}, "
          f"difference {d.mean():+.4f} (SE {d.std(ddof=1) / np.sqrt(len(d)):.4f}, n {len(d)})")
