package dev.stiefel.solver;

/**
 * Sees every iteration of a solver, including iteration 0 (the start point): the place for
 * progress output, since solvers never print ({@link IterationPrinter} is a ready one). Primitive
 * parameters so that listening does not allocate.
 *
 * @param <P> point type
 */
@FunctionalInterface
public interface IterationListener<P> {

    /**
     * Called after each iteration; the arguments are those of {@link IterationRecord}.
     *
     * @param point the current iterate; owned by the solver, valid during the call only, must
     *     not be modified
     */
    void onIteration(int iteration, P point, double cost, double gradientNorm, double stepSize,
            double trustRadius, int innerIterations, double elapsedSeconds);
}
