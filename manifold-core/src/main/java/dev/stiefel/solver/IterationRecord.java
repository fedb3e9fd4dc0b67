package dev.stiefel.solver;

/**
 * One row of a solver's history.
 *
 * @param iteration iteration number; 0 is the start point
 * @param cost cost at the iterate after this iteration
 * @param gradientNorm Riemannian gradient norm there
 * @param stepSize length of the step taken (line-search solvers) or proposed (trust regions);
 *     NaN for iteration 0
 * @param trustRadius trust-region radius after this iteration; NaN for line-search solvers
 * @param innerIterations inner iterations (truncated CG steps, line-search cost evaluations)
 * @param elapsedSeconds time since the solver started
 */
public record IterationRecord(
        int iteration,
        double cost,
        double gradientNorm,
        double stepSize,
        double trustRadius,
        int innerIterations,
        double elapsedSeconds) {
}
