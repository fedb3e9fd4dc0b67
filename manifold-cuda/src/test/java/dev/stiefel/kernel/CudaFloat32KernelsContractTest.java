package dev.stiefel.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.stiefel.cuda.CudaKernels;
import dev.stiefel.cuda.CudaMatrix;
import dev.stiefel.cuda.CudaPrecision;
import dev.stiefel.cuda.CudaTestSupport;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * The shared kernels contract on the device in float32; skipped without a CUDA device. It
 * lives in the contract's package only to replace the one check that demands exact storage
 * round trips, which float32 storage cannot give: here a round trip is exact to float rounding.
 */
class CudaFloat32KernelsContractTest extends DenseKernelsContract<CudaMatrix> {

    /** Relative accuracy of float32 (eps = 1.2e-7) after a few dozen roundings. */
    private static final double TOLERANCE = 1e-4;
    /** Conditioning at which float32 still resolves the polar factor to about 1e-3. */
    private static final double LARGEST_CONDITION_NUMBER = 1e3;

    @Override
    protected DenseKernels<CudaMatrix> kernels() {
        return new CudaKernels(CudaTestSupport.binding(), CudaPrecision.FLOAT32);
    }

    @Override
    protected double tolerance() {
        return TOLERANCE;
    }

    @Override
    protected double largestConditionNumber() {
        return LARGEST_CONDITION_NUMBER;
    }

    @Test
    @Override
    void storageRoundTripsAndReportsShape() {
        Random random = new Random(11);
        DMatrixRMaj host = gaussian(5, 3, random);
        DMatrixRMaj rounded = host.copy();
        for (int i = 0; i < rounded.data.length; i++) {
            rounded.data[i] = (float) rounded.data[i];
        }
        CudaMatrix a = upload(host);
        assertEquals(5, kernels.rows(a));
        assertEquals(3, kernels.cols(a));
        assertEquals(rounded.get(4, 2), kernels.get(a, 4, 2), 0.0);
        assertClose(rounded, download(a), 0.0, "fromHost then toHost rounds to float exactly once");
        CudaMatrix b = create(5, 3);
        assertClose(new DMatrixRMaj(5, 3), download(b), 0.0, "create gives zeros");
        kernels.copyFromHost(host, b);
        assertClose(rounded, download(b), 0.0, "copyFromHost");
        CudaMatrix c = create(5, 3);
        kernels.copy(a, c);
        assertClose(rounded, download(c), 0.0, "copy");
        kernels.zero(c);
        assertEquals(0.0, kernels.normF(c), 0.0);
        assertThrows(IllegalArgumentException.class, () -> kernels.copy(a, create(3, 5)));
        assertThrows(IllegalArgumentException.class, () -> kernels.copyFromHost(host, create(5, 4)));
        assertThrows(IllegalArgumentException.class, () -> kernels.create(-1, 2));
    }
}
