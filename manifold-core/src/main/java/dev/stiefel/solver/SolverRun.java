package dev.stiefel.solver;

import dev.stiefel.manifold.Manifold;
import dev.stiefel.problem.Problem;
import dev.stiefel.problem.RiemannianDerivatives;
import java.util.Objects;

/**
 * Bookkeeping shared by the solvers: start-point validation, the clock, history and listener.
 * One instance per solver, reused across solves.
 */
final class SolverRun<P> {

    private long startNanos;
    private IterationHistory history;
    private IterationListener<P> listener;
    private boolean recordHistory;

    static <P> Manifold<P> validate(Problem<P> problem, P initialPoint, P solutionOut, double pointTolerance) {
        Objects.requireNonNull(problem, "problem");
        Objects.requireNonNull(initialPoint, "initialPoint");
        Objects.requireNonNull(solutionOut, "solutionOut");
        Manifold<P> manifold = Objects.requireNonNull(problem.manifold(), "problem.manifold()");
        manifold.checkPoint(initialPoint, pointTolerance);
        return manifold;
    }

    void start(boolean recordHistory, int expectedIterations, IterationListener<P> iterationListener) {
        startNanos = System.nanoTime();
        history = recordHistory
                ? new IterationHistory(Math.min(expectedIterations, 1024) + 1)
                : IterationHistory.empty();
        this.recordHistory = recordHistory;
        listener = iterationListener;
    }

    double elapsedSeconds() {
        return (System.nanoTime() - startNanos) * 1e-9;
    }

    /** Records one iteration; returns the elapsed time it used. */
    double record(int iteration, P point, double cost, double gradientNorm, double stepSize, double trustRadius,
            int innerIterations) {
        double elapsed = elapsedSeconds();
        if (recordHistory) {
            history.add(cost, gradientNorm, stepSize, trustRadius, innerIterations, elapsed);
        }
        if (listener != null) {
            listener.onIteration(iteration, point, cost, gradientNorm, stepSize, trustRadius, innerIterations, elapsed);
        }
        return elapsed;
    }

    <Q> SolverResult<Q> finish(Q point, double cost, double gradientNorm, int iterations, StopReason reason,
            RiemannianDerivatives<?> derivatives) {
        SolverResult<Q> result = new SolverResult<>(point, cost, gradientNorm, iterations, reason, elapsedSeconds(),
                derivatives.costEvaluations(), derivatives.gradientEvaluations(), derivatives.hessianEvaluations(),
                history);
        history = null;
        listener = null;
        return result;
    }

    static boolean finite(double value) {
        return !Double.isNaN(value) && !Double.isInfinite(value);
    }
}
