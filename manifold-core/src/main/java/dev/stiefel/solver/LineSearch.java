package dev.stiefel.solver;

import dev.stiefel.problem.RiemannianDerivatives;

/**
 * Step-size selection along a descent direction for line-search solvers. Implementations may
 * remember earlier calls (to pick the next initial step), own a tangent-vector workspace per
 * manifold, and are not thread-safe: give each solver its own instance.
 *
 * @param <P> point and tangent-vector type
 */
public interface LineSearch<P> extends AutoCloseable {

    /**
     * Looks for a step {@code alpha > 0} along {@code direction} with sufficient decrease and
     * writes {@code R_x(alpha direction)} into {@code newPoint}; when none is found within the
     * step budget, {@code newPoint = x} and the returned size is 0.
     *
     * @param x current point
     * @param direction descent direction at {@code x} (its norm is irrelevant)
     * @param cost {@code f(x)}
     * @param slope directional derivative {@code <grad f(x), direction>}, negative
     * @param newPoint receives the new point; must not alias {@code x} or {@code direction}
     * @return the step size {@code ||alpha direction||}, 0 when no acceptable step was found
     */
    double search(RiemannianDerivatives<P> derivatives, P x, P direction, double cost, double slope, P newPoint);

    /** Cost at the last returned point. */
    double lastCost();

    /** Cost evaluations of the last search. */
    int lastEvaluations();

    /** Whether the last search failed and met a non-finite cost on the way. */
    boolean lastFailedOnNonFinite();

    /** Forgets what earlier searches remembered; solvers call this at the start of each solve. */
    void reset();

    /**
     * Frees the tangent-vector workspaces (device memory); the solver that owns the line search
     * calls it from its own {@code close()}. Closing twice is harmless; a later search allocates
     * afresh. Default: nothing to free.
     */
    @Override
    default void close() {
    }
}
