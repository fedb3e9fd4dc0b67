package dev.stiefel.solver;

import dev.stiefel.manifold.Manifold;
import dev.stiefel.problem.Problem;
import dev.stiefel.problem.RiemannianDerivatives;
import java.util.Objects;

/**
 * Riemannian nonlinear conjugate gradients (Absil, Mahony, Sepulchre 2008, sec. 8.3; Sato,
 * "Riemannian conjugate gradient methods", 2022), following pymanopt's {@code conjugate_gradient.py}
 * and Manopt's {@code conjugategradient.m}, preconditioned by {@link Problem#preconditioner()}
 * when the problem has one ({@code -g} below is then {@code -P g}):
 * <pre>
 *   x_{k+1} = R_{x_k}(alpha_k d_k),   d_{k+1} = -g_{k+1} + beta_{k+1} T_{x_k -> x_{k+1}}(d_k)
 * </pre>
 * where the old gradient and direction enter {@code beta} through the vector transport.
 * The direction is reset to {@code -g} when it is not a descent direction and, optionally, on
 * Powell's criterion. Default line search: {@link AdaptiveLineSearch}, as in Manopt and pymanopt
 * (with this library's parameters unless {@link ConjugateGradientOptions#pymanopt()} or
 * {@link ConjugateGradientOptions#manopt()} is used).
 * Workspaces are kept across solves on the same manifold object; the iterations do not
 * allocate. Not thread-safe.
 *
 * @param <P> point and tangent-vector type
 */
public final class ConjugateGradient<P> extends IterativeSolver<P> {

    /**
     * The {@code beta} update; {@code g = g_{k+1}}, {@code g_old = T(g_k)}, {@code y = g - g_old},
     * {@code d = T(d_k)}.
     */
    public enum BetaRule {
        /** {@code ||g||^2 / ||g_k||^2} (Fletcher, Reeves 1964). */
        FLETCHER_REEVES,
        /** {@code max(0, <g, y> / ||g_k||^2)} (Polak, Ribiere 1969; Gilbert, Nocedal 1992). */
        POLAK_RIBIERE_PLUS,
        /** {@code max(0, <g, y> / <y, d>)} (Hestenes, Stiefel 1952). */
        HESTENES_STIEFEL,
        /**
         * {@code (<y, g> - 2 ||y||^2 <d, g> / <y, d>) / <y, d>}, bounded below by
         * {@code -1 / (||d|| min(0.01, ||g_k||))} (Hager, Zhang 2005).
         */
        HAGER_ZHANG,
        /**
         * {@code ||g||^2 / <y, d>} (Dai, Yuan 1999). Its descent guarantee needs Wolfe steps;
         * with the backtracking searches here, combine it with Powell restarts (e.g. 0.1).
         */
        DAI_YUAN
    }

    private final ConjugateGradientOptions options;
    private final LineSearch<P> lineSearch;

    private P x;
    private P newX;
    private P gradient;
    private P newGradient;
    private P direction;
    private P transportedGradient;
    private P gradientChange;
    private P preconditionedGradient;
    private P newPreconditionedGradient;
    private boolean preconditioned;

    private int restarts;
    /** The current iterate's cost, gradient norm and {@code <g, P g>}. */
    private double cost;
    private double gradientNorm;
    private double gradientSquared;

    /** Conjugate gradients with {@link ConjugateGradientOptions#defaults()}. */
    public ConjugateGradient() {
        this(ConjugateGradientOptions.defaults());
    }

    /** Conjugate gradients with an {@link AdaptiveLineSearch} of {@code options.lineSearch()}. */
    public ConjugateGradient(ConjugateGradientOptions options) {
        this(options, null);
    }

    /**
     * Conjugate gradients with an {@link AdaptiveLineSearch} of {@code options.lineSearch()}.
     *
     * @param options the options
     * @param listener sees each iteration; may be null
     */
    public ConjugateGradient(ConjugateGradientOptions options, IterationListener<P> listener) {
        this(options, new AdaptiveLineSearch<>(Objects.requireNonNull(options, "options").lineSearch()), listener);
    }

    /**
     * @param options the options
     * @param lineSearch owned by this solver from now on (it keeps state between calls); it
     *     replaces the one {@code options.lineSearch()} describes
     * @param listener sees each iteration; may be null
     */
    public ConjugateGradient(ConjugateGradientOptions options, LineSearch<P> lineSearch,
            IterationListener<P> listener) {
        super(Objects.requireNonNull(options, "options").settings(), listener);
        this.options = options;
        this.lineSearch = Objects.requireNonNull(lineSearch, "lineSearch");
    }

    /** The options this solver was built with. */
    public ConjugateGradientOptions options() {
        return options;
    }

    /** Restarts with the negative gradient (non-descent direction or Powell) in the last solve. */
    public int lastRestarts() {
        return restarts;
    }

    @Override
    protected void allocateWorkspaces(Manifold<P> manifold) {
        x = manifold.allocate();
        newX = manifold.allocate();
        gradient = manifold.allocate();
        newGradient = manifold.allocate();
        direction = manifold.allocate();
        transportedGradient = manifold.allocate();
        gradientChange = manifold.allocate();
        preconditionedGradient = manifold.allocate();
        newPreconditionedGradient = manifold.allocate();
    }

    @Override
    protected void freeWorkspaces(Manifold<P> manifold) {
        for (P p : java.util.List.of(x, newX, gradient, newGradient, direction, transportedGradient, gradientChange,
                preconditionedGradient, newPreconditionedGradient)) {
            manifold.free(p);
        }
    }

    @Override
    protected void closeResources() {
        lineSearch.close();
    }

    @Override
    protected void prepare(Problem<P> problem) {
        preconditioned = hasPreconditioner();
        lineSearch.reset();
        restarts = 0;
    }

    @Override
    protected void initialise(P initialPoint) {
        Manifold<P> m = manifold();
        m.copy(initialPoint, x);
        cost = derivatives().evaluate(x, gradient);
        gradientNorm = norm(x, gradient);
        // <grad, P grad>; equals ||grad||^2 without a preconditioner.
        gradientSquared = precondition(x, gradient, preconditionedGradient, gradientNorm);
        m.linearCombination(x, -1.0, preconditioned(gradient, preconditionedGradient), 0.0, gradient, direction);
        setCurrent(x, cost, gradientNorm);
    }

    @Override
    protected StopReason step(int iteration) {
        Manifold<P> m = manifold();
        RiemannianDerivatives<P> derivatives = derivatives();
        double slope = m.inner(x, gradient, direction);
        if (!(slope < 0)) {
            m.linearCombination(x, -1.0, preconditioned(gradient, preconditionedGradient), 0.0, gradient,
                    direction);
            slope = -gradientSquared;
            restarts++;
        }
        double stepSize = lineSearch.search(derivatives, x, direction, cost, slope, newX);
        if (stepSize == 0) {
            // No decrease along d: the next iteration restarts from -P g if d was the problem.
            m.linearCombination(x, -1.0, preconditioned(gradient, preconditionedGradient), 0.0, gradient,
                    direction);
            restarts++;
            setStep(0.0, Double.NaN, Double.NaN, lineSearch.lastEvaluations());
            return lineSearch.lastFailedOnNonFinite() ? StopReason.NON_FINITE : null;
        }
        double newCost = derivatives.evaluate(newX, newGradient);
        double newGradientNorm = norm(newX, newGradient);
        if (!isFinite(newCost) || !isFinite(newGradientNorm)) {
            setStep(stepSize, Double.NaN, Double.NaN, lineSearch.lastEvaluations());
            return StopReason.NON_FINITE;
        }
        double newGradientSquared = precondition(newX, newGradient, newPreconditionedGradient, newGradientNorm);
        P newPg = preconditioned(newGradient, newPreconditionedGradient);

        m.transport(x, newX, gradient, transportedGradient);
        double orthogonality = m.inner(newX, transportedGradient, newPg) / newGradientSquared;
        if (Math.abs(orthogonality) >= options.powellRestartThreshold()) {
            m.linearCombination(newX, -1.0, newPg, 0.0, newPg, direction);
            restarts++;
        } else {
            m.transport(x, newX, direction, direction);
            double beta = beta(x, newX, gradientNorm, gradientSquared, newGradientSquared);
            m.linearCombination(newX, -1.0, newPg, beta, direction, direction);
        }

        P swap = x;
        x = newX;
        newX = swap;
        swap = gradient;
        gradient = newGradient;
        newGradient = swap;
        swap = preconditionedGradient;
        preconditionedGradient = newPreconditionedGradient;
        newPreconditionedGradient = swap;
        double costDecrease = cost - newCost;
        cost = newCost;
        gradientNorm = newGradientNorm;
        gradientSquared = newGradientSquared;

        setCurrent(x, cost, gradientNorm);
        setStep(stepSize, costDecrease, Double.NaN, lineSearch.lastEvaluations());
        return null;
    }

    /**
     * Writes {@code P g} into {@code out} when the problem has a preconditioner and returns
     * {@code <g, P g>}; returns {@code <g, g>} otherwise (the same arithmetic as an identity
     * preconditioner).
     */
    private double precondition(P at, P g, P out, double gNorm) {
        if (!preconditioned) {
            return manifold().inner(at, g, g);
        }
        derivatives().precondition(at, g, out);
        return requirePreconditioned(manifold().inner(at, g, out));
    }

    /** {@code P g}: the preconditioned storage, or {@code g} itself without a preconditioner. */
    private P preconditioned(P g, P pg) {
        return preconditioned ? pg : g;
    }

    /**
     * {@code beta} at the new point, with pymanopt's and Manopt's preconditioned formulas
     * ({@code Pg} the preconditioned new gradient; without a preconditioner {@code Pg = g});
     * {@link #direction} holds the transported old direction and {@link #transportedGradient}
     * the transported old gradient. A zero or non-finite denominator gives {@code beta = 0} (a
     * restart) rather than a NaN direction.
     */
    private double beta(P from, P at, double oldGradientNorm, double oldGradientSquared, double newGradientSquared) {
        Manifold<P> m = manifold();
        P pg = preconditioned(newGradient, newPreconditionedGradient);
        double beta;
        switch (options.betaRule()) {
            case FLETCHER_REEVES -> beta = newGradientSquared / oldGradientSquared;
            case POLAK_RIBIERE_PLUS -> {
                m.linearCombination(at, 1.0, newGradient, -1.0, transportedGradient, gradientChange);
                beta = Math.max(0.0, m.inner(at, pg, gradientChange) / oldGradientSquared);
            }
            case HESTENES_STIEFEL -> {
                m.linearCombination(at, 1.0, newGradient, -1.0, transportedGradient, gradientChange);
                double denominator = m.inner(at, gradientChange, direction);
                beta = Math.max(0.0, m.inner(at, pg, gradientChange) / denominator);
            }
            case HAGER_ZHANG -> {
                m.linearCombination(at, 1.0, newGradient, -1.0, transportedGradient, gradientChange);
                double denominator = m.inner(at, gradientChange, direction);
                double changeTimesPreconditionedChange;
                if (preconditioned) {
                    // P(y) = P g - T(P g_old), formed in transportedGradient (no longer needed).
                    m.transport(from, at, preconditionedGradient, transportedGradient);
                    m.linearCombination(at, 1.0, pg, -1.0, transportedGradient, transportedGradient);
                    changeTimesPreconditionedChange = m.inner(at, gradientChange, transportedGradient);
                } else {
                    changeTimesPreconditionedChange = m.inner(at, gradientChange, gradientChange);
                }
                double numerator = m.inner(at, gradientChange, pg)
                        - 2 * changeTimesPreconditionedChange * m.inner(at, direction, newGradient) / denominator;
                double lowerBound = -1.0 / (norm(at, direction) * Math.min(0.01, oldGradientNorm));
                beta = Math.max(numerator / denominator, lowerBound);
            }
            case DAI_YUAN -> {
                m.linearCombination(at, 1.0, newGradient, -1.0, transportedGradient, gradientChange);
                beta = newGradientSquared / m.inner(at, gradientChange, direction);
            }
            default -> throw new IllegalStateException("unknown beta rule " + options.betaRule());
        }
        return isFinite(beta) ? beta : 0.0;
    }
}
