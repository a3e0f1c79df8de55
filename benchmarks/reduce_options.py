"""fmnist embed against umap-learn, openTSNE and scikit-learn with *non-default* options, side by side in one run:
each row runs the same settings in both tools and compares what the settings should not change — trustworthiness
(k 10, scikit-learn's, on one 2,000-point sample), the NMI of K-means (k 10, 10 starts) on the embedding, t-SNE's KL
divergence, NMF's reconstruction error, PCA's values (up to each component's sign). `benchmarks/reduce.py` times the
defaults; this script checks that an option a user types means in fmnist what it means in the reference.

Usage (from the repository root, after `swift build -c release`):
    benchmarks/.venv/bin/python benchmarks/reduce_options.py [--points 10000] [--only umap,tsne,pca,nmf] [--out DIR]
Data: the first N Fashion-MNIST test images (/usr/share/datasets/fashion-mnist), raw pixels in [0, 1]; t-SNE from the
PCA-50 of them (scikit-learn's, saved once, both tools reading the same file).
"""
import argparse, json, os, subprocess, sys, time
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fashion_data import images  # noqa: E402

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
parser = argparse.ArgumentParser()
parser.add_argument("--points", type=int, default=10000)
parser.add_argument("--only", default="umap,tsne,pca,nmf")
parser.add_argument("--out", default=os.path.join(root, "benchmarks", "results", time.strftime("%Y-%m-%d") + "-reduce-options"))
args = parser.parse_args()
os.makedirs(args.out, exist_ok=True)
data = os.path.join(root, "benchmarks", ".data")
os.makedirs(data, exist_ok=True)
fmnist = os.environ.get("FMNIST_BIN", os.path.join(root, ".build", "release", "fmnist"))

(test, ytest) = images("t10k")
X, y = test[: args.points], ytest[: args.points]
xpath = os.path.join(data, f"options-pixels-{args.points}.npy")
np.save(xpath, X)
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.manifold import trustworthiness  # noqa: E402
from sklearn.metrics import normalized_mutual_info_score  # noqa: E402

sample = np.random.default_rng(0).choice(len(X), min(2000, len(X)), replace=False)
pca50 = PCA(50, svd_solver="full").fit_transform(X).astype(np.float32)
p50 = os.path.join(data, f"options-pca50-{args.points}.npy")
np.save(p50, pca50)


def fmnist_side(arguments, source=xpath):
    path = os.path.join(data, "options-fmnist-out.npy")
    start = time.time()
    p = subprocess.run([fmnist, "embed", "--input", source, "--backend", "cpu", "--json", "--quiet", "--out", path] + arguments,
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"fmnist {' '.join(arguments)}: {p.stderr.strip()}")
    return time.time() - start, np.load(path), json.loads(p.stdout)


def python_side(code, source=xpath):
    """Runs code (which sets `Y`, and may set `extra`, a JSON-able value) in a fresh interpreter."""
    path, extra_path = os.path.join(data, "options-python-out.npy"), os.path.join(data, "options-python-extra.json")
    script = f"import json, time, numpy as np\nX = np.load({source!r})\nextra = None\nstart = time.time()\n{code}\n" \
             f"elapsed = time.time() - start\nnp.save({path!r}, np.asarray(Y, dtype=np.float32))\n" \
             f"json.dump(extra, open({extra_path!r}, 'w'))\nprint(elapsed)"
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout.split()
    return float(out[-1]), np.load(path), json.load(open(extra_path))


def scores(Y, reference=X):
    t = trustworthiness(reference[sample], Y[sample], n_neighbors=10)
    return t, normalized_mutual_info_score(y, KMeans(10, n_init=10, random_state=0).fit_predict(Y))


rows = []


def row(setting, tool, seconds, t, nmi, notes=""):
    rows.append((setting, tool, seconds, t, nmi, notes))
    print(f"| {setting} | {tool} | {seconds:.2f} | {t:.4f} | {nmi:.4f} | {notes} |", flush=True)


methods = args.only.split(",")
if "umap" in methods:
    variants = [  # (fmnist flags, umap-learn keyword arguments)
        (["--n-neighbors", "5"], "n_neighbors=5"),
        (["--n-neighbors", "50"], "n_neighbors=50"),
        (["--n-neighbors", "200"], "n_neighbors=200"),
        (["--min-dist", "0"], "min_dist=0.0"),
        (["--min-dist", "0.5"], "min_dist=0.5"),
        (["--spread", "3", "--min-dist", "1"], "spread=3.0, min_dist=1.0"),
        (["--metric", "cosine"], "metric='cosine'"),
        (["--dims", "10"], "n_components=10"),
    ]
    for flags, keywords in variants:
        ft, fy, _ = fmnist_side(["--method", "umap", "--seed", "0"] + flags)
        row(" ".join(flags), "fmnist umap", ft, *scores(fy))
        ut, uy, _ = python_side(f"import umap\nY = umap.UMAP({keywords}).fit_transform(X)")
        row(" ".join(flags), f"umap-learn UMAP({keywords})", ut, *scores(uy))
    ft, fy, _ = fmnist_side(["--method", "densmap", "--seed", "0"])
    row("--method densmap", "fmnist", ft, *scores(fy))
    ut, uy, _ = python_side("import umap\nY = umap.UMAP(densmap=True).fit_transform(X)")
    row("--method densmap", "umap-learn UMAP(densmap=True)", ut, *scores(uy))
if "tsne" in methods:
    variants = [
        (["--perplexity", "5"], "perplexity=5"),
        (["--perplexity", "100"], "perplexity=100"),
        (["--early-exaggeration", "4"], "early_exaggeration=4"),
        # fmnist's --learning-rate is in scikit-learn's units, openTSNE's 4 times larger (its gradient lacks the factor 4).
        (["--learning-rate", "200"], "learning_rate=800"),
    ]
    for flags, keywords in variants:
        ft, fy, fj = fmnist_side(["--method", "tsne", "--seed", "0"] + flags, source=p50)
        row(" ".join(flags), "fmnist t-SNE", ft, *scores(fy), f"KL {fj['klDivergence']:.4f}")
        ot, oy, kl = python_side(f"import openTSNE\nE = openTSNE.TSNE({keywords}, n_jobs={os.cpu_count()}, random_state=0).fit(X)\n"
                                 "Y = np.asarray(E)\nextra = float(E.kl_divergence)", source=p50)
        row(" ".join(flags), f"openTSNE TSNE({keywords})", ot, *scores(oy), f"KL {kl:.4f}")
if "pca" in methods:
    ft, fy, _ = fmnist_side(["--method", "pca", "--dims", "20", "--whiten"])
    st, sy, _ = python_side("from sklearn.decomposition import PCA\nY = PCA(20, whiten=True, svd_solver='full').fit_transform(X)")
    signs = np.sign((fy * sy).sum(0))
    difference = np.abs(fy - sy * signs).max()
    row("--dims 20 --whiten", "fmnist pca", ft, *scores(fy), f"max |fmnist - scikit-learn| {difference:.2e} (signs aligned)")
    row("--dims 20 --whiten", "scikit-learn PCA(20, whiten=True)", st, *scores(sy), f"column variances {sy.var(0, ddof=1).min():.4f}"
        f"-{sy.var(0, ddof=1).max():.4f}")
if "nmf" in methods:
    for flags, keywords in [(["--init", "random"], "init='random', random_state=0"),
                            (["--init", "nndsvd"], "init='nndsvd'"),
                            (["--nmf-solver", "mu"], "solver='mu', init='nndsvda'")]:
        ft, fy, fj = fmnist_side(["--method", "nmf", "--dims", "20"] + flags)
        row(" ".join(flags), "fmnist nmf", ft, *scores(fy), f"error {fj['reconstructionError']:.3f}, {fj['iterations']} iterations")
        st, sy, extra = python_side(f"from sklearn.decomposition import NMF\nn = NMF(20, {keywords})\nY = n.fit_transform(X)\n"
                                    "extra = [float(n.reconstruction_err_), int(n.n_iter_)]")
        row(" ".join(flags), f"scikit-learn NMF(20, {keywords})", st, *scores(sy), f"error {extra[0]:.3f}, {extra[1]} iterations")

lines = [f"{args.points} test images, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores",
         "| setting | tool | seconds (process) | trustworthiness k10 (2k sample) | K-means NMI | notes |", "|---|---|---|---|---|---|"]
lines += [f"| {s} | {t} | {sec:.2f} | {tw:.4f} | {nmi:.4f} | {notes} |" for s, t, sec, tw, nmi, notes in rows]
print("\n".join(lines))
with open(os.path.join(args.out, f"reduce-options-{args.points}.md"), "a") as f:
    f.write("\n".join(lines) + "\n\n")
