# Writes V SimCLR-style views of all 70,000 images (train then test) as [70000, 784] float32 .npy,
# with benchmarks/torch/contrastive.py's augment (the same distributions as fmnist's views).
import gzip, sys, numpy as np, torch
sys.path.insert(0, "/work/main/benchmarks/torch")
from contrastive import augment
def images(f):
    with gzip.open(f) as g: return np.frombuffer(g.read()[16:], dtype=np.uint8).reshape(-1, 784).astype(np.float32) / 255
d = "/usr/share/datasets/fashion-mnist/"
x = torch.from_numpy(np.concatenate([images(d + "train-images-idx3-ubyte.gz"), images(d + "t10k-images-idx3-ubyte.gz")]))
g = torch.Generator().manual_seed(2026)
for v in range(int(sys.argv[1])):
    out = torch.cat([augment(x[i:i + 10000], g) for i in range(0, len(x), 10000)])
    np.save(f"/tmp/tta/view{v}.npy", out.numpy().astype(np.float32))
    print("view", v, out.shape, float(out.mean()))
