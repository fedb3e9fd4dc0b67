package dev.stiefel.solver;

import java.util.Objects;

/**
 * Options of {@link RiemannianLbfgs}; defaults are Manopt's {@code rlbfgs} (Manopt 8) with its
 * {@code linesearch_hint}, except the approximate Armijo test at rounding level
 * ({@code roundingSlack}); {@link #manopt()} drops it.
 *
 * @param stopping stopping criteria; default {@link StoppingCriteria#defaults()} (Manopt:
 *     {@code tolgradnorm = 1e-6}, {@code maxiter = 1000}, {@code minstepsize = 1e-10})
 * @param additionalStopping further criteria, asked after {@code stopping}, e.g. one of your own;
 *     default {@link StoppingCriterion#never()}
 * @param memory number {@code m} of stored pairs {@code (s_k, y_k)}, at most {@link #MAX_MEMORY};
 *     the solver stores at most the manifold's dimension of them (see {@link RiemannianLbfgs});
 *     default 30, 0 gives scaled steepest descent
 * @param condition the step acceptance test; default {@link Condition#ARMIJO}
 * @param sufficientDecrease Armijo constant {@code c1}; default 1e-4
 * @param curvature weak-Wolfe curvature constant {@code c2}, in {@code (c1, 1)}, used by
 *     {@link Condition#WOLFE}; default 0.9
 * @param contractionFactor Armijo backtracking factor in (0, 1); default 0.5
 * @param maxLineSearchSteps cost evaluations per line search at most; default 25
 * @param cautiousThreshold the cautious update (Li and Fukushima 2001; Huang, Absil, Gallivan
 *     2018, eq. 2.5): a pair is stored only when
 *     {@code <s, y> / <s, s> >= cautiousThreshold ||grad f(x_k)||}; default 1e-4 (Manopt's
 *     {@code strict_inc_func = @(t) 1e-4 * t})
 * @param roundingSlack trial costs within {@code max(1, |f(x)|) eps roundingSlack} of
 *     {@code f(x)} are rounding noise, and there the Armijo test is judged on directional
 *     derivatives (Hager and Zhang's approximate Armijo condition, as in
 *     {@link AdaptiveLineSearch}); default 1e6, where Manopt has none ({@link #manopt()}): with
 *     the plain test the method stalls near {@code ||grad|| ~ sqrt(eps |f| L)}
 * @param pointTolerance tolerance of the start-point and final-point check, in (0, 1)
 *     ({@link SolverSettings#pointTolerance()}); default 1e-8
 * @param recordHistory keep the per-iteration history in the result; default true
 * @param seed seed of the random start point drawn by {@link Solver#solve(dev.stiefel.problem.Problem)};
 *     default 0
 */
public record RiemannianLbfgsOptions(
        StoppingCriteria stopping, StoppingCriterion additionalStopping,
        int memory,
        Condition condition,
        double sufficientDecrease,
        double curvature,
        double contractionFactor,
        int maxLineSearchSteps,
        double cautiousThreshold,
        double roundingSlack,
        double pointTolerance,
        boolean recordHistory,
        long seed) {

    /**
     * Largest {@link #memory()} accepted, 1000. Three to twenty pairs usually suffice (Nocedal and
     * Wright 2006, sec. 7.2; Manopt's default is 30, Manopt.jl's {@code min(dim, 20)}); each pair
     * costs two stored tangent vectors and four inner products per iteration, so a larger memory
     * is a mistake that would exhaust the heap before it helped.
     */
    public static final int MAX_MEMORY = 1000;

    /** How a line-search trial step is accepted. */
    public enum Condition {
        /**
         * Backtracking from the unit step until {@code f(R_x(alpha d)) <= f(x) + c1 alpha <g, d>}
         * (Manopt's {@code linesearch_hint}).
         */
        ARMIJO,
        /**
         * Armijo and the weak Wolfe curvature condition
         * {@code <grad f(R_x(alpha d)), T(d)> >= c2 <g, d>} by bisection and expansion (Lewis and
         * Overton 2013); costs a gradient per trial that passes the Armijo test, and guarantees
         * {@code <s, y> > 0} for isometric transports.
         */
        WOLFE
    }

    public RiemannianLbfgsOptions {
        Objects.requireNonNull(stopping, "stopping");
        Objects.requireNonNull(additionalStopping, "additionalStopping (StoppingCriterion.never() for none)");
        Objects.requireNonNull(condition, "condition");
        if (memory < 0 || memory > MAX_MEMORY) {
            throw new IllegalArgumentException("memory must be in [0, " + MAX_MEMORY + "], got " + memory
                    + " (pairs of stored tangent vectors; 3 to 30 is usual)");
        }
        if (!(sufficientDecrease > 0 && sufficientDecrease < 1)) {
            throw new IllegalArgumentException("sufficientDecrease must be in (0, 1), got " + sufficientDecrease);
        }
        if (!(curvature > sufficientDecrease && curvature < 1)) {
            throw new IllegalArgumentException("curvature must be in (sufficientDecrease, 1), got " + curvature);
        }
        if (!(contractionFactor > 0 && contractionFactor < 1)) {
            throw new IllegalArgumentException("contractionFactor must be in (0, 1), got " + contractionFactor);
        }
        if (maxLineSearchSteps < 1) {
            throw new IllegalArgumentException("maxLineSearchSteps must be >= 1, got " + maxLineSearchSteps);
        }
        if (!(cautiousThreshold >= 0 && cautiousThreshold < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("cautiousThreshold must be finite and >= 0, got " + cautiousThreshold);
        }
        if (!(roundingSlack >= 0 && roundingSlack < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("roundingSlack must be finite and >= 0, got " + roundingSlack);
        }
        SolverSettings.requirePointTolerance(pointTolerance);
    }

    /** The documented defaults. */
    public static RiemannianLbfgsOptions defaults() {
        return new RiemannianLbfgsOptions(StoppingCriteria.defaults(), StoppingCriterion.never(), 30, Condition.ARMIJO, 1e-4, 0.9, 0.5, 25, 1e-4,
                1e6, 1e-8, true, 0L);
    }

    /**
     * Manopt's {@code rlbfgs} exactly: the defaults with the plain Armijo test
     * ({@code roundingSlack = 0}) and {@code maxtime = inf}.
     */
    public static RiemannianLbfgsOptions manopt() {
        return defaults().withRoundingSlack(0.0);
    }

    public RiemannianLbfgsOptions withStopping(StoppingCriteria value) {
        return new RiemannianLbfgsOptions(value, additionalStopping, memory, condition, sufficientDecrease, curvature, contractionFactor, maxLineSearchSteps, cautiousThreshold, roundingSlack, pointTolerance, recordHistory, seed);
    }

    /**
     * A copy whose runs also stop when {@code value} holds (asked after {@link #stopping()});
     * {@link StoppingCriterion#never()} for none.
     */
    public RiemannianLbfgsOptions withAdditionalStopping(StoppingCriterion value) {
        return new RiemannianLbfgsOptions(stopping, value, memory, condition, sufficientDecrease, curvature, contractionFactor, maxLineSearchSteps, cautiousThreshold, roundingSlack, pointTolerance, recordHistory, seed);
    }

    /**
     * The settings of the solver: {@link #stopping()} or {@link #additionalStopping()}, the point
     * tolerance, whether to record a history, and the seed.
     */
    public SolverSettings settings() {
        return new SolverSettings(SolverSettings.combine(stopping, additionalStopping), pointTolerance, recordHistory,
                seed);
    }

    public RiemannianLbfgsOptions withMemory(int value) {
        return new RiemannianLbfgsOptions(stopping, additionalStopping, value, condition, sufficientDecrease, curvature, contractionFactor, maxLineSearchSteps, cautiousThreshold, roundingSlack, pointTolerance, recordHistory, seed);
    }

    public RiemannianLbfgsOptions withCondition(Condition value) {
        return new RiemannianLbfgsOptions(stopping, additionalStopping, memory, value, sufficientDecrease, curvature, contractionFactor, maxLineSearchSteps, cautiousThreshold, roundingSlack, pointTolerance, recordHistory, seed);
    }

    public RiemannianLbfgsOptions withSufficientDecrease(double value) {
        return new RiemannianLbfgsOptions(stopping, additionalStopping, memory, condition, value, curvature, contractionFactor, maxLineSearchSteps, cautiousThreshold, roundingSlack, pointTolerance, recordHistory, seed);
    }

    public RiemannianLbfgsOptions withCurvature(double value) {
        return new RiemannianLbfgsOptions(stopping, additionalStopping, memory, condition, sufficientDecrease, value, contractionFactor, maxLineSearchSteps, cautiousThreshold, roundingSlack, pointTolerance, recordHistory, seed);
    }

    public RiemannianLbfgsOptions withContractionFactor(double value) {
        return new RiemannianLbfgsOptions(stopping, additionalStopping, memory, condition, sufficientDecrease, curvature, value, maxLineSearchSteps, cautiousThreshold, roundingSlack, pointTolerance, recordHistory, seed);
    }

    public RiemannianLbfgsOptions withMaxLineSearchSteps(int value) {
        return new RiemannianLbfgsOptions(stopping, additionalStopping, memory, condition, sufficientDecrease, curvature, contractionFactor, value, cautiousThreshold, roundingSlack, pointTolerance, recordHistory, seed);
    }

    public RiemannianLbfgsOptions withCautiousThreshold(double value) {
        return new RiemannianLbfgsOptions(stopping, additionalStopping, memory, condition, sufficientDecrease, curvature, contractionFactor, maxLineSearchSteps, value, roundingSlack, pointTolerance, recordHistory, seed);
    }

    public RiemannianLbfgsOptions withRoundingSlack(double value) {
        return new RiemannianLbfgsOptions(stopping, additionalStopping, memory, condition, sufficientDecrease, curvature, contractionFactor, maxLineSearchSteps, cautiousThreshold, value, pointTolerance, recordHistory, seed);
    }

    public RiemannianLbfgsOptions withPointTolerance(double value) {
        return new RiemannianLbfgsOptions(stopping, additionalStopping, memory, condition, sufficientDecrease, curvature, contractionFactor, maxLineSearchSteps, cautiousThreshold, roundingSlack, value, recordHistory, seed);
    }

    public RiemannianLbfgsOptions withRecordHistory(boolean value) {
        return new RiemannianLbfgsOptions(stopping, additionalStopping, memory, condition, sufficientDecrease, curvature, contractionFactor, maxLineSearchSteps, cautiousThreshold, roundingSlack, pointTolerance, value, seed);
    }

    public RiemannianLbfgsOptions withSeed(long value) {
        return new RiemannianLbfgsOptions(stopping, additionalStopping, memory, condition, sufficientDecrease, curvature, contractionFactor, maxLineSearchSteps, cautiousThreshold, roundingSlack, pointTolerance, recordHistory, value);
    }
}
