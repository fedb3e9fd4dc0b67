package dev.stiefel.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * {@link AutodiffBenchmark}'s comparison made robust to a loaded machine (a command-line tool of
 * the benchmark jar, not library code): in one JVM, short blocks of the hand-written and the
 * automatic route alternate (ABBA order, so a linear drift cancels), each block is timed in CPU
 * time of the calling thread ({@code ThreadMXBean}; with one libtorch and one OpenBLAS thread all
 * the work runs there, and time spent descheduled by other processes does not count), each round
 * gives the ratio of the two blocks' times per call, and the table reports the medians of the
 * rounds. Usage:
 * {@code OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 java -Dai.djl.offline=true -cp benchmarks.jar
 * dev.stiefel.bench.AutodiffRatioReport [rounds] [problem ...]}, problems as in the benchmark
 * (default: all three), rounds default 9.
 */
public final class AutodiffRatioReport {

    /** Each block runs at least this long in CPU time (and at least one call). */
    private static final long BLOCK_NANOS = 200_000_000L;

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private static final String[] OPERATIONS = {"costAndGradient", "hessianVector", "hessianVectorAtNewPoint"};

    private AutodiffRatioReport() {
    }

    /**
     * Prints one markdown row per problem and operation.
     *
     * @param args rounds, then problems
     * @throws Exception when a benchmark state fails to set up or tear down
     */
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        String[] problems = args.length > 1 ? Arrays.copyOfRange(args, 1, args.length)
                : new String[] {"brockett-200x20", "brockett-1000x100", "etf-1024x100"};
        System.out.println("| problem | operation | hand-written (CPU us) | automatic (CPU us) | ratio (median of "
                + rounds + " rounds) | ratio range |");
        System.out.println("|---|---|---:|---:|---:|---|");
        for (String problem : problems) {
            AutodiffBenchmark handWritten = state(problem, AutodiffBenchmark.HAND_WRITTEN);
            AutodiffBenchmark automatic = state(problem, AutodiffBenchmark.AUTOMATIC);
            try {
                for (String operation : OPERATIONS) {
                    ToDoubleFunction<AutodiffBenchmark> call = operation(operation);
                    block(handWritten, call);
                    block(automatic, call);
                    double[] hand = new double[rounds];
                    double[] auto = new double[rounds];
                    double[] ratio = new double[rounds];
                    for (int round = 0; round < rounds; round++) {
                        if (round % 2 == 0) {
                            hand[round] = block(handWritten, call);
                            auto[round] = block(automatic, call);
                        } else {
                            auto[round] = block(automatic, call);
                            hand[round] = block(handWritten, call);
                        }
                        ratio[round] = auto[round] / hand[round];
                    }
                    double[] sorted = ratio.clone();
                    Arrays.sort(sorted);
                    System.out.printf(Locale.ROOT, "| %s | %s | %.1f | %.1f | %.2f | %.2f - %.2f |%n", problem,
                            operation, median(hand), median(auto), median(ratio), sorted[0], sorted[rounds - 1]);
                }
            } finally {
                handWritten.tearDown();
                automatic.tearDown();
            }
        }
    }

    private static AutodiffBenchmark state(String problem, String route) {
        AutodiffBenchmark state = new AutodiffBenchmark();
        state.problem = problem;
        state.route = route;
        state.setup();
        return state;
    }

    private static ToDoubleFunction<AutodiffBenchmark> operation(String name) {
        return switch (name) {
            case "costAndGradient" -> AutodiffBenchmark::costAndGradient;
            case "hessianVector" -> state -> state.hessianVector().data[0];
            case "hessianVectorAtNewPoint" -> state -> state.hessianVectorAtNewPoint().data[0];
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** CPU microseconds of the calling thread per call over one block. */
    private static double block(AutodiffBenchmark state, ToDoubleFunction<AutodiffBenchmark> call) {
        long start = THREADS.getCurrentThreadCpuTime();
        long elapsed;
        long calls = 0;
        double sink = 0;
        do {
            sink += call.applyAsDouble(state);
            calls++;
            elapsed = THREADS.getCurrentThreadCpuTime() - start;
        } while (elapsed < BLOCK_NANOS);
        if (Double.isNaN(sink)) {
            throw new IllegalStateException("a benchmark returned NaN");
        }
        return elapsed / 1e3 / calls;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : 0.5 * (sorted[middle - 1] + sorted[middle]);
    }
}
