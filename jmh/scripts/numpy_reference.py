#!/usr/bin/env python3
"""Independent reference timings with numpy/LAPACK for the operations the JMH suite measures.

Same sizes as the JMH benchmarks, same machine, same run: the polar factor of a d x C matrix
(eigh route G (G^T G)^(-1/2) and SVD route U V^T), the QR retraction qf(X + V) with
diag(R) > 0, and the nearest-ETF closed-form backward (docs/mathematics.md section 5c).
Prints a markdown table; with --json FILE also writes the raw numbers.
Exits 0 with a message when numpy is missing, so a caller can skip cleanly.
"""
import argparse
import json
import platform
import sys
import time

try:
    import numpy as np
except ImportError:  # pragma: no cover
    print("numpy not available: skipping the numpy reference")
    sys.exit(0)

SIZES = [(512, 10), (1024, 100), (1024, 200), (1024, 1000), (100000, 10)]


def polar_eigh(g):
    w, v = np.linalg.eigh(g.T @ g)
    return g @ ((v / np.sqrt(w)) @ v.T)


def polar_svd(g):
    u, _, vt = np.linalg.svd(g, full_matrices=False)
    return u @ vt


def qr_retraction(x, v):
    q, r = np.linalg.qr(x + v)
    return q * np.sign(np.sign(np.diag(r)) + 0.5)


def polar_backward(g, vbar):
    u, s, vt = np.linalg.svd(g, full_matrices=False)
    v = vt.T
    x = u.T @ vbar @ v
    inner = (x - x.T) / (s[:, None] + s[None, :])
    return u @ inner @ vt + (vbar @ v - u @ (u.T @ vbar @ v)) @ (vt / s[:, None])


def time_op(fn, min_time=1.0, min_reps=3):
    fn()  # warm-up
    reps, times = 0, []
    start = time.perf_counter()
    while reps < min_reps or time.perf_counter() - start < min_time:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        reps += 1
    times.sort()
    return times[len(times) // 2], times[0], times[-1], reps


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write raw results to this file")
    parser.add_argument("--min-time", type=float, default=1.0, help="seconds per operation (default 1)")
    parser.add_argument("--size", action="append", metavar="NxP",
                        help="only this size, e.g. 1024x1000 (repeatable; default: every size)")
    parser.add_argument("--op", action="append", metavar="NAME",
                        help="only this operation, e.g. 'polar (eigh)' (repeatable; default: every operation)")
    args = parser.parse_args()
    sizes = SIZES
    if args.size:
        sizes = [tuple(int(x) for x in s.lower().split("x")) for s in args.size]
    rng = np.random.default_rng(42)
    rows = []
    for d, c in sizes:
        g = rng.standard_normal((d, c))
        x = polar_svd(rng.standard_normal((d, c)))
        v = rng.standard_normal((d, c))
        v -= x @ ((x.T @ v + v.T @ x) / 2)
        v *= 0.1 / np.linalg.norm(v)
        vbar = rng.standard_normal((d, c))
        ops = [("polar (eigh)", lambda: polar_eigh(g)),
               ("polar (svd)", lambda: polar_svd(g)),
               ("qr retraction", lambda: qr_retraction(x, v)),
               ("polar backward (svd)", lambda: polar_backward(g, vbar))]
        for name, fn in ops:
            if args.op and name not in args.op:
                continue
            med, lo, hi, reps = time_op(fn, args.min_time)
            rows.append({"operation": name, "n": d, "p": c, "median_ms": med * 1e3,
                         "min_ms": lo * 1e3, "max_ms": hi * 1e3, "reps": reps})
    try:
        from threadpoolctl import threadpool_info
        blas = "; ".join(f"{i.get('internal_api')} {i.get('version')} {i.get('architecture')} threads={i.get('num_threads')}"
                         for i in threadpool_info())
    except ImportError:
        blas = "threadpoolctl not installed"
    print(f"numpy {np.__version__}, Python {platform.python_version()}, {platform.machine()}, BLAS: {blas}")
    print()
    print("| operation | n x p | median ms | min–max ms | reps |")
    print("|---|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r['operation']} | {r['n']} x {r['p']} | {r['median_ms']:.3f} | "
              f"{r['min_ms']:.3f}–{r['max_ms']:.3f} | {r['reps']} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"numpy": np.__version__, "blas": blas, "results": rows}, f, indent=1)


if __name__ == "__main__":
    main()
