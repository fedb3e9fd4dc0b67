#!/usr/bin/env python3
"""Iteration trace of pymanopt 2.2.1's Riemannian trust regions on the Brockett cost.

A transcription, with numpy only, of what

    manifold = pymanopt.manifolds.Stiefel(n, p)            # QR retraction, the default
    problem = pymanopt.Problem(manifold, cost, euclidean_gradient=..., euclidean_hessian=...)
    pymanopt.optimizers.TrustRegions(min_gradient_norm=g).run(problem, initial_point=x0)

executes for f(X) = tr(X^T A X N): src/pymanopt/optimizers/trust_regions.py (run and
_truncated_conjugate_gradient with use_rand=False, mininner=1, maxinner=manifold.dim,
Delta_bar=typical_dist=sqrt(p), Delta0=Delta_bar/8, kappa=0.1, theta=1, rho_prime=0.1,
rho_regularization=1e3, identity preconditioner), src/pymanopt/manifolds/stiefel.py
(projection, weingarten, the QR retraction through tools.multi.multiqr, norm, inner product),
RiemannianSubmanifold.euclidean_to_riemannian_hessian and Optimizer._check_stopping_criterion
(max_time=1000, max_iterations=1000). Statements keep pymanopt's order so that rounding agrees
as far as numpy allows.

Input (argv[1], text): "n p min_gradient_norm" on the first line, then A (n rows of n), N
(p rows of p) and X0 (n rows of p), whitespace-separated. Output: one line per iteration,
"iteration hessian_products cost gradient_norm", iteration 0 being the start point;
hessian_products is pymanopt's numit + 1 (numit is the 0-based index of the last inner
iteration), i.e. the number of Hessian-vector products of the inner solve.
"""

import sys
import time

import numpy as np


def multiqr(a):
    q, r = np.linalg.qr(a)
    s = np.diagonal(r).copy()
    s[s == 0] = 1
    s = s / np.abs(s)
    return q * s[np.newaxis, :]


class Stiefel:
    def __init__(self, n, p):
        self.n, self.p = n, p
        self.dim = int(n * p - p * (p + 1) / 2)
        self.typical_dist = np.sqrt(p)

    def inner_product(self, point, a, b):
        return np.tensordot(a, b, axes=a.ndim)

    def norm(self, point, v):
        return np.linalg.norm(v)

    def projection(self, point, vector):
        xtv = point.T @ vector
        return vector - point @ (0.5 * (xtv + xtv.T))

    to_tangent_space = projection

    def weingarten(self, point, tangent_vector, normal_vector):
        vtn = tangent_vector.T @ normal_vector
        return -tangent_vector @ point.T @ normal_vector - point @ (0.5 * (vtn + vtn.T))

    def euclidean_to_riemannian_gradient(self, point, euclidean_gradient):
        return self.projection(point, euclidean_gradient)

    def euclidean_to_riemannian_hessian(self, point, euclidean_gradient, euclidean_hessian, tangent_vector):
        normal_gradient = euclidean_gradient - self.projection(point, euclidean_gradient)
        return self.projection(point, euclidean_hessian) + self.weingarten(point, tangent_vector, normal_gradient)

    def retraction(self, point, tangent_vector):
        return multiqr(point + tangent_vector)

    def transport(self, point_a, point_b, tangent_vector_a):
        return self.projection(point_b, tangent_vector_a)

    def zero_vector(self, point):
        return np.zeros((self.n, self.p))


def truncated_conjugate_gradient(manifold, hess, x, fgradx, eta, Delta, theta, kappa, mininner, maxinner):
    inner = manifold.inner_product
    Heta = manifold.zero_vector(x)
    r = fgradx
    e_Pe = 0
    r_r = inner(x, r, r)
    norm_r = np.sqrt(r_r)
    norm_r0 = norm_r
    z = r
    z_r = inner(x, z, r)
    d_Pd = z_r
    delta = -z
    e_Pd = 0

    def model_fun(eta, Heta):
        return inner(x, eta, fgradx) + 0.5 * inner(x, eta, Heta)

    model_value = 0
    j = 0
    for j in range(int(maxinner)):
        Hdelta = hess(x, delta)
        d_Hd = inner(x, delta, Hdelta)
        if d_Hd != 0:
            alpha = z_r / d_Hd
            e_Pe_new = e_Pe + 2 * alpha * e_Pd + alpha**2 * d_Pd
        else:
            e_Pe_new = e_Pe
        if d_Hd <= 0 or e_Pe_new >= Delta**2:
            tau = (-e_Pd + np.sqrt(e_Pd * e_Pd + d_Pd * (Delta**2 - e_Pe))) / d_Pd
            eta = eta + tau * delta
            Heta = Heta + tau * Hdelta
            stop = "NEGATIVE_CURVATURE" if d_Hd <= 0 else "EXCEEDED_TR"
            break
        e_Pe = e_Pe_new
        new_eta = eta + alpha * delta
        new_Heta = Heta + alpha * Hdelta
        new_model_value = model_fun(new_eta, new_Heta)
        if new_model_value >= model_value:
            stop = "MODEL_INCREASED"
            break
        eta = new_eta
        Heta = new_Heta
        model_value = new_model_value
        r = r + alpha * Hdelta
        r_r = inner(x, r, r)
        norm_r = np.sqrt(r_r)
        if j >= mininner and norm_r <= norm_r0 * min(norm_r0**theta, kappa):
            stop = "REACHED_TARGET"
            break
        z = r
        zold_rold = z_r
        z_r = inner(x, z, r)
        beta = z_r / zold_rold
        delta = -z + beta * delta
        delta = manifold.to_tangent_space(x, delta)
        e_Pd = beta * (e_Pd + alpha * d_Pd)
        d_Pd = z_r + beta * beta * d_Pd
    else:
        stop = "MAX_INNER_ITER"
    return eta, Heta, j, stop


def run(manifold, cost, gradient, hess, x, min_gradient_norm, max_iterations=1000, max_time=1000,
        mininner=1, kappa=0.1, theta=1.0, rho_prime=0.1, rho_regularization=1e3):
    maxinner = manifold.dim
    Delta_bar = manifold.typical_dist
    Delta0 = Delta_bar / 8
    start_time = time.time()
    iteration = 0
    fx = cost(x)
    fgradx = gradient(x)
    norm_grad = manifold.norm(x, fgradx)
    Delta = Delta0
    trace = [(0, 0, fx, norm_grad)]
    while True:
        iteration += 1
        eta = manifold.zero_vector(x)
        eta, Heta, numit, stop_inner = truncated_conjugate_gradient(
            manifold, hess, x, fgradx, eta, Delta, theta, kappa, mininner, maxinner)
        x_prop = manifold.retraction(x, eta)
        fx_prop = cost(x_prop)
        rhonum = fx - fx_prop
        rhoden = -manifold.inner_product(x, fgradx, eta) - 0.5 * manifold.inner_product(x, eta, Heta)
        rho_reg = max(1, abs(fx)) * np.spacing(1) * rho_regularization
        rhonum = rhonum + rho_reg
        rhoden = rhoden + rho_reg
        model_decreased = rhoden >= 0
        rho = rhonum / rhoden
        if rho < 1.0 / 4 or not model_decreased or np.isnan(rho):
            Delta = Delta / 4
        elif rho > 3.0 / 4 and stop_inner in ("NEGATIVE_CURVATURE", "EXCEEDED_TR"):
            Delta = min(2 * Delta, Delta_bar)
        if model_decreased and rho > rho_prime:
            x = x_prop
            fx = fx_prop
            fgradx = gradient(x)
            norm_grad = manifold.norm(x, fgradx)
        trace.append((iteration, numit + 1, fx, norm_grad))
        if time.time() >= start_time + max_time:
            break
        if iteration >= max_iterations:
            break
        if norm_grad < min_gradient_norm:
            break
    return trace


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

    def euclidean_gradient(x):
        return 2 * a @ x @ weights

    def euclidean_hessian(x, v):
        return 2 * a @ v @ weights

    def gradient(x):
        return manifold.euclidean_to_riemannian_gradient(x, euclidean_gradient(x))

    def hess(x, v):
        return manifold.euclidean_to_riemannian_hessian(x, euclidean_gradient(x), euclidean_hessian(x, v), v)

    for iteration, products, fx, norm_grad in run(manifold, cost, gradient, hess, x0, min_gradient_norm):
        print(f"{iteration} {products} {float(fx)!r} {float(norm_grad)!r}")


if __name__ == "__main__":
    main()
