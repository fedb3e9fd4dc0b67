package dev.stiefel.testkit;

import dev.stiefel.manifold.Manifold;
import dev.stiefel.solver.IterativeSolver;
import dev.stiefel.solver.SolverSettings;
import dev.stiefel.solver.StopReason;

/**
 * A solver as a user would add one: Riemannian gradient descent with a fixed step,
 * {@code x_{k+1} = R_{x_k}(-h grad f(x_k))} (Absil, Mahony, Sepulchre 2008, sec. 4.2, with the
 * constant step of Boumal 2023, sec. 4.3, which converges for {@code h < 2 / L} on a cost whose
 * pullbacks have {@code L}-Lipschitz gradients). Written against the public
 * {@link IterativeSolver} only: its workspaces, its start and its step; the loop, the stopping,
 * the history and the result come from the base class.
 *
 * @param <P> point and tangent-vector type
 */
final class FixedStepGradientDescent<P> extends IterativeSolver<P> {

    private final double stepSize;
    private P x;
    private P next;
    private P gradient;
    private P step;
    private double cost;

    /**
     * @param stepSize {@code h}, finite and positive
     * @param settings stopping, start-point tolerance, history, seed
     */
    FixedStepGradientDescent(double stepSize, SolverSettings settings) {
        super(settings, null);
        if (!(stepSize > 0 && stepSize < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("stepSize must be finite and > 0, got " + stepSize);
        }
        this.stepSize = stepSize;
    }

    @Override
    protected void allocateWorkspaces(Manifold<P> manifold) {
        x = manifold.allocate();
        next = manifold.allocate();
        gradient = manifold.allocate();
        step = manifold.allocate();
    }

    @Override
    protected void freeWorkspaces(Manifold<P> manifold) {
        manifold.free(x);
        manifold.free(next);
        manifold.free(gradient);
        manifold.free(step);
    }

    @Override
    protected void initialise(P initialPoint) {
        manifold().copy(initialPoint, x);
        cost = derivatives().evaluate(x, gradient);
        setCurrent(x, cost, norm(x, gradient));
    }

    @Override
    protected StopReason step(int iteration) {
        Manifold<P> m = manifold();
        m.linearCombination(x, -stepSize, gradient, 0.0, gradient, step);
        double stepLength = norm(x, step);
        m.retract(x, step, next);
        P previous = x;
        x = next;
        next = previous;
        double previousCost = cost;
        cost = derivatives().evaluate(x, gradient);
        setCurrent(x, cost, norm(x, gradient));
        setStep(stepLength, previousCost - cost, Double.NaN, 0);
        return null;
    }
}
