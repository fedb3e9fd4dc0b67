package dev.stiefel.manifold;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stiefel.kernel.Kernels;
import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Warm manifold operations allocate nothing: solver loops built on them stay allocation-free.
 * Measured with the JVM's per-thread allocation counter, after warm-up so that lazily sized
 * kernel workspaces exist.
 */
class AllocationTest {

    private static final int WARM_UP = 20;
    private static final int MEASURED = 50;
    /** The minimum over repeats discards one-off allocations of the JIT and the counter itself. */
    private static final int REPEATS = 3;

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private static boolean countingAvailable() {
        return ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean bean
                && bean.isThreadAllocatedMemorySupported() && bean.isThreadAllocatedMemoryEnabled();
    }

    /**
     * EXPONENTIAL is left out: its only allocation is inside {@code EjmlKernels.expm} (about 70
     * bytes a call, measured outside the manifold), which belongs to the kernels, not to this class.
     */
    @ParameterizedTest
    @ValueSource(strings = {"QR", "POLAR", "CAYLEY"})
    void stiefelOperationsDoNotAllocateWhenWarm(StiefelRetraction retraction) {
        assumeTrue(countingAvailable(), "per-thread allocation counting is not available on this JVM");
        Stiefel<DMatrixRMaj> stiefel = new Stiefel<>(Kernels.ejml(), 12, 4, retraction);
        SplittableRandom random = new SplittableRandom(1);
        DMatrixRMaj x = stiefel.allocate();
        DMatrixRMaj v = stiefel.allocate();
        DMatrixRMaj y = stiefel.allocate();
        DMatrixRMaj w = stiefel.allocate();
        DMatrixRMaj gradient = stiefel.allocate();
        stiefel.randomPoint(random, x);
        stiefel.randomTangent(x, random, v);
        stiefel.linearCombination(x, 0.3, v, 0.0, v, v);
        stiefel.randomPoint(random, gradient);
        Runnable step = () -> {
            stiefel.retract(x, v, y);
            stiefel.projectToTangent(x, gradient, w);
            stiefel.euclideanToRiemannianHessian(x, gradient, gradient, v, w);
            stiefel.transport(x, y, v, w);
            stiefel.randomTangent(x, random, w);
            if (stiefel.hasInverseRetraction()) {
                stiefel.inverseRetract(x, y, w);
            }
        };
        assertEquals(0L, allocatedWhileRunning(step), stiefel + " allocated in warm iterations");
    }

    @ParameterizedTest
    @ValueSource(strings = {"NORMALIZATION", "EXPONENTIAL"})
    void sphereAndGrassmannOperationsDoNotAllocateWhenWarm(String retraction) {
        assumeTrue(countingAvailable(), "per-thread allocation counting is not available on this JVM");
        Sphere<DMatrixRMaj> sphere = new Sphere<>(Kernels.ejml(), 7, 2, SphereRetraction.valueOf(retraction));
        Grassmann<DMatrixRMaj> grassmann = new Grassmann<>(Kernels.ejml(), 7, 2, GrassmannRetraction.POLAR);
        SplittableRandom random = new SplittableRandom(2);
        DMatrixRMaj x = sphere.allocate();
        DMatrixRMaj v = sphere.allocate();
        DMatrixRMaj y = sphere.allocate();
        DMatrixRMaj w = sphere.allocate();
        DMatrixRMaj q = grassmann.allocate();
        DMatrixRMaj u = grassmann.allocate();
        DMatrixRMaj z = grassmann.allocate();
        DMatrixRMaj t = grassmann.allocate();
        sphere.randomPoint(random, x);
        sphere.randomTangent(x, random, v);
        grassmann.randomPoint(random, q);
        grassmann.randomTangent(q, random, u);
        grassmann.linearCombination(q, 0.3, u, 0.0, u, u);
        Runnable step = () -> {
            sphere.retract(x, v, y);
            sphere.inverseRetract(x, y, w);
            sphere.euclideanToRiemannianHessian(x, y, y, v, w);
            sphere.transport(x, y, v, w);
            grassmann.retract(q, u, z);
            grassmann.inverseRetract(q, z, t);
            grassmann.euclideanToRiemannianHessian(q, z, z, u, t);
            grassmann.transport(q, z, u, t);
        };
        assertEquals(0L, allocatedWhileRunning(step), "sphere and Grassmann allocated in warm iterations");
    }

    private static long allocatedWhileRunning(Runnable step) {
        long baseline = Long.MAX_VALUE;
        long measured = Long.MAX_VALUE;
        for (int repeat = 0; repeat < REPEATS; repeat++) {
            baseline = Math.min(baseline, measure(() -> { }));
            measured = Math.min(measured, measure(step));
        }
        return Math.max(0L, measured - baseline);
    }

    /** Bytes allocated by {@value #MEASURED} warm runs; includes the counter's own small overhead. */
    private static long measure(Runnable step) {
        for (int k = 0; k < WARM_UP; k++) {
            step.run();
        }
        long before = allocatedBytes();
        for (int k = 0; k < MEASURED; k++) {
            step.run();
        }
        return allocatedBytes() - before;
    }
}
