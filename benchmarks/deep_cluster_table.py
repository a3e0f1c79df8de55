"""The deep-clustering table: every ROW-seedS.npy in a results directory re-scored against the true
labels with scikit-learn (ACC by the Hungarian matching of scipy), mean and standard deviation over
the seeds, on all 70,000 images and on the 10,000 test images alone, with the time from ROW-seedS.json
(the clustering command; pretraining from pretrain*-seedS.json).

    benchmarks/.venv/bin/python benchmarks/deep_cluster_table.py benchmarks/results/DATE-deep-cluster
"""
import glob
import json
import os
import re
import sys
from collections import defaultdict

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score, normalized_mutual_info_score

sys.path.insert(0, os.path.dirname(__file__))
from fashion_data import images  # noqa: E402


def accuracy(truth, predicted):
    table = np.zeros((predicted.max() + 1, truth.max() + 1), np.int64)
    np.add.at(table, (predicted, truth), 1)
    rows, cols = linear_sum_assignment(-table)
    return table[rows, cols].sum() / len(truth)


def scores(truth, predicted):
    return (accuracy(truth, predicted), normalized_mutual_info_score(truth, predicted), adjusted_rand_score(truth, predicted),
            adjusted_mutual_info_score(truth, predicted))


def main(directory):
    truth = np.concatenate([images("train")[1], images("t10k")[1]])
    rows = defaultdict(dict)
    for path in sorted(glob.glob(os.path.join(directory, "*-seed*.npy"))):
        name, seed = re.match(r"(.+)-seed(\d+)\.npy$", os.path.basename(path)).groups()
        labels = np.load(path)
        assert labels.shape == (70000,) and labels.dtype == np.int64, f"{path}: {labels.shape} {labels.dtype}"
        report = json.load(open(path[:-4] + ".json"))
        # The pretraining a row used: the longest ending of its name with a report (n2d-shift2 -> pretrain-shift2,
        # scan-network-simclr -> pretrain-simclr, n2d-simclr-cnn20 -> pretrain-simclr-cnn20; n2d, dec -> pretrain).
        parts = name.split("-")
        endings = ["-" + "-".join(parts[i:]) for i in range(1, len(parts))] + [""]
        pretrain_path = next((p for p in (os.path.join(directory, f"pretrain{e}-seed{seed}.json") for e in endings) if os.path.exists(p)),
                             "")
        pretrain = sum(e["seconds"] for e in json.load(open(pretrain_path))["epochs"]) if os.path.exists(pretrain_path) else None
        # `cluster --method consensus` reports (label files combined) carry no metrics and K-means iterations, not batches.
        consensus = report.get("method") == "consensus"
        row = {"all": scores(truth, labels), "test": scores(truth[60000:], labels[60000:]), "seconds": report["seconds"],
               "pretrain": pretrain, "iterations": None if consensus else report.get("iterations"),
               "converged": report.get("converged")}
        if not consensus:  # fmnist's own scores must be scikit-learn's.
            ours = report["metrics"]
            assert abs(ours["nmi"] - row["all"][1]) < 1e-9 and abs(ours["ari"] - row["all"][2]) < 1e-9, f"{path}: scores differ"
            assert abs(ours["accuracy"] - row["all"][0]) < 1e-9, f"{path}: accuracy differs"
            assert abs(ours["ami"] - row["all"][3]) < 1e-9, f"{path}: AMI differs"
        rows[name][int(seed)] = row

    def spread(values):
        return f"{np.mean(values):.3f} ± {np.std(values):.3f}"

    print("| row | seeds | ACC (70k) | NMI (70k) | ARI (70k) | AMI (70k) | ACC (test) | NMI (test) | ARI (test) | clustering s "
          "| pretraining s | batches |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, seeds in rows.items():
        r = [seeds[s] for s in sorted(seeds)]
        cells = [spread([x["all"][i] for x in r]) for i in range(4)] + [spread([x["test"][i] for x in r]) for i in range(3)]
        pretrain = [x["pretrain"] for x in r if x["pretrain"] is not None]
        iterations = [x["iterations"] for x in r if x["iterations"] is not None]
        batches = "" if not iterations else "/".join(str(i) + ("" if x["converged"] else "*") for i, x in zip(iterations, r))
        pretrain_cell = f"{np.mean(pretrain):.0f}" if pretrain else ""
        print(f"| {name} | {','.join(map(str, sorted(seeds)))} | " + " | ".join(cells)
              + f" | {np.mean([x['seconds'] for x in r]):.0f} | {pretrain_cell} | {batches} |")
    print("\n(* stopped at the batch limit before fewer than 0.1 % of labels changed)")


if __name__ == "__main__":
    main(sys.argv[1])
