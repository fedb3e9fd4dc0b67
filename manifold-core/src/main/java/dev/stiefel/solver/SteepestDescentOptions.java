package dev.stiefel.solver;

import java.util.Objects;

/**
 * Options of {@link SteepestDescent}.
 *
 * @param stopping stopping criteria; default {@link StoppingCriteria#defaults()}
 * @param additionalStopping further criteria, asked after {@code stopping}, e.g. one of your own;
 *     default {@link StoppingCriterion#never()}
 * @param pointTolerance tolerance of the start-point and final-point check, in (0, 1)
 *     ({@link SolverSettings#pointTolerance()}); default 1e-8
 * @param recordHistory keep the per-iteration history in the result; default true
 * @param seed seed of the random start point drawn by {@link Solver#solve(dev.stiefel.problem.Problem)};
 *     default 0
 */
public record SteepestDescentOptions(StoppingCriteria stopping, StoppingCriterion additionalStopping, double pointTolerance, boolean recordHistory,
        long seed) {

    public SteepestDescentOptions {
        Objects.requireNonNull(stopping, "stopping");
        Objects.requireNonNull(additionalStopping, "additionalStopping (StoppingCriterion.never() for none)");
        SolverSettings.requirePointTolerance(pointTolerance);
    }

    /** The documented defaults. */
    public static SteepestDescentOptions defaults() {
        return new SteepestDescentOptions(StoppingCriteria.defaults(), StoppingCriterion.never(), 1e-8, true, 0L);
    }

    public SteepestDescentOptions withStopping(StoppingCriteria value) {
        return new SteepestDescentOptions(value, additionalStopping, pointTolerance, recordHistory, seed);
    }

    /**
     * A copy whose runs also stop when {@code value} holds (asked after {@link #stopping()});
     * {@link StoppingCriterion#never()} for none.
     */
    public SteepestDescentOptions withAdditionalStopping(StoppingCriterion value) {
        return new SteepestDescentOptions(stopping, value, pointTolerance, recordHistory, seed);
    }

    /**
     * The settings of the solver: {@link #stopping()} or {@link #additionalStopping()}, the point
     * tolerance, whether to record a history, and the seed.
     */
    public SolverSettings settings() {
        return new SolverSettings(SolverSettings.combine(stopping, additionalStopping), pointTolerance, recordHistory,
                seed);
    }

    public SteepestDescentOptions withPointTolerance(double value) {
        return new SteepestDescentOptions(stopping, additionalStopping, value, recordHistory, seed);
    }

    public SteepestDescentOptions withRecordHistory(boolean value) {
        return new SteepestDescentOptions(stopping, additionalStopping, pointTolerance, value, seed);
    }

    public SteepestDescentOptions withSeed(long value) {
        return new SteepestDescentOptions(stopping, additionalStopping, pointTolerance, recordHistory, value);
    }
}
