package dev.stiefel.kernel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Repeated same-shape calls on a warm host backend allocate nothing on the Java heap: the
 * workspaces live in fields (EJML style). Measured with the per-thread allocation counter of
 * HotSpot; skipped on JVMs without it.
 */
class HostKernelsAllocationTest {

    private static final int WARM_UP_CALLS = 20;
    private static final int MEASURED_CALLS = 10;
    private static final int MEASURED_ROUNDS = 3;
    /** Bytes per call tolerated for JIT deoptimisation noise; a workspace would be far larger. */
    private static final long SLACK_BYTES_PER_CALL = 64;
    /**
     * EJML's symmetric QR algorithm allocates two length-n arrays per decomposition and a
     * {@code Complex_F64} per eigenvalue read, which cannot be avoided through its API:
     * O(n) bytes per call, against the O(n^2) of a workspace.
     */
    private static final long EJML_EIGEN_BYTES_PER_CALL_PER_ROW = 64;
    private static final int COLS = 12;

    static Stream<Arguments> operations() {
        Random random = new Random(17);
        int rows = 30;
        int cols = COLS;
        DMatrixRMaj a = gaussian(rows, cols, random);
        DMatrixRMaj square = gaussian(cols, cols, random);
        DMatrixRMaj spd = new DMatrixRMaj(cols, cols);
        CommonOps_DDRM.multTransA(a, a, spd);
        DMatrixRMaj tallOut = new DMatrixRMaj(rows, cols);
        DMatrixRMaj squareOut = new DMatrixRMaj(cols, cols);
        DMatrixRMaj product = new DMatrixRMaj(cols, cols);
        double[] values = new double[cols];
        Stream.Builder<Arguments> cases = Stream.builder();
        for (String backend : new String[] {"ejml", "openblas"}) {
            cases.add(Arguments.of(backend, "gemm", (Consumer<DenseKernels<DMatrixRMaj>>)
                    k -> k.gemm(1.0, a, true, a, false, 0.0, product)));
            cases.add(Arguments.of(backend, "gemm transposed both", (Consumer<DenseKernels<DMatrixRMaj>>)
                    k -> k.gemm(1.0, square, true, square, true, 0.5, product)));
            cases.add(Arguments.of(backend, "qrPositive", (Consumer<DenseKernels<DMatrixRMaj>>)
                    k -> k.qrPositive(a, tallOut, squareOut)));
            cases.add(Arguments.of(backend, "polar", (Consumer<DenseKernels<DMatrixRMaj>>)
                    k -> k.polar(a, tallOut)));
            cases.add(Arguments.of(backend, "symmetricEigen", (Consumer<DenseKernels<DMatrixRMaj>>)
                    k -> k.symmetricEigen(spd, squareOut, values)));
            cases.add(Arguments.of(backend, "svdThin", (Consumer<DenseKernels<DMatrixRMaj>>)
                    k -> k.svdThin(a, tallOut, values, squareOut)));
            cases.add(Arguments.of(backend, "cholesky", (Consumer<DenseKernels<DMatrixRMaj>>)
                    k -> k.cholesky(spd, squareOut)));
            cases.add(Arguments.of(backend, "inversePositiveDefinite", (Consumer<DenseKernels<DMatrixRMaj>>)
                    k -> k.inversePositiveDefinite(spd, squareOut)));
            cases.add(Arguments.of(backend, "solve", (Consumer<DenseKernels<DMatrixRMaj>>)
                    k -> k.solve(spd, square, squareOut)));
            cases.add(Arguments.of(backend, "expm", (Consumer<DenseKernels<DMatrixRMaj>>)
                    k -> k.expm(square, squareOut)));
        }
        return cases.build();
    }

    private static DMatrixRMaj gaussian(int rows, int cols, Random random) {
        DMatrixRMaj a = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < a.data.length; i++) {
            a.data[i] = random.nextGaussian();
        }
        return a;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("operations")
    void warmCallsDoNotAllocate(String backend, String operation, Consumer<DenseKernels<DMatrixRMaj>> call) {
        Assumptions.assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean,
                "per-thread allocation counter unavailable");
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(),
                "per-thread allocation counter disabled");
        DenseKernels<DMatrixRMaj> kernels;
        if (backend.equals("ejml")) {
            kernels = Kernels.ejml();
        } else {
            Assumptions.assumeTrue(OpenBlasKernels.isAvailable(), "OpenBLAS natives unavailable");
            kernels = Kernels.openBlas();
        }
        for (int i = 0; i < WARM_UP_CALLS; i++) {
            call.accept(kernels);
        }
        long threadId = Thread.currentThread().getId();
        // A real per-call allocation shows in every round; one-off JIT or class-loading noise does not.
        long allocated = Long.MAX_VALUE;
        for (int round = 0; round < MEASURED_ROUNDS; round++) {
            long before = threads.getThreadAllocatedBytes(threadId);
            for (int i = 0; i < MEASURED_CALLS; i++) {
                call.accept(kernels);
            }
            allocated = Math.min(allocated, threads.getThreadAllocatedBytes(threadId) - before);
        }
        long slackPerCall = SLACK_BYTES_PER_CALL;
        if (backend.equals("ejml") && operation.equals("symmetricEigen")) {
            slackPerCall += EJML_EIGEN_BYTES_PER_CALL_PER_ROW * COLS;
        }
        assertTrue(allocated <= slackPerCall * MEASURED_CALLS,
                backend + " " + operation + " allocated " + allocated + " bytes over " + MEASURED_CALLS + " warm calls");
    }
}
