import numpy as np, subprocess, json
from sklearn.mixture import GaussianMixture
X = np.load("/work/main/benchmarks/.data/pca10-10k.npy")
F = "/work/main/.build/release/fmnist"
for cov in ["full", "diag", "spherical"]:
    for seed in range(3):
        r = subprocess.run([F, "cluster", "--input", "/work/main/benchmarks/.data/pca10-10k.npy", "--method", "gmm", "--k", "10", "--covariance-type", cov,
                            "--seed", str(seed), "--out", "/tmp/g.npy", "--json", "--quiet"], capture_output=True, text=True, check=True)
        j = json.loads(r.stdout)
        g = GaussianMixture(10, covariance_type=cov, random_state=seed).fit(X.astype(np.float64))
        print(cov, seed, "fmnist ll/pt", round(j.get("logLikelihood", j.get("log_likelihood", float("nan"))), 5), "bic", round(j.get("bic", float("nan")), 1),
              "iters", j.get("iterations"), "| sklearn ll/pt", round(g.score(X), 5), "bic", round(g.bic(X.astype(np.float64)), 1), "iters", g.n_iter_, flush=True)
