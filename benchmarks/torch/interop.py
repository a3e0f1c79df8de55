#!/usr/bin/env python3
"""Checkpoints go both ways between fmnist and PyTorch.

1. fmnist -> PyTorch: loads fmnist's conv-ae and cnn checkpoints into the equivalent torch modules
   with load_state_dict(strict=True) and compares their outputs on the first N test images with
   the codes and logits fmnist wrote (`fmnist encode`).
2. PyTorch -> fmnist: saves freshly initialised torch modules' state_dicts as safetensors (no
   fmnist metadata) and their outputs on the same images, for `fmnist encode` to reproduce.

Usage: interop.py DATA_DIR AE.safetensors AE_CODES.npy CNN.safetensors CNN_LOGITS.npy OUT_DIR [N]
"""
import gzip, os, sys
import numpy as np
import torch
from safetensors.torch import load_file, save_file
sys.path.insert(0, os.path.dirname(__file__))
from train_epoch import ConvAE, CNN

data_dir, ae_path, ae_codes, cnn_path, cnn_logits, out_dir = sys.argv[1:7]
n = int(sys.argv[7]) if len(sys.argv) > 7 else 256
with gzip.open(os.path.join(data_dir, "t10k-images-idx3-ubyte.gz")) as f:
    x = torch.from_numpy(np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)[:n].astype(np.float32) / 255)

ae = ConvAE(); ae.load_state_dict(load_file(ae_path), strict=True); ae.eval()
cnn = CNN(); cnn.load_state_dict(load_file(cnn_path), strict=True); cnn.eval()
with torch.no_grad():
    codes, logits = ae.encoder(x).numpy(), cnn(x).numpy()
for name, mine, theirs in (("conv-ae codes", codes, np.load(ae_codes)), ("cnn logits", logits, np.load(cnn_logits))):
    err = float(np.abs(mine - theirs).max()); rel = float(np.sum((mine - theirs) ** 2) / np.sum(mine ** 2))
    print(f"fmnist -> torch, {name}: strict load ok, max |diff| {err:.2e}, NMSE {rel:.2e}, "
          f"argmax agreement {float(np.mean(mine.argmax(1) == theirs.argmax(1))) if name.startswith('cnn') else float('nan'):.4f}")

torch.manual_seed(7)
fresh_ae, fresh_cnn = ConvAE().eval(), CNN().eval()
save_file(fresh_ae.state_dict(), os.path.join(out_dir, "torch-ae.safetensors"))
save_file(fresh_cnn.state_dict(), os.path.join(out_dir, "torch-cnn.safetensors"))
with torch.no_grad():
    np.save(os.path.join(out_dir, "torch-ae-codes.npy"), fresh_ae.encoder(x).numpy())
    np.save(os.path.join(out_dir, "torch-cnn-logits.npy"), fresh_cnn(x).numpy())
print("wrote torch state_dicts and outputs to", out_dir)
