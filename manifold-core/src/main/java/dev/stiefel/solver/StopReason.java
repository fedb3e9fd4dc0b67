package dev.stiefel.solver;

/** Why a solver stopped (or, {@link #EXACT}, that it had no need to iterate). */
public enum StopReason {
    /** The Riemannian gradient norm fell below {@link StoppingCriteria#minGradientNorm()}. */
    GRADIENT_NORM("gradient norm below tolerance"),
    /** {@link StoppingCriteria#maxIterations()} iterations were executed. */
    MAX_ITERATIONS("maximum number of iterations reached"),
    /** The elapsed time exceeded {@link StoppingCriteria#maxTimeSeconds()}. */
    MAX_TIME("maximum time reached"),
    /** The cost decrease of an accepted step fell below {@link StoppingCriteria#minCostChange()}. */
    COST_CHANGE("cost change below tolerance"),
    /** The last step (or trust-region step) was shorter than {@link StoppingCriteria#minStepSize()}. */
    STEP_SIZE("step size below tolerance"),
    /**
     * A cost, gradient or Hessian value was NaN or infinite and no finite step remained: the
     * result holds the last point with finite cost and gradient.
     */
    NON_FINITE("non-finite cost, gradient or Hessian value"),
    /**
     * The final point fails the manifold's point check ({@code manifold.checkPoint} with the
     * start point's tolerance): the retraction left the manifold, and the cost there is not a
     * cost of the problem (it may lie below the true minimum).
     */
    LEFT_MANIFOLD("the retraction left the manifold: the final point fails the manifold's point check"),
    /** An {@link IterationListener} asked the run to stop ({@link IterationState#requestStop()}). */
    LISTENER("stopped by an iteration listener"),
    /**
     * A stopping criterion written outside the library held: the reason for a user's
     * {@link StoppingCriterion} that fits none of the others.
     */
    USER_CRITERION("a user-supplied stopping criterion held"),
    /**
     * No iterations: the problem was solved exactly, in closed form (e.g. a polar factor), by a
     * method that offers it in place of an iterative solver.
     */
    EXACT("solved exactly in closed form");

    private final String description;

    StopReason(String description) {
        this.description = description;
    }

    /** One-line human-readable description. */
    public String description() {
        return description;
    }
}
