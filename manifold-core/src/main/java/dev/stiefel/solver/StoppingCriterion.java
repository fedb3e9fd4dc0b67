package dev.stiefel.solver;

import java.util.Arrays;

/**
 * When an iterative solver stops: asked after every iteration (and once at the start point)
 * with the solver's {@link IterationState}, it names a {@link StopReason} or answers null to go
 * on (Manopt.jl's {@code StoppingCriterion}, Bergmann 2022, "Manopt.jl: Optimization on
 * Manifolds in Julia", J. Open Source Softw. 7(70)). The library's criteria are the records
 * nested here; {@link #anyOf} and {@link #or} combine them, and {@link StoppingCriteria} is the
 * usual combination with documented defaults. A criterion of your own is a lambda:
 * <pre>{@code
 *   StoppingCriterion belowTarget = state -> state.cost() < -41.5 ? StopReason.USER_CRITERION : null;
 *   options.withAdditionalStopping(belowTarget)
 * }</pre>
 * Criteria are called inside the solver loop, so they must not allocate; they may keep state
 * only if each solve gets its own instance.
 */
@FunctionalInterface
public interface StoppingCriterion {

    /**
     * The reason to stop after the iteration {@code state} describes, or null to go on. A
     * quantity that does not apply to this iteration is NaN in the state (no step before the
     * first iteration, no cost decrease for a rejected trust-region step); criteria on it then
     * do not hold, because comparisons with NaN are false.
     */
    StopReason stopReason(IterationState<?> state);

    /**
     * The largest iteration count this criterion lets a run reach; {@link Integer#MAX_VALUE}
     * when it sets none. Solvers size their history from it.
     */
    default int iterationLimit() {
        return Integer.MAX_VALUE;
    }

    /** This criterion or {@code other}, asked in that order: {@code anyOf(this, other)}. */
    default StoppingCriterion or(StoppingCriterion other) {
        return anyOf(this, other);
    }

    /**
     * Stops with the reason of the first criterion that holds, asked in the given order; its
     * iteration limit is the smallest of theirs.
     *
     * @throws IllegalArgumentException on no criteria or a null one
     */
    static StoppingCriterion anyOf(StoppingCriterion... criteria) {
        return new AnyOf(criteria);
    }

    /** A criterion that never holds (the run ends on the other criteria only). */
    static StoppingCriterion never() {
        return Never.INSTANCE;
    }

    /** {@link StopReason#MAX_ITERATIONS} once {@code limit} iterations have been executed. */
    record MaxIterations(int limit) implements StoppingCriterion {

        /** @throws IllegalArgumentException when {@code limit < 0} */
        public MaxIterations {
            if (limit < 0) {
                throw new IllegalArgumentException("maxIterations must be >= 0, got " + limit);
            }
        }

        @Override
        public StopReason stopReason(IterationState<?> state) {
            return state.iteration() >= limit ? StopReason.MAX_ITERATIONS : null;
        }

        @Override
        public int iterationLimit() {
            return limit;
        }
    }

    /** {@link StopReason#MAX_TIME} once the time since the start exceeds {@code seconds}. */
    record MaxTime(double seconds) implements StoppingCriterion {

        /** @throws IllegalArgumentException unless {@code seconds > 0} ({@code +inf} disables it) */
        public MaxTime {
            if (!(seconds > 0)) {
                throw new IllegalArgumentException("maxTimeSeconds must be > 0, got " + seconds);
            }
        }

        @Override
        public StopReason stopReason(IterationState<?> state) {
            return state.elapsedSeconds() > seconds ? StopReason.MAX_TIME : null;
        }
    }

    /** {@link StopReason#GRADIENT_NORM} when the Riemannian gradient norm is strictly below {@code tolerance}. */
    record MinGradientNorm(double tolerance) implements StoppingCriterion {

        /** @throws IllegalArgumentException unless {@code tolerance >= 0} */
        public MinGradientNorm {
            requireNonNegative("minGradientNorm", tolerance);
        }

        @Override
        public StopReason stopReason(IterationState<?> state) {
            return state.gradientNorm() < tolerance ? StopReason.GRADIENT_NORM : null;
        }
    }

    /**
     * {@link StopReason#STEP_SIZE} when the last step (for trust regions: the proposed step) is
     * strictly shorter than {@code tolerance}.
     */
    record MinStepSize(double tolerance) implements StoppingCriterion {

        /** @throws IllegalArgumentException unless {@code tolerance >= 0} */
        public MinStepSize {
            requireNonNegative("minStepSize", tolerance);
        }

        @Override
        public StopReason stopReason(IterationState<?> state) {
            return state.stepSize() < tolerance ? StopReason.STEP_SIZE : null;
        }
    }

    /**
     * {@link StopReason#COST_CHANGE} when an accepted step changed the cost by strictly less
     * than {@code tolerance} in absolute value.
     */
    record MinCostChange(double tolerance) implements StoppingCriterion {

        /** @throws IllegalArgumentException unless {@code tolerance >= 0} */
        public MinCostChange {
            requireNonNegative("minCostChange", tolerance);
        }

        @Override
        public StopReason stopReason(IterationState<?> state) {
            return Math.abs(state.costDecrease()) < tolerance ? StopReason.COST_CHANGE : null;
        }
    }

    /** The combination {@link #anyOf} builds. */
    final class AnyOf implements StoppingCriterion {

        private final StoppingCriterion[] criteria;

        private AnyOf(StoppingCriterion[] criteria) {
            if (criteria == null || criteria.length == 0) {
                throw new IllegalArgumentException("anyOf needs at least one stopping criterion");
            }
            for (int i = 0; i < criteria.length; i++) {
                if (criteria[i] == null) {
                    throw new IllegalArgumentException("anyOf: stopping criterion " + i + " is null");
                }
            }
            this.criteria = criteria.clone();
        }

        @Override
        public StopReason stopReason(IterationState<?> state) {
            for (int i = 0; i < criteria.length; i++) {
                StopReason reason = criteria[i].stopReason(state);
                if (reason != null) {
                    return reason;
                }
            }
            return null;
        }

        @Override
        public int iterationLimit() {
            int limit = Integer.MAX_VALUE;
            for (StoppingCriterion criterion : criteria) {
                limit = Math.min(limit, criterion.iterationLimit());
            }
            return limit;
        }

        @Override
        public String toString() {
            return "anyOf" + Arrays.toString(criteria);
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof AnyOf that && Arrays.equals(criteria, that.criteria);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(criteria);
        }
    }

    /** The criterion {@link #never()} returns. */
    enum Never implements StoppingCriterion {
        /** The one instance. */
        INSTANCE;

        @Override
        public StopReason stopReason(IterationState<?> state) {
            return null;
        }
    }

    private static void requireNonNegative(String name, double value) {
        if (!(value >= 0)) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + value);
        }
    }
}
