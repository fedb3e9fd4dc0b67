package dev.stiefel.etf.train;

/**
 * Observes a training run; the trainer never prints, the command line listens. Both methods
 * run on the training thread and should be quick.
 */
public interface TrainingListener {

    /** A listener that ignores everything. */
    TrainingListener NONE = new TrainingListener() {
    };

    /** After optimiser step {@code iteration} (1-based), with the mini-batch loss before the step. */
    default void iterationDone(int iteration, double batchLoss) {
    }

    /** After each evaluation of the metrics on the whole data set. */
    default void evaluated(NeuralCollapseSnapshot snapshot) {
    }
}
