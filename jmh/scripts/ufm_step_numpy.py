#!/usr/bin/env python3
"""One UFM training step per head in numpy, timed: the reference the Java trainer is compared with.

A step as the Java trainer takes it (docs/mathematics.md sections 3-7; Markou, Ajanthan, Gould,
"Guiding Neural Collapse", NeurIPS 2024): a stratified batch of B = max(256, C) samples
(floor(B/C) of every class plus one more for B mod C random classes, without replacement within
a class), features normalised to norm tau = 5 and centred by the batch mean, logits
Z = Hc W, mean cross-entropy and dL/dZ, the backward to the features and one Automatic
Gradient Descent step (gain 10, L tensors) on the batch rows. Heads:

  fixed                  W = sqrt(C/(C-1)) [I_C; 0] Mc, frozen
  implicit-forward-only  EMA of the batch's centred class means, Ht = EMA / ||EMA||,
                         G = (2/sqrt(C-1)) Ht Mc + delta Uprox, U* = G V diag(lambda)^(-1/2) V^T
                         from eigh(G^T G) (the eigen route), W = sqrt(C/(C-1)) U* Mc;
                         U* is held fixed in the backward
  implicit               the same, and the backward through U*: the closed form of the polar
                         factor's derivative from the same eigendecomposition
                         (Usvd = U* V, s = sqrt(lambda)), the normalisation and the EMA
  standard               a learned d x C classifier with unit columns: dL/dW = Hc^T dL/dZ,
                         AGD on features and classifier (L = 2), columns re-normalised

Prints one line per (preset, head) and, with --json FILE, writes the medians.
"""
import argparse
import json
import math
import sys
import time

try:
    import numpy as np
except ImportError:  # pragma: no cover
    print("numpy not available")
    sys.exit(2)

PRESETS = {"ufm-10": (10, 1000, 512), "ufm-100": (100, 5000, 1024),
           "ufm-200": (200, 5000, 1024), "ufm-1000": (1000, 10000, 1024)}
HEADS = ("fixed", "implicit-forward-only", "implicit", "standard")
TAU, GAIN, DELTA, EMA_FLOOR = 5.0, 10.0, 1e-3, 0.0


class StratifiedSampler:
    def __init__(self, c, n, b, rng):
        self.c, self.b, self.rng = c, b, rng
        self.order = [rng.permutation(np.arange(k, n, c)) for k in range(c)]
        self.cursor = [0] * c
        self.batch = np.empty(b, dtype=np.int64)

    def next(self):
        per, extra = divmod(self.b, self.c)
        counts = np.full(self.c, per)
        counts[self.rng.permutation(self.c)[:extra]] += 1
        k = 0
        for label in range(self.c):
            take = counts[label]
            if self.cursor[label] + take > len(self.order[label]):
                self.order[label] = self.rng.permutation(self.order[label])
                self.cursor[label] = 0
            self.batch[k:k + take] = self.order[label][self.cursor[label]:self.cursor[label] + take]
            self.cursor[label] += take
            k += take
        return self.batch


def centre_rows(a):
    """a Mc: every row minus its mean."""
    return a - a.mean(axis=1, keepdims=True)


def agd_step(tensors):
    """AGD on [(value, rows or None, gradient, fan_out, fan_in)], in place."""
    depth = len(tensors)
    norms = [np.linalg.norm(g) for (_, _, g, _, _) in tensors]
    g_sum = sum(math.sqrt(fo / fi) * nrm for (_, _, _, fo, fi), nrm in zip(tensors, norms)) / depth
    eta = math.log((1 + math.sqrt(1 + 4 * g_sum)) / 2)
    for (value, rows, g, fo, fi), nrm in zip(tensors, norms):
        if nrm == 0:
            continue
        factor = GAIN * eta / depth * math.sqrt(fo / fi) / nrm
        if rows is None:
            value -= factor * g
        else:
            value[rows] -= factor * g


class Step:
    def __init__(self, head, c, n, d, seed=1):
        self.head, self.c, self.n, self.d = head, c, n, d
        rng = np.random.default_rng(seed)
        self.rng = rng
        self.features = rng.standard_normal((n, d))
        self.labels = np.arange(n) % c
        self.b = max(256, c)
        self.sampler = StratifiedSampler(c, n, self.b, rng)
        self.mh = math.sqrt(c / (c - 1))
        if head == "standard":
            w = rng.standard_normal((d, c))
            self.w = w / np.linalg.norm(w, axis=0)
        else:
            eye = np.zeros((d, c))
            eye[:c, :c] = np.eye(c)
            self.w = self.mh * centre_rows(eye)
        self.ema = np.zeros((d, c))
        self.u = np.zeros((d, c))
        self.u[:c, :c] = np.eye(c)
        self.t = 0

    def __call__(self):
        c, d, b = self.c, self.d, self.b
        idx = self.sampler.next()
        labels = self.labels[idx]
        x = self.features[idx]
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        hn = (TAU / norms) * x
        hc = hn - hn.mean(axis=0)
        implicit = self.head.startswith("implicit")
        if implicit:
            counts = np.bincount(labels, minlength=c)
            # the sampler groups the batch by class: class sums are sums of consecutive rows
            starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
            means = (np.add.reduceat(hc, starts, axis=0) / counts[:, None]).T   # d x C
            self.t += 1
            rate = max(2.0 / (self.t + 1), EMA_FLOOR)
            ema = rate * means + (1 - rate) * self.ema
            self.ema = ema
            ema_norm = np.linalg.norm(ema)
            ht = ema / ema_norm
            weight = 2.0 / math.sqrt(c - 1)
            # the Java head solves problem (6) once at step 1 and then (7) from it; here (7)
            # starts from [I_C; 0] at step 1, the same work as every later step
            g = weight * centre_rows(ht) + DELTA * self.u
            lam, v = np.linalg.eigh(g.T @ g)
            u = g @ ((v / np.sqrt(lam)) @ v.T)
            self.u = u
            self.w = self.mh * centre_rows(u)
        z = hc @ self.w
        z_max = z.max(axis=1, keepdims=True)
        e = np.exp(z - z_max)
        s = e.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(s[:, 0]) + z_max[:, 0] - z[np.arange(b), labels]))
        dz = e / s
        dz[np.arange(b), labels] -= 1.0
        dz /= b
        dhc = dz @ self.w.T
        dw = None
        if self.head == "standard":
            dw = hc.T @ dz
        g_rows = dhc - dhc.sum(axis=0) / b
        if self.head == "implicit":
            dw_full = hc.T @ dz
            du = self.mh * centre_rows(dw_full)
            # closed-form backward of the polar factor from the eigendecomposition
            sv = np.sqrt(lam)
            usvd = u @ v
            t_mat = du @ v
            xm = usvd.T @ t_mat
            zm = (xm - xm.T) / (sv[:, None] + sv[None, :]) - xm / sv[None, :]
            dg = (t_mat / sv[None, :] + usvd @ zm) @ v.T
            dht = weight * centre_rows(dg)
            de = (dht - ht * np.sum(ht * dht)) / ema_norm
            dmeans = rate * de                          # every class is present in a stratified batch
            per_class = dmeans / counts                 # d x C
            g_rows = g_rows + per_class.T[labels] - per_class.sum(axis=1) / b
        radial = np.sum(g_rows * hn, axis=1, keepdims=True) / (TAU * TAU)
        grad = (TAU / norms) * (g_rows - radial * hn)
        tensors = [(self.features, idx, grad, self.n, d)]
        if dw is not None:
            tensors.append((self.w, None, dw, c, d))
        agd_step(tensors)
        if self.head == "standard":
            self.w /= np.linalg.norm(self.w, axis=0)
        return loss


def time_steps(step, min_time, min_reps, warmup):
    for _ in range(warmup):
        step()
    times = []
    start = time.perf_counter()
    while len(times) < min_reps or time.perf_counter() - start < min_time:
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2] * 1e3, len(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", action="append", choices=sorted(PRESETS), help="repeatable; default all")
    parser.add_argument("--head", action="append", choices=HEADS, help="repeatable; default all")
    parser.add_argument("--min-time", type=float, default=3.0, help="seconds of timed steps (default 3)")
    parser.add_argument("--min-reps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--json", help="write the medians to this file")
    args = parser.parse_args()
    results = []
    for preset in args.preset or list(PRESETS):
        c, n, d = PRESETS[preset]
        for head in args.head or HEADS:
            step = Step(head, c, n, d)
            median, reps = time_steps(step, args.min_time, args.min_reps, args.warmup)
            results.append({"preset": preset, "head": head, "median_ms": median, "reps": reps})
            print(f"{preset} {head}: {median:.3f} ms/step (median of {reps})", flush=True)
    if args.json:
        info = {"numpy": np.__version__, "results": results}
        try:
            from threadpoolctl import threadpool_info
            info["blas"] = [{k: i.get(k) for k in ("internal_api", "version", "num_threads", "architecture")}
                            for i in threadpool_info()]
        except ImportError:
            pass
        with open(args.json, "w") as out:
            json.dump(info, out, indent=1)


if __name__ == "__main__":
    main()
