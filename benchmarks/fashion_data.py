"""Shared by the benchmark scripts: Fashion-MNIST from Debian's dataset-fashion-mnist package."""
import gzip
import numpy as np


def images(name):
    """Pixels in [0, 1] as float32 [N, 784] and labels as int64, for name "train" or "t10k"."""
    with gzip.open(f"/usr/share/datasets/fashion-mnist/{name}-images-idx3-ubyte.gz") as f:
        pixels = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    with gzip.open(f"/usr/share/datasets/fashion-mnist/{name}-labels-idx1-ubyte.gz") as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    return pixels.astype(np.float32) / 255, labels.astype(np.int64)
