#!/usr/bin/env python3
"""Times the same GEMM and nearest-row work as `fmnist bench` in NumPy (and scikit-learn when
installed), on the shapes listed in an fmnist bench JSON file, and prints them side by side.

Usage: numpy_ops.py FMNIST_BENCH.json [--repeats N]
Inputs are float32 like fmnist's; timing is the median of N runs after one warm-up.
"""
import argparse
import json
import re
import statistics
import sys
import time

import numpy as np


def median_seconds(fn, repeats):
    fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def nearest_numpy(x, y, chunk_bytes=64 << 20):
    """Chunked |x|^2 - 2 x.y + |y|^2, clamped at 0, argmin per row: fmnist's algorithm in NumPy."""
    yy = np.einsum("ij,ij->i", y, y)
    rows = max(1, chunk_bytes // (4 * len(y)))
    idx = np.empty(len(x), dtype=np.int64)
    mins = np.empty(len(x), dtype=np.float32)
    for s in range(0, len(x), rows):
        xc = x[s:s + rows]
        d = np.einsum("ij,ij->i", xc, xc)[:, None] - 2 * (xc @ y.T) + yy[None, :]
        np.maximum(d, 0, out=d)
        idx[s:s + rows] = d.argmin(axis=1)
        mins[s:s + rows] = d[np.arange(len(xc)), idx[s:s + rows]]
    return idx, mins


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bench_json")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    report = json.load(open(args.bench_json))
    try:
        from sklearn.metrics import pairwise_distances_argmin_min
    except ImportError:
        pairwise_distances_argmin_min = None
    try:
        from threadpoolctl import threadpool_info
        blas = "; ".join(f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} x{i.get('num_threads')}"
                         for i in threadpool_info())
    except ImportError:
        blas = "threadpoolctl not installed"
    print(f"numpy {np.__version__} ({blas})")
    rng = np.random.default_rng(0)
    header = f"{'op':<10}{'shape':<36}{'fmnist cpu ms':>14}{'numpy ms':>11}{'sklearn ms':>12}{'fmnist/numpy':>14}"
    print(header)
    seen = set()
    for row in report["rows"]:
        if row["backend"] != "cpu" or (row["op"], row["shape"]) in seen:
            continue
        seen.add((row["op"], row["shape"]))
        sk = None
        if row["op"].startswith("gemm"):
            m, n, k = map(int, re.findall(r"(\d+)x(\d+)x(\d+)$", row["shape"])[0])
            ta, tb = "(T" in row["op"], row["op"].endswith("T)")
            a = rng.random((k, m) if ta else (m, k), dtype=np.float32)
            b = rng.random((n, k) if tb else (k, n), dtype=np.float32)
            opa, opb = (a.T if ta else a), (b.T if tb else b)
            t = median_seconds(lambda: opa @ opb, args.repeats)
        elif row["op"] == "nearest":
            n, d, m = map(int, re.findall(r"(\d+)x(\d+) vs (\d+)", row["shape"])[0])
            x = rng.random((n, d), dtype=np.float32)
            y = rng.random((m, d), dtype=np.float32)
            reps = 1 if n * m * d > 1e10 else args.repeats
            t = median_seconds(lambda: nearest_numpy(x, y), reps)
            if pairwise_distances_argmin_min is not None:
                sk = median_seconds(lambda: pairwise_distances_argmin_min(x, y), reps)
        else:
            continue
        fm = row["medianMs"]
        sk_text = f"{sk * 1e3:12.3f}" if sk is not None else f"{'-':>12}"
        print(f"{row['op']:<10}{row['shape']:<36}{fm:14.3f}{t * 1e3:11.3f}{sk_text}{fm / (t * 1e3):14.2f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
