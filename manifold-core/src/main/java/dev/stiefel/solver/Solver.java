package dev.stiefel.solver;

import dev.stiefel.problem.Problem;

/**
 * A Riemannian optimisation algorithm: {@code min f(x), x in M} from a start point.
 *
 * <p>Implementations own their workspaces and keep them across calls on the same manifold, so
 * that repeated warm-started solves do not reallocate. They are not thread-safe.
 *
 * @param <P> point and tangent-vector type
 */
public interface Solver<P> {

    /**
     * Solves from {@code initialPoint}, writing the final iterate into {@code solutionOut}.
     *
     * @param initialPoint start point, checked with {@code manifold.checkPoint}; not modified
     *     unless it is also {@code solutionOut}
     * @param solutionOut receives the solution; may alias {@code initialPoint} (warm start in
     *     place)
     * @throws IllegalArgumentException when the start point is not on the manifold
     */
    SolverResult<P> solve(Problem<P> problem, P initialPoint, P solutionOut);

    /** As {@link #solve(Problem, Object, Object)} into new storage from the manifold. */
    default SolverResult<P> solve(Problem<P> problem, P initialPoint) {
        return solve(problem, initialPoint, problem.manifold().allocate());
    }
}
