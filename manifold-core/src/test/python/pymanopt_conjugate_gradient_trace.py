#!/usr/bin/env python3
"""Iteration trace of pymanopt 2.2.1's conjugate gradients on the Brockett cost.

A transcription, with numpy only, of what

    manifold = pymanopt.manifolds.Stiefel(n, p)            # QR retraction, the default
    problem = pymanopt.Problem(manifold, cost, euclidean_gradient=...)
    pymanopt.optimizers.ConjugateGradient(min_gradient_norm=g).run(problem, initial_point=x0)

executes for f(X) = tr(X^T A X N): src/pymanopt/optimizers/conjugate_gradient.py (run, with
beta_rule="HestenesStiefel", orth_value=inf and the identity preconditioner),
src/pymanopt/optimizers/line_search.py (AdaptiveLineSearcher with its defaults),
src/pymanopt/manifolds/stiefel.py and Optimizer._check_stopping_criterion (max_time=1000,
max_iterations=1000, min_step_size=1e-10). The Stiefel geometry is shared with
pymanopt_trust_regions_trace.py.

Input (argv[1]): as for pymanopt_trust_regions_trace.py. Output: one line per row pymanopt
prints, "iteration cost gradient_norm" (iteration 1 is the start point, as in pymanopt).

With argv[2] == "reassociated", the Euclidean gradient is evaluated as 2 A (X N) instead of
2 (A X) N: the same function rounded differently, which pymanopt would run just as faithfully.
Rows where the two traces disagree are decided by rounding, not by the algorithm.
"""

import sys
import time

import numpy as np

from pymanopt_trust_regions_trace import Stiefel


class AdaptiveLineSearcher:
    def __init__(self, contraction_factor=0.5, sufficient_decrease=0.5, max_iterations=10, initial_step_size=1):
        self._contraction_factor = contraction_factor
        self._sufficient_decrease = sufficient_decrease
        self._max_iterations = max_iterations
        self._initial_step_size = initial_step_size
        self._oldalpha = None

    def search(self, objective, manifold, x, d, f0, df0):
        norm_d = manifold.norm(x, d)
        if self._oldalpha is not None:
            alpha = self._oldalpha
        else:
            alpha = self._initial_step_size / norm_d
        alpha = float(alpha)
        newx = manifold.retraction(x, alpha * d)
        newf = objective(newx)
        cost_evaluations = 1
        while newf > f0 + self._sufficient_decrease * alpha * df0 and cost_evaluations <= self._max_iterations:
            alpha *= self._contraction_factor
            newx = manifold.retraction(x, alpha * d)
            newf = objective(newx)
            cost_evaluations += 1
        if newf > f0:
            alpha = 0
            newx = x
        step_size = alpha * norm_d
        if cost_evaluations == 2:
            self._oldalpha = alpha
        else:
            self._oldalpha = 2 * alpha
        return step_size, newx


def run(manifold, objective, gradient, x, min_gradient_norm, max_iterations=1000, max_time=1000,
        min_step_size=1e-10):
    line_searcher = AdaptiveLineSearcher()
    cost = objective(x)
    grad = gradient(x)
    gradient_norm = manifold.norm(x, grad)
    Pgrad = grad
    gradPgrad = manifold.inner_product(x, grad, Pgrad)
    descent_direction = -Pgrad
    iteration = 0
    step_size = np.nan
    start_time = time.time()
    rows = []
    while True:
        iteration += 1
        rows.append((iteration, cost, gradient_norm))
        if time.time() >= start_time + max_time:
            break
        if iteration >= max_iterations:
            break
        if gradient_norm < min_gradient_norm:
            break
        if step_size < min_step_size:
            break
        df0 = manifold.inner_product(x, grad, descent_direction)
        if df0 >= 0:
            descent_direction = -Pgrad
            df0 = -gradPgrad
        step_size, newx = line_searcher.search(objective, manifold, x, descent_direction, cost, df0)
        newcost = objective(newx)
        newgrad = gradient(newx)
        newgradient_norm = manifold.norm(newx, newgrad)
        Pnewgrad = newgrad
        newgradPnewgrad = manifold.inner_product(newx, newgrad, Pnewgrad)
        oldgrad = manifold.transport(x, newx, grad)
        orth_grads = manifold.inner_product(newx, oldgrad, Pnewgrad) / newgradPnewgrad
        if abs(orth_grads) >= np.inf:
            descent_direction = -Pnewgrad
        else:
            descent_direction = manifold.transport(x, newx, descent_direction)
            diff = newgrad - oldgrad
            beta = max(0, manifold.inner_product(newx, Pnewgrad, diff)
                       / manifold.inner_product(newx, diff, descent_direction))
            descent_direction = -Pnewgrad + beta * descent_direction
        x = newx
        cost = newcost
        grad = newgrad
        Pgrad = Pnewgrad
        gradient_norm = newgradient_norm
        gradPgrad = newgradPnewgrad
    return rows


def main():
    with open(sys.argv[1]) as handle:
        tokens = handle.read().split()
    n, p = int(tokens[0]), int(tokens[1])
    min_gradient_norm = float(tokens[2])
    values = np.array([float(t) for t in tokens[3:]])
    a = values[: n * n].reshape(n, n)
    weights = values[n * n: n * n + p * p].reshape(p, p)
    x0 = values[n * n + p * p: n * n + p * p + n * p].reshape(n, p)
    manifold = Stiefel(n, p)

    def cost(x):
        return np.trace(x.T @ a @ x @ weights)

    if len(sys.argv) > 2 and sys.argv[2] != "reassociated":
        sys.exit(f"unknown option {sys.argv[2]!r}: the only option is 'reassociated'")
    reassociated = len(sys.argv) > 2

    def gradient(x):
        euclidean_gradient = 2 * (a @ (x @ weights)) if reassociated else 2 * a @ x @ weights
        return manifold.euclidean_to_riemannian_gradient(x, euclidean_gradient)

    for iteration, fx, norm_grad in run(manifold, cost, gradient, x0, min_gradient_norm):
        print(f"{iteration} {float(fx)!r} {float(norm_grad)!r}")


if __name__ == "__main__":
    main()
