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

    /**
     * Checks the arguments of a solve; a start point off the manifold gets a message that says
     * how to fix it.
     */
    static <P> Manifold<P> validate(Problem<P> problem, P initialPoint, P solutionOut, double pointTolerance) {
        Objects.requireNonNull(problem, "problem");
        Objects.requireNonNull(initialPoint, "initialPoint");
        Objects.requireNonNull(solutionOut, "solutionOut");
        Manifold<P> manifold = Objects.requireNonNull(problem.manifold(), "problem.manifold()");
        try {
            manifold.checkPoint(initialPoint, pointTolerance);
        } catch (IllegalArgumentException offManifold) {
            throw new IllegalArgumentException("start point rejected: " + offManifold.getMessage()
                    + ". Map it back onto the manifold first (for Stiefel or Grassmann re-orthonormalise its "
                    + "columns, e.g. with a QR or polar factor; for the sphere normalise it), draw one with "
                    + "manifold.randomPoint or solve(problem) without a start point, or, if the defect is "
                    + "acceptable rounding, loosen the check with options.withPointTolerance(...) (now "
                    + pointTolerance + ")", offManifold);
        }
        return manifold;
    }

    /** Throws when the solver was closed. */
    static void requireOpen(boolean closed, Object solver) {
        if (closed) {
            throw new IllegalStateException(solver.getClass().getSimpleName()
                    + " was closed (its workspaces are freed); create a new solver");
        }
    }

    /**
     * {@code solver.solve(problem, x0, x0)} from {@code x0} drawn by {@code manifold.randomPoint}
     * with a generator seeded with {@code seed}.
     */
    static <P> SolverResult<P> solveFromRandomPoint(Solver<P> solver, Problem<P> problem, long seed) {
        Objects.requireNonNull(problem, "problem");
        Manifold<P> manifold = Objects.requireNonNull(problem.manifold(), "problem.manifold()");
        P start = manifold.allocate();
        manifold.randomPoint(new java.util.SplittableRandom(seed), start);
        return solver.solve(problem, start, start);
    }

    /**
     * The derivative adapter for {@code problem}: {@code existing} rebound to it (keeping its
     * workspaces), or a new one on the first solve; its evaluation counters start from zero.
     */
    static <P> RiemannianDerivatives<P> bindDerivatives(RiemannianDerivatives<P> existing, Problem<P> problem) {
        RiemannianDerivatives<P> derivatives;
        if (existing == null) {
            derivatives = new RiemannianDerivatives<>(problem);
        } else {
            derivatives = existing;
            derivatives.bind(problem);
        }
        derivatives.resetCounters();
        return derivatives;
    }

    /**
     * The stop reason at the initial point, after its {@link #record}: {@link StopReason#NON_FINITE}
     * when the cost or gradient norm is NaN or infinite, else what {@code stopping} says with no
     * cost decrease and no step yet; null to iterate.
     */
    static StopReason initialReason(StoppingCriteria stopping, double elapsed, double cost, double gradientNorm) {
        return finite(cost) && finite(gradientNorm)
                ? stopping.check(0, elapsed, gradientNorm, Double.NaN, Double.NaN)
                : StopReason.NON_FINITE;
    }

    /**
     * Records an iteration whose line search found no acceptable step (the point stays) and
     * returns its stop reason: {@link StopReason#NON_FINITE} when the search failed on NaN or
     * infinite costs, else what {@code stopping} says of a zero step with no known decrease.
     */
    StopReason recordFailedStep(int iteration, P point, double cost, double gradientNorm, LineSearch<P> lineSearch,
            StoppingCriteria stopping) {
        double elapsed = record(iteration, point, cost, gradientNorm, 0.0, Double.NaN, lineSearch.lastEvaluations());
        return lineSearch.lastFailedOnNonFinite() ? StopReason.NON_FINITE
                : stopping.check(iteration, elapsed, gradientNorm, Double.NaN, 0.0);
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
