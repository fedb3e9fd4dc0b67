package dev.stiefel.solver;

import java.util.Objects;

/**
 * Options of {@link SteepestDescent}.
 *
 * @param stopping stopping criteria; default {@link StoppingCriteria#defaults()}
 * @param pointTolerance tolerance of the start-point check; default 1e-8
 * @param recordHistory keep the per-iteration history in the result; default true
 */
public record SteepestDescentOptions(StoppingCriteria stopping, double pointTolerance, boolean recordHistory) {

    public SteepestDescentOptions {
        Objects.requireNonNull(stopping, "stopping");
        if (!(pointTolerance > 0)) {
            throw new IllegalArgumentException("pointTolerance must be > 0, got " + pointTolerance);
        }
    }

    /** The documented defaults. */
    public static SteepestDescentOptions defaults() {
        return new SteepestDescentOptions(StoppingCriteria.defaults(), 1e-8, true);
    }

    public SteepestDescentOptions withStopping(StoppingCriteria value) {
        return new SteepestDescentOptions(value, pointTolerance, recordHistory);
    }

    public SteepestDescentOptions withPointTolerance(double value) {
        return new SteepestDescentOptions(stopping, value, recordHistory);
    }

    public SteepestDescentOptions withRecordHistory(boolean value) {
        return new SteepestDescentOptions(stopping, pointTolerance, value);
    }
}
