package dev.stiefel.solver;

import dev.stiefel.manifold.Manifold;
import dev.stiefel.problem.Problem;
import dev.stiefel.problem.RiemannianDerivatives;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The loop every iterative solver of this package runs, and the base of a solver of your own:
 * initialise, then step until the {@link StoppingCriterion} (or a listener) stops the run
 * (Manopt.jl's {@code initialize_solver!} / {@code step_solver!} / {@code stop_solver!}, Bergmann
 * 2022). A subclass supplies the mathematics in four hooks; this class does the bookkeeping:
 * <ul>
 *   <li>argument checks, the start-point check against {@link SolverSettings#pointTolerance()}
 *       with a message that says how to fix a bad start, and a seeded random start for
 *       {@link #solve(Problem)};</li>
 *   <li>workspaces: {@link #allocateWorkspaces} runs when a solve meets a manifold object other
 *       than the last one, {@link #freeWorkspaces} when the solver is closed or changes manifold;
 *       the {@link RiemannianDerivatives} adapter is kept across solves the same way;</li>
 *   <li>the clock, the {@link IterationHistory}, the {@link IterationListener}, the stopping
 *       criterion, {@link StopReason#NON_FINITE} for a start with non-finite cost or gradient,
 *       and the {@link SolverResult};</li>
 *   <li>the final point's check: it must pass {@code manifold.checkPoint} with the start point's
 *       tolerance, else the run ends with {@link StopReason#LEFT_MANIFOLD} (a retraction that
 *       leaves the manifold gives points, and costs, that are not the problem's);</li>
 *   <li>norms that neither overflow nor underflow ({@link #norm}), and a cost rescaled by a power
 *       of two when the gradient norm at the start reaches {@link #LARGE_GRADIENT_NORM}
 *       ({@code 2^100}; see {@link #costScale()}), so that a cost of any finite scale can be
 *       minimised.</li>
 * </ul>
 * A subclass keeps its iterate, gradient and other vectors in fields it allocates in
 * {@link #allocateWorkspaces}, and after every change of iterate reports it with
 * {@link #setCurrent}; {@link #setStep} reports the step. Nothing in the loop allocates, so a
 * subclass whose hooks do not allocate gives allocation-free iterations.
 * <pre>{@code
 *   final class FixedStepDescent<P> extends IterativeSolver<P> {
 *       private P x, gradient, step, next;
 *       FixedStepDescent(SolverSettings settings) { super(settings, null); }
 *       protected void allocateWorkspaces(Manifold<P> m) { x = m.allocate(); ... }
 *       protected void freeWorkspaces(Manifold<P> m) { m.free(x); ... }
 *       protected void initialise(P start) {
 *           manifold().copy(start, x);
 *           double cost = derivatives().evaluate(x, gradient);
 *           setCurrent(x, cost, norm(x, gradient));
 *       }
 *       protected StopReason step(int iteration) {
 *           manifold().linearCombination(x, -0.01, gradient, 0.0, gradient, step);
 *           double stepSize = norm(x, step);
 *           manifold().retract(x, step, next);
 *           P swap = x; x = next; next = swap;
 *           double cost = derivatives().evaluate(x, gradient);
 *           setCurrent(x, cost, norm(x, gradient));
 *           setStep(stepSize, Double.NaN, Double.NaN, 0);
 *           return null;
 *       }
 *   }
 * }</pre>
 * Not thread-safe; {@link #close()} frees the workspaces and a later solve throws.
 *
 * @param <P> point and tangent-vector type
 */
public abstract class IterativeSolver<P> implements Solver<P> {

    /**
     * Gradient norm at the start from which the run minimises a rescaled cost: {@code 2^100}.
     * Squares and cubes of gradient-sized quantities (slopes, {@code <g, P g>}, the curvature
     * {@code <d, Hess f[d]>} of a gradient-sized direction) then stay below {@code 2^300}.
     */
    public static final double LARGE_GRADIENT_NORM = 0x1p100;

    private final SolverSettings settings;
    private final StoppingCriterion stopping;
    private final IterationListener<P> listener;
    private final IterationState<P> state = new IterationState<>();

    private Manifold<P> manifold;
    private P normWorkspace;
    private Problem<P> problem;
    private RiemannianDerivatives<P> derivatives;
    private boolean preconditioned;
    private double costScale = 1.0;
    private IterationHistory history;
    private long startNanos;
    private boolean closed;

    /**
     * @param settings stopping criterion, start-point tolerance, history, seed
     * @param listener sees each iteration; may be null
     */
    protected IterativeSolver(SolverSettings settings, IterationListener<P> listener) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.stopping = settings.stopping();
        this.listener = listener;
    }

    /** The settings this solver was built with. */
    public final SolverSettings settings() {
        return settings;
    }

    // ---------------------------------------------------------------- hooks

    /**
     * Allocates the subclass's workspaces on {@code manifold} (with {@link Manifold#allocate()});
     * called on the first solve and whenever a solve meets another manifold object, after the
     * previous ones were freed by {@link #freeWorkspaces}.
     */
    protected abstract void allocateWorkspaces(Manifold<P> manifold);

    /** Frees what {@link #allocateWorkspaces} allocated on {@code manifold}. */
    protected abstract void freeWorkspaces(Manifold<P> manifold);

    /**
     * Called once per solve after the arguments were checked and {@link #manifold()} and
     * {@link #derivatives()} bound to the problem, before the clock starts: the place to check
     * options against the problem (e.g. its dimension) and to reset per-solve state. Throw
     * {@link IllegalArgumentException} for options the problem makes meaningless. Default:
     * nothing.
     */
    protected void prepare(Problem<P> problem) {
    }

    /**
     * Starts the run at {@code initialPoint} (already checked to be on the manifold): copies it
     * into the subclass's iterate, evaluates cost and gradient, and reports them with
     * {@link #setCurrent} (and, if the solver has one, the trust radius with {@link #setStep}).
     * Called a second time, after the first, when the cost is rescaled ({@link #costScale()}):
     * it must start afresh each time.
     *
     * @param initialPoint the start; must not be modified (it may be the caller's output storage)
     */
    protected abstract void initialise(P initialPoint);

    /**
     * One iteration: computes the next iterate, reports it with {@link #setCurrent} and the step
     * with {@link #setStep} (values not set are NaN, 0 inner iterations). The iteration is then
     * recorded and shown to the listener.
     *
     * @param iteration the number of this iteration, from 1
     * @return null to let the stopping criterion decide; a reason to end the run after this
     *     iteration regardless of the criterion, typically {@link StopReason#NON_FINITE} after
     *     going back to the last point with finite cost and gradient
     */
    protected abstract StopReason step(int iteration);

    /**
     * Sees the stopping criterion's answer after each iteration (null: go on) and returns the
     * one to act on: a solver may, for instance, restart instead of stopping on a short step.
     * Not called at the start point, nor after a step that returned a reason. Default: the
     * answer unchanged.
     */
    protected StopReason reviewStop(StopReason reason) {
        return reason;
    }

    /**
     * Releases resources other than the workspaces (a line search the solver owns) when the
     * solver is closed. Default: nothing.
     */
    protected void closeResources() {
    }

    // ---------------------------------------------------------------- services for subclasses

    /** The manifold of the current solve. */
    protected final Manifold<P> manifold() {
        return manifold;
    }

    /** The Riemannian derivatives of the current solve's problem, counting evaluations for the result. */
    protected final RiemannianDerivatives<P> derivatives() {
        return derivatives;
    }

    /**
     * Whether the current problem supplies a preconditioner: read from the problem once per
     * solve, so every solver asks the same question the same way.
     */
    protected final boolean hasPreconditioner() {
        return preconditioned;
    }

    /** The state of the run: what was last reported, in the problem's units. */
    protected final IterationState<P> state() {
        return state;
    }

    /**
     * {@code ||u||_x} without overflow or underflow: the manifold's norm where its square is a
     * normal number (bit for bit), else rescaled by a power of two. Solvers take every norm
     * here.
     */
    protected final double norm(P at, P u) {
        return ScaledNorm.of(manifold, at, u, normWorkspace);
    }

    /**
     * The factor between the problem's cost and the cost this run minimises: 1, or a power of
     * two {@code 2^k} when the gradient norm at the start reached {@link #LARGE_GRADIENT_NORM}.
     * Then {@link #derivatives()} evaluate {@code f / 2^k} (gradients and Hessians alike, the
     * preconditioner unchanged; exact, since the factor is a power of two) so that squared
     * norms and curvatures stay finite, and the values given to {@link #setCurrent} and
     * {@link #setStep} are taken in those units and multiplied by {@code 2^k} for the state,
     * the history and the result. A subclass that keeps its own values never needs it.
     */
    protected final double costScale() {
        return costScale;
    }

    /**
     * Reports the current iterate, held by reference until the next report (its storage must
     * not change meanwhile), with its cost and Riemannian gradient norm as {@link #derivatives()}
     * computed them.
     */
    protected final void setCurrent(P point, double cost, double gradientNorm) {
        state.point = point;
        state.cost = costScale * cost;
        state.gradientNorm = costScale * gradientNorm;
    }

    /**
     * Checks {@code <v, P v>} computed from the problem's preconditioner for a finite tangent
     * vector v: a symmetric positive-definite operator with finite output gives a finite value
     * {@code >= 0}.
     *
     * @return {@code vPv}
     * @throws IllegalArgumentException naming the problem's preconditioner otherwise
     */
    protected final double requirePreconditioned(double vPv) {
        if (!(vPv >= 0 && vPv < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("the preconditioner of " + problem.getClass().getName() + " gave "
                    + "<v, P v> = " + vPv + " for a finite tangent vector v: a preconditioner must be a symmetric "
                    + "positive-definite operator on the tangent space with finite output (Boumal 2023, sec. 6.4)");
        }
        return vPv;
    }

    /**
     * Reports the step of this iteration.
     *
     * @param stepSize length of the step taken (0 when none was found) or proposed
     * @param costDecrease {@code f(previous) - f(current)} of an accepted step, NaN when none (in
     *     the units of {@link #derivatives()})
     * @param trustRadius trust-region radius after the iteration, NaN for solvers without one
     * @param innerIterations inner iterations (inner solver steps, line-search evaluations)
     */
    protected final void setStep(double stepSize, double costDecrease, double trustRadius, int innerIterations) {
        state.stepSize = stepSize;
        state.costDecrease = costScale * costDecrease;
        state.trustRadius = trustRadius;
        state.innerIterations = innerIterations;
    }

    /**
     * What the stopping criterion says of the current state as if no step had been taken
     * (step size NaN): for {@link #reviewStop} when a solver restarts instead of stopping on
     * the step size.
     */
    protected final StopReason stopReasonWithoutStep() {
        double stepSize = state.stepSize;
        state.stepSize = Double.NaN;
        StopReason reason = stopping.stopReason(state);
        state.stepSize = stepSize;
        return reason;
    }

    // ---------------------------------------------------------------- the loop

    /**
     * Solves from a random point of the manifold ({@code manifold.randomPoint}) drawn from a
     * generator seeded with {@link SolverSettings#seed()}; the result's point is new storage
     * from the manifold.
     */
    @Override
    public final SolverResult<P> solve(Problem<P> problem) {
        requireOpen();
        Objects.requireNonNull(problem, "problem");
        Manifold<P> space = Objects.requireNonNull(problem.manifold(), "problem.manifold()");
        P start = space.allocate();
        space.randomPoint(new SplittableRandom(settings.seed()), start);
        return solve(problem, start, start);
    }

    @Override
    public final SolverResult<P> solve(Problem<P> problem, P initialPoint, P solutionOut) {
        requireOpen();
        Manifold<P> space = validate(problem, initialPoint, solutionOut, settings.pointTolerance());
        bind(problem, space);
        prepare(problem);

        startNanos = System.nanoTime();
        history = settings.recordHistory()
                ? new IterationHistory(Math.min(stopping.iterationLimit(), 1024) + 1)
                : IterationHistory.empty();
        state.reset();
        costScale = 1.0;
        initialise(initialPoint);
        double startGradientNorm = state.gradientNorm;
        if (startGradientNorm >= LARGE_GRADIENT_NORM && startGradientNorm < Double.POSITIVE_INFINITY) {
            // Minimise f / 2^k with the start's gradient norm in [1, 2); see costScale().
            costScale = Math.scalb(1.0, Math.getExponent(startGradientNorm));
            derivatives.bind(new ScaledProblem<>(problem, 1.0 / costScale));
            state.reset();
            initialise(initialPoint);
        }
        record();
        StopReason reason = isFinite(state.cost) && isFinite(state.gradientNorm)
                ? stopping.stopReason(state)
                : StopReason.NON_FINITE;
        reason = listenerStop(reason);
        int iteration = 0;
        while (reason == null) {
            iteration++;
            state.iteration = iteration;
            state.clearStep();
            StopReason forced = step(iteration);
            record();
            reason = forced != null ? forced : listenerStop(reviewStop(stopping.stopReason(state)));
        }
        if (!onManifold(state.point)) {
            reason = StopReason.LEFT_MANIFOLD;
        }
        space.copy(state.point, solutionOut);
        SolverResult<P> result = new SolverResult<>(solutionOut, state.cost, state.gradientNorm, iteration, reason,
                elapsedSeconds(), derivatives.costEvaluations(), derivatives.gradientEvaluations(),
                derivatives.hessianEvaluations(), history);
        history = null;
        state.point = null;
        this.problem = null;
        return result;
    }

    /**
     * Frees the workspaces (device memory on a GPU backend); the solver allocates afresh on its
     * next solve. {@link #close()} also marks the solver unusable.
     */
    public final void releaseWorkspaces() {
        if (manifold != null) {
            freeWorkspaces(manifold);
            manifold.free(normWorkspace);
        }
        manifold = null;
        normWorkspace = null;
        if (derivatives != null) {
            derivatives.release();
            derivatives = null;
        }
    }

    /** Frees the workspaces; a later solve throws. Closing twice is harmless. */
    @Override
    public final void close() {
        releaseWorkspaces();
        closeResources();
        closed = true;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + (closed ? " (closed)" : "");
    }

    /** The final point's check: the start point's, with the same tolerance. */
    private boolean onManifold(P point) {
        try {
            manifold.checkPoint(point, settings.pointTolerance());
            return true;
        } catch (IllegalArgumentException offManifold) {
            return false;
        }
    }

    private StopReason listenerStop(StopReason reason) {
        return reason == null && state.stopRequested ? StopReason.LISTENER : reason;
    }

    private void record() {
        double elapsed = elapsedSeconds();
        state.elapsedSeconds = elapsed;
        if (settings.recordHistory()) {
            history.add(state.cost, state.gradientNorm, state.stepSize, state.trustRadius, state.innerIterations,
                    elapsed);
        }
        if (listener != null) {
            listener.onIteration(state);
        }
    }

    private double elapsedSeconds() {
        return (System.nanoTime() - startNanos) * 1e-9;
    }

    private void bind(Problem<P> problem, Manifold<P> space) {
        if (space != manifold) {
            releaseWorkspaces();
            manifold = space;
            normWorkspace = space.allocate();
            allocateWorkspaces(space);
        }
        this.problem = problem;
        if (derivatives == null) {
            derivatives = new RiemannianDerivatives<>(problem);
        } else {
            derivatives.bind(problem);
        }
        derivatives.resetCounters();
        preconditioned = derivatives.hasPreconditioner();
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException(getClass().getSimpleName()
                    + " was closed (its workspaces are freed); create a new solver");
        }
    }

    /**
     * Checks the arguments of a solve; a start point off the manifold gets a message that says
     * how to fix it.
     */
    private static <P> Manifold<P> validate(Problem<P> problem, P initialPoint, P solutionOut, double pointTolerance) {
        Objects.requireNonNull(problem, "problem");
        Objects.requireNonNull(initialPoint, "initialPoint");
        Objects.requireNonNull(solutionOut, "solutionOut");
        Manifold<P> manifold = Objects.requireNonNull(problem.manifold(), "problem.manifold()");
        try {
            manifold.checkPoint(initialPoint, pointTolerance);
        } catch (IllegalArgumentException offManifold) {
            throw new IllegalArgumentException("start point rejected: " + offManifold.getMessage()
                    + ". Map it back onto the manifold first (for Stiefel or Grassmann re-orthonormalise its "
                    + "columns, e.g. with a QR or polar factor; for the sphere normalise it), draw one with "
                    + "manifold.randomPoint or solve(problem) without a start point, or, if the defect is "
                    + "acceptable rounding, loosen the check with options.withPointTolerance(...) (now "
                    + pointTolerance + ")", offManifold);
        }
        return manifold;
    }

    static boolean isFinite(double value) {
        return !Double.isNaN(value) && !Double.isInfinite(value);
    }
}
