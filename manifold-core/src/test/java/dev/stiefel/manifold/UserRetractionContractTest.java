package dev.stiefel.manifold;

import dev.stiefel.kernel.Kernels;
import dev.stiefel.problem.BrockettProblem;
import dev.stiefel.problem.Problem;
import java.util.random.RandomGenerator;
import org.ejml.data.DMatrixRMaj;

/**
 * A retraction defined outside the library ({@link RetractionObjectsTest#CHOLESKY_QR}) passes
 * the same manifold contract as the built-in ones: what a user runs on their own retraction.
 */
class UserRetractionContractTest extends ManifoldContract<DMatrixRMaj> {

    private static final int N = 12;
    private static final int P = 3;

    @Override
    protected Manifold<DMatrixRMaj> createManifold() {
        return new Stiefel<>(Kernels.ejml(), N, P, RetractionObjectsTest.CHOLESKY_QR);
    }

    @Override
    protected int expectedDimension() {
        return N * P - P * (P + 1) / 2;
    }

    /** The QR map, computed by Cholesky: first order for {@code p > 1}. */
    @Override
    protected RetractionOrder expectedRetractionOrder() {
        return RetractionOrder.FIRST;
    }

    @Override
    protected Problem<DMatrixRMaj> createProblem(Manifold<DMatrixRMaj> manifold, RandomGenerator random) {
        return BrockettProblem.random(manifold, Kernels.ejml(), N, P, false, random);
    }
}
