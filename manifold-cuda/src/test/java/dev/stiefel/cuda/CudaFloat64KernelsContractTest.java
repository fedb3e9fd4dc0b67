package dev.stiefel.cuda;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.testkit.DenseKernelsContract;

/** The shared kernels contract on the device in float64; skipped without a CUDA device. */
class CudaFloat64KernelsContractTest extends DenseKernelsContract<CudaMatrix> {

    private static final double TOLERANCE = 1e-12;

    @Override
    protected DenseKernels<CudaMatrix> kernels() {
        return new CudaKernels(CudaTestSupport.binding(), CudaPrecision.FLOAT64);
    }

    @Override
    protected double tolerance() {
        return TOLERANCE;
    }
}
