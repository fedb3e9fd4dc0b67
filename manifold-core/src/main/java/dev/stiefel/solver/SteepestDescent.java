package dev.stiefel.solver;

import dev.stiefel.manifold.Manifold;
import dev.stiefel.problem.Problem;
import dev.stiefel.problem.RiemannianDerivatives;
import java.util.Objects;

/**
 * Riemannian steepest descent {@code x_{k+1} = R_{x_k}(-alpha_k grad f(x_k))} with a line search
 * (Absil, Mahony, Sepulchre 2008, alg. 1; Manopt {@code steepestdescent.m}). Default line search:
 * {@link ArmijoBacktracking}, as in pymanopt. Workspaces are kept across solves on the same
 * manifold object; the iterations do not allocate. Not thread-safe.
 *
 * @param <P> point and tangent-vector type
 */
public final class SteepestDescent<P> extends IterativeSolver<P> {

    private final SteepestDescentOptions options;
    private final LineSearch<P> lineSearch;

    private P x;
    private P newX;
    private P gradient;
    private P direction;
    /** The current iterate's cost and gradient norm. */
    private double cost;
    private double gradientNorm;

    /** Steepest descent with {@link SteepestDescentOptions#defaults()} and {@link ArmijoBacktracking}. */
    public SteepestDescent() {
        this(SteepestDescentOptions.defaults(), new ArmijoBacktracking<>(), null);
    }

    /** Steepest descent with {@code options} and {@link ArmijoBacktracking}. */
    public SteepestDescent(SteepestDescentOptions options) {
        this(options, new ArmijoBacktracking<>(), null);
    }

    /**
     * @param options the options
     * @param lineSearch owned by this solver from now on (it keeps state between calls)
     * @param listener sees each iteration; may be null
     */
    public SteepestDescent(SteepestDescentOptions options, LineSearch<P> lineSearch, IterationListener<P> listener) {
        super(Objects.requireNonNull(options, "options").settings(), listener);
        this.options = options;
        this.lineSearch = Objects.requireNonNull(lineSearch, "lineSearch");
    }

    /** The options this solver was built with. */
    public SteepestDescentOptions options() {
        return options;
    }

    @Override
    protected void allocateWorkspaces(Manifold<P> manifold) {
        x = manifold.allocate();
        newX = manifold.allocate();
        gradient = manifold.allocate();
        direction = manifold.allocate();
    }

    @Override
    protected void freeWorkspaces(Manifold<P> manifold) {
        manifold.free(x);
        manifold.free(newX);
        manifold.free(gradient);
        manifold.free(direction);
    }

    @Override
    protected void closeResources() {
        lineSearch.close();
    }

    @Override
    protected void prepare(Problem<P> problem) {
        lineSearch.reset();
    }

    @Override
    protected void initialise(P initialPoint) {
        manifold().copy(initialPoint, x);
        cost = derivatives().evaluate(x, gradient);
        gradientNorm = norm(x, gradient);
        setCurrent(x, cost, gradientNorm);
    }

    @Override
    protected StopReason step(int iteration) {
        Manifold<P> m = manifold();
        RiemannianDerivatives<P> derivatives = derivatives();
        m.linearCombination(x, -1.0, gradient, 0.0, gradient, direction);
        double stepSize = lineSearch.search(derivatives, x, direction, cost, -gradientNorm * gradientNorm, newX);
        if (stepSize == 0) {
            setStep(0.0, Double.NaN, Double.NaN, lineSearch.lastEvaluations());
            return lineSearch.lastFailedOnNonFinite() ? StopReason.NON_FINITE : null;
        }
        P swap = x;
        x = newX;
        newX = swap;
        double previousCost = cost;
        double previousGradientNorm = gradientNorm;
        cost = derivatives.evaluate(x, gradient);
        gradientNorm = norm(x, gradient);
        if (!isFinite(cost) || !isFinite(gradientNorm)) {
            // Go back: the result is the last point with finite cost and gradient.
            newX = x;
            x = swap;
            cost = previousCost;
            gradientNorm = previousGradientNorm;
            setCurrent(x, cost, gradientNorm);
            setStep(stepSize, Double.NaN, Double.NaN, lineSearch.lastEvaluations());
            return StopReason.NON_FINITE;
        }
        setCurrent(x, cost, gradientNorm);
        setStep(stepSize, previousCost - cost, Double.NaN, lineSearch.lastEvaluations());
        return null;
    }
}
