package dev.stiefel.solver;

import java.util.Objects;

/**
 * What every {@link IterativeSolver} needs besides its own parameters: when to stop, how far
 * from the manifold a start point may be, whether to keep a history, and the seed of a random
 * start. Each solver's options record ({@link TrustRegionsOptions}, ...) carries these fields
 * and builds its settings from them; a solver of your own passes one to
 * {@link IterativeSolver}'s constructor.
 *
 * @param stopping when the run stops
 * @param pointTolerance tolerance of {@code manifold.checkPoint} for the start point and the
 *     final point, in (0, 1): a defect of 1 admits points that are no approximation of a point of
 *     the manifold at all (the zero vector has defect 1 on the sphere, the zero matrix
 *     {@code sqrt(p)} on St(n, p)); default 1e-8
 * @param recordHistory keep the per-iteration history in the result; default true
 * @param seed seed of the random start point drawn by {@link Solver#solve(dev.stiefel.problem.Problem)};
 *     default 0
 */
public record SolverSettings(StoppingCriterion stopping, double pointTolerance, boolean recordHistory, long seed) {

    /** Default {@link #pointTolerance()}. */
    public static final double DEFAULT_POINT_TOLERANCE = 1e-8;
    /**
     * Bound of {@link #pointTolerance()} (exclusive): a point whose defect reaches 1 need not be
     * near the manifold.
     */
    public static final double MAX_POINT_TOLERANCE = 1.0;
    /**
     * Validates every field.
     *
     * @throws IllegalArgumentException naming the offending field
     */
    public SolverSettings {
        if (stopping == null) {
            throw new IllegalArgumentException("stopping must not be null");
        }
        requirePointTolerance(pointTolerance);
    }

    /** {@link StoppingCriteria#defaults()}, point tolerance 1e-8, a history, seed 0. */
    public static SolverSettings defaults() {
        return new SolverSettings(StoppingCriteria.defaults(), DEFAULT_POINT_TOLERANCE, true, 0L);
    }

    /** A copy with {@code value} as {@link #stopping()}. */
    public SolverSettings withStopping(StoppingCriterion value) {
        return new SolverSettings(value, pointTolerance, recordHistory, seed);
    }

    /** A copy with {@code value} as {@link #pointTolerance()}. */
    public SolverSettings withPointTolerance(double value) {
        return new SolverSettings(stopping, value, recordHistory, seed);
    }

    /** A copy with {@code value} as {@link #recordHistory()}. */
    public SolverSettings withRecordHistory(boolean value) {
        return new SolverSettings(stopping, pointTolerance, value, seed);
    }

    /** A copy with {@code value} as {@link #seed()}. */
    public SolverSettings withSeed(long value) {
        return new SolverSettings(stopping, pointTolerance, recordHistory, value);
    }

    /**
     * Rejects a point tolerance outside (0, 1) with a message that says why; the options records
     * of the solvers check theirs here.
     *
     * @return {@code value}
     */
    public static double requirePointTolerance(double value) {
        if (!(value > 0 && value < MAX_POINT_TOLERANCE)) {
            throw new IllegalArgumentException("pointTolerance must be in (0, 1), got " + value
                    + ": it bounds the defect of a point (e.g. ||X^T X - I||_F on Stiefel, | ||x|| - 1 | on the "
                    + "sphere), and a defect of 1 or more admits points that are no approximation of a point of the "
                    + "manifold (the zero vector has defect 1 on the sphere, the zero matrix sqrt(p) on St(n, p))");
        }
        return value;
    }

    /** {@code stopping} and {@code additional}, or {@code stopping} alone when {@code additional} never holds. */
    static StoppingCriterion combine(StoppingCriterion stopping, StoppingCriterion additional) {
        Objects.requireNonNull(stopping, "stopping");
        Objects.requireNonNull(additional, "additionalStopping");
        return additional == StoppingCriterion.never() ? stopping : StoppingCriterion.anyOf(stopping, additional);
    }
}
