package dev.stiefel.etf;

import dev.stiefel.solver.IterationHistory;
import dev.stiefel.solver.IterationRecord;
import dev.stiefel.solver.SolverResult;
import dev.stiefel.solver.StopReason;
import java.util.List;

/**
 * Outcome of one nearest-ETF solve, with what {@link SolverResult} carries: the stop reason as
 * the enum, the time, the evaluation counts and the per-iteration history.
 *
 * @param method the method that produced the point
 * @param iterations outer iterations of the Riemannian solver; 0 for the closed form
 * @param cost the cost {@code f(U*)} of the solved problem
 * @param stopReason why the solver stopped; {@link StopReason#EXACT} for the closed form
 * @param gradientNorm Riemannian gradient norm at the result as the solver saw it; NaN for the
 *     closed form (not computed, to keep that path at one polar factor)
 * @param elapsedSeconds wall-clock time of the solve
 * @param costEvaluations cost evaluations (1 for the closed form: the reported cost)
 * @param gradientEvaluations Euclidean gradient evaluations; 0 for the closed form
 * @param hessianEvaluations Hessian-vector products; 0 for the closed form
 * @param history per-iteration history; empty for the closed form and when
 *     {@link EtfOptions#recordHistory()} is false
 */
public record EtfSolveResult(EtfSolverMethod method, int iterations, double cost, StopReason stopReason,
        double gradientNorm, double elapsedSeconds, int costEvaluations, int gradientEvaluations,
        int hessianEvaluations, IterationHistory history) {

    /** From a Riemannian solver's result. */
    static EtfSolveResult of(EtfSolverMethod method, SolverResult<?> result) {
        return new EtfSolveResult(method, result.iterations(), result.cost(), result.stopReason(),
                result.gradientNorm(), result.elapsedSeconds(), result.costEvaluations(),
                result.gradientEvaluations(), result.hessianEvaluations(), result.history());
    }

    /** For the closed form: no iterations, one cost evaluation. */
    static EtfSolveResult closedForm(double cost, double elapsedSeconds) {
        return new EtfSolveResult(EtfSolverMethod.CLOSED_FORM, 0, cost, StopReason.EXACT, Double.NaN, elapsedSeconds,
                1, 0, 0, IterationHistory.empty());
    }

    /** The history as records, row 0 being the start point. */
    public List<IterationRecord> historyRecords() {
        return history.asList();
    }

    /** True for the closed form and when the solver stopped on the gradient norm. */
    public boolean converged() {
        return stopReason == StopReason.EXACT || stopReason == StopReason.GRADIENT_NORM;
    }

    /** One line: method, stop reason, iterations, time, cost and evaluation counts. */
    public String summary() {
        return String.format(java.util.Locale.ROOT,
                "%s: %s (%s) after %d iterations in %.3f s: cost %.15e; evaluations: %d cost, %d gradient, %d Hessian",
                method, stopReason, stopReason.description(), iterations, elapsedSeconds, cost, costEvaluations,
                gradientEvaluations, hessianEvaluations);
    }
}
