"""fmnist's clustering side by side with scikit-learn 1.9.1 on this machine: time and peak RSS per
method at 10,000 and 70,000 points, and the external metrics of each method on raw test pixels.

Usage (from the repository root, after `swift build -c release`):
    benchmarks/.venv/bin/python benchmarks/clustering.py [--quick] [--out benchmarks/results/DATE-clustering]
Data: Fashion-MNIST from /usr/share/datasets/fashion-mnist (train + test = 70,000 images), raw pixels
in [0, 1] and their projection on the first 10 principal components ("PCA-10").
Every run is its own process; peak RSS is that process's ru_maxrss from wait4 (scikit-learn's
includes the Python interpreter and imports, about 150 MB). scikit-learn runs under an address-space
limit of half the machine's memory, so methods that need an n x n matrix fail with MemoryError
instead of swapping. Runs longer than --timeout seconds are stopped and reported as such.
"""
import argparse, gzip, json, os, resource, subprocess, sys, time
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fashion_data import images  # noqa: E402

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
parser = argparse.ArgumentParser()
parser.add_argument("--out", default=os.path.join(root, "benchmarks", "results", time.strftime("%Y-%m-%d") + "-clustering"))
parser.add_argument("--timeout", type=float, default=600)
parser.add_argument("--quick", action="store_true", help="10,000 points only")
parser.add_argument("--methods", default="", help="comma-separated methods to run (default: all); skips the raw-pixel metrics table")
parser.add_argument("--eps", default="1.0", help="comma-separated DBSCAN radii (default 1.0)")
parser.add_argument("--sizes", default="", help="comma-separated sizes, 10k and/or 70k (default both; --quick: 10k)")
args = parser.parse_args()
os.makedirs(args.out, exist_ok=True)
data = os.path.join(root, "benchmarks", ".data")
os.makedirs(data, exist_ok=True)
fmnist = os.path.join(root, ".build", "release", "fmnist")


def prepare():
    (train, ytrain), (test, ytest) = images("train"), images("t10k")
    pixels = np.vstack([train, test])
    truth = np.concatenate([ytrain, ytest])
    centred = pixels.astype(np.float64) - pixels.mean(0)
    _, _, vt = np.linalg.svd(centred[::7], full_matrices=False)
    pca = (centred @ vt[:10].T).astype(np.float32)
    sets = {"pixels-70k": pixels, "pixels-10k": test, "pca10-70k": pca, "pca10-10k": pca[60000:]}
    truths = {"pixels-70k": truth, "pixels-10k": ytest, "pca10-70k": truth, "pca10-10k": ytest}
    paths = {}
    for name, x in sets.items():
        paths[name] = os.path.join(data, name + ".npy")
        np.save(paths[name], x)
        np.save(os.path.join(data, name + "-truth.npy"), truths[name])
    rng = np.random.default_rng(0)
    for name in ["pixels-70k", "pixels-10k"]:
        np.save(os.path.join(data, name + "-centres.npy"), sets[name][rng.choice(len(sets[name]), 10, replace=False)])
    return paths


def measure(command, limit_bytes=None):
    """Runs command (under an address-space limit when given); returns (exit status or 'timeout', stdout + stderr on failure)."""
    def limit():
        if limit_bytes:
            resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limit, text=True)
    try:
        out, err = process.communicate(timeout=args.timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return "timeout", ""
    return process.returncode, out + ("\n" + err if process.returncode else "")


FMNIST_ARGS = {
    "kmeans": ["--method", "kmeans", "--k", "10", "--initialisation", "{centres}", "--tol", "1e-4"],
    "minibatch-kmeans": ["--method", "minibatch-kmeans", "--k", "10"],
    "dbscan": ["--method", "dbscan", "--eps", "{eps}", "--min-samples", "10"],
    "hdbscan": ["--method", "hdbscan", "--min-cluster-size", "100", "--min-samples", "10"],
    "optics": ["--method", "optics", "--min-samples", "10"],
    "ward": ["--method", "ward", "--k", "10"],
    "single": ["--method", "single", "--k", "10"],
    "complete": ["--method", "complete", "--k", "10"],
    "average": ["--method", "average", "--k", "10"],
    "gmm": ["--method", "gmm", "--k", "10", "--covariance", "{covariance}"],
}


def run_fmnist(method, dataset, path, backend, eps, covariance):
    centres = os.path.join(data, dataset.replace("pca10", "pixels") + "-centres.npy")
    extra = [a.format(centres=centres, eps=eps, covariance=covariance) for a in FMNIST_ARGS[method]]
    labels = os.path.join(data, f"labels-{backend}.npy")
    # "cpu-lloyd": the CPU backend with K-means' dense Lloyd iterations instead of Hamerly's bounds;
    # "cpu-brute": the CPU backend without the k-d tree (every pair measured), for before/after.
    backend_args = {"cpu-lloyd": ["--backend", "cpu", "--algorithm", "lloyd"],
                    "cpu-brute": ["--backend", "cpu", "--neighbour-search", "brute"]}.get(backend, ["--backend", backend])
    command = ["/usr/bin/env", "python3", "-c", RSS_WRAPPER, fmnist, "cluster", "--input", path, "--out", labels, "--json"] + backend_args + extra
    status, out = measure(command)
    if status != 0:
        return {"status": "timeout" if status == "timeout" else "failed", "detail": out.strip().splitlines()[-1] if out.strip() else str(status)}
    lines = out.strip().splitlines()
    rss = json.loads(lines[-1])["peak_rss_mb"]
    report = json.loads("\n".join(lines[:-1]))
    truth = np.load(os.path.join(data, dataset + "-truth.npy"))
    return {"status": "ok", "seconds": report["seconds"], "peak_rss_mb": rss, "iterations": report.get("iterations"),
            "clusters": report["clusters"], "noise": report["noise"], "nmi": nmi(truth, np.load(labels))}


# Runs argv[1:] as a child, forwards its stdout, then prints {"peak_rss_mb": ...} from wait4.
RSS_WRAPPER = r"""
import os, sys, json, subprocess
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, text=True)
out = p.stdout.read()
_, status, usage = os.wait4(p.pid, 0)
sys.stdout.write(out)
print(json.dumps({"peak_rss_mb": usage.ru_maxrss / 1024}))
sys.exit(os.waitstatus_to_exitcode(status))
"""

SKLEARN = r"""
import json, sys, time, resource, numpy as np
method, path, centres, eps, covariance = sys.argv[1:6]
X = np.load(path)
if method not in ("kmeans", "minibatch-kmeans"): X = X.astype(np.float64)
from sklearn import cluster, mixture
start = time.time()
iterations = None
if method == "kmeans":
    m = cluster.KMeans(10, init=np.load(centres), n_init=1, max_iter=300, tol=1e-4).fit(X); iterations = int(m.n_iter_)
elif method == "minibatch-kmeans": m = cluster.MiniBatchKMeans(10, random_state=0, n_init=1).fit(X)
elif method == "dbscan": m = cluster.DBSCAN(eps=float(eps), min_samples=10).fit(X)
elif method == "hdbscan": m = cluster.HDBSCAN(min_cluster_size=100, min_samples=10, copy=True).fit(X)
elif method == "optics": m = cluster.OPTICS(min_samples=10).fit(X)
elif method == "gmm":
    m = mixture.GaussianMixture(10, covariance_type=covariance, random_state=0).fit(X); iterations = int(m.n_iter_)
    m.labels_ = m.predict(X)
else: m = cluster.AgglomerativeClustering(10, linkage=method).fit(X)
seconds = time.time() - start
np.save(sys.argv[6], np.asarray(m.labels_, dtype=np.int64))
print(json.dumps({"seconds": seconds, "iterations": iterations}))
"""


def run_sklearn(method, dataset, path, eps, covariance):
    centres = os.path.join(data, dataset.replace("pca10", "pixels") + "-centres.npy")
    labels = os.path.join(data, "sk-labels.npy")
    limit = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    command = ["/usr/bin/env", "python3", "-c", RSS_WRAPPER, sys.executable, "-c", SKLEARN, method, path, centres, str(eps), covariance, labels]
    status, out = measure(command, limit_bytes=limit)
    if status != 0:
        detail = [l for l in out.strip().splitlines() if "Error" in l]
        return {"status": "timeout" if status == "timeout" else "failed", "detail": detail[-1] if detail else str(status)}
    lines = out.strip().splitlines()
    report, rss = json.loads(lines[-2]), json.loads(lines[-1])["peak_rss_mb"]
    truth = np.load(os.path.join(data, dataset + "-truth.npy"))
    # Label-for-label comparisons with each fmnist backend are added by compare_backends.
    return {"status": "ok", "seconds": report["seconds"], "peak_rss_mb": rss, "iterations": report["iterations"],
            "nmi": nmi(truth, np.load(labels))}


def compare_backends(row, backends):
    """Adds, to each fmnist backend's result, how many of its labels differ from scikit-learn's (and the ARI between
    them): every route must give scikit-learn's labels, not only the CPU default (a device route's float32 blocks
    once put 2 points in noise at eps 1.5 that scikit-learn clustered)."""
    from sklearn.metrics import adjusted_rand_score
    theirs_path = os.path.join(data, "sk-labels.npy")
    if row["sklearn"].get("status") != "ok" or not os.path.exists(theirs_path):
        return
    theirs = np.load(theirs_path)
    for backend in backends:
        ours_path = os.path.join(data, f"labels-{backend}.npy")
        if row["fmnist_" + backend].get("status") == "ok" and os.path.exists(ours_path):
            ours = np.load(ours_path)
            row["fmnist_" + backend]["labels_differ_from_sklearn"] = int((ours != theirs).sum())
            row["fmnist_" + backend]["ari_vs_sklearn"] = float(adjusted_rand_score(ours, theirs))


def nmi(truth, labels):
    from sklearn.metrics import normalized_mutual_info_score
    return float(normalized_mutual_info_score(truth, labels))


def main():
    paths = prepare()
    sizes = ["10k"] if args.quick else (args.sizes.split(",") if args.sizes else ["10k", "70k"])
    wanted = set(filter(None, args.methods.split(",")))
    plan = []  # (method, dataset, backends, eps, covariance)
    for size in sizes:
        plan.append(("kmeans", f"pixels-{size}", ["cpu", "cpu-lloyd", "opencl"], 0, "full"))
        plan.append(("minibatch-kmeans", f"pixels-{size}", ["cpu"], 0, "full"))
        for method in ["dbscan", "hdbscan", "optics", "ward", "single", "complete", "average", "gmm"]:
            backends = ["cpu", "opencl"] if method in ("dbscan", "hdbscan", "optics", "gmm") else ["cpu"]
            if method in ("dbscan", "hdbscan", "single"):
                backends.insert(1, "cpu-brute")
            for eps in (args.eps.split(",") if method == "dbscan" else ["1.0"]):
                plan.append((method, f"pca10-{size}", backends, float(eps), "full"))
    plan = [p for p in plan if not wanted or p[0] in wanted]
    results = []
    log = open(os.path.join(args.out, "clustering.jsonl"), "a")
    for method, dataset, backends, eps, covariance in plan:
        row = {"method": method, "data": dataset}
        if method == "dbscan":
            row["eps"] = eps
        for stale in [f for f in os.listdir(data) if f.startswith("labels-")]:
            os.remove(os.path.join(data, stale))
        for backend in backends:
            row["fmnist_" + backend] = run_fmnist(method, dataset, paths[dataset], backend, eps, covariance)
        row["sklearn"] = run_sklearn(method, dataset, paths[dataset], eps, covariance)
        compare_backends(row, backends)
        print(json.dumps(row), flush=True)
        log.write(json.dumps(row) + "\n"); log.flush()
        results.append(row)
    if wanted:
        json.dump({"side_by_side": results}, open(os.path.join(args.out, "clustering.json"), "w"), indent=1)
        return
    # Metrics on raw test pixels (10,000 x 784), fmnist CPU backend.
    metrics = []
    for method, extra in [("kmeans", ["--k", "10"]), ("minibatch-kmeans", ["--k", "10"]), ("gmm", ["--k", "10", "--covariance", "diag"]),
                          ("ward", ["--k", "10"]), ("complete", ["--k", "10"]), ("average", ["--k", "10"]), ("single", ["--k", "10"]),
                          ("dbscan", ["--eps", "5", "--min-samples", "10"]), ("hdbscan", ["--min-cluster-size", "50", "--min-samples", "10"]),
                          ("optics", ["--min-samples", "10"])]:
        command = [fmnist, "cluster", "--split", "test", "--method", method, "--out", os.path.join(data, "m.npy"), "--json", "--backend", "cpu"] + extra
        status, out = measure(command)
        if status != 0:
            metrics.append({"method": method, "status": str(status)}); continue
        report = json.loads(out)
        m = report["metrics"]
        row = {"method": method, "args": " ".join(extra), "seconds": report["seconds"], "clusters": report["clusters"], "noise": report["noise"],
               **{key: m[key] for key in ["ari", "nmi", "ami", "accuracy", "purity", "vMeasure", "fowlkesMallows"]}}
        print(json.dumps(row), flush=True)
        log.write(json.dumps({"pixels_metrics": row}) + "\n"); log.flush()
        metrics.append(row)
    json.dump({"side_by_side": results, "raw_pixel_metrics": metrics}, open(os.path.join(args.out, "clustering.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
