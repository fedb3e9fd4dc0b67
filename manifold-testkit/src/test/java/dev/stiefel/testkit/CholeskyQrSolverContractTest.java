package dev.stiefel.testkit;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.StiefelRetraction;
import dev.stiefel.testkit.SolverContract;
import org.ejml.data.DMatrixRMaj;

/** The solver contract with a retraction written outside the library. */
class CholeskyQrSolverContractTest extends SolverContract<DMatrixRMaj> {

    @Override
    protected DenseKernels<DMatrixRMaj> kernels() {
        return Kernels.ejml();
    }

    @Override
    protected StiefelRetraction retraction() {
        return CholeskyQrRetraction.INSTANCE;
    }
}
