package dev.stiefel.bench;

import dev.stiefel.testkit.TestMatrices;
import dev.stiefel.ddn.BackwardMethod;
import dev.stiefel.ddn.DeclarativeBackward;
import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import dev.stiefel.solver.ConjugateGradient;
import dev.stiefel.solver.ConjugateGradientOptions;
import dev.stiefel.solver.Solver;
import dev.stiefel.solver.StoppingCriteria;
import dev.stiefel.solver.TrustRegions;
import dev.stiefel.solver.TrustRegionsOptions;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.ejml.data.DMatrixRMaj;

/**
 * Memory of the measured operations, printed as markdown tables (a command-line tool of the
 * benchmark jar, not library code):
 * <ol>
 *   <li>backward methods of the nearest ETF (closed form, matrix-free, dense): the workspace an
 *       instance retains after its first call (heap in use after a full GC, before and after),
 *       the bytes one warm call allocates ({@code ThreadMXBean}, as {@code -prof gc}'s
 *       {@code gc.alloc.rate.norm}), and their sum, an upper bound of the peak. The generic dense
 *       method runs only where {@link DenseBackwardBudget} admits it (elsewhere the table gives
 *       its estimate), the paper's dense (Kronecker) method only below its own memory limit
 *       (elsewhere the table gives its refusal);</li>
 *   <li>bytes allocated by one warm retraction of each kind;</li>
 *   <li>bytes allocated by trust-region and CG solves capped at 1, 2, 4 and 8 iterations:
 *       constant in the iteration count means the warm iterations allocate nothing, and the
 *       "per extra iteration" column says so (it should read 0).</li>
 * </ol>
 * Usage: {@code java -cp benchmarks.jar dev.stiefel.bench.MemoryReport [backend] [size ...]},
 * backend {@code ejml} or {@code openblas} (default {@code openblas} when it loads), sizes as
 * {@code 1024x100} (default: {@code 40x10 128x10 512x10 1024x100 1024x200}).
 */
public final class MemoryReport {

    /**
     * Warm calls before measuring, at least this many and on until {@link #WARM_NANOS}, so that
     * lazily sized workspaces and the JIT (whose escape analysis removes short-lived objects of
     * interpreted code) have settled.
     */
    private static final int MIN_WARM_CALLS = 3;
    private static final long WARM_NANOS = 1_000_000_000L;
    /** Calls averaged per allocation figure: at least this many and on until {@link #MEASURE_NANOS}. */
    private static final int MIN_MEASURED_CALLS = 5;
    private static final long MEASURE_NANOS = 500_000_000L;
    /** Iteration caps of the solver growth check. */
    private static final int[] ITERATION_CAPS = {1, 2, 4, 8};

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private MemoryReport() {
    }

    public static void main(String[] args) {
        String backend = args.length > 0 ? args[0]
                : (dev.stiefel.kernel.OpenBlasKernels.isAvailable() ? CpuBackends.OPENBLAS : CpuBackends.EJML);
        List<Size> sizes = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            sizes.add(Size.parse(args[i]));
        }
        if (sizes.isEmpty()) {
            for (String text : new String[] {"40x10", "128x10", Size.PAPER_512_10, Size.PAPER_1024_100,
                Size.PAPER_1024_200}) {
                sizes.add(Size.parse(text));
            }
        }
        System.out.printf(Locale.ROOT, "Memory report, backend %s, max heap %s.%n%n", backend,
                bytes(Runtime.getRuntime().maxMemory()));
        backwardTable(backend, sizes);
        retractionTable(backend, sizes);
        solverTable(backend, sizes);
    }

    private static void backwardTable(String backend, List<Size> sizes) {
        System.out.println("### Nearest-ETF backward: memory per method");
        System.out.println();
        System.out.println("| d x C | method | retained workspace | allocated per call | peak (upper bound) |");
        System.out.println("|---|---|---:|---:|---:|");
        for (Size size : sizes) {
            EtfInstance<DMatrixRMaj> etf = new EtfInstance<>(CpuBackends.create(backend), size);
            DMatrixRMaj out = etf.create();
            for (BackwardMethod method : BackwardMethod.values()) {
                String label = method.name().toLowerCase(Locale.ROOT).replace('_', '-');
                if (method == BackwardMethod.DENSE) {
                    try {
                        DenseBackwardBudget.requireFits(size);
                    } catch (IllegalStateException tooLarge) {
                        System.out.printf(Locale.ROOT, "| %s | %s | skipped | — | about %s (estimate) |%n",
                                label(size), label, bytes(DenseBackwardBudget.estimatedBytes(size)));
                        continue;
                    }
                }
                long before = heapAfterGc();
                DeclarativeBackward<DMatrixRMaj> backward = method.create(etf.kernels);
                Runnable call = () -> backward.vjp(etf.problem, etf.solution, etf.upstream, out);
                try {
                    call.run();
                } catch (IllegalStateException overMemoryLimit) {
                    // KroneckerKktBackward refuses sizes above its memory limit before allocating
                    System.out.printf(Locale.ROOT, "| %s | %s | skipped | — | %s |%n", label(size), label,
                            overMemoryLimit.getMessage().replace('|', '/'));
                    continue;
                }
                long retained = heapAfterGc() - before;
                long allocated = allocatedPerCall(call);
                System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", label(size), label,
                        bytes(Math.max(0, retained)), bytes(allocated), bytes(Math.max(0, retained) + allocated));
            }
        }
        System.out.println();
    }

    private static void retractionTable(String backend, List<Size> sizes) {
        System.out.println("### Retractions: bytes allocated per warm call");
        System.out.println();
        StringBuilder header = new StringBuilder("| n x p |");
        StringBuilder rule = new StringBuilder("|---|");
        for (StiefelRetraction retraction : StiefelRetraction.values()) {
            header.append(' ').append(retraction.name().toLowerCase(Locale.ROOT)).append(" |");
            rule.append("---:|");
        }
        System.out.println(header);
        System.out.println(rule);
        for (Size size : sizes) {
            DenseKernels<DMatrixRMaj> kernels = CpuBackends.create(backend);
            DMatrixRMaj point = TestMatrices.stiefelPoint(size.rows(), size.cols(), TestMatrices.SEED);
            DMatrixRMaj step = TestMatrices.tangent(point, StiefelRetractionBenchmark.STEP_NORM, TestMatrices.SEED + 1);
            DMatrixRMaj out = new DMatrixRMaj(size.rows(), size.cols());
            StringBuilder row = new StringBuilder("| " + label(size) + " |");
            for (StiefelRetraction retraction : StiefelRetraction.values()) {
                Stiefel<DMatrixRMaj> manifold = new Stiefel<>(kernels, size.rows(), size.cols(), retraction);
                row.append(' ').append(bytes(allocatedPerCall(() -> manifold.retract(point, step, out)))).append(" |");
            }
            System.out.println(row);
        }
        System.out.println();
    }

    private static void solverTable(String backend, List<Size> sizes) {
        System.out.println("### Solvers on the nearest-ETF problem (7): bytes allocated per solve by iteration cap");
        System.out.println();
        StringBuilder header = new StringBuilder("| d x C | solver |");
        StringBuilder rule = new StringBuilder("|---|---|");
        for (int cap : ITERATION_CAPS) {
            header.append(" ").append(cap).append(cap == 1 ? " iteration |" : " iterations |");
            rule.append("---:|");
        }
        System.out.println(header + " per extra iteration |");
        System.out.println(rule + "---:|");
        for (Size size : sizes) {
            EtfInstance<DMatrixRMaj> etf = new EtfInstance<>(CpuBackends.create(backend), size);
            DMatrixRMaj out = etf.create();
            for (String name : new String[] {"trust regions", "conjugate gradient"}) {
                long[] perCap = new long[ITERATION_CAPS.length];
                for (int k = 0; k < ITERATION_CAPS.length; k++) {
                    StoppingCriteria capped = etf.solverStopping().withMinGradientNorm(0).withMinStepSize(0)
                            .withMaxIterations(ITERATION_CAPS[k]);
                    Solver<DMatrixRMaj> solver = name.equals("trust regions")
                            ? new TrustRegions<>(TrustRegionsOptions.defaults().withStopping(capped)
                                    .withRecordHistory(false))
                            : new ConjugateGradient<>(ConjugateGradientOptions.defaults().withStopping(capped)
                                    .withRecordHistory(false));
                    perCap[k] = allocatedPerCall(() -> solver.solve(etf.problem, etf.proximalPoint, out));
                }
                StringBuilder row = new StringBuilder("| " + label(size) + " | " + name + " |");
                for (long value : perCap) {
                    row.append(' ').append(bytes(value)).append(" |");
                }
                int extraIterations = ITERATION_CAPS[ITERATION_CAPS.length - 1] - ITERATION_CAPS[0];
                long growth = (perCap[perCap.length - 1] - perCap[0]) / extraIterations;
                row.append(' ').append(growth).append(" B |");
                System.out.println(row);
            }
        }
        System.out.println();
    }

    /** Bytes the current thread allocates in one call, averaged over warm calls. */
    private static long allocatedPerCall(Runnable call) {
        long warmStart = System.nanoTime();
        for (int i = 0; i < MIN_WARM_CALLS || System.nanoTime() - warmStart < WARM_NANOS; i++) {
            call.run();
        }
        long measureStart = System.nanoTime();
        long start = THREADS.getCurrentThreadAllocatedBytes();
        int calls = 0;
        while (calls < MIN_MEASURED_CALLS || System.nanoTime() - measureStart < MEASURE_NANOS) {
            call.run();
            calls++;
        }
        return (THREADS.getCurrentThreadAllocatedBytes() - start) / calls;
    }

    /** Heap in use after full collections (repeated: one {@code System.gc()} may leave garbage). */
    private static long heapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return MEMORY.getHeapMemoryUsage().getUsed();
    }

    private static String label(Size size) {
        return size.rows() + " x " + size.cols();
    }

    private static String bytes(long value) {
        if (value < 1024) {
            return value + " B";
        }
        if (value < 1024L * 1024) {
            return String.format(Locale.ROOT, "%.1f KiB", value / 1024.0);
        }
        if (value < 1024L * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MiB", value / (1024.0 * 1024));
        }
        return String.format(Locale.ROOT, "%.1f GiB", value / (1024.0 * 1024 * 1024));
    }
}
