package dev.stiefel.cli.ufm;

import dev.stiefel.etf.train.HeadKind;
/**
 * A failure inside one (head, seed) training run, carrying where it happened so that the
 * command line can say it in one line. The original exception is the cause.
 */
public final class TrainingRunException extends RuntimeException {

    private final transient HeadKind head;
    private final long seed;
    private final int iteration;
    private final int iterations;

    /**
     * @param iteration the iteration in progress (1-based; 0 while building the run or
     *     evaluating the start)
     * @param iterations the run's number of iterations
     */
    public TrainingRunException(HeadKind head, long seed, int iteration, int iterations, Throwable cause) {
        super("head " + head.commandLineName() + ", seed " + seed + ", iteration " + iteration + " of " + iterations,
                cause);
        this.head = head;
        this.seed = seed;
        this.iteration = iteration;
        this.iterations = iterations;
    }

    public HeadKind head() {
        return head;
    }

    public long seed() {
        return seed;
    }

    public int iteration() {
        return iteration;
    }

    public int iterations() {
        return iterations;
    }
}
