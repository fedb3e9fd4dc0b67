package dev.stiefel.solver;

/**
 * The usual stopping criteria with documented defaults, as one immutable value: a
 * {@link StoppingCriterion} that asks, after each iteration (and once at the start point), in
 * the order gradient norm, step size, cost change, iterations, time, as
 * {@link #asCriteria()} spells out with the single criteria. The defaults
 * take pymanopt's {@code Optimizer} values for the gradient norm (1e-6), the iterations (1000)
 * and the step size (1e-10), and Manopt's {@code maxtime = inf} (pymanopt stops after 1000 s);
 * pymanopt's {@code max_cost_evaluations} has no counterpart here. Manopt's trust regions and
 * pymanopt's never stop on the step size, the trust-region solver here does (on the proposed
 * step); the solver options' {@code pymanopt()} and {@code manopt()} presets set these
 * criteria as those libraries do.
 *
 * @param maxIterations stop after this many iterations; default 1000
 * @param minGradientNorm stop when the Riemannian gradient norm is strictly below this;
 *     default 1e-6
 * @param maxTimeSeconds stop when the wall-clock time since the start exceeds this; default
 *     {@code +inf}
 * @param minCostChange stop when an accepted step decreases the cost by strictly less than
 *     this; default 0 (disabled)
 * @param minStepSize stop when the length of the last step (for trust regions: of the proposed
 *     step) is strictly below this; default 1e-10
 */
public record StoppingCriteria(
        int maxIterations,
        double minGradientNorm,
        double maxTimeSeconds,
        double minCostChange,
        double minStepSize) implements StoppingCriterion {

    public StoppingCriteria {
        if (maxIterations < 0) {
            throw new IllegalArgumentException("maxIterations must be >= 0, got " + maxIterations);
        }
        requireNonNegative("minGradientNorm", minGradientNorm);
        requireNonNegative("minCostChange", minCostChange);
        requireNonNegative("minStepSize", minStepSize);
        if (!(maxTimeSeconds > 0)) {
            throw new IllegalArgumentException("maxTimeSeconds must be > 0, got " + maxTimeSeconds);
        }
    }

    /** The documented defaults. */
    public static StoppingCriteria defaults() {
        return new StoppingCriteria(1000, 1e-6, Double.POSITIVE_INFINITY, 0.0, 1e-10);
    }

    public StoppingCriteria withMaxIterations(int value) {
        return new StoppingCriteria(value, minGradientNorm, maxTimeSeconds, minCostChange, minStepSize);
    }

    public StoppingCriteria withMinGradientNorm(double value) {
        return new StoppingCriteria(maxIterations, value, maxTimeSeconds, minCostChange, minStepSize);
    }

    public StoppingCriteria withMaxTimeSeconds(double value) {
        return new StoppingCriteria(maxIterations, minGradientNorm, value, minCostChange, minStepSize);
    }

    public StoppingCriteria withMinCostChange(double value) {
        return new StoppingCriteria(maxIterations, minGradientNorm, maxTimeSeconds, value, minStepSize);
    }

    public StoppingCriteria withMinStepSize(double value) {
        return new StoppingCriteria(maxIterations, minGradientNorm, maxTimeSeconds, minCostChange, value);
    }

    /**
     * The first criterion that holds, or null to go on. Pass NaN for a quantity that does not
     * apply to this iteration (no step yet, a rejected trust-region step has no cost change):
     * comparisons with NaN never trigger.
     *
     * @param iteration iterations completed so far
     * @param elapsedSeconds time since the solver started
     * @param gradientNorm Riemannian gradient norm at the current point
     * @param costDecrease {@code f(previous) - f(current)} for an accepted step
     * @param stepSize length of the last step
     */
    public StopReason check(int iteration, double elapsedSeconds, double gradientNorm,
            double costDecrease, double stepSize) {
        if (gradientNorm < minGradientNorm) {
            return StopReason.GRADIENT_NORM;
        }
        if (stepSize < minStepSize) {
            return StopReason.STEP_SIZE;
        }
        if (Math.abs(costDecrease) < minCostChange) {
            return StopReason.COST_CHANGE;
        }
        if (iteration >= maxIterations) {
            return StopReason.MAX_ITERATIONS;
        }
        if (elapsedSeconds > maxTimeSeconds) {
            return StopReason.MAX_TIME;
        }
        return null;
    }

    /** {@link #check} on the state's iteration, time, gradient norm, cost decrease and step size. */
    @Override
    public StopReason stopReason(IterationState<?> state) {
        return check(state.iteration(), state.elapsedSeconds(), state.gradientNorm(), state.costDecrease(),
                state.stepSize());
    }

    /** {@link #maxIterations()}. */
    @Override
    public int iterationLimit() {
        return maxIterations;
    }

    /**
     * The same criteria as single {@link StoppingCriterion} records combined by
     * {@link StoppingCriterion#anyOf}, in the order {@link #check} asks them: gradient norm, step
     * size, cost change, iterations, time. They stop where this object stops, for the same
     * reason.
     */
    public StoppingCriterion asCriteria() {
        return StoppingCriterion.anyOf(new StoppingCriterion.MinGradientNorm(minGradientNorm),
                new StoppingCriterion.MinStepSize(minStepSize), new StoppingCriterion.MinCostChange(minCostChange),
                new StoppingCriterion.MaxIterations(maxIterations), new StoppingCriterion.MaxTime(maxTimeSeconds));
    }

    private static void requireNonNegative(String name, double value) {
        if (!(value >= 0)) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + value);
        }
    }
}
