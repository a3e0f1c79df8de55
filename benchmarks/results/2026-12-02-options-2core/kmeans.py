import numpy as np, subprocess, json, time
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.metrics import adjusted_rand_score as ari
X = np.load("/work/main/benchmarks/.data/pixels-10k.npy")
F = "/work/main/.build/release/fmnist"
def ours(args):
    t = time.time()
    r = subprocess.run([F, "cluster", "--input", "/work/main/benchmarks/.data/pixels-10k.npy", "--out", "/tmp/k.npy", "--json", "--quiet", "--k", "10"] + args, capture_output=True, text=True, check=True)
    return json.loads(r.stdout), np.load("/tmp/k.npy"), time.time() - t
for init in ["k-means++", "random"]:
    for n_init in [1, 10]:
        for seed in range(2):
            j, l, t = ours(["--method", "kmeans", "--init", init, "--n-init", str(n_init), "--seed", str(seed)])
            t0 = time.time(); s = KMeans(10, init=init, n_init=n_init, random_state=seed).fit(X); st = time.time() - t0
            print(f"kmeans init {init} n_init {n_init} seed {seed}: fmnist inertia {j['inertia']:.1f} ({j.get('iterations')} it, {t:.2f} s) | sklearn {s.inertia_:.1f} ({s.n_iter_} it, {st:.2f} s)", flush=True)
for seed in range(3):
    j, l, t = ours(["--method", "minibatch-kmeans", "--seed", str(seed)])
    s = MiniBatchKMeans(10, random_state=seed, n_init=1).fit(X)
    si = ((X - s.cluster_centers_[s.labels_]) ** 2).sum()
    print(f"minibatch seed {seed}: fmnist inertia {j['inertia']:.1f} | sklearn {si:.1f} (its inertia_ {s.inertia_:.1f})", flush=True)
