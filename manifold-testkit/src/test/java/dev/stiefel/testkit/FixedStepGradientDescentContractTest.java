package dev.stiefel.testkit;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.solver.SolverSettings;
import java.util.Map;
import org.ejml.data.DMatrixRMaj;

/**
 * The solver contract on a solver written outside the library ({@link FixedStepGradientDescent},
 * a subclass of the public solver skeleton): the one class a user writes to put a solver of
 * their own through the contract.
 */
class FixedStepGradientDescentContractTest extends SolverContract<DMatrixRMaj> {

    /**
     * Below {@code 2 / L} on both contract problems: the Brockett Hessian's norm is at most
     * {@code 2 lambda_max(A) n_max + 2 ||X^T grad|| <= 2 * 15 * 4 * 2 = 240} (A's spectrum ends
     * below 15, {@code N = diag(4, 3, 2, 1)}), and the Procrustes cost is linear on St(10, 3)
     * ({@code ||A X||_F} is constant there) with a Hessian norm of at most
     * {@code 4 ||A^T B||_2 = 6 ||Q^T B||_2}, a few tens for the contract's Gaussian 14 x 3 B.
     */
    private static final double STEP = 0.005;

    @Override
    protected DenseKernels<DMatrixRMaj> kernels() {
        return Kernels.ejml();
    }

    @Override
    protected Map<String, SolverFactory<DMatrixRMaj>> solvers() {
        return Map.of("fixed-step-gradient-descent", (stopping, recordHistory) -> new FixedStepGradientDescent<>(
                STEP, SolverSettings.defaults().withStopping(stopping).withRecordHistory(recordHistory)));
    }
}
