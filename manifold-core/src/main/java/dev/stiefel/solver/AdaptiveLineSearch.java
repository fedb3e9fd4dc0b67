package dev.stiefel.solver;

import dev.stiefel.manifold.Manifold;
import dev.stiefel.problem.RiemannianDerivatives;

/**
 * Adaptive backtracking line search (Manopt {@code linesearch_adaptive.m}, pymanopt
 * {@code AdaptiveLineSearch}): Armijo backtracking whose first trial {@code alpha} is the last
 * accepted one, doubled when the last search needed no backtracking or more than one contraction
 * and kept when it needed exactly one; after a failed search, the last trial times the
 * contraction factor. On the first call of a solve, {@code alpha = initialStepSize / ||d||}. A
 * non-finite trial cost counts as insufficient decrease.
 *
 * <p>Differences from Manopt and pymanopt that remain with their parameters: when the budget
 * runs out, a trial whose cost equals {@code f(x)} is rejected here (they keep it); after a
 * failed search they remember {@code alpha = 0}, so their next search returns a zero step and
 * the solver stops on the step size one iteration later, while the solvers here stop on the
 * failed search itself (the iteration numbers agree).
 *
 * @param <P> point and tangent-vector type
 */
public final class AdaptiveLineSearch<P> implements LineSearch<P> {

    /**
     * Parameters. {@link #defaults()} differ from Manopt's and pymanopt's on purpose: with their
     * plain Armijo test ({@code roundingSlack = 0}) a line-search solver stalls once the cost
     * decrease {@code ||grad||^2 / L} falls below the rounding of {@code f}, typically at
     * gradient norms near {@code 1e-8 sqrt(|f|)}; the approximate Armijo test lets it go on to
     * the rounding floor of the gradient. {@link #pymanopt()} and {@link #manopt()} are those
     * libraries' parameters.
     *
     * @param contractionFactor step multiplier after a failed trial, in (0, 1); default 0.5
     * @param sufficientDecrease Armijo constant in (0, 1); default 0.5
     * @param maxSteps cost evaluations per search at most; default 10 (Manopt's
     *     {@code ls_max_steps}; pymanopt's {@code max_iterations = 10} allows 11)
     * @param initialStepSize length of the first trial step of a solve; default 1
     * @param roundingSlack cost differences below {@code max(1, |f(x)|) eps roundingSlack}
     *     count as rounding noise, and there sufficient decrease is judged on directional
     *     derivatives (Hager and Zhang's approximate Armijo condition, one extra gradient per
     *     such trial); default 1e6 (relative 2.2e-10), 0 gives the textbook cost-only test of
     *     Manopt and pymanopt
     */
    public record Parameters(double contractionFactor, double sufficientDecrease, int maxSteps,
            double initialStepSize, double roundingSlack) {

        public Parameters {
            if (!(contractionFactor > 0 && contractionFactor < 1)) {
                throw new IllegalArgumentException("contractionFactor must be in (0, 1), got " + contractionFactor);
            }
            if (!(sufficientDecrease > 0 && sufficientDecrease < 1)) {
                throw new IllegalArgumentException("sufficientDecrease must be in (0, 1), got " + sufficientDecrease);
            }
            if (maxSteps < 1) {
                throw new IllegalArgumentException("maxSteps must be >= 1, got " + maxSteps);
            }
            if (!(roundingSlack >= 0 && roundingSlack < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("roundingSlack must be finite and >= 0, got " + roundingSlack);
            }
            if (!(initialStepSize > 0 && initialStepSize < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("initialStepSize must be finite and > 0, got " + initialStepSize);
            }
        }

        /** The documented defaults: approximate Armijo with slack 1e6, at most 10 cost evaluations. */
        public static Parameters defaults() {
            return new Parameters(0.5, 0.5, 10, 1.0, 1e6);
        }

        /**
         * pymanopt 2.2.1's {@code AdaptiveLineSearcher()}: plain Armijo with constant 0.5,
         * contraction 0.5, initial step 1, and up to 11 cost evaluations (its loop runs while
         * {@code cost_evaluations <= max_iterations = 10}).
         */
        public static Parameters pymanopt() {
            return new Parameters(0.5, 0.5, 11, 1.0, 0.0);
        }

        /**
         * Manopt's {@code linesearch_adaptive}: plain Armijo with {@code ls_suff_decr = 0.5},
         * {@code ls_contraction_factor = 0.5}, {@code ls_initial_stepsize = 1} and at most
         * {@code ls_max_steps = 10} cost evaluations.
         */
        public static Parameters manopt() {
            return new Parameters(0.5, 0.5, 10, 1.0, 0.0);
        }
    }

    private final Parameters parameters;
    private final LineSearchWorkspace<P> workspace = new LineSearchWorkspace<>();
    private double rememberedAlpha = Double.NaN;
    private double lastCost = Double.NaN;
    private int lastEvaluations;
    private boolean lastFailedOnNonFinite;

    public AdaptiveLineSearch() {
        this(Parameters.defaults());
    }

    public AdaptiveLineSearch(Parameters parameters) {
        this.parameters = java.util.Objects.requireNonNull(parameters, "parameters");
    }

    public Parameters parameters() {
        return parameters;
    }

    @Override
    public double search(RiemannianDerivatives<P> derivatives, P x, P direction, double cost, double slope,
            P newPoint) {
        Manifold<P> m = workspace.bind(derivatives.manifold());
        double directionNorm = workspace.norm(x, direction);
        double alpha = rememberedAlpha;
        if (!(alpha > 0 && alpha < Double.POSITIVE_INFINITY)) {
            alpha = parameters.initialStepSize() / directionNorm;
        }
        double noise = Math.max(1.0, Math.abs(cost)) * Math.ulp(1.0) * parameters.roundingSlack();
        boolean accepted = workspace.backtrack(derivatives, x, direction, cost, slope, alpha,
                parameters.sufficientDecrease(), noise, parameters.contractionFactor(), parameters.maxSteps(),
                newPoint);
        alpha = workspace.alpha;
        double trialCost = workspace.trialCost;
        int evaluations = workspace.evaluations;
        lastEvaluations = evaluations;
        // Out of budget, any strict decrease is still kept (as pymanopt does).
        if (!accepted && !(trialCost < cost)) {
            m.copy(x, newPoint);
            lastCost = cost;
            lastFailedOnNonFinite = workspace.sawNonFinite;
            // Resume the backtracking next time rather than restart it from the same too-long
            // step, which would fail forever.
            rememberedAlpha = alpha * parameters.contractionFactor();
            return 0.0;
        }
        // One contraction: the step is about right; none or several: be more optimistic next time.
        rememberedAlpha = evaluations == 2 ? alpha : 2 * alpha;
        lastCost = trialCost;
        lastFailedOnNonFinite = false;
        return alpha * directionNorm;
    }

    @Override
    public double lastCost() {
        return lastCost;
    }

    @Override
    public int lastEvaluations() {
        return lastEvaluations;
    }

    @Override
    public boolean lastFailedOnNonFinite() {
        return lastFailedOnNonFinite;
    }

    @Override
    public void close() {
        workspace.release();
    }

    @Override
    public void reset() {
        rememberedAlpha = Double.NaN;
        lastCost = Double.NaN;
        lastEvaluations = 0;
        lastFailedOnNonFinite = false;
    }
}
