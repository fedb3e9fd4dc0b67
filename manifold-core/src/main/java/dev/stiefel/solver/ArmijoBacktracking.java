package dev.stiefel.solver;

import dev.stiefel.manifold.Manifold;
import dev.stiefel.problem.RiemannianDerivatives;

/**
 * Backtracking line search with the Armijo sufficient-decrease condition
 * {@code f(R_x(alpha d)) <= f(x) + c alpha <grad f(x), d>} (Nocedal and Wright, alg. 3.1;
 * Manopt {@code linesearch.m}, pymanopt {@code BackTrackingLineSearch}). The first trial step
 * comes from the previous call: {@code alpha = optimism * 2 (f(x) - f_previous) / slope}, the
 * step a quadratic interpolation of the last decrease predicts (Nocedal and Wright eq. 3.60);
 * when that decrease is at rounding level, the last accepted {@code alpha} (after a failed
 * search, its last trial times the contraction factor); on the first call,
 * or when neither applies, {@code alpha = initialStepSize / ||d||}. A non-finite trial cost counts as insufficient
 * decrease.
 *
 * @param <P> point and tangent-vector type
 */
public final class ArmijoBacktracking<P> implements LineSearch<P> {

    /**
     * Parameters. {@link #defaults()} are pymanopt's {@code BackTrackingLineSearcher} values for
     * the contraction, the Armijo constant, the initial step and the optimism, with two
     * differences kept on purpose: the approximate Armijo test at rounding level
     * ({@code roundingSlack}, see {@link AdaptiveLineSearch.Parameters}) and 25 cost evaluations
     * (pymanopt's {@code max_iterations = 25} allows 26). {@link #pymanopt()} drops both.
     *
     * @param contractionFactor step multiplier after a failed trial, in (0, 1); default 0.5
     * @param sufficientDecrease Armijo constant {@code c} in (0, 1); default 1e-4
     * @param maxSteps cost evaluations per search at most; default 25
     * @param initialStepSize length of the first trial step of a solve; default 1
     * @param roundingSlack cost differences below {@code max(1, |f(x)|) eps roundingSlack}
     *     count as rounding noise, and there sufficient decrease is judged on directional
     *     derivatives (Hager and Zhang's approximate Armijo condition, one extra gradient per
     *     such trial); default 1e6 (relative 2.2e-10), 0 gives the textbook cost-only test
     * @param optimism factor on the step predicted from the previous decrease; default 2
     */
    public record Parameters(double contractionFactor, double sufficientDecrease, int maxSteps,
            double initialStepSize, double optimism, double roundingSlack) {

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
            if (!(initialStepSize > 0 && initialStepSize < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("initialStepSize must be finite and > 0, got " + initialStepSize);
            }
            if (!(roundingSlack >= 0 && roundingSlack < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("roundingSlack must be finite and >= 0, got " + roundingSlack);
            }
            if (!(optimism > 0 && optimism < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("optimism must be finite and > 0, got " + optimism);
            }
        }

        /** The documented defaults. */
        public static Parameters defaults() {
            return new Parameters(0.5, 1e-4, 25, 1.0, 2.0, 1e6);
        }

        /**
         * pymanopt 2.2.1's {@code BackTrackingLineSearcher()}: contraction 0.5, Armijo constant
         * 1e-4, optimism 2, initial step 1, up to 26 cost evaluations (its loop runs while
         * {@code step_count <= max_iterations = 25}), plain Armijo. Remaining differences: when
         * the previous decrease is not positive, pymanopt still applies its formula (a
         * non-positive step), this class reuses the last step; a trial whose cost equals
         * {@code f(x)} at the end of the budget is rejected here, kept there.
         */
        public static Parameters pymanopt() {
            return new Parameters(0.5, 1e-4, 26, 1.0, 2.0, 0.0);
        }
    }

    private final Parameters parameters;
    private final LineSearchWorkspace<P> workspace = new LineSearchWorkspace<>();
    private double previousCost = Double.NaN;
    private double previousAlpha = Double.NaN;
    private double lastCost = Double.NaN;
    private int lastEvaluations;
    private boolean lastFailedOnNonFinite;

    public ArmijoBacktracking() {
        this(Parameters.defaults());
    }

    public ArmijoBacktracking(Parameters parameters) {
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
        double noise = Math.max(1.0, Math.abs(cost)) * Math.ulp(1.0) * parameters.roundingSlack();
        double alpha = Double.NaN;
        if (previousCost - cost > noise) {
            alpha = parameters.optimism() * 2 * (cost - previousCost) / slope;
        } else if (previousAlpha > 0) {
            // The last decrease is rounding noise and predicts nothing: reuse the last step.
            alpha = previousAlpha;
        }
        if (!(alpha > 0 && alpha < Double.POSITIVE_INFINITY)) {
            alpha = parameters.initialStepSize() / directionNorm;
        }
        previousCost = cost;

        boolean accepted = workspace.backtrack(derivatives, x, direction, cost, slope, alpha,
                parameters.sufficientDecrease(), noise, parameters.contractionFactor(), parameters.maxSteps(),
                newPoint);
        alpha = workspace.alpha;
        double trialCost = workspace.trialCost;
        lastEvaluations = workspace.evaluations;
        // Out of budget, any strict decrease is still kept (as pymanopt does).
        if (!accepted && !(trialCost < cost)) {
            m.copy(x, newPoint);
            lastCost = cost;
            lastFailedOnNonFinite = workspace.sawNonFinite;
            // Resume the backtracking next time rather than restart it from the same step.
            previousAlpha = alpha * parameters.contractionFactor();
            return 0.0;
        }
        previousAlpha = alpha;
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
        previousCost = Double.NaN;
        previousAlpha = Double.NaN;
        lastCost = Double.NaN;
        lastEvaluations = 0;
        lastFailedOnNonFinite = false;
    }
}
