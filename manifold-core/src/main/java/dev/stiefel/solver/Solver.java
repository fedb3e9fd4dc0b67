package dev.stiefel.solver;

import dev.stiefel.problem.Problem;

/**
 * A Riemannian optimisation algorithm: {@code min f(x), x in M}, from a given start point or
 * from a seeded random one (pymanopt's {@code optimizer.run(problem)}).
 *
 * <p>Implementations own their workspaces and keep them across calls on the same manifold, so
 * that repeated warm-started solves do not reallocate. They are not thread-safe.
 * {@link #close()} frees the workspaces (device memory on a GPU backend); closing twice is
 * harmless, and a solve after {@link #close()} throws {@link IllegalStateException}.
 *
 * @param <P> point and tangent-vector type
 */
public interface Solver<P> extends AutoCloseable {

    /**
     * Solves from {@code initialPoint}, writing the final iterate into {@code solutionOut}.
     *
     * @param initialPoint start point, checked with {@code manifold.checkPoint} against the
     *     options' {@code pointTolerance}; not modified unless it is also {@code solutionOut}
     * @param solutionOut receives the solution; may alias {@code initialPoint} (warm start in
     *     place)
     * @throws IllegalArgumentException when the start point is not on the manifold (the message
     *     says how far off it is and how to fix it)
     * @throws IllegalStateException after {@link #close()}
     */
    SolverResult<P> solve(Problem<P> problem, P initialPoint, P solutionOut);

    /** As {@link #solve(Problem, Object, Object)} into new storage from the manifold. */
    default SolverResult<P> solve(Problem<P> problem, P initialPoint) {
        return solve(problem, initialPoint, problem.manifold().allocate());
    }

    /**
     * Solves from a random point of the manifold ({@code manifold.randomPoint}) drawn from a
     * generator seeded with the options' {@code seed}, so the run is reproducible; the result's
     * point is new storage from the manifold.
     */
    SolverResult<P> solve(Problem<P> problem);

    /** Frees the workspaces; see the class comment. */
    @Override
    void close();
}
