package dev.stiefel.ddn;

import dev.stiefel.testkit.TestMatrices;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Stiefel;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * Warm backward passes reuse their workspaces: the bytes a call allocates stay below a single
 * {@code d x C} matrix (here 60 x 12 doubles, 5.8 kB). Measured with the JVM's per-thread
 * allocation counter; skipped where the JVM has none.
 */
class AllocationTest {

    /** Less than one workspace matrix: slack for the counter's own granularity, none for a workspace. */
    private static final long ALLOWED_BYTES_PER_CALL = 1024;
    private static final int WARM_UP_CALLS = 50;
    private static final int MEASURED_CALLS = 10;
    private static final int ROWS = 60;
    private static final int COLUMNS = 12;

    @Test
    void matrixFreeBackwardDoesNotAllocateWhenWarm() {
        Random random = new Random(5);
        DMatrixRMaj g = TestMatrices.gaussian(ROWS, COLUMNS, random);
        DMatrixRMaj upstream = TestMatrices.gaussian(ROWS, COLUMNS, random);
        DMatrixRMaj solution = PolarBackwardTest.polar(g);
        TestProblems.MaxInnerProduct problem = new TestProblems.MaxInnerProduct(Stiefel.onCpu(ROWS, COLUMNS), g);
        MatrixFreeImplicitBackward<DMatrixRMaj> backward = new MatrixFreeImplicitBackward<>();
        DMatrixRMaj out = new DMatrixRMaj(ROWS, COLUMNS);
        assertAllocationFree(() -> backward.vjp(problem, solution, upstream, out));
        assertTrue(backward.lastIterations() > 1, "the measured calls must run the iteration loop");
    }

    @Test
    void polarBackwardDoesNotAllocateWhenWarm() {
        Random random = new Random(6);
        DMatrixRMaj g = TestMatrices.gaussian(ROWS, COLUMNS, random);
        DMatrixRMaj upstream = TestMatrices.gaussian(ROWS, COLUMNS, random);
        PolarBackward<DMatrixRMaj> backward = new PolarBackward<>(Kernels.cpu());
        DMatrixRMaj out = new DMatrixRMaj(ROWS, COLUMNS);
        DMatrixRMaj polar = new DMatrixRMaj(ROWS, COLUMNS);
        assertAllocationFree(() -> {
            backward.forward(g, polar);
            backward.backward(upstream, out);
        });
    }

    private static void assertAllocationFree(Runnable call) {
        ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        assumeTrue(bean instanceof com.sun.management.ThreadMXBean, "no per-thread allocation counter");
        com.sun.management.ThreadMXBean counter = (com.sun.management.ThreadMXBean) bean;
        assumeTrue(counter.isThreadAllocatedMemorySupported() && counter.isThreadAllocatedMemoryEnabled(),
                "per-thread allocation counting is off");
        for (int i = 0; i < WARM_UP_CALLS; i++) {
            call.run();
        }
        long thread = Thread.currentThread().getId();
        long before = counter.getThreadAllocatedBytes(thread);
        for (int i = 0; i < MEASURED_CALLS; i++) {
            call.run();
        }
        long perCall = (counter.getThreadAllocatedBytes(thread) - before) / MEASURED_CALLS;
        assertTrue(perCall < ALLOWED_BYTES_PER_CALL, perCall + " bytes allocated per warm call");
    }
}
