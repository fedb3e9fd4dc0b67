package dev.stiefel.cuda;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.solver.SolverContract;
import org.junit.jupiter.api.Nested;

/**
 * The shared solver contract (trust regions, conjugate gradients, steepest descent on
 * Brockett and Procrustes, allocation-free warm iterations) driving the unchanged generic
 * solvers on device matrices; skipped without a CUDA device.
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

    /**
     * float32: the gradient can be resolved to about sqrt(eps) times its scale, and the
     * solution to the gradient tolerance over the eigengap.
     */
    @Nested
    class Float32 extends SolverContract<CudaMatrix> {

        private static final double GRADIENT_TOLERANCE = 1e-3;
        private static final double SOLUTION_TOLERANCE = 1e-2;

        private CudaKernels kernels;

        @Override
        protected DenseKernels<CudaMatrix> kernels() {
            if (kernels == null) {
                kernels = new CudaKernels(CudaTestSupport.binding(), CudaPrecision.FLOAT32);
            }
            return kernels;
        }

        @Override
        protected double gradientTolerance() {
            return GRADIENT_TOLERANCE;
        }

        @Override
        protected double solutionTolerance() {
            return SOLUTION_TOLERANCE;
        }
    }
}
