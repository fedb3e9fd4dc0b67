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
public final class SteepestDescent<P> implements Solver<P> {

    private final SteepestDescentOptions options;
    private final LineSearch<P> lineSearch;
    private final IterationListener<P> listener;
    private final SolverRun<P> run = new SolverRun<>();

    private Manifold<P> manifold;
    private RiemannianDerivatives<P> derivatives;
    private P x;
    private P newX;
    private P gradient;
    private P direction;
    private boolean closed;

    public SteepestDescent() {
        this(SteepestDescentOptions.defaults(), new ArmijoBacktracking<>(), null);
    }

    public SteepestDescent(SteepestDescentOptions options) {
        this(options, new ArmijoBacktracking<>(), null);
    }

    /**
     * @param lineSearch owned by this solver from now on (it keeps state between calls)
     * @param listener sees each iteration; may be null
     */
    public SteepestDescent(SteepestDescentOptions options, LineSearch<P> lineSearch, IterationListener<P> listener) {
        this.options = Objects.requireNonNull(options, "options");
        this.lineSearch = Objects.requireNonNull(lineSearch, "lineSearch");
        this.listener = listener;
    }

    public SteepestDescentOptions options() {
        return options;
    }

    private void releaseWorkspaces() {
        if (manifold != null) {
            manifold.free(x);
            manifold.free(newX);
            manifold.free(gradient);
            manifold.free(direction);
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

    private void ensureWorkspaces(Problem<P> problem, Manifold<P> newManifold) {
        if (newManifold != manifold) {
            releaseWorkspaces();
            manifold = newManifold;
            x = manifold.allocate();
            newX = manifold.allocate();
            gradient = manifold.allocate();
            direction = manifold.allocate();
        }
        derivatives = SolverRun.bindDerivatives(derivatives, problem);
    }

    @Override
    public SolverResult<P> solve(Problem<P> problem, P initialPoint, P solutionOut) {
        SolverRun.requireOpen(closed, this);
        Manifold<P> m = SolverRun.validate(problem, initialPoint, solutionOut, options.pointTolerance());
        ensureWorkspaces(problem, m);
        StoppingCriteria stopping = options.stopping();
        lineSearch.reset();
        run.start(options.recordHistory(), stopping.maxIterations(), listener);
        m.copy(initialPoint, x);
        double cost = derivatives.evaluate(x, gradient);
        double gradientNorm = m.norm(x, gradient);
        double elapsed = run.record(0, x, cost, gradientNorm, Double.NaN, Double.NaN, 0);
        int iteration = 0;
        StopReason reason = SolverRun.initialReason(stopping, elapsed, cost, gradientNorm);
        while (reason == null) {
            iteration++;
            m.linearCombination(x, -1.0, gradient, 0.0, gradient, direction);
            double stepSize = lineSearch.search(derivatives, x, direction, cost, -gradientNorm * gradientNorm, newX);
            if (stepSize == 0) {
                reason = run.recordFailedStep(iteration, x, cost, gradientNorm, lineSearch, stopping);
                continue;
            }
            P swap = x;
            x = newX;
            newX = swap;
            double previousCost = cost;
            double previousGradientNorm = gradientNorm;
            cost = derivatives.evaluate(x, gradient);
            gradientNorm = m.norm(x, gradient);
            if (!SolverRun.finite(cost) || !SolverRun.finite(gradientNorm)) {
                // Go back: the result is the last point with finite cost and gradient.
                newX = x;
                x = swap;
                cost = previousCost;
                gradientNorm = previousGradientNorm;
                run.record(iteration, x, cost, gradientNorm, stepSize, Double.NaN, lineSearch.lastEvaluations());
                reason = StopReason.NON_FINITE;
                break;
            }
            elapsed = run.record(iteration, x, cost, gradientNorm, stepSize, Double.NaN, lineSearch.lastEvaluations());
            reason = stopping.check(iteration, elapsed, gradientNorm, previousCost - cost, stepSize);
        }
        m.copy(x, solutionOut);
        return run.finish(solutionOut, cost, gradientNorm, iteration, reason, derivatives);
    }
}
