package dev.stiefel.kernel;

import dev.stiefel.testkit.DenseKernelsContract;
import org.ejml.data.DMatrixRMaj;

/** The reference backend against the shared contract. */
class EjmlKernelsTest extends DenseKernelsContract<DMatrixRMaj> {

    private static final double TOLERANCE = 1e-12;

    @Override
    protected DenseKernels<DMatrixRMaj> kernels() {
        return Kernels.ejml();
    }

    @Override
    protected double tolerance() {
        return TOLERANCE;
    }
}
