/**
 * Riemannian solvers with pymanopt's and Manopt's defaults: trust regions with truncated
 * conjugate gradients ({@link dev.stiefel.solver.TrustRegions}; Absil, Baker, Gallivan 2007),
 * nonlinear conjugate gradients ({@link dev.stiefel.solver.ConjugateGradient}), steepest descent
 * ({@link dev.stiefel.solver.SteepestDescent}) and Riemannian L-BFGS
 * ({@link dev.stiefel.solver.RiemannianLbfgs}; Huang, Absil, Gallivan 2018), each configured by
 * an options record and extending {@link dev.stiefel.solver.IterativeSolver}; line searches
 * ({@link dev.stiefel.solver.ArmijoBacktracking}, {@link dev.stiefel.solver.AdaptiveLineSearch});
 * composable stopping criteria ({@link dev.stiefel.solver.StoppingCriteria}); and the record of a
 * run ({@link dev.stiefel.solver.SolverResult}, {@link dev.stiefel.solver.IterationHistory},
 * {@link dev.stiefel.solver.IterationListener}).
 *
 * <p>Solvers own their workspaces and allocate nothing per iteration once warm; they are not
 * thread-safe, and {@code close()} frees their workspaces (device memory on a GPU backend).
 */
package dev.stiefel.solver;
