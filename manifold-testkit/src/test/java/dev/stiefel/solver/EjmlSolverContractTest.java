package dev.stiefel.solver;

import dev.stiefel.testkit.SolverContract;
import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import org.ejml.data.DMatrixRMaj;

/** The solver contract on the pure-Java EJML backend. */
class EjmlSolverContractTest extends SolverContract<DMatrixRMaj> {

    @Override
    protected DenseKernels<DMatrixRMaj> kernels() {
        return Kernels.ejml();
    }
}
