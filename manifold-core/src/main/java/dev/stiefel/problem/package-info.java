/**
 * Optimisation problems on a manifold, given by Euclidean derivatives of a smooth extension of
 * the cost (pymanopt's {@code Problem}): {@link dev.stiefel.problem.Problem} with its Euclidean
 * Hessian ({@link dev.stiefel.problem.EuclideanHessian}) and preconditioner
 * ({@link dev.stiefel.problem.Preconditioner}) as explicit optional parts, and
 * {@link dev.stiefel.problem.RiemannianDerivatives}, the Riemannian gradient and Hessian the
 * solvers use, with evaluation counters. Classical problems with closed-form derivatives serve as
 * examples and test oracles: Brockett, Procrustes, Rayleigh quotient and dominant invariant
 * subspace (Absil, Mahony, Sepulchre, "Optimization Algorithms on Matrix Manifolds", 2008).
 * A problem from a cost alone, differentiated automatically, is in the module
 * {@code manifold-autodiff}.
 */
package dev.stiefel.problem;
