#!/usr/bin/env python3
"""Seconds per training epoch of fmnist's conv autoencoder and CNN classifier (and, with --models, N2D's dense
autoencoder) in PyTorch, on the same 60,000 Fashion-MNIST training images, batch 256, Adam lr 1e-3 (the models
are the same modules, tensor names included), on the CPU (one thread per core) and on CUDA when present.

Usage: train_epoch.py DATA_DIR [--epochs 1] [--device all|cpu|cuda] [--models conv-ae,cnn] [--out torch-epochs.json]
"""
import argparse, gzip, json, os, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Encoder(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 2, 1); self.conv2 = nn.Conv2d(32, 64, 3, 2, 1); self.fc = nn.Linear(3136, d)
    def forward(self, x):
        return self.fc(F.relu(self.conv2(F.relu(self.conv1(x)))).flatten(1))


class Decoder(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.fc = nn.Linear(d, 3136)
        self.deconv1 = nn.ConvTranspose2d(64, 32, 3, 2, 1, output_padding=1)
        self.deconv2 = nn.ConvTranspose2d(32, 1, 3, 2, 1, output_padding=1)
    def forward(self, z):
        return torch.sigmoid(self.deconv2(F.relu(self.deconv1(F.relu(self.fc(z)).view(-1, 64, 7, 7)))))


class ConvAE(nn.Module):
    def __init__(self, d=10):
        super().__init__(); self.encoder = Encoder(d); self.decoder = Decoder(d)
    def forward(self, x):
        return self.decoder(self.encoder(x))


class DenseStack(nn.Module):
    """Linear layers fc1..fcN (fmnist's tensor names), ReLU between them; `last` applied to the output."""
    def __init__(self, dims, last):
        super().__init__()
        self.count, self.last = len(dims) - 1, last
        for i, (a, b) in enumerate(zip(dims, dims[1:])):
            setattr(self, f"fc{i + 1}", nn.Linear(a, b))
    def forward(self, h):
        for i in range(1, self.count + 1):
            h = getattr(self, f"fc{i}")(h)
            h = self.last(h) if i == self.count else F.relu(h)
        return h


class DenseAE(nn.Module):
    """fmnist's dense-ae: N2D's / DEC's 784-500-500-2000-10 encoder, the mirrored decoder, ReLU, sigmoid output."""
    def __init__(self, dims=(784, 500, 500, 2000, 10)):
        super().__init__()
        self.encoder = DenseStack(dims, lambda h: h); self.decoder = DenseStack(dims[::-1], torch.sigmoid)
    def forward(self, x):
        return self.decoder(self.encoder(x.flatten(1))).view_as(x)


class CNN(nn.Module):
    def __init__(self, p=0.25):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1); self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(3136, 128); self.dropout = nn.Dropout(p); self.fc2 = nn.Linear(128, 10)
    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2); x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc2(self.dropout(F.relu(self.fc1(x.flatten(1)))))


def load(data_dir):
    with gzip.open(os.path.join(data_dir, "train-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28).astype(np.float32) / 255
    with gzip.open(os.path.join(data_dir, "train-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
    return torch.from_numpy(images), torch.from_numpy(labels)


def epoch_seconds(model, x, y, device, autoencoder, epochs):
    model = model.to(device); opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    times = []
    for _ in range(epochs):
        perm = torch.randperm(len(x))
        sync(); start = time.perf_counter()
        for i in range(0, len(x), 256):
            idx = perm[i:i + 256]
            xb = x[idx].to(device, non_blocking=True); yb = y[idx].to(device, non_blocking=True)
            out = model(xb)
            loss = F.mse_loss(out, xb) if autoencoder else F.cross_entropy(out, yb)
            opt.zero_grad(); loss.backward(); opt.step()
        sync(); times.append(time.perf_counter() - start)
    return times


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data_dir"); ap.add_argument("--epochs", type=int, default=1); ap.add_argument("--out")
    ap.add_argument("--device", choices=["all", "cpu", "cuda"], default="all")
    ap.add_argument("--limit", type=int, help="keep the first N training images (smoke runs)")
    ap.add_argument("--models", default="conv-ae,cnn", help="comma-separated: conv-ae, cnn, dense-ae")
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count())
    x, y = load(args.data_dir)
    if args.limit:
        x, y = x[:args.limit], y[:args.limit]
    rows = []
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for device in [d for d in devices if args.device in ("all", d)]:
        models = {"conv-ae": (ConvAE, True), "cnn": (CNN, False), "dense-ae": (DenseAE, True)}
        for name in args.models.split(","):
            if name not in models:
                ap.error(f"--models: unknown model {name!r} (known: {', '.join(models)})")
            make, ae = models[name]
            t = epoch_seconds(make(), x, y, device, ae, args.epochs)
            rows.append({"model": name, "device": device, "secondsPerEpoch": min(t), "epochs": t})
            print(f"torch {torch.__version__} {device:5s} {name:8s} {min(t):7.2f} s/epoch ({len(x):,} images, batch 256)", flush=True)
    if args.out:
        json.dump(rows, open(args.out, "w"), indent=1)


if __name__ == "__main__":
    main()
