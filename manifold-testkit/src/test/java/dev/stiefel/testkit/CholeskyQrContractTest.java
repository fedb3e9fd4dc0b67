package dev.stiefel.testkit;

import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Manifold;
import dev.stiefel.testkit.ManifoldContract;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.problem.BrockettProblem;
import dev.stiefel.problem.Problem;
import java.util.random.RandomGenerator;
import org.ejml.data.DMatrixRMaj;

/** The manifold contract on Stiefel with a retraction written outside the library. */
class CholeskyQrContractTest extends ManifoldContract<DMatrixRMaj> {

    private static final int N = 12;
    private static final int P = 3;

    @Override
    protected Manifold<DMatrixRMaj> createManifold() {
        return new Stiefel<>(Kernels.ejml(), N, P, CholeskyQrRetraction.INSTANCE);
    }

    @Override
    protected int expectedDimension() {
        return N * P - P * (P + 1) / 2;
    }

    /** The QR map: first order for {@code p > 1}. */
    @Override
    protected RetractionOrder expectedRetractionOrder() {
        return RetractionOrder.FIRST;
    }

    @Override
    protected Problem<DMatrixRMaj> createProblem(Manifold<DMatrixRMaj> manifold, RandomGenerator random) {
        return BrockettProblem.random(manifold, Kernels.ejml(), N, P, false, random);
    }
}
