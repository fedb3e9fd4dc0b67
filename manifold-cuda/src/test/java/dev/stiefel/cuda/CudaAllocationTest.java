package dev.stiefel.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import dev.stiefel.check.AllocationProbe;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Warm device kernels allocate (almost) nothing on the Java heap: the workspaces are fields and
 * the bindings pass preallocated native wrappers, so a solver iteration on the device costs no
 * garbage. The bound leaves room for a few small wrapper objects per iteration (JCuda wraps a
 * host array for each host-to-device copy), not for matrices. Skipped without a CUDA device.
 */
class CudaAllocationTest {

    private static final int WARM_UP = 20;
    private static final int ITERATIONS = 200;
    /** Heap bytes one iteration of a dozen kernel calls may allocate. */
    private static final long BYTES_PER_ITERATION = 256;

    private CudaKernels kernels;
    private final List<CudaMatrix> allocated = new ArrayList<>();

    @AfterEach
    void release() {
        for (CudaMatrix matrix : allocated) {
            kernels.free(matrix);
        }
        if (kernels != null) {
            kernels.close();
        }
    }

    private CudaMatrix make(int rows, int cols) {
        CudaMatrix matrix = kernels.create(rows, cols);
        allocated.add(matrix);
        return matrix;
    }

    @Test
    void warmKernelsAndRetractionsDoNotAllocate() {
        kernels = new CudaKernels(CudaTestSupport.binding(), CudaPrecision.FLOAT64);
        assumeTrue(AllocationProbe.supported(), "per-thread allocation counting is not available in this JVM");
        int n = 256;
        int p = 16;
        Stiefel<CudaMatrix> qr = new Stiefel<>(kernels, n, p, StiefelRetraction.QR);
        Stiefel<CudaMatrix> polar = new Stiefel<>(kernels, n, p, StiefelRetraction.POLAR);
        SplittableRandom random = new SplittableRandom(5);
        CudaMatrix x = make(n, p);
        CudaMatrix v = make(n, p);
        CudaMatrix y = make(n, p);
        CudaMatrix q = make(n, p);
        CudaMatrix r = make(p, p);
        CudaMatrix small = make(p, p);
        double[] scales = new double[p];
        java.util.Arrays.fill(scales, 0.5);
        qr.randomPoint(random, x);
        qr.randomTangent(x, random, v);
        kernels.scale(0.3, v);
        Runnable iteration = () -> {
            kernels.gemm(1.0, x, true, v, false, 0.0, small);
            kernels.symmetricPart(small, small);
            kernels.addIdentity(small, 1.0, small);
            kernels.scaleColumns(v, scales, y);
            kernels.addScaled(1.0, x, 0.1, y, y);
            kernels.dot(x, y);
            kernels.normF(y);
            kernels.qrPositive(y, q, r);
            kernels.polar(y, q);
            qr.projectToTangent(x, y, y);
            qr.retract(x, v, q);
            polar.retract(x, v, q);
        };
        for (int i = 0; i < WARM_UP; i++) {
            iteration.run();
        }
        long bytes = AllocationProbe.bytesAllocatedBy(() -> {
            for (int i = 0; i < ITERATIONS; i++) {
                iteration.run();
            }
        });
        assertTrue(bytes <= BYTES_PER_ITERATION * ITERATIONS,
                "warm device iterations allocated " + bytes + " bytes (" + bytes / ITERATIONS + " per iteration)");
    }
}
