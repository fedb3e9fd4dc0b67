package dev.stiefel.solver;

import dev.stiefel.manifold.Manifold;
import dev.stiefel.problem.RiemannianDerivatives;

/**
 * Workspaces and the acceptance test shared by the backtracking line searches, kept per
 * manifold object.
 */
final class LineSearchWorkspace<P> {

    private Manifold<P> manifold;
    /** {@code alpha d}. */
    P step;
    private P trialGradient;
    private P transportedDirection;

    /** Outcome of the last {@link #backtrack}: its last trial step size. */
    double alpha;
    /** Outcome of the last {@link #backtrack}: the cost at its last trial point. */
    double trialCost;
    /** Outcome of the last {@link #backtrack}: how many costs it evaluated. */
    int evaluations;
    /** Outcome of the last {@link #backtrack}: whether some trial cost was NaN or infinite. */
    boolean sawNonFinite;

    /** Frees the workspaces; the next {@link #bind} allocates afresh. */
    void release() {
        if (manifold != null) {
            manifold.free(step);
            manifold.free(trialGradient);
            manifold.free(transportedDirection);
        }
        manifold = null;
        step = null;
        trialGradient = null;
        transportedDirection = null;
    }

    Manifold<P> bind(Manifold<P> forManifold) {
        if (forManifold != manifold) {
            if (manifold != null) {
                manifold.free(step);
                manifold.free(trialGradient);
                manifold.free(transportedDirection);
            }
            manifold = forManifold;
            step = forManifold.allocate();
            trialGradient = forManifold.allocate();
            transportedDirection = forManifold.allocate();
        }
        return forManifold;
    }

    /**
     * {@code ||u||_x} without overflow or underflow ({@link ScaledNorm}); overwrites
     * {@link #step}. Requires {@link #bind} first.
     */
    double norm(P x, P u) {
        return ScaledNorm.of(manifold, x, u, step);
    }

    /**
     * Armijo backtracking from {@code initialAlpha}: tries {@code newPoint = R_x(alpha d)} and
     * multiplies {@code alpha} by {@code contractionFactor} until {@link #sufficientDecrease}
     * holds or {@code maxSteps} costs have been evaluated. Leaves the last trial in
     * {@code newPoint} and the outcome in {@link #alpha}, {@link #trialCost},
     * {@link #evaluations} and {@link #sawNonFinite}; what to do with an unaccepted trial and
     * which step to try next is the caller's policy. Requires {@link #bind} first.
     *
     * @return whether the last trial was accepted
     */
    boolean backtrack(RiemannianDerivatives<P> derivatives, P x, P direction, double cost, double slope,
            double initialAlpha, double c, double noise, double contractionFactor, int maxSteps, P newPoint) {
        double trialAlpha = initialAlpha;
        boolean nonFinite = false;
        boolean accepted = false;
        double lastTrialCost = Double.NaN;
        int count = 0;
        while (true) {
            manifold.linearCombination(x, trialAlpha, direction, 0.0, direction, step);
            manifold.retract(x, step, newPoint);
            lastTrialCost = derivatives.cost(newPoint);
            count++;
            if (sufficientDecrease(derivatives, x, direction, newPoint, cost, slope, trialAlpha, lastTrialCost,
                    c, noise)) {
                accepted = true;
                break;
            }
            nonFinite |= !IterativeSolver.isFinite(lastTrialCost);
            if (count >= maxSteps) {
                break;
            }
            trialAlpha *= contractionFactor;
        }
        alpha = trialAlpha;
        trialCost = lastTrialCost;
        evaluations = count;
        sawNonFinite = nonFinite;
        return accepted;
    }

    /**
     * Sufficient decrease of the trial point {@code R_x(alpha d)} with cost {@code trialCost}:
     * the Armijo condition {@code f(alpha) <= f(0) + c alpha f'(0)}, or, when the cost
     * difference is within {@code noise} (rounding level, where comparing costs is meaningless),
     * the approximate Armijo condition {@code f'(alpha) <= (2c - 1) f'(0)} of Hager and Zhang
     * (SIAM J. Optim. 16 (2005), eq. 4.2; exact for quadratics), with
     * {@code f'(alpha) = <grad f(R_x(alpha d)), T_{x -> R_x(alpha d)}(d)>}. Without it
     * line-search solvers stall once {@code ||grad||^2 / L} falls below the rounding of
     * {@code f}. Costs one gradient only inside the rounding window.
     */
    boolean sufficientDecrease(RiemannianDerivatives<P> derivatives, P x, P direction, P trialPoint, double cost,
            double slope, double alpha, double trialCost, double c, double noise) {
        if (trialCost <= cost + c * alpha * slope) {
            return true;
        }
        if (!(Math.abs(trialCost - cost) <= noise)) {
            return false;
        }
        derivatives.gradient(trialPoint, trialGradient);
        manifold.transport(x, trialPoint, direction, transportedDirection);
        double trialSlope = manifold.inner(trialPoint, trialGradient, transportedDirection);
        return trialSlope <= (2 * Math.min(c, 0.5) - 1) * slope;
    }
}
