package dev.stiefel.kernel;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stiefel.manifold.Stiefel;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * Kernels that own native buffers free them in {@code close()}: closing twice is harmless and
 * a native operation afterwards is a clear error; a Stiefel made by {@code onCpu} closes the
 * kernels it created.
 */
class KernelsCloseTest {

    @Test
    void closedOpenBlasKernelsRefuseNativeWork() {
        assumeTrue(OpenBlasKernels.isAvailable(), "OpenBLAS natives not loadable here");
        DenseKernels<DMatrixRMaj> kernels = Kernels.openBlas();
        DMatrixRMaj a = kernels.create(8, 8);
        kernels.setIdentity(a);
        DMatrixRMaj c = kernels.create(8, 8);
        OpenBlasKernels openBlas = (OpenBlasKernels) kernels;
        assertEquals(0, openBlas.liveNativeBytes(), "nothing held before the first use");
        kernels.gemm(1.0, a, false, a, false, 0.0, c);
        kernels.polar(a, c);
        // gemm's three 8 x 8 operands and at least the polar factor's input, Gram matrix and result
        assertTrue(openBlas.liveNativeBytes() >= 6L * 64 * Double.BYTES, "held: " + openBlas.liveNativeBytes());
        kernels.close();
        assertEquals(0, openBlas.liveNativeBytes(), "close gives every native buffer back");
        assertDoesNotThrow(kernels::close);
        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> kernels.gemm(1.0, a, false, a, false, 0.0, c));
        assertTrue(error.getMessage().contains("closed"), error.getMessage());
        assertThrows(IllegalStateException.class, () -> kernels.polar(a, c));
        assertThrows(IllegalStateException.class,
                () -> kernels.polarFromGramEigen(a, c, new DMatrixRMaj(8, 8), new double[8]));
        assertThrows(IllegalStateException.class, () -> kernels.symmetricEigen(a, c, new double[8]));
        assertThrows(IllegalStateException.class,
                () -> kernels.svdThin(a, c, new double[8], new DMatrixRMaj(8, 8)));
        assertThrows(IllegalStateException.class, () -> kernels.cholesky(a, c));
        assertThrows(IllegalStateException.class, () -> kernels.solve(a, c, new DMatrixRMaj(8, 8)));
        assertThrows(IllegalStateException.class, () -> kernels.gram(a, c));
        assertThrows(IllegalStateException.class, () -> kernels.qrPositive(a, c, new DMatrixRMaj(8, 8)));
        assertThrows(IllegalStateException.class, () -> kernels.inversePositiveDefinite(a, c));
    }

    @Test
    void pureJavaKernelsCloseAsANoOp() {
        DenseKernels<DMatrixRMaj> kernels = Kernels.ejml();
        kernels.close();
        DMatrixRMaj a = kernels.create(3, 3);
        kernels.setIdentity(a);
        assertDoesNotThrow(() -> kernels.gemm(1.0, a, false, a, false, 0.0, kernels.create(3, 3)));
    }

    @Test
    void stiefelOnCpuClosesTheKernelsItCreated() {
        Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(6, 2);
        DenseKernels<DMatrixRMaj> kernels = stiefel.kernels();
        assumeTrue(kernels instanceof OpenBlasKernels, "the CPU backend here holds no native buffers");
        stiefel.close();
        DMatrixRMaj a = new DMatrixRMaj(2, 2);
        assertThrows(IllegalStateException.class, () -> kernels.gemm(1.0, a, false, a, false, 0.0, a.copy()));
    }
}
