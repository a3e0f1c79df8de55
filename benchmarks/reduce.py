"""fmnist embed side by side with umap-learn, openTSNE and scikit-learn on this machine, in one run:
time, peak RSS, trustworthiness (k 10, scikit-learn's, on the same 5,000-point sample for every
embedding) and the NMI of K-means (k 10, scikit-learn, 10 starts) on each embedding.

Usage (from the repository root, after `swift build -c release`):
    benchmarks/.venv/bin/python benchmarks/reduce.py [--points 10000|70000] [--only umap,pca,nmf] [--out DIR]
Data: Fashion-MNIST from /usr/share/datasets/fashion-mnist, raw pixels in [0, 1]; 70,000 = train then
test in file order (fmnist --split all gives the same order), 10,000 = the test set.
Every method runs in its own process; peak RSS from wait4 (Python's includes the interpreter).
umap-learn runs with its default parallel (non-deterministic) mode, as users run it.
"""
import argparse, json, os, subprocess, sys, time
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fashion_data import images  # noqa: E402

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
parser = argparse.ArgumentParser()
parser.add_argument("--points", type=int, default=10000, choices=[10000, 70000])
parser.add_argument("--only", default="umap,tsne,pca,nmf")
parser.add_argument("--dims", type=int, default=10, help="UMAP dimensions")
parser.add_argument("--sgd", default="auto", help="comma-separated fmnist --sgd orders, each timed in every repeat (e.g. auto,sequential)")
parser.add_argument("--repeats", type=int, default=1, help="UMAP runs per tool (fmnist with --seed 0, 1, ...; umap-learn "
                    "in its default parallel mode, which has no fixed seed); the table adds the mean and spread of the NMI")
parser.add_argument("--out", default=os.path.join(root, "benchmarks", "results", time.strftime("%Y-%m-%d") + "-reduce"))
args = parser.parse_args()
os.makedirs(args.out, exist_ok=True)
data = os.path.join(root, "benchmarks", ".data")
os.makedirs(data, exist_ok=True)
fmnist = os.environ.get("FMNIST_BIN", os.path.join(root, ".build", "release", "fmnist"))


(train, ytrain), (test, ytest) = images("train"), images("t10k")
X = np.vstack([train, test]) if args.points == 70000 else test
y = np.concatenate([ytrain, ytest]) if args.points == 70000 else ytest
split = "all" if args.points == 70000 else "test"
xpath = os.path.join(data, f"pixels-{args.points}.npy")
np.save(xpath, X)


def python_side(code):
    """Runs code (which sets `Y`) in a fresh interpreter; returns (seconds inside, peak RSS MB, Y)."""
    path = os.path.join(data, "reduce-python-out.npy")
    script = f"""
import time, resource, numpy as np
X = np.load({xpath!r})
start = time.time()
{code}
elapsed = time.time() - start
np.save({path!r}, np.asarray(Y, dtype=np.float32))
print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout.split()
    return float(out[-2]), float(out[-1]), np.load(path)


def fmnist_side(arguments):
    path = os.path.join(data, "reduce-fmnist-out.npy")
    start = time.time()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", fmnist, "embed", "--split", split, "--backend", "cpu",
                        "--json", "--quiet", "--out", path] + arguments, check=True, capture_output=True, text=True)
    elapsed = time.time() - start
    rss = float(p.stderr.strip().split()[-1]) / 1024
    return elapsed, rss, np.load(path), json.loads(p.stdout)


from sklearn.cluster import KMeans
from sklearn.manifold import trustworthiness
from sklearn.metrics import normalized_mutual_info_score
sample = np.random.default_rng(0).choice(len(X), min(5000, len(X)), replace=False)


def scores(Y):
    t = trustworthiness(X[sample], Y[sample], n_neighbors=10)
    labels = KMeans(10, n_init=10, random_state=0).fit_predict(Y)
    return t, normalized_mutual_info_score(y, labels)


class Rows(list):
    """Prints each row as it is measured (a long run that fails late keeps what it measured)."""
    def append(self, row):
        super().append(row)
        name, tool, seconds, rss, t, nmi, notes = row
        print(f"| {name} | {tool} | {seconds:.2f} | {rss:.0f} | {t:.4f} | {nmi:.4f} | {notes} |", flush=True)


rows = Rows()
methods = args.only.split(",")
if "umap" in methods:
    d = args.dims
    nmis = {"umap-learn": []}
    for repeat in range(args.repeats):
        for order in args.sgd.split(","):
            ft, frss, fy, fj = fmnist_side(["--method", "umap", "--dims", str(d), "--seed", str(repeat), "--sgd", order])
            fs = scores(fy)
            tool = "fmnist" if order == "auto" else f"fmnist --sgd {order}"
            nmis.setdefault(tool, []).append(fs[1])
            rows.append((f"UMAP-{d}", f"{tool} --seed {repeat}", ft, frss, *fs, json.dumps(fj.get("seconds"))))
        ut, urss, uy = python_side(f"import umap\nY = umap.UMAP(n_components={d}, n_neighbors=15, min_dist=0.1).fit_transform(X)")
        us = scores(uy)
        nmis["umap-learn"].append(us[1])
        rows.append((f"UMAP-{d}", f"umap-learn run {repeat + 1}", ut, urss, *us, "includes numba JIT"))
    if args.repeats > 1:
        for tool, values in nmis.items():
            print(f"UMAP-{d} {tool}: K-means NMI mean {np.mean(values):.4f}, std {np.std(values, ddof=1):.4f} over {len(values)} runs "
                  f"({', '.join(f'{v:.4f}' for v in values)})", flush=True)
if "pca" in methods:
    for solver in ["exact", "randomized"]:
        ft, frss, fy, fj = fmnist_side(["--method", "pca", "--dims", "50", "--svd-solver", solver])
        rows.append(("PCA-50", f"fmnist {solver}", ft, frss, *scores(fy), ""))
    st, srss, sy = python_side("from sklearn.decomposition import PCA\nY = PCA(50, svd_solver='randomized', random_state=0).fit_transform(X)")
    rows.append(("PCA-50", "scikit-learn randomized", st, srss, *scores(sy), ""))
    st, srss, sy = python_side("from sklearn.decomposition import PCA\nY = PCA(50, svd_solver='full').fit_transform(X)")
    rows.append(("PCA-50", "scikit-learn full", st, srss, *scores(sy), ""))

if "tsne" in methods:
    # Both from the same PCA-50 of the pixels (scikit-learn's, saved once), 2 threads for openTSNE.
    from sklearn.decomposition import PCA as SKPCA
    pca50 = SKPCA(50, svd_solver="full").fit_transform(X).astype(np.float32)
    p50 = os.path.join(data, f"pca50-{args.points}.npy")
    np.save(p50, pca50)
    start = time.time()
    p = subprocess.run(["/usr/bin/time", "-f", "%M", fmnist, "embed", "--method", "tsne", "--input", p50, "--backend", "cpu", "--json",
                        "--quiet", "--out", os.path.join(data, "tsne-fmnist.npy")], check=True, capture_output=True, text=True)
    ft, frss, fj = time.time() - start, float(p.stderr.strip().split()[-1]) / 1024, json.loads(p.stdout)
    fy = np.load(os.path.join(data, "tsne-fmnist.npy"))
    ot, orss, oy = python_side(f"import openTSNE\nX = np.load({p50!r})\nE = openTSNE.TSNE(n_jobs={os.cpu_count()}, random_state=0).fit(X)\n"
                               f"Y = np.asarray(E)\nopen({os.path.join(data, 'tsne-kl.txt')!r}, 'w').write(str(E.kl_divergence))")
    okl = float(open(os.path.join(data, "tsne-kl.txt")).read())
    rows.append(("t-SNE-2 of PCA-50", "fmnist", ft, frss, *scores(fy), f"KL {fj['klDivergence']:.4f}; {json.dumps(fj.get('seconds'))}"))
    rows.append(("t-SNE-2 of PCA-50", f"openTSNE ({os.cpu_count()} threads)", ot, orss, *scores(oy), f"KL {okl:.4f}"))
if "nmf" in methods:
    # "Equal objective": both tools run coordinate descent from the same exact-SVD nndsvda start (scikit-learn's
    # _randomized_svd replaced by the exact top-20 triplets, computed before its clock starts), scikit-learn at its
    # defaults (200 iterations, tol 1e-4); for each fmnist variant the fewest iterations on a ladder that reach that
    # error, timed as a whole process (its own SVD start included). scikit-learn's own start is run too, for context.
    from sklearn.decomposition import NMF as SKNMF  # noqa: F401  (imported in the child)
    Xd = X.astype(np.float64)
    values, vectors = np.linalg.eigh(Xd.T @ Xd)
    top = np.argsort(values)[::-1][:20]
    S = np.sqrt(values[top]); V = vectors[:, top].T; U = (Xd @ V.T) / S
    svd = os.path.join(data, "nmf-exact-svd.npz")
    np.savez(svd, U=U.astype(np.float32), S=S.astype(np.float32), V=V.astype(np.float32))
    err_file = os.path.join(data, "nmf-err.txt")
    exact_start = (f"import sklearn.decomposition._nmf as m\nfrom sklearn.decomposition import NMF\nz = np.load({svd!r})\n"
                   "m._randomized_svd = lambda *a, **k: (z['U'], z['S'], z['V'])\n")
    for label, prefix in [("scikit-learn cd, its own start", "from sklearn.decomposition import NMF\n"),
                          ("scikit-learn cd, exact-SVD start", exact_start)]:
        code = prefix + "n = NMF(20, init='nndsvda', random_state=0)\nY = n.fit_transform(X)\n" \
            f"open({err_file!r}, 'w').write(f'{{n.reconstruction_err_}} {{n.n_iter_}}')"
        st, srss, sy = python_side(code)
        err, its = open(err_file).read().split()
        rows.append(("NMF-20", label, st, srss, *scores(sy), f"error {float(err):.3f}, {its} iterations"))
    target, sk_seconds = float(err), st
    for label, extra in [("fmnist cd", []), ("fmnist cd, --nmf-inner-sweeps auto", ["--nmf-inner-sweeps", "auto"])]:
        ft, frss, fy, fj = fmnist_side(["--method", "nmf", "--dims", "20"] + extra)
        rows.append(("NMF-20", label + " (defaults)", ft, frss, *scores(fy),
                     f"error {fj['reconstructionError']:.3f}, {fj['iterations']} iterations"))
        for iterations in [40, 60, 80, 100, 120, 140, 160, 180, 200, 220, 240, 270, 300, 350, 400]:
            ft, frss, fy, fj = fmnist_side(["--method", "nmf", "--dims", "20", "--max-iter", str(iterations)] + extra)
            if fj["reconstructionError"] <= target:
                rows.append(("NMF-20", label + f" to the same-start error", ft, frss, *scores(fy),
                             f"error {fj['reconstructionError']:.3f} <= {target:.3f} after {iterations} iterations; "
                             f"{ft / sk_seconds:.2f}x scikit-learn's time from the same start"))
                break
        else:
            rows.append(("NMF-20", label + " to the same-start error", float("nan"), 0, 0, 0, f"not reached in 400 iterations"))

lines = [f"{args.points} points, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores",
         "| embedding | tool | seconds (process) | peak RSS MB | trustworthiness k10 (5k sample) | K-means NMI | notes |",
         "|---|---|---|---|---|---|---|"]
for name, tool, seconds, rss, t, nmi, notes in rows:
    lines.append(f"| {name} | {tool} | {seconds:.2f} | {rss:.0f} | {t:.4f} | {nmi:.4f} | {notes} |")
print("\n".join(lines))
with open(os.path.join(args.out, f"reduce-{args.points}.md"), "a") as f:
    f.write("\n".join(lines) + "\n\n")
