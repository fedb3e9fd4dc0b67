package dev.stiefel.kernel;

import dev.stiefel.testkit.DenseKernelsContract;
import dev.stiefel.cuda.CudaKernels;
import dev.stiefel.cuda.CudaMatrix;
import dev.stiefel.cuda.CudaPrecision;
import dev.stiefel.cuda.CudaTestSupport;
import org.ejml.data.DMatrixRMaj;

/**
 * The shared kernels contract on the device in float32; skipped without a CUDA device.
 *
 * <p>Every host input is rounded to float32, in place, as it is uploaded, so the contract's
 * float64 references are computed from the very numbers the device holds: exact checks
 * (storage round trips, transposes) stay exact and the others measure float32 arithmetic only.
 * The class lives in the contract's package to reach its package-private test methods.
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

    @Override
    protected CudaMatrix upload(DMatrixRMaj host) {
        for (int i = 0; i < host.getNumElements(); i++) {
            host.data[i] = (float) host.data[i];
        }
        return super.upload(host);
    }
}
