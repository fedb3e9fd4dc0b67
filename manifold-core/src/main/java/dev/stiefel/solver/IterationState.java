package dev.stiefel.solver;

/**
 * Where an {@link IterativeSolver} stands after an iteration: what its
 * {@link StoppingCriterion} decides on and what its {@link IterationListener} sees, the values of
 * one {@link IterationRecord} plus the cost decrease and the current point. One instance per
 * solver, overwritten every iteration, so reading it allocates nothing; values are in the
 * problem's units (the cost and gradient norm the problem defines).
 *
 * <p>A listener (or a criterion) may call {@link #requestStop()}: the run then ends after this
 * iteration with {@link StopReason#LISTENER}, unless a stopping criterion names another reason
 * for the same iteration.
 *
 * @param <P> point type
 */
public final class IterationState<P> {

    int iteration;
    P point;
    double cost = Double.NaN;
    double gradientNorm = Double.NaN;
    double stepSize = Double.NaN;
    double costDecrease = Double.NaN;
    double trustRadius = Double.NaN;
    int innerIterations;
    double elapsedSeconds;
    boolean stopRequested;

    IterationState() {
    }

    /** Iterations completed; 0 at the start point. */
    public int iteration() {
        return iteration;
    }

    /**
     * The current iterate; owned by the solver, valid until the next iteration, must not be
     * modified.
     */
    public P point() {
        return point;
    }

    /** {@code f} at the current iterate. */
    public double cost() {
        return cost;
    }

    /** Riemannian gradient norm at the current iterate. */
    public double gradientNorm() {
        return gradientNorm;
    }

    /**
     * Length of the last step taken (line-search solvers; 0 when the line search found none) or
     * proposed (trust regions); NaN at the start point.
     */
    public double stepSize() {
        return stepSize;
    }

    /**
     * {@code f(previous) - f(current)} of the last accepted step; NaN at the start point and
     * when no step was accepted.
     */
    public double costDecrease() {
        return costDecrease;
    }

    /** Trust-region radius after this iteration; NaN for solvers without one. */
    public double trustRadius() {
        return trustRadius;
    }

    /** Inner iterations of this iteration (truncated-CG steps, line-search cost evaluations). */
    public int innerIterations() {
        return innerIterations;
    }

    /** Seconds since the solve started, taken when this iteration was recorded. */
    public double elapsedSeconds() {
        return elapsedSeconds;
    }

    /** Asks the solver to stop after this iteration, with {@link StopReason#LISTENER}. */
    public void requestStop() {
        stopRequested = true;
    }

    /** Whether {@link #requestStop()} was called during this solve. */
    public boolean stopRequested() {
        return stopRequested;
    }

    /** This iteration as a history row (allocates the record). */
    public IterationRecord toRecord() {
        return new IterationRecord(iteration, cost, gradientNorm, stepSize, trustRadius, innerIterations,
                elapsedSeconds);
    }

    void reset() {
        iteration = 0;
        point = null;
        cost = Double.NaN;
        gradientNorm = Double.NaN;
        clearStep();
        elapsedSeconds = 0;
        stopRequested = false;
    }

    void clearStep() {
        stepSize = Double.NaN;
        costDecrease = Double.NaN;
        trustRadius = Double.NaN;
        innerIterations = 0;
    }
}
