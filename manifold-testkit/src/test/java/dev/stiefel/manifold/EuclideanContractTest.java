package dev.stiefel.manifold;

import dev.stiefel.testkit.ManifoldContract;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.problem.BrockettProblem;
import dev.stiefel.problem.Problem;
import java.util.random.RandomGenerator;
import org.ejml.data.DMatrixRMaj;

/** {@code R^(7 x 3)} against the manifold contract: its retraction is exact. */
class EuclideanContractTest extends ManifoldContract<DMatrixRMaj> {

    private static final int ROWS = 7;
    private static final int COLS = 3;

    @Override
    protected Manifold<DMatrixRMaj> createManifold() {
        return new Euclidean<>(Kernels.ejml(), ROWS, COLS);
    }

    @Override
    protected int expectedDimension() {
        return ROWS * COLS;
    }

    @Override
    protected RetractionOrder expectedRetractionOrder() {
        return RetractionOrder.SECOND;
    }

    @Override
    protected Problem<DMatrixRMaj> createProblem(Manifold<DMatrixRMaj> manifold, RandomGenerator random) {
        return BrockettProblem.random(manifold, Kernels.ejml(), ROWS, COLS, false, random);
    }
}
