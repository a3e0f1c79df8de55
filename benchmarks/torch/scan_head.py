"""SCAN's clustering step (Van Gansbeke et al. 2020, "SCAN: Learning to Classify Images without Labels") on
fixed representations, in PyTorch: each point's 20 nearest neighbours (exact, Euclidean), then heads
(linear, features -> k) trained with SCAN's loss -mean log <p(x), p(neighbour)> - 5 H(mean p), the head
with the lowest loss kept: SCAN's head-only configuration (configs/scan/scan_imagenet_100.yml: 10 heads,
SGD lr 5 momentum 0.9, batch 1024, 100 epochs). The reference for `fmnist deep-cluster
--method scan`; labels are read only to score.

    benchmarks/.venv/bin/python benchmarks/torch/scan_head.py H.npy [--epochs 50] [--heads 10] [--seed 0]
"""
import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from deep_cluster_table import accuracy  # noqa: E402
from fashion_data import images  # noqa: E402
from sklearn.metrics import normalized_mutual_info_score as nmi  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("features")
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--heads", type=int, default=10)
    parser.add_argument("--neighbours", type=int, default=20)
    parser.add_argument("--entropy-weight", type=float, default=5.0)
    parser.add_argument("--lr", type=float, default=5.0)
    parser.add_argument("--optimizer", default="sgd")
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    h = torch.from_numpy(np.load(args.features)).float()
    truth = np.concatenate([images("train")[1], images("t10k")[1]])
    from sklearn.neighbors import NearestNeighbors
    start = time.time()
    knn = NearestNeighbors(n_neighbors=args.neighbours + 1).fit(h.numpy()).kneighbors(h.numpy(), return_distance=False)[:, 1:]
    print(f"k-NN {time.time() - start:.1f} s; neighbours sharing the class: {(truth[knn] == truth[:, None]).mean():.3f}")
    knn = torch.from_numpy(knn)
    n, d = h.shape
    heads = torch.nn.ModuleList([torch.nn.Linear(d, 10) for _ in range(args.heads)])
    optimizer = (torch.optim.SGD(heads.parameters(), lr=args.lr, momentum=0.9) if args.optimizer == "sgd"
                 else torch.optim.Adam(heads.parameters(), lr=args.lr, weight_decay=1e-4))
    g = torch.Generator().manual_seed(args.seed)
    for epoch in range(args.epochs):
        order = torch.randperm(n, generator=g)
        totals = torch.zeros(args.heads)
        for i in range(0, n, args.batch):
            a = order[i:i + args.batch]
            pick = knn[a, torch.randint(0, args.neighbours, (len(a),), generator=g)]
            loss_sum = 0
            for j, head in enumerate(heads):
                p, q = F.softmax(head(h[a]), 1), F.softmax(head(h[pick]), 1)
                consistency = -torch.log(torch.clamp((p * q).sum(1), min=1e-7)).mean()
                m = torch.clamp(p.mean(0), min=1e-8)
                entropy = -(m * torch.log(m)).sum()
                loss = consistency - args.entropy_weight * entropy
                totals[j] += loss.item() * len(a)
                loss_sum = loss_sum + loss
            optimizer.zero_grad()
            loss_sum.backward()
            optimizer.step()
        if (epoch + 1) % 10 == 0 or epoch == args.epochs - 1:
            best = int(torch.argmin(totals))
            with torch.no_grad():
                labels = heads[best](h).argmax(1).numpy()
            print(f"epoch {epoch + 1}: losses {[round(float(t) / n, 4) for t in totals]} best head {best}: "
                  f"ACC {accuracy(truth, labels):.3f} NMI {nmi(truth, labels):.3f}", flush=True)


if __name__ == "__main__":
    main()
