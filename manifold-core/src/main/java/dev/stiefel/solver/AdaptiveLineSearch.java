package dev.stiefel.solver;

import dev.stiefel.manifold.Manifold;
import dev.stiefel.problem.RiemannianDerivatives;

/**
 * Adaptive backtracking line search (Manopt {@code linesearch_adaptive.m}, pymanopt
 * {@code AdaptiveLineSearch}): Armijo backtracking whose first trial {@code alpha} is the last
 * accepted one, doubled when the last search needed no backtracking or more than one contraction
 * and kept when it needed exactly one; after a failed search, the last trial times the
 * contraction factor. On the first call of a solve, {@code alpha = initialStepSize / ||d||}. A non-finite trial cost counts as insufficient decrease.
 *
 * @param <P> point and tangent-vector type
 */
public final class AdaptiveLineSearch<P> implements LineSearch<P> {

    /**
     * Parameters, with Manopt's and pymanopt's defaults.
     *
     * @param contractionFactor step multiplier after a failed trial, in (0, 1); default 0.5
     * @param sufficientDecrease Armijo constant in (0, 1); default 0.5
     * @param maxSteps trial steps at most; default 10
     * @param initialStepSize length of the first trial step of a solve; default 1
     * @param roundingSlack cost differences below {@code max(1, |f(x)|) eps roundingSlack}
     *     count as rounding noise, and there sufficient decrease is judged on directional
     *     derivatives (Hager and Zhang's approximate Armijo condition, one extra gradient per
     *     such trial); default 1e6 (relative 2.2e-10), 0 gives the textbook cost-only test
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

        public static Parameters defaults() {
            return new Parameters(0.5, 0.5, 10, 1.0, 1e6);
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
        double directionNorm = m.norm(x, direction);
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
    public void reset() {
        rememberedAlpha = Double.NaN;
        lastCost = Double.NaN;
        lastEvaluations = 0;
        lastFailedOnNonFinite = false;
    }
}
