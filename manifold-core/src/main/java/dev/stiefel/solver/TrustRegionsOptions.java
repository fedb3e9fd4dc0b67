package dev.stiefel.solver;

import java.util.Objects;

/**
 * Options of {@link TrustRegions}. {@link #defaults()} are Manopt's {@code trustregions}
 * defaults except for one added stop (a proposed step shorter than
 * {@link StoppingCriteria#minStepSize()}); {@link #manopt()} and {@link #pymanopt()} reproduce
 * those libraries' iteration traces (see there for the remaining differences).
 *
 * <p>Inner iterations are counted from 1 here and in Manopt's {@code tCG} ({@code for j = 1 :
 * maxinner}, stop allowed when {@code j >= mininner}); pymanopt 2.2.1 counts from 0 with the
 * same test {@code j >= mininner}, so its default {@code mininner = 1} forces two inner steps:
 * pymanopt's {@code mininner = k} is {@code minInnerIterations = k + 1} here.
 *
 * @param stopping stopping criteria; default {@link StoppingCriteria#defaults()}
 * @param additionalStopping further criteria, asked after {@code stopping}, e.g. one of your own;
 *     default {@link StoppingCriterion#never()}
 * @param maximalRadius {@code Delta_bar}, the largest trust-region radius, in
 *     {@code (0, MAX_RADIUS]}; NaN (default) means {@code manifold.typicalDistance()}
 * @param initialRadius {@code Delta0}, in {@code (0, Delta_bar]} (checked at solve time when
 *     {@code Delta_bar} is the default); NaN (default) means {@code Delta_bar / 8}
 * @param acceptanceRatio {@code rho'} (pymanopt {@code rho_prime}): a step is accepted when
 *     the actual-over-predicted decrease ratio exceeds it; default 0.1, in [0, 1/4)
 * @param kappa linear convergence target of the inner solve,
 *     {@code ||r_j|| <= ||r_0|| min(||r_0||^theta, kappa)}; default 0.1
 * @param theta superlinear convergence exponent of that target; default 1 (quadratic)
 * @param rhoRegularization the ratio's numerator and denominator are both shifted by
 *     {@code max(1, |f|) eps rhoRegularization} so that rho tends to 1 when both are at
 *     rounding level (Conn, Gould, Toint 2000, sec. 17.4.2); default 1e3
 * @param minInnerIterations truncated-CG iterations, counted from 1, before the residual test
 *     may stop it; default 1 (Manopt's {@code mininner = 1}; pymanopt's default behaves as 2); at
 *     most {@code maxInnerIterations} when that is set
 * @param maxInnerIterations truncated-CG iteration cap; 0 (default) means the manifold
 *     dimension
 * @param finiteDifferenceHessian approximate the Hessian by finite differences of gradients
 *     even when the problem supplies one; default false (problems without a Hessian always use
 *     finite differences)
 * @param pointTolerance tolerance of the start-point and final-point check
 *     {@code manifold.checkPoint}, in (0, 1) ({@link SolverSettings#pointTolerance()}); default 1e-8
 * @param recordHistory keep the per-iteration history in the result; default true
 * @param seed seed of the random start point drawn by {@link Solver#solve(dev.stiefel.problem.Problem)};
 *     default 0
 */
public record TrustRegionsOptions(
        StoppingCriteria stopping, StoppingCriterion additionalStopping,
        double maximalRadius,
        double initialRadius,
        double acceptanceRatio,
        double kappa,
        double theta,
        double rhoRegularization,
        int minInnerIterations,
        int maxInnerIterations,
        boolean finiteDifferenceHessian,
        double pointTolerance,
        boolean recordHistory,
        long seed) {

    /**
     * Largest trust-region radius accepted, {@code 1e100}: the truncated CG multiplies
     * {@code Delta^2} by squared norms of gradient-sized directions, which the solver keeps below
     * {@code 2^200} (about {@code 1.6e60}, see {@link IterativeSolver#LARGE_GRADIENT_NORM}), and
     * the product must stay finite.
     */
    public static final double MAX_RADIUS = 1e100;

    public TrustRegionsOptions {
        Objects.requireNonNull(stopping, "stopping");
        Objects.requireNonNull(additionalStopping, "additionalStopping (StoppingCriterion.never() for none)");
        if (!Double.isNaN(maximalRadius) && !(maximalRadius > 0 && maximalRadius <= MAX_RADIUS)) {
            throw new IllegalArgumentException("maximalRadius must be > 0 and at most MAX_RADIUS = " + MAX_RADIUS
                    + " (or NaN for the default), got " + maximalRadius);
        }
        if (!Double.isNaN(initialRadius) && !(initialRadius > 0 && initialRadius <= MAX_RADIUS)) {
            throw new IllegalArgumentException("initialRadius must be > 0 and at most MAX_RADIUS = " + MAX_RADIUS
                    + " (or NaN for the default), got " + initialRadius);
        }
        if (initialRadius > maximalRadius) {
            throw new IllegalArgumentException("initialRadius (" + initialRadius + ") must not exceed maximalRadius ("
                    + maximalRadius + "): the radius never grows beyond it (Absil, Baker, Gallivan 2007, Algorithm 1)");
        }
        if (!(acceptanceRatio >= 0 && acceptanceRatio < 0.25)) {
            throw new IllegalArgumentException("acceptanceRatio (rho') must be in [0, 1/4), got " + acceptanceRatio);
        }
        if (!(kappa > 0 && kappa < 1)) {
            throw new IllegalArgumentException("kappa must be in (0, 1), got " + kappa);
        }
        if (!(theta >= 0 && theta < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("theta must be finite and >= 0, got " + theta);
        }
        if (!(rhoRegularization >= 0 && rhoRegularization < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("rhoRegularization must be finite and >= 0, got " + rhoRegularization);
        }
        if (minInnerIterations < 0 || maxInnerIterations < 0) {
            throw new IllegalArgumentException("inner iteration bounds must be >= 0, got min "
                    + minInnerIterations + ", max " + maxInnerIterations);
        }
        if (maxInnerIterations > 0 && minInnerIterations > maxInnerIterations) {
            throw new IllegalArgumentException("minInnerIterations (" + minInnerIterations
                    + ") must not exceed maxInnerIterations (" + maxInnerIterations + ")");
        }
        SolverSettings.requirePointTolerance(pointTolerance);
    }

    /** The documented defaults. */
    public static TrustRegionsOptions defaults() {
        return new TrustRegionsOptions(StoppingCriteria.defaults(), StoppingCriterion.never(), Double.NaN, Double.NaN, 0.1, 0.1, 1.0, 1e3,
                1, 0, false, 1e-8, true, 0L);
    }

    /**
     * Manopt's {@code trustregions} with {@code trs_tCG_cached} (Manopt 8): the defaults with no
     * step-size stop ({@code tolgradnorm = 1e-6}, {@code maxiter = 1000}, {@code maxtime = inf},
     * {@code mininner = 1}, {@code maxinner = M.dim()}, {@code Delta_bar = M.typicaldist()},
     * {@code Delta0 = Delta_bar / 8}, {@code rho_prime = 0.1}, {@code rho_regularization = 1e3}).
     * Not reproduced: Manopt's {@code useRand}, hooks and {@code allowcostincrease = false}
     * (default true there, and the only behaviour here).
     */
    public static TrustRegionsOptions manopt() {
        return defaults().withStopping(new StoppingCriteria(1000, 1e-6, Double.POSITIVE_INFINITY, 0.0, 0.0));
    }

    /**
     * pymanopt 2.2.1's {@code TrustRegions().run(problem, initial_point=x0)}: {@code mininner = 1}
     * counted from 0, hence {@code minInnerIterations = 2}; {@code max_iterations = 1000},
     * {@code min_gradient_norm = 1e-6}, {@code max_time = 1000} s and no step-size stop (pymanopt
     * passes no step size to its stopping test for trust regions). The iteration traces agree
     * (cost to rounding, inner-iteration counts exactly; a test in this repository compares
     * them). Remaining differences: pymanopt checks its stopping criteria only after an
     * iteration, never at the start point (here a start point that already satisfies one stops
     * at iteration 0); where two criteria hold at once pymanopt names time, then iterations,
     * then the gradient norm, while {@link StoppingCriteria#check} names the gradient norm first;
     * pymanopt's {@code max_cost_evaluations} does not apply to trust regions there either.
     */
    public static TrustRegionsOptions pymanopt() {
        return defaults().withStopping(new StoppingCriteria(1000, 1e-6, 1000.0, 0.0, 0.0)).withMinInnerIterations(2);
    }

    public TrustRegionsOptions withStopping(StoppingCriteria value) {
        return new TrustRegionsOptions(value, additionalStopping, maximalRadius, initialRadius, acceptanceRatio, kappa, theta, rhoRegularization, minInnerIterations, maxInnerIterations, finiteDifferenceHessian, pointTolerance, recordHistory, seed);
    }

    /**
     * A copy whose runs also stop when {@code value} holds (asked after {@link #stopping()});
     * {@link StoppingCriterion#never()} for none.
     */
    public TrustRegionsOptions withAdditionalStopping(StoppingCriterion value) {
        return new TrustRegionsOptions(stopping, value, maximalRadius, initialRadius, acceptanceRatio, kappa, theta, rhoRegularization, minInnerIterations, maxInnerIterations, finiteDifferenceHessian, pointTolerance, recordHistory, seed);
    }

    /**
     * The settings of the solver: {@link #stopping()} or {@link #additionalStopping()}, the point
     * tolerance, whether to record a history, and the seed.
     */
    public SolverSettings settings() {
        return new SolverSettings(SolverSettings.combine(stopping, additionalStopping), pointTolerance, recordHistory,
                seed);
    }

    public TrustRegionsOptions withMaximalRadius(double value) {
        return new TrustRegionsOptions(stopping, additionalStopping, value, initialRadius, acceptanceRatio, kappa, theta, rhoRegularization, minInnerIterations, maxInnerIterations, finiteDifferenceHessian, pointTolerance, recordHistory, seed);
    }

    public TrustRegionsOptions withInitialRadius(double value) {
        return new TrustRegionsOptions(stopping, additionalStopping, maximalRadius, value, acceptanceRatio, kappa, theta, rhoRegularization, minInnerIterations, maxInnerIterations, finiteDifferenceHessian, pointTolerance, recordHistory, seed);
    }

    public TrustRegionsOptions withAcceptanceRatio(double value) {
        return new TrustRegionsOptions(stopping, additionalStopping, maximalRadius, initialRadius, value, kappa, theta, rhoRegularization, minInnerIterations, maxInnerIterations, finiteDifferenceHessian, pointTolerance, recordHistory, seed);
    }

    public TrustRegionsOptions withKappa(double value) {
        return new TrustRegionsOptions(stopping, additionalStopping, maximalRadius, initialRadius, acceptanceRatio, value, theta, rhoRegularization, minInnerIterations, maxInnerIterations, finiteDifferenceHessian, pointTolerance, recordHistory, seed);
    }

    public TrustRegionsOptions withTheta(double value) {
        return new TrustRegionsOptions(stopping, additionalStopping, maximalRadius, initialRadius, acceptanceRatio, kappa, value, rhoRegularization, minInnerIterations, maxInnerIterations, finiteDifferenceHessian, pointTolerance, recordHistory, seed);
    }

    public TrustRegionsOptions withRhoRegularization(double value) {
        return new TrustRegionsOptions(stopping, additionalStopping, maximalRadius, initialRadius, acceptanceRatio, kappa, theta, value, minInnerIterations, maxInnerIterations, finiteDifferenceHessian, pointTolerance, recordHistory, seed);
    }

    public TrustRegionsOptions withMinInnerIterations(int value) {
        return new TrustRegionsOptions(stopping, additionalStopping, maximalRadius, initialRadius, acceptanceRatio, kappa, theta, rhoRegularization, value, maxInnerIterations, finiteDifferenceHessian, pointTolerance, recordHistory, seed);
    }

    public TrustRegionsOptions withMaxInnerIterations(int value) {
        return new TrustRegionsOptions(stopping, additionalStopping, maximalRadius, initialRadius, acceptanceRatio, kappa, theta, rhoRegularization, minInnerIterations, value, finiteDifferenceHessian, pointTolerance, recordHistory, seed);
    }

    public TrustRegionsOptions withFiniteDifferenceHessian(boolean value) {
        return new TrustRegionsOptions(stopping, additionalStopping, maximalRadius, initialRadius, acceptanceRatio, kappa, theta, rhoRegularization, minInnerIterations, maxInnerIterations, value, pointTolerance, recordHistory, seed);
    }

    public TrustRegionsOptions withPointTolerance(double value) {
        return new TrustRegionsOptions(stopping, additionalStopping, maximalRadius, initialRadius, acceptanceRatio, kappa, theta, rhoRegularization, minInnerIterations, maxInnerIterations, finiteDifferenceHessian, value, recordHistory, seed);
    }

    public TrustRegionsOptions withRecordHistory(boolean value) {
        return new TrustRegionsOptions(stopping, additionalStopping, maximalRadius, initialRadius, acceptanceRatio, kappa, theta, rhoRegularization, minInnerIterations, maxInnerIterations, finiteDifferenceHessian, pointTolerance, value, seed);
    }

    public TrustRegionsOptions withSeed(long value) {
        return new TrustRegionsOptions(stopping, additionalStopping, maximalRadius, initialRadius, acceptanceRatio, kappa, theta, rhoRegularization, minInnerIterations, maxInnerIterations, finiteDifferenceHessian, pointTolerance, recordHistory, value);
    }
}
