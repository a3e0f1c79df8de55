#!/usr/bin/env python3
"""Times the autoencoder's and classifier's layers in PyTorch at the shapes of `fmnist bench --ops
layers` (batch 256), forward and backward (input and weight gradients), on the CPU with one thread
per core and on CUDA when present, and prints them beside fmnist's numbers from a bench JSON file.

Also times square float32 products (torch.matmul; on CUDA cuBLAS with TF32 off, so the same
arithmetic as fmnist's SGEMM) at the `gemm NxNxN` sizes the bench JSON holds, and prints fmnist's
rate as a share of PyTorch's (issue 14's "OpenCL SGEMM >= 60 % of cuBLAS").

Usage: layers.py FMNIST_BENCH.json [--batch 256] [--repeats 20] [--out torch.json]
Ratios are fmnist time / PyTorch time on the same machine (below 1: fmnist is faster).
"""
import argparse, json, os, statistics, time
import torch
import torch.nn.functional as F

LAYERS = [  # (label, kind, in, out, H, stride, padding, output_padding)
    ("ae.conv1 1>32 28 s2", "conv", 1, 32, 28, 2, 1, 0),
    ("ae.conv2 32>64 14 s2", "conv", 32, 64, 14, 2, 1, 0),
    ("ae.deconv1 64>32 7>14", "deconv", 64, 32, 7, 2, 1, 1),
    ("ae.deconv2 32>1 14>28", "deconv", 32, 1, 14, 2, 1, 1),
    ("cnn.conv1 1>32 28 p1", "conv", 1, 32, 28, 1, 1, 0),
    ("cnn.pool1 32x28>14", "pool", 32, 32, 28, 2, 0, 0),
    ("cnn.conv2 32>64 14 p1", "conv", 32, 64, 14, 1, 1, 0),
    ("cnn.pool2 64x14>7", "pool", 64, 64, 14, 2, 0, 0),
]


def median_ms(fn, repeats, sync):
    for _ in range(3):
        fn()
    sync()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync()
        samples.append((time.perf_counter() - start) * 1e3)
    return statistics.median(samples)


def time_layers(device, batch, repeats):
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    rows = []
    for label, kind, cin, cout, h, stride, pad, opad in LAYERS:
        x = torch.rand(batch, cin, h, h, device=device, requires_grad=True)
        if kind == "conv":
            w = torch.randn(cout, cin, 3, 3, device=device, requires_grad=True)
            b = torch.randn(cout, device=device, requires_grad=True)
            forward = lambda: F.conv2d(x, w, b, stride=stride, padding=pad)
            params = (x, w, b)
        elif kind == "deconv":
            w = torch.randn(cin, cout, 3, 3, device=device, requires_grad=True)
            b = torch.randn(cout, device=device, requires_grad=True)
            forward = lambda: F.conv_transpose2d(x, w, b, stride=stride, padding=pad, output_padding=opad)
            params = (x, w, b)
        else:
            forward = lambda: F.max_pool2d(x, 2)
            params = (x,)
        with torch.no_grad():
            fwd = median_ms(forward, repeats, sync)
        y = forward()
        dy = torch.randn_like(y)
        bwd = median_ms(lambda: torch.autograd.grad(y, params, dy, retain_graph=True), repeats, sync)
        rows.append({"op": f"{kind} fwd", "shape": label, "device": device, "medianMs": fwd})
        rows.append({"op": f"{kind} bwd", "shape": label, "device": device, "medianMs": bwd})
    return rows


def time_products(device, sizes, repeats):
    """Median ms of an n x n x n float32 product per size (cuBLAS with TF32 off on CUDA)."""
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    torch.backends.cuda.matmul.allow_tf32 = False
    rows = []
    for n in sizes:
        a = torch.randn(n, n, device=device)
        b = torch.randn(n, n, device=device)
        rows.append({"op": "gemm", "shape": f"{n}x{n}x{n}", "device": device,
                     "medianMs": median_ms(lambda: torch.matmul(a, b), repeats, sync)})
    return rows


def print_products(rows, fm, devices):
    print("square float32 products: ms, and fmnist's rate as a share of PyTorch's (cuBLAS, TF32 off, on CUDA)")
    for r in rows:
        n = int(r["shape"].split("x")[0])
        f = fm.get(("gemm", r["shape"], "opencl" if r["device"] == "cuda" else "cpu"))
        if f is None:
            continue
        tflops = lambda ms: 2 * n ** 3 / ms / 1e9
        print(f"gemm {r['shape']:<16} {r['device']:<5} fmnist {f:9.3f} ms ({tflops(f):6.1f} TFLOP/s)  "
              f"torch {r['medianMs']:9.3f} ms ({tflops(r['medianMs']):6.1f} TFLOP/s)  share {r['medianMs'] / f:6.1%}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bench_json")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--out")
    args = ap.parse_args()
    torch.set_num_threads(os.cpu_count())
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    fm = {(r["op"], r["shape"], r["backend"]): r["medianMs"] for r in json.load(open(args.bench_json))["rows"]}
    sizes = sorted({int(shape.split("x")[0]) for op, shape, _ in fm
                    if op == "gemm" and len(set(shape.split("x"))) == 1 and shape.split("x")[0].isdigit()})
    rows, products = [], []
    for device in devices:
        rows += time_layers(device, args.batch, args.repeats)
        products += time_products(device, sizes, args.repeats)
    if args.out:
        json.dump({"torch": torch.__version__, "threads": torch.get_num_threads(), "rows": rows + products},
                  open(args.out, "w"), indent=1)
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} CPU threads"
          + (f", {torch.cuda.get_device_name()}" if "cuda" in devices else ""))
    header = f"{'op':<11}{'shape':<24}{'fmnist cpu':>11}{'torch cpu':>10}{'ratio':>7}"
    if "cuda" in devices:
        header += f"{'fmnist opencl':>14}{'torch cuda':>11}{'ratio':>7}"
    print(header + "   (ms; ratio = fmnist / torch)")
    by = {(r["op"], r["shape"], r["device"]): r["medianMs"] for r in rows}
    totals = {"cpu": [0.0, 0.0], "cuda": [0.0, 0.0]}
    for label, kind, *_ in LAYERS:
        for op in (f"{kind} fwd", f"{kind} bwd"):
            line = f"{op:<11}{label:<24}"
            for device, backend in (("cpu", "cpu"), ("cuda", "opencl")):
                if device not in devices:
                    continue
                t, f = by[(op, label, device)], fm.get((op, label, backend))
                if f is None:
                    line += f"{'-':>11}{t:10.3f}{'-':>7}" if device == "cpu" else f"{'-':>14}{t:11.3f}{'-':>7}"
                    continue
                if label.startswith("ae."):
                    totals[device][0] += f; totals[device][1] += t
                line += (f"{f:11.3f}{t:10.3f}{f / t:7.2f}" if device == "cpu" else f"{f:14.3f}{t:11.3f}{f / t:7.2f}")
            print(line)
    for device in devices:
        f, t = totals[device]
        if t > 0:
            print(f"autoencoder's four layers, forward + backward, {device}: fmnist {f:.2f} ms, torch {t:.2f} ms, ratio {f / t:.2f}")
    print_products(products, fm, devices)


if __name__ == "__main__":
    main()
