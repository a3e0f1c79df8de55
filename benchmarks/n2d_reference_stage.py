"""N2D's clustering stage as its reference implementation runs it (github.com/rymc/n2d, n2d.py and run.sh):
umap-learn's UMAP of the autoencoder codes (euclidean, 10 dimensions for 10 clusters, 20 neighbours, min-dist 0),
then scikit-learn's full-covariance GaussianMixture on the layout, each point labelled by its most probable
component. The paper seeds both with 0; `--seed S` seeds both with S, as fmnist's `deep-cluster --seed` does.

    benchmarks/.venv/bin/python benchmarks/n2d_reference_stage.py codes.npy --seed 0 --out ref-seed0.npy

codes.npy: float32 [70000, d] from `fmnist encode --split all` (training images, then test images, file order).
Writes the labels (int64) atomically and, beside them, a JSON report in deep_cluster_table.py's format: the stage
times and the scores against the true labels (read only to score).
"""
import argparse
import json
import os
import sys
import time

import numpy as np


def write_atomically(path, write):
    temporary = path + ".partial"
    with open(temporary, "wb") as file:
        write(file)
    os.replace(temporary, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("codes")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--clusters", type=int, default=10)
    parser.add_argument("--neighbors", type=int, default=20)
    parser.add_argument("--min-dist", type=float, default=0.0)
    parser.add_argument("--out", required=True, help="labels .npy (int64)")
    parser.add_argument("--layout-out", help="also write UMAP's layout (float32 .npy)")
    args = parser.parse_args()

    codes = np.load(args.codes)
    if codes.ndim != 2 or codes.shape[0] < args.clusters:
        sys.exit(f"{args.codes}: expected codes [N, d] with N >= {args.clusters}, got shape {codes.shape}")
    import umap
    from sklearn.mixture import GaussianMixture

    start = time.perf_counter()
    layout = umap.UMAP(random_state=args.seed, metric="euclidean", n_components=args.clusters, n_neighbors=args.neighbors,
                       min_dist=args.min_dist).fit_transform(codes)
    umap_seconds = time.perf_counter() - start
    start = time.perf_counter()
    mixture = GaussianMixture(covariance_type="full", n_components=args.clusters, random_state=args.seed).fit(layout)
    labels = mixture.predict_proba(layout).argmax(1).astype(np.int64)
    gmm_seconds = time.perf_counter() - start

    report = {"method": "n2d-reference-stage", "seed": args.seed, "seconds": umap_seconds + gmm_seconds,
              "stages": {"UMAP": umap_seconds, "GMM": gmm_seconds}, "gmm_converged": bool(mixture.converged_),
              "gmm_iterations": int(mixture.n_iter_)}
    if len(labels) == 70000:
        sys.path.insert(0, os.path.dirname(__file__))
        from deep_cluster_table import scores
        from fashion_data import images
        truth = np.concatenate([images("train")[1], images("t10k")[1]])
        acc, nmi, ari, ami = scores(truth, labels)
        report["metrics"] = {"accuracy": acc, "nmi": nmi, "ari": ari, "ami": ami}
    if args.layout_out:
        write_atomically(args.layout_out, lambda f: np.save(f, layout.astype(np.float32)))
    write_atomically(args.out, lambda f: np.save(f, labels))
    write_atomically(args.out[:-4] + ".json", lambda f: f.write(json.dumps(report, indent=1).encode()))
    print(json.dumps(report))


if __name__ == "__main__":
    main()
