package dev.stiefel.solver;

import java.util.Objects;

/**
 * Options of {@link SteepestDescent}.
 *
 * @param stopping stopping criteria; default {@link StoppingCriteria#defaults()}
 * @param pointTolerance tolerance of the start-point check; default 1e-8
 * @param recordHistory keep the per-iteration history in the result; default true
 * @param seed seed of the random start point drawn by {@link Solver#solve(dev.stiefel.problem.Problem)};
 *     default 0
 */
public record SteepestDescentOptions(StoppingCriteria stopping, double pointTolerance, boolean recordHistory,
        long seed) {

    public SteepestDescentOptions {
        Objects.requireNonNull(stopping, "stopping");
        if (!(pointTolerance > 0)) {
            throw new IllegalArgumentException("pointTolerance must be > 0, got " + pointTolerance);
        }
    }

    /** The documented defaults. */
    public static SteepestDescentOptions defaults() {
        return new SteepestDescentOptions(StoppingCriteria.defaults(), 1e-8, true, 0L);
    }

    public SteepestDescentOptions withStopping(StoppingCriteria value) {
        return new SteepestDescentOptions(value, pointTolerance, recordHistory, seed);
    }

    public SteepestDescentOptions withPointTolerance(double value) {
        return new SteepestDescentOptions(stopping, value, recordHistory, seed);
    }

    public SteepestDescentOptions withRecordHistory(boolean value) {
        return new SteepestDescentOptions(stopping, pointTolerance, value, seed);
    }

    public SteepestDescentOptions withSeed(long value) {
        return new SteepestDescentOptions(stopping, pointTolerance, recordHistory, value);
    }
}
