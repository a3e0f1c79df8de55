#!/usr/bin/env python3
"""Writes PyTorch reference results for fmnist's training ops as .npy files into the directory
given (default Tests/BackendTests/TorchFixtures): fixed inputs and weights, PyTorch's outputs and
gradients. The Swift test TorchFixtureTests loads them and requires the same numbers.

The random-resized-crop view of SimCLR's augmentation goes to MODELS_DIR (default
Tests/ModelsTests/Fixtures), for ContrastiveAugmentationTests.

Usage: fixtures.py [OUT_DIR [MODELS_DIR]]   (needs torch and numpy)
"""
import os, sys
import numpy as np
import torch
import torch.nn.functional as F

out = sys.argv[1] if len(sys.argv) > 1 else "Tests/BackendTests/TorchFixtures"
models_out = sys.argv[2] if len(sys.argv) > 2 else "Tests/ModelsTests/Fixtures"
os.makedirs(out, exist_ok=True)
os.makedirs(models_out, exist_ok=True)
g = torch.Generator().manual_seed(0)


def save(name, t, directory=None):
    a = t.detach().cpu().numpy()
    a = a.astype(np.int32) if a.dtype in (np.int64,) else a.astype(np.float32)
    np.save(os.path.join(directory or out, name + ".npy"), np.ascontiguousarray(a))


def rand(*shape):
    return (torch.rand(*shape, generator=g) * 2 - 1).requires_grad_(True)


# conv2d: 2x3x7x6 input, 4 filters 3x3, stride 2, padding 1
x, w, b = rand(2, 3, 7, 6), rand(4, 3, 3, 3), rand(4)
y = F.conv2d(x, w, b, stride=2, padding=1)
dy = torch.rand(y.shape, generator=g) * 2 - 1
dx, dw, db = torch.autograd.grad(y, (x, w, b), dy)
for n, t in dict(x=x, w=w, b=b, y=y, dy=dy, dx=dx, dw=dw, db=db).items():
    save("conv_" + n, t)

# conv_transpose2d: 2x4x4x3 input, weight [4, 2, 3, 3], stride 2, padding 1, output padding 1
x, w, b = rand(2, 4, 4, 3), rand(4, 2, 3, 3), rand(2)
y = F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1)
dy = torch.rand(y.shape, generator=g) * 2 - 1
dx, dw, db = torch.autograd.grad(y, (x, w, b), dy)
for n, t in dict(x=x, w=w, b=b, y=y, dy=dy, dx=dx, dw=dw, db=db).items():
    save("deconv_" + n, t)

# max-pool 3x3, stride 2, padding 1, with indices
x = rand(2, 3, 7, 6)
y, idx = F.max_pool2d(x, 3, stride=2, padding=1, return_indices=True)
dy = torch.rand(y.shape, generator=g) * 2 - 1
(dx,) = torch.autograd.grad(y, (x,), dy)
for n, t in dict(x=x, y=y, indices=idx, dy=dy, dx=dx).items():
    save("pool_" + n, t)

# losses
z = rand(5, 10) * 4
labels = torch.tensor([3, 0, 9, 9, 1])
loss = F.cross_entropy(z, labels)
(dz,) = torch.autograd.grad(loss, (z,))
for n, t in dict(z=z, labels=labels, loss=loss.reshape(1), dz=dz).items():
    save("xent_" + n, t)
p = (torch.rand(40, generator=g) * 0.98 + 0.01).requires_grad_(True)
t = torch.rand(40, generator=g)
mse = F.mse_loss(p, t); (dmse,) = torch.autograd.grad(mse, (p,))
bce = F.binary_cross_entropy(p, t); (dbce,) = torch.autograd.grad(bce, (p,))
for n, v in dict(p=p, t=t, mse=mse.reshape(1), dmse=dmse, bce=bce.reshape(1), dbce=dbce).items():
    save("loss_" + n, v)

# Adam (weight decay 0.01) and SGD (momentum 0.9, nesterov) over three steps with fixed gradients
for name, make in (("adam", lambda ps: torch.optim.Adam(ps, lr=0.01, weight_decay=0.01)),
                   ("sgd", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.001))):
    param = torch.nn.Parameter(torch.rand(50, generator=g) * 2 - 1)
    save(name + "_p0", param)
    opt = make([param])
    grads = torch.rand(3, 50, generator=g) * 2 - 1
    for k in range(3):
        param.grad = grads[k].clone()
        opt.step()
    save(name + "_grads", grads)
    save(name + "_p3", param)

# SimCLR's NT-Xent over 2B = 8 projections of 5 dimensions (rows i and i + 4 are one image's views),
# temperature 0.5, and one random-resized-crop view by affine_grid + grid_sample (its own generator,
# so the fixtures above keep their values).
g = torch.Generator().manual_seed(1)
z = rand(8, 5) * 2
u = F.normalize(z, dim=1)
s = u @ u.t() / 0.5
s = s.masked_fill(torch.eye(8, dtype=torch.bool), float("-inf"))
loss = F.cross_entropy(s, torch.tensor([4, 5, 6, 7, 0, 1, 2, 3]))
(dz,) = torch.autograd.grad(loss, (z,))
for n, t in dict(z=z, loss=loss.reshape(1), dz=dz).items():
    save("ntxent_" + n, t)
image = torch.rand(1, 1, 28, 28, generator=g)
# width 0.6, height 0.8 of the image, centre (0.1, -0.2) in [-1, 1] coordinates, flipped.
theta = torch.tensor([[[-0.6, 0.0, 0.1], [0.0, 0.8, -0.2]]])
grid = F.affine_grid(theta, (1, 1, 28, 28), align_corners=False)
view = F.grid_sample(image, grid, mode="bilinear", padding_mode="border", align_corners=False)
save("crop_image", image, models_out)
save("crop_view", view, models_out)
print("wrote fixtures to", out)
