package dev.stiefel.cli.ufm;

/**
 * How the cores are shared between trainers running in parallel and the BLAS threads inside
 * each: {@code trainers x blasThreads = cores}. OpenBLAS's threads busy-wait, so an
 * oversubscribed machine (more threads than cores) slows every product down by up to an order
 * of magnitude; this split never oversubscribes.
 *
 * <p>Automatic choice (a request of 0): one trainer per core, but no more trainers than runs,
 * and the cores left over go to the BLAS threads of each trainer ({@code cores / trainers},
 * at least 1). With a single run the one trainer gets every core for its products; with many
 * runs each trainer gets one BLAS thread, which wastes no time in the serial parts of a step
 * (sampling, normalisation, cross-entropy, the optimiser) as a multithreaded BLAS would.
 *
 * @param trainers (head, seed) runs trained at once
 * @param blasThreads OpenBLAS threads (process-wide) while they train
 */
public record ParallelRuns(int trainers, int blasThreads) {

    /**
     * @throws IllegalArgumentException when either count is below 1
     */
    public ParallelRuns {
        if (trainers < 1 || blasThreads < 1) {
            throw new IllegalArgumentException("trainers and BLAS threads must be at least 1, got " + trainers
                    + " and " + blasThreads);
        }
    }

    /**
     * The split for {@code runs} runs on {@code cores} cores.
     *
     * @param requestedTrainers 0 for automatic, else that many trainers
     * @param requestedBlasThreads 0 for automatic, else that many BLAS threads
     * @throws IllegalArgumentException on a negative request or fewer than one run or core
     */
    public static ParallelRuns resolve(int runs, int cores, int requestedTrainers, int requestedBlasThreads) {
        if (runs < 1 || cores < 1) {
            throw new IllegalArgumentException("need at least one run and one core, got " + runs + " and " + cores);
        }
        if (requestedTrainers < 0 || requestedBlasThreads < 0) {
            throw new IllegalArgumentException("thread counts must be 0 (automatic) or positive, got "
                    + requestedTrainers + " trainers and " + requestedBlasThreads + " BLAS threads");
        }
        int trainers = requestedTrainers > 0 ? requestedTrainers : Math.min(runs, cores);
        int blasThreads = requestedBlasThreads > 0 ? requestedBlasThreads : Math.max(1, cores / Math.min(trainers, runs));
        return new ParallelRuns(trainers, blasThreads);
    }
}
