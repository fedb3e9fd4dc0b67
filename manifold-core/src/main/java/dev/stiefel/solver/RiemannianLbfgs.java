package dev.stiefel.solver;

import dev.stiefel.manifold.Manifold;
import dev.stiefel.problem.Problem;
import dev.stiefel.problem.RiemannianDerivatives;
import java.util.Objects;

/**
 * Riemannian limited-memory BFGS with the cautious update (Huang, Absil, Gallivan, "A Riemannian
 * BFGS method without differentiated retraction for nonconvex optimization problems", SIAM J.
 * Optim. 28 (2018); Manopt's {@code rlbfgs.m}). With {@code m} pairs stored at the current
 * point, the direction is {@code d = -H g} by the two-loop recursion (Nocedal and Wright,
 * alg. 7.4) with the initial scaling {@code H_0 = <s, y> / <y, y>} of the last stored pair
 * ({@code 1 / ||g_0||} before the first). After a step {@code x+ = R_x(alpha d)},
 * <pre>
 *   s = T_{x -> x+}(alpha d) / ||.||,   y = (grad f(x+) - T_{x -> x+}(grad f(x))) / ||T(alpha d)||
 * </pre>
 * and the pair is stored only when {@code <s, y> / <s, s> >= c ||grad f(x)||} (the cautious
 * update, which keeps {@code H} positive definite without a Wolfe search); stored pairs are
 * transported to {@code x+} by the manifold's vector transport at every step. The line search
 * starts from the unit step ({@link RiemannianLbfgsOptions.Condition}), with the approximate
 * Armijo test of Hager and Zhang at rounding level. When a step falls below
 * {@link StoppingCriteria#minStepSize()}, the memory is cleared once and the method goes on
 * from a scaled gradient step; a second short step in a row stops it (Manopt's "ultimatum").
 *
 * <p>Stop reasons, history and listener are those of the other solvers; the history's
 * {@code innerIterations} are line-search cost evaluations. Written once against
 * {@link Manifold}; the memory, {@code min(memory, manifold.dimension())} pairs (more steps than
 * the dimension are linearly dependent; Manopt.jl's default memory is {@code min(dim, 20)}), is
 * allocated once per manifold and the iterations do not allocate. Not thread-safe.
 *
 * @param <P> point and tangent-vector type
 */
public final class RiemannianLbfgs<P> extends IterativeSolver<P> {

    private final RiemannianLbfgsOptions options;

    private P x;
    private P newX;
    private P gradient;
    private P newGradient;
    private P direction;
    private P step;
    private P transported;
    private P newS;
    private P newY;
    private P[] s;
    private P[] y;
    private double[] rho;
    private double[] coefficients;
    private int oldest;
    private int stored;

    /** Line-search outcome: cost evaluations and whether a trial met a non-finite cost. */
    private int lineSearchEvaluations;
    private boolean lineSearchSawNonFinite;
    private double lineSearchCost;
    private boolean gradientReady;
    private int memoryResets;
    /** The current iterate's cost and gradient norm, and the initial scaling {@code H_0 = scale I}. */
    private double cost;
    private double gradientNorm;
    private double scale;
    /** Whether the memory was cleared after a short step and the next short step stops the run. */
    private boolean ultimatum;

    /** R-LBFGS with {@link RiemannianLbfgsOptions#defaults()}. */
    public RiemannianLbfgs() {
        this(RiemannianLbfgsOptions.defaults(), null);
    }

    /** R-LBFGS with {@code options}. */
    public RiemannianLbfgs(RiemannianLbfgsOptions options) {
        this(options, null);
    }

    /**
     * @param options the options
     * @param listener sees each iteration; may be null
     */
    public RiemannianLbfgs(RiemannianLbfgsOptions options, IterationListener<P> listener) {
        super(Objects.requireNonNull(options, "options").settings(), listener);
        this.options = options;
    }

    /** The options this solver was built with. */
    public RiemannianLbfgsOptions options() {
        return options;
    }

    /** Pairs the solver stores at most on its current manifold: {@code min(memory, dimension)}. */
    int memoryCapacity() {
        return s.length;
    }

    /** How often the last solve cleared its memory (non-descent direction or a too short step). */
    public int lastMemoryResets() {
        return memoryResets;
    }

    @SuppressWarnings("unchecked")
    @Override
    protected void allocateWorkspaces(Manifold<P> manifold) {
        x = manifold.allocate();
        newX = manifold.allocate();
        gradient = manifold.allocate();
        newGradient = manifold.allocate();
        direction = manifold.allocate();
        step = manifold.allocate();
        transported = manifold.allocate();
        newS = manifold.allocate();
        newY = manifold.allocate();
        // The steps s_k live in a space of the manifold's dimension d, so more than d of them are
        // linearly dependent; as Manopt.jl (default memory min(d, 20)), store at most d pairs.
        int memory = Math.min(options.memory(), Math.max(manifold.dimension(), 0));
        s = (P[]) new Object[memory];
        y = (P[]) new Object[memory];
        for (int i = 0; i < memory; i++) {
            s[i] = manifold.allocate();
            y[i] = manifold.allocate();
        }
        rho = new double[memory];
        coefficients = new double[memory];
    }

    @Override
    protected void freeWorkspaces(Manifold<P> manifold) {
        for (P p : java.util.List.of(x, newX, gradient, newGradient, direction, step, transported, newS, newY)) {
            manifold.free(p);
        }
        for (int i = 0; i < s.length; i++) {
            manifold.free(s[i]);
            manifold.free(y[i]);
        }
        s = null;
        y = null;
    }

    @Override
    protected void initialise(P initialPoint) {
        manifold().copy(initialPoint, x);
        cost = derivatives().evaluate(x, gradient);
        gradientNorm = norm(x, gradient);
        scale = initialScale(gradientNorm);
        stored = 0;
        oldest = 0;
        memoryResets = 0;
        ultimatum = false;
        setCurrent(x, cost, gradientNorm);
    }

    @Override
    protected StopReason step(int iteration) {
        Manifold<P> m = manifold();
        twoLoopDirection(scale);
        double slope = m.inner(x, gradient, direction);
        if (!(slope < 0)) {
            // Rounding or a poor memory: fall back on the scaled gradient.
            clearMemory();
            scale = initialScale(gradientNorm);
            m.linearCombination(x, -scale, gradient, 0.0, gradient, direction);
            slope = -scale * gradientNorm * gradientNorm;
        }
        double alpha = lineSearch(cost, slope);
        double stepSize = alpha * norm(x, direction);
        if (alpha == 0) {
            setStep(0.0, Double.NaN, Double.NaN, lineSearchEvaluations);
            return lineSearchSawNonFinite ? StopReason.NON_FINITE : null;
        }
        if (!gradientReady) {
            derivatives().gradient(newX, newGradient);
        }
        double newCost = lineSearchCost;
        double newGradientNorm = norm(newX, newGradient);
        if (!isFinite(newCost) || !isFinite(newGradientNorm)) {
            setStep(stepSize, Double.NaN, Double.NaN, lineSearchEvaluations);
            return StopReason.NON_FINITE;
        }
        scale = update(alpha, gradientNorm, scale);
        P swap = x;
        x = newX;
        newX = swap;
        swap = gradient;
        gradient = newGradient;
        newGradient = swap;
        double costDecrease = cost - newCost;
        cost = newCost;
        gradientNorm = newGradientNorm;
        setCurrent(x, cost, gradientNorm);
        setStep(stepSize, costDecrease, Double.NaN, lineSearchEvaluations);
        return null;
    }

    /**
     * The first too-short step restarts from a scaled gradient step with the memory cleared
     * instead of stopping (Manopt's "ultimatum"); a second one in a row stops the run.
     */
    @Override
    protected StopReason reviewStop(StopReason reason) {
        if (reason == StopReason.STEP_SIZE && !ultimatum) {
            ultimatum = true;
            clearMemory();
            scale = initialScale(gradientNorm);
            return stopReasonWithoutStep();
        }
        if (reason == null) {
            ultimatum = false;
        }
        return reason;
    }

    private static double initialScale(double gradientNorm) {
        double scale = 1.0 / gradientNorm;
        return scale > 0 && scale < Double.POSITIVE_INFINITY ? scale : 1.0;
    }

    private void clearMemory() {
        if (stored > 0) {
            memoryResets++;
        }
        stored = 0;
        oldest = 0;
    }

    private int slot(int i) {
        return (oldest + i) % s.length;
    }

    /**
     * {@link #direction} {@code = -H g} by the two-loop recursion over the stored pairs, oldest
     * first in the second loop, with {@code H_0 = scale I}.
     */
    private void twoLoopDirection(double scale) {
        Manifold<P> m = manifold();
        m.copy(gradient, direction);
        for (int i = stored - 1; i >= 0; i--) {
            int k = slot(i);
            double a = rho[k] * m.inner(x, s[k], direction);
            coefficients[i] = a;
            m.linearCombination(x, 1.0, direction, -a, y[k], direction);
        }
        m.linearCombination(x, scale, direction, 0.0, direction, direction);
        for (int i = 0; i < stored; i++) {
            int k = slot(i);
            double omega = rho[k] * m.inner(x, y[k], direction);
            m.linearCombination(x, 1.0, direction, coefficients[i] - omega, s[k], direction);
        }
        m.linearCombination(x, -1.0, direction, 0.0, direction, direction);
    }

    /**
     * Finds {@code alpha} along {@link #direction} from {@code alpha = 1}, leaving
     * {@code R_x(alpha d)} in {@link #newX} and its cost in {@link #lineSearchCost} (and its
     * gradient in {@link #newGradient} when {@link #gradientReady}); returns 0 when no step
     * decreased the cost.
     */
    private double lineSearch(double cost, double slope) {
        boolean wolfe = options.condition() == RiemannianLbfgsOptions.Condition.WOLFE;
        double c1 = options.sufficientDecrease();
        double noise = Math.max(1.0, Math.abs(cost)) * Math.ulp(1.0) * options.roundingSlack();
        double alpha = 1.0;
        double low = 0.0;
        double high = Double.POSITIVE_INFINITY;
        double trialCost = Double.NaN;
        boolean accepted = false;
        boolean nonFinite = false;
        gradientReady = false;
        int count = 0;
        while (count < options.maxLineSearchSteps()) {
            trialCost = trial(alpha);
            count++;
            nonFinite |= !isFinite(trialCost);
            boolean haveSlope = false;
            double trialSlope = Double.NaN;
            boolean armijo = trialCost <= cost + c1 * alpha * slope;
            if (!armijo && Math.abs(trialCost - cost) <= noise) {
                // Rounding level: Hager and Zhang's approximate Armijo condition on slopes.
                trialSlope = slopeAtTrial();
                haveSlope = true;
                armijo = trialSlope <= (2 * Math.min(c1, 0.5) - 1) * slope;
            }
            if (!wolfe) {
                if (armijo) {
                    accepted = true;
                    gradientReady = haveSlope;
                    break;
                }
                alpha *= options.contractionFactor();
                continue;
            }
            if (!armijo) {
                high = alpha;
            } else {
                if (!haveSlope) {
                    trialSlope = slopeAtTrial();
                }
                if (trialSlope >= options.curvature() * slope) {
                    accepted = true;
                    gradientReady = true;
                    break;
                }
                low = alpha;
            }
            alpha = high < Double.POSITIVE_INFINITY ? 0.5 * (low + high) : 2 * alpha;
        }
        lineSearchEvaluations = count;
        lineSearchSawNonFinite = false;
        if (!accepted && wolfe && low > 0) {
            // Out of budget with an Armijo step known: take it.
            alpha = low;
            trialCost = trial(alpha);
            lineSearchEvaluations++;
            gradientReady = false;
            accepted = trialCost < cost;
        } else if (!accepted && !wolfe) {
            // The last trial is alpha / contraction; keep any strict decrease, as Manopt does.
            alpha /= options.contractionFactor();
            accepted = trialCost < cost;
        }
        if (!accepted) {
            lineSearchSawNonFinite = nonFinite;
            lineSearchCost = cost;
            gradientReady = false;
            return 0.0;
        }
        lineSearchCost = trialCost;
        return alpha;
    }

    /**
     * {@code <grad f(y), T_{x -> y}(d)>} at the trial point {@code y} = {@link #newX}, leaving the
     * gradient in {@link #newGradient}.
     */
    private double slopeAtTrial() {
        derivatives().gradient(newX, newGradient);
        manifold().transport(x, newX, direction, transported);
        return manifold().inner(newX, newGradient, transported);
    }

    private double trial(double alpha) {
        manifold().linearCombination(x, alpha, direction, 0.0, direction, step);
        manifold().retract(x, step, newX);
        return derivatives().cost(newX);
    }

    /**
     * Stores the pair of the accepted step {@code alpha d} (if the cautious test passes),
     * transports the memory to {@link #newX}, and returns the new initial scaling.
     */
    private double update(double alpha, double gradientNorm, double scale) {
        Manifold<P> m = manifold();
        m.linearCombination(x, alpha, direction, 0.0, direction, step);
        m.transport(x, newX, step, newS);
        m.transport(x, newX, gradient, transported);
        m.linearCombination(newX, 1.0, newGradient, -1.0, transported, newY);
        double sNorm = norm(newX, newS);
        for (int i = 0; i < stored; i++) {
            int k = slot(i);
            m.transport(x, newX, s[k], s[k]);
            m.transport(x, newX, y[k], y[k]);
        }
        if (!(sNorm > 0 && sNorm < Double.POSITIVE_INFINITY)) {
            return scale;
        }
        m.linearCombination(newX, 1.0 / sNorm, newS, 0.0, newS, newS);
        m.linearCombination(newX, 1.0 / sNorm, newY, 0.0, newY, newY);
        double sy = m.inner(newX, newS, newY);
        double ss = m.inner(newX, newS, newS);
        if (!(ss > 0 && sy / ss >= options.cautiousThreshold() * gradientNorm)) {
            return scale;
        }
        double yy = m.inner(newX, newY, newY);
        int memory = s.length;
        if (memory > 0) {
            int k;
            if (stored == memory) {
                k = oldest;
                oldest = (oldest + 1) % memory;
            } else {
                k = slot(stored);
                stored++;
            }
            P swap = s[k];
            s[k] = newS;
            newS = swap;
            swap = y[k];
            y[k] = newY;
            newY = swap;
            rho[k] = 1.0 / sy;
        }
        double newScale = sy / yy;
        return newScale > 0 && newScale < Double.POSITIVE_INFINITY ? newScale : scale;
    }
}
