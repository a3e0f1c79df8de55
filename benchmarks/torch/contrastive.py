"""SimCLR (Chen, Kornblith, Norouzi and Hinton 2020) on all 70,000 Fashion-MNIST images in PyTorch, with
the encoder, head, augmentations and hyper-parameters of `fmnist train contrastive`, then N2D's
clustering of the representation (UMAP 10-d, 20 neighbours, min-dist 0; full-covariance GMM). The
side-by-side reference for fmnist's contrastive pretraining; labels are read only to score.

    benchmarks/.venv/bin/python benchmarks/torch/contrastive.py --epochs 20 --seed 0 [--threads 1] [--out h.npy]
    benchmarks/.venv/bin/python benchmarks/torch/contrastive.py --epochs 1 --threads 2 --no-evaluation   # one timed epoch
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from fashion_data import images  # noqa: E402


class Encoder(nn.Module):
    """conv 1>32 k3 s2 p1, ReLU, conv 32>64 k3 s2 p1, ReLU, fc 3136>128, ReLU (the representation h);
    projection head fc 128>128, ReLU, fc 128>64 (z)."""

    def __init__(self, features=128, projection=64):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 2, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 2, 1)
        self.fc = nn.Linear(3136, features)
        self.head1 = nn.Linear(features, features)
        self.head2 = nn.Linear(features, projection)

    def represent(self, x):
        x = F.relu(self.conv1(x.view(-1, 1, 28, 28)))
        x = F.relu(self.conv2(x))
        return F.relu(self.fc(x.flatten(1)))

    def forward(self, x):
        return self.head2(F.relu(self.head1(self.represent(x))))


def augment(x, generator):
    """Random resized crop (area 0.2-1, aspect 3/4-4/3, bilinear), horizontal flip (p 0.5), brightness and
    contrast jitter (p 0.8, factors in [0.6, 1.4]), for a batch [n, 784] in [0, 1]."""
    n = x.shape[0]
    u = torch.rand(n, 6, generator=generator)
    area = 0.2 + 0.8 * u[:, 0]
    aspect = torch.exp(math.log(3 / 4) + (math.log(4 / 3) - math.log(3 / 4)) * u[:, 1])
    w = torch.clamp(torch.sqrt(area * aspect), max=1.0)
    h = torch.clamp(torch.sqrt(area / aspect), max=1.0)
    cx = (1 - w) * (2 * u[:, 2] - 1)
    cy = (1 - h) * (2 * u[:, 3] - 1)
    flip = torch.where(u[:, 4] < 0.5, -1.0, 1.0)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = w * flip
    theta[:, 0, 2] = cx
    theta[:, 1, 1] = h
    theta[:, 1, 2] = cy
    grid = F.affine_grid(theta, (n, 1, 28, 28), align_corners=False)
    out = F.grid_sample(x.view(n, 1, 28, 28), grid, mode="bilinear", padding_mode="border", align_corners=False)
    jitter = torch.rand(n, 3, generator=generator)
    on = (jitter[:, 0] < 0.8).float().view(n, 1, 1, 1)
    b = (0.6 + 0.8 * jitter[:, 1]).view(n, 1, 1, 1)
    c = (0.6 + 0.8 * jitter[:, 2]).view(n, 1, 1, 1)
    j = torch.clamp(out * b, 0, 1)
    m = j.mean(dim=(2, 3), keepdim=True)
    j = torch.clamp((j - m) * c + m, 0, 1)
    return (on * j + (1 - on) * out).view(n, 784)


def nt_xent(z, temperature):
    """NT-Xent over 2B rows: rows i and i + B are the two views of one image."""
    z = F.normalize(z, dim=1)
    n = z.shape[0] // 2
    s = z @ z.t() / temperature
    s.fill_diagonal_(float("-inf"))
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(s, target)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--temperature", type=float, default=0.5)
    parser.add_argument("--out", default=None)
    parser.add_argument("--evaluate-every", type=int, default=0)
    parser.add_argument("--no-evaluation", action="store_true", help="train only (for timing side by side with fmnist)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    (a, ya), (b, yb) = images("train"), images("t10k")
    x = torch.from_numpy(np.concatenate([a, b]))
    truth = np.concatenate([ya, yb])
    model = Encoder()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(args.seed)
    for epoch in range(args.epochs):
        start, total, batches = time.time(), 0.0, 0
        order = torch.randperm(x.shape[0], generator=generator)
        for i in range(0, x.shape[0] - args.batch + 1, args.batch):
            batch = x[order[i:i + args.batch]]
            views = torch.cat([augment(batch, generator), augment(batch, generator)])
            loss = nt_xent(model(views), args.temperature)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
            batches += 1
        print(f"epoch {epoch + 1}: loss {total / batches:.4f} {time.time() - start:.1f} s", flush=True)
        if args.evaluate_every and (epoch + 1) % args.evaluate_every == 0 and epoch + 1 < args.epochs:
            evaluate(model, x, truth, args.seed)
    if args.no_evaluation:
        return
    h = evaluate(model, x, truth, args.seed)
    if args.out:
        np.save(args.out, h)


def evaluate(model, x, truth, seed):
    from deep_cluster_table import accuracy
    from sklearn.cluster import KMeans
    from sklearn.metrics import normalized_mutual_info_score
    from sklearn.mixture import GaussianMixture
    import umap

    with torch.no_grad():
        h = torch.cat([model.represent(x[i:i + 2048]) for i in range(0, x.shape[0], 2048)]).numpy()
    k = KMeans(10, n_init=10, random_state=seed).fit_predict(h)
    print(f"  k-means on h: ACC {accuracy(truth, k):.3f} NMI {normalized_mutual_info_score(truth, k):.3f}", flush=True)
    e = umap.UMAP(n_components=10, n_neighbors=20, min_dist=0.0, random_state=seed).fit_transform(h)
    g = GaussianMixture(10, covariance_type="full", random_state=seed).fit(e).predict(e)
    print(f"  N2D (UMAP-10 + GMM) on h: ACC {accuracy(truth, g):.3f} NMI {normalized_mutual_info_score(truth, g):.3f}", flush=True)
    return h


if __name__ == "__main__":
    main()
