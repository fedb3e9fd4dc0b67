package dev.stiefel.solver;

import java.util.List;

/**
 * Outcome of one solve: a plain value with a stop reason.
 *
 * @param point the final iterate (the caller's output storage)
 * @param cost {@code f(point)}
 * @param gradientNorm Riemannian gradient norm at {@code point}
 * @param iterations outer iterations executed
 * @param stopReason why the solver stopped
 * @param elapsedSeconds wall-clock time of the solve
 * @param costEvaluations calls of the cost (alone or with the gradient)
 * @param gradientEvaluations calls of the Euclidean gradient
 * @param hessianEvaluations Riemannian Hessian-vector products (exact or finite-difference)
 * @param history per-iteration history, empty when the solver was told not to record one
 * @param <P> point type
 */
public record SolverResult<P>(
        P point,
        double cost,
        double gradientNorm,
        int iterations,
        StopReason stopReason,
        double elapsedSeconds,
        int costEvaluations,
        int gradientEvaluations,
        int hessianEvaluations,
        IterationHistory history) {

    /** The history as records, row 0 being the start point. */
    public List<IterationRecord> historyRecords() {
        return history.asList();
    }

    /**
     * One line for a log or a terminal: stop reason, iterations, time, final cost and gradient
     * norm, evaluation counts, e.g.
     * {@code GRADIENT_NORM (gradient norm below tolerance) after 12 iterations in 0.034 s: cost
     * -1.2345678901234e+01, |grad| 3.1e-09; evaluations: 13 cost, 13 gradient, 120 Hessian}.
     */
    public String summary() {
        return String.format(java.util.Locale.ROOT,
                "%s (%s) after %d iterations in %.3f s: cost %.15e, |grad| %.3e; evaluations: %d cost, %d gradient, "
                        + "%d Hessian",
                stopReason, stopReason.description(), iterations, elapsedSeconds, cost, gradientNorm, costEvaluations,
                gradientEvaluations, hessianEvaluations);
    }

    /** True when the solver stopped on the gradient-norm criterion. */
    public boolean converged() {
        return stopReason == StopReason.GRADIENT_NORM;
    }
}
