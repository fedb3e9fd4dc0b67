package dev.stiefel.cuda;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.testkit.SolverContract;
import org.junit.jupiter.api.Nested;

/**
 * The shared solver contract (trust regions, conjugate gradients, steepest descent on
 * Brockett and Procrustes, allocation-free warm iterations) driving the unchanged generic
 * solvers on device matrices; skipped without a CUDA device. Float64 only: the contract builds
 * its solvers with the default start-point tolerance (1e-8), which a float32 point cannot meet;
 * {@link CudaSolversParityTest} runs the float32 device solvers with a float32 tolerance.
 */
class CudaSolverContractTest {

    /** float64: the contract's default tolerances. */
    @Nested
    class Float64 extends SolverContract<CudaMatrix> {

        private CudaKernels kernels;

        @Override
        protected DenseKernels<CudaMatrix> kernels() {
            if (kernels == null) {
                kernels = new CudaKernels(CudaTestSupport.binding(), CudaPrecision.FLOAT64);
            }
            return kernels;
        }
    }
}
