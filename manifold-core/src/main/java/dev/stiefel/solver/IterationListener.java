package dev.stiefel.solver;

/**
 * Sees every iteration of a solver, including iteration 0 (the start point): the place for
 * progress output, since solvers never print ({@link IterationPrinter} is a ready one), and for
 * stopping a run from outside the stopping criteria ({@link IterationState#requestStop()}, e.g.
 * a cancel button or a validation metric), which ends it with {@link StopReason#LISTENER}. The
 * state is the solver's own, overwritten every iteration, so listening does not allocate.
 *
 * @param <P> point type
 */
@FunctionalInterface
public interface IterationListener<P> {

    /**
     * Called after each iteration is recorded and before the stopping criteria are asked.
     *
     * @param state the iteration; owned by the solver, valid during the call only; its point
     *     must not be modified
     */
    void onIteration(IterationState<P> state);
}
