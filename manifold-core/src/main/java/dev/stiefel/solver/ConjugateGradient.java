package dev.stiefel.solver;

import dev.stiefel.manifold.Manifold;
import dev.stiefel.problem.Problem;
import dev.stiefel.problem.RiemannianDerivatives;
import java.util.Objects;

/**
 * Riemannian nonlinear conjugate gradients (Absil, Mahony, Sepulchre 2008, sec. 8.3; Sato,
 * "Riemannian conjugate gradient methods", 2022), following pymanopt's {@code conjugate_gradient.py}
 * and Manopt's {@code conjugategradient.m}, preconditioned by {@link Problem#preconditioner}
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
public final class ConjugateGradient<P> implements Solver<P> {

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
    private final IterationListener<P> listener;
    private final SolverRun<P> run = new SolverRun<>();

    private Manifold<P> manifold;
    private RiemannianDerivatives<P> derivatives;
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
    private boolean closed;

    private int restarts;

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
     * @param listener sees each iteration; may be null
     */
    public ConjugateGradient(ConjugateGradientOptions options, IterationListener<P> listener) {
        this(options, new AdaptiveLineSearch<>(Objects.requireNonNull(options, "options").lineSearch()), listener);
    }

    /**
     * @param lineSearch owned by this solver from now on (it keeps state between calls); it
     *     replaces the one {@code options.lineSearch()} describes
     * @param listener sees each iteration; may be null
     */
    public ConjugateGradient(ConjugateGradientOptions options, LineSearch<P> lineSearch,
            IterationListener<P> listener) {
        this.options = Objects.requireNonNull(options, "options");
        this.lineSearch = Objects.requireNonNull(lineSearch, "lineSearch");
        this.listener = listener;
    }

    public ConjugateGradientOptions options() {
        return options;
    }

    /** Restarts with the negative gradient (non-descent direction or Powell) in the last solve. */
    public int lastRestarts() {
        return restarts;
    }

    private void ensureWorkspaces(Problem<P> problem, Manifold<P> newManifold) {
        if (newManifold != manifold) {
            releaseWorkspaces();
            manifold = newManifold;
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
        derivatives = SolverRun.bindDerivatives(derivatives, problem);
    }

    private void releaseWorkspaces() {
        if (manifold != null) {
            for (P p : java.util.List.of(x, newX, gradient, newGradient, direction, transportedGradient, gradientChange,
                    preconditionedGradient, newPreconditionedGradient)) {
                manifold.free(p);
            }
        }
        manifold = null;
        if (derivatives != null) {
            derivatives.release();
            derivatives = null;
        }
    }

    /** Frees the workspaces; a later solve throws. Closing twice is harmless. */
    @Override
    public void close() {
        releaseWorkspaces();
        lineSearch.close();
        closed = true;
    }

    @Override
    public SolverResult<P> solve(Problem<P> problem) {
        SolverRun.requireOpen(closed, this);
        return SolverRun.solveFromRandomPoint(this, problem, options.seed());
    }

    @Override
    public SolverResult<P> solve(Problem<P> problem, P initialPoint, P solutionOut) {
        SolverRun.requireOpen(closed, this);
        Manifold<P> m = SolverRun.validate(problem, initialPoint, solutionOut, options.pointTolerance());
        ensureWorkspaces(problem, m);
        preconditioned = derivatives.hasPreconditioner();
        StoppingCriteria stopping = options.stopping();
        lineSearch.reset();
        restarts = 0;
        run.start(options.recordHistory(), stopping.maxIterations(), listener);
        m.copy(initialPoint, x);
        double cost = derivatives.evaluate(x, gradient);
        double gradientNorm = m.norm(x, gradient);
        // <grad, P grad>; equals ||grad||^2 without a preconditioner.
        double gradientSquared = precondition(x, gradient, preconditionedGradient, gradientNorm);
        m.linearCombination(x, -1.0, preconditioned(gradient, preconditionedGradient), 0.0, gradient, direction);
        double elapsed = run.record(0, x, cost, gradientNorm, Double.NaN, Double.NaN, 0);
        int iteration = 0;
        StopReason reason = SolverRun.initialReason(stopping, elapsed, cost, gradientNorm);

        while (reason == null) {
            iteration++;
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
                reason = run.recordFailedStep(iteration, x, cost, gradientNorm, lineSearch, stopping);
                continue;
            }
            double newCost = derivatives.evaluate(newX, newGradient);
            double newGradientNorm = m.norm(newX, newGradient);
            if (!SolverRun.finite(newCost) || !SolverRun.finite(newGradientNorm)) {
                run.record(iteration, x, cost, gradientNorm, stepSize, Double.NaN, lineSearch.lastEvaluations());
                reason = StopReason.NON_FINITE;
                break;
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

            elapsed = run.record(iteration, x, cost, gradientNorm, stepSize, Double.NaN, lineSearch.lastEvaluations());
            reason = stopping.check(iteration, elapsed, gradientNorm, costDecrease, stepSize);
        }
        m.copy(x, solutionOut);
        return run.finish(solutionOut, cost, gradientNorm, iteration, reason, derivatives);
    }

    /**
     * Writes {@code P g} into {@code out} when the problem has a preconditioner and returns
     * {@code <g, P g>}; returns {@code <g, g>} otherwise (the same arithmetic as an identity
     * preconditioner).
     */
    private double precondition(P at, P g, P out, double gNorm) {
        if (!preconditioned) {
            return manifold.inner(at, g, g);
        }
        derivatives.precondition(at, g, out);
        return manifold.inner(at, g, out);
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
        Manifold<P> m = manifold;
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
                double lowerBound = -1.0 / (m.norm(at, direction) * Math.min(0.01, oldGradientNorm));
                beta = Math.max(numerator / denominator, lowerBound);
            }
            case DAI_YUAN -> {
                m.linearCombination(at, 1.0, newGradient, -1.0, transportedGradient, gradientChange);
                beta = newGradientSquared / m.inner(at, gradientChange, direction);
            }
            default -> throw new IllegalStateException("unknown beta rule " + options.betaRule());
        }
        return SolverRun.finite(beta) ? beta : 0.0;
    }
}
