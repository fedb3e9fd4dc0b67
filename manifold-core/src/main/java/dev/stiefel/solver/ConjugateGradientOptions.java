package dev.stiefel.solver;

import java.util.Objects;

/**
 * Options of {@link ConjugateGradient}. {@link #defaults()} are pymanopt's
 * {@code ConjugateGradient} defaults (Hestenes-Stiefel, no Powell restarts, adaptive line
 * search) with this library's more robust line-search parameters
 * ({@link AdaptiveLineSearch.Parameters#defaults()}); {@link #pymanopt()} and {@link #manopt()}
 * reproduce those libraries' iteration traces.
 *
 * @param stopping stopping criteria; default {@link StoppingCriteria#defaults()}
 * @param additionalStopping further criteria, asked after {@code stopping}, e.g. one of your own;
 *     default {@link StoppingCriterion#never()}
 * @param betaRule the conjugate-gradient update; default {@link ConjugateGradient.BetaRule#HESTENES_STIEFEL}
 * @param powellRestartThreshold restart with the negative gradient when
 *     {@code |<T(grad_old), grad_new>| / ||grad_new||^2} reaches this (Powell 1977; 0.1 is the
 *     classical value); default {@code +inf} (never)
 * @param lineSearch parameters of the {@link AdaptiveLineSearch} that the constructors without
 *     an explicit line search build; default {@link AdaptiveLineSearch.Parameters#defaults()}
 * @param pointTolerance tolerance of the start-point and final-point check, in (0, 1)
 *     ({@link SolverSettings#pointTolerance()}); default 1e-8
 * @param recordHistory keep the per-iteration history in the result; default true
 * @param seed seed of the random start point drawn by {@link Solver#solve(dev.stiefel.problem.Problem)};
 *     default 0
 */
public record ConjugateGradientOptions(
        StoppingCriteria stopping, StoppingCriterion additionalStopping,
        ConjugateGradient.BetaRule betaRule,
        double powellRestartThreshold,
        AdaptiveLineSearch.Parameters lineSearch,
        double pointTolerance,
        boolean recordHistory,
        long seed) {

    public ConjugateGradientOptions {
        Objects.requireNonNull(stopping, "stopping");
        Objects.requireNonNull(additionalStopping, "additionalStopping (StoppingCriterion.never() for none)");
        Objects.requireNonNull(betaRule, "betaRule");
        Objects.requireNonNull(lineSearch, "lineSearch");
        if (!(powellRestartThreshold > 0)) {
            throw new IllegalArgumentException("powellRestartThreshold must be > 0 (+inf disables it), got "
                    + powellRestartThreshold);
        }
        SolverSettings.requirePointTolerance(pointTolerance);
    }

    /** The documented defaults. */
    public static ConjugateGradientOptions defaults() {
        return new ConjugateGradientOptions(StoppingCriteria.defaults(), StoppingCriterion.never(), ConjugateGradient.BetaRule.HESTENES_STIEFEL,
                Double.POSITIVE_INFINITY, AdaptiveLineSearch.Parameters.defaults(), 1e-8, true, 0L);
    }

    /**
     * pymanopt 2.2.1's {@code ConjugateGradient()}: Hestenes-Stiefel, {@code orth_value = inf},
     * {@link AdaptiveLineSearch.Parameters#pymanopt()}, {@code min_gradient_norm = 1e-6},
     * {@code min_step_size = 1e-10}, {@code max_time = 1000} s. pymanopt numbers the start point
     * as iteration 1, so its {@code max_iterations = 1000} allows 999 steps: here
     * {@code maxIterations = 999}, and pymanopt's iteration {@code k + 1} is iteration {@code k}
     * here; the traces agree (cost to rounding, a test in this repository compares them while
     * the cost decreases stay above the rounding of {@code f}, below which either side's line
     * search may branch differently). Remaining differences: where two criteria hold at once
     * pymanopt names time, then iterations, then the gradient norm, then the step size, while
     * {@link StoppingCriteria#check} names the gradient norm and the step size first; pymanopt
     * evaluates the cost once more at each accepted point (its cost-evaluation count is higher).
     */
    public static ConjugateGradientOptions pymanopt() {
        return defaults().withStopping(new StoppingCriteria(999, 1e-6, 1000.0, 0.0, 1e-10))
                .withLineSearch(AdaptiveLineSearch.Parameters.pymanopt());
    }

    /**
     * Manopt's {@code conjugategradient} (Manopt 8): {@code beta_type = 'H-S'},
     * {@code orth_value = Inf}, {@code linesearch_adaptive}
     * ({@link AdaptiveLineSearch.Parameters#manopt()}), {@code tolgradnorm = 1e-6},
     * {@code minstepsize = 1e-10}, {@code maxiter = 1000}, {@code maxtime = inf}. Manopt's
     * preconditioned form is used when the problem has a preconditioner, as here.
     */
    public static ConjugateGradientOptions manopt() {
        return defaults().withStopping(new StoppingCriteria(1000, 1e-6, Double.POSITIVE_INFINITY, 0.0, 1e-10))
                .withLineSearch(AdaptiveLineSearch.Parameters.manopt());
    }

    public ConjugateGradientOptions withStopping(StoppingCriteria value) {
        return new ConjugateGradientOptions(value, additionalStopping, betaRule, powellRestartThreshold, lineSearch, pointTolerance, recordHistory, seed);
    }

    /**
     * A copy whose runs also stop when {@code value} holds (asked after {@link #stopping()});
     * {@link StoppingCriterion#never()} for none.
     */
    public ConjugateGradientOptions withAdditionalStopping(StoppingCriterion value) {
        return new ConjugateGradientOptions(stopping, value, betaRule, powellRestartThreshold, lineSearch, pointTolerance, recordHistory, seed);
    }

    /**
     * The settings of the solver: {@link #stopping()} or {@link #additionalStopping()}, the point
     * tolerance, whether to record a history, and the seed.
     */
    public SolverSettings settings() {
        return new SolverSettings(SolverSettings.combine(stopping, additionalStopping), pointTolerance, recordHistory,
                seed);
    }

    public ConjugateGradientOptions withBetaRule(ConjugateGradient.BetaRule value) {
        return new ConjugateGradientOptions(stopping, additionalStopping, value, powellRestartThreshold, lineSearch, pointTolerance, recordHistory, seed);
    }

    public ConjugateGradientOptions withPowellRestartThreshold(double value) {
        return new ConjugateGradientOptions(stopping, additionalStopping, betaRule, value, lineSearch, pointTolerance, recordHistory, seed);
    }

    public ConjugateGradientOptions withLineSearch(AdaptiveLineSearch.Parameters value) {
        return new ConjugateGradientOptions(stopping, additionalStopping, betaRule, powellRestartThreshold, value, pointTolerance, recordHistory, seed);
    }

    public ConjugateGradientOptions withPointTolerance(double value) {
        return new ConjugateGradientOptions(stopping, additionalStopping, betaRule, powellRestartThreshold, lineSearch, value, recordHistory, seed);
    }

    public ConjugateGradientOptions withRecordHistory(boolean value) {
        return new ConjugateGradientOptions(stopping, additionalStopping, betaRule, powellRestartThreshold, lineSearch, pointTolerance, value, seed);
    }

    public ConjugateGradientOptions withSeed(long value) {
        return new ConjugateGradientOptions(stopping, additionalStopping, betaRule, powellRestartThreshold, lineSearch, pointTolerance, recordHistory, value);
    }
}
