package dev.stiefel.manifold;

import dev.stiefel.testkit.ManifoldContract;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.problem.BrockettProblem;
import dev.stiefel.problem.Problem;
import java.util.List;
import java.util.random.RandomGenerator;
import org.ejml.data.DMatrixRMaj;

/**
 * {@code St(5, 2) x R^(3 x 4)} against the manifold contract. Stiefel's QR retraction makes the
 * product's retraction first order only.
 */
class ProductContractTest extends ManifoldContract<ProductPoint<DMatrixRMaj>> {

    private Stiefel<DMatrixRMaj> stiefel;
    private Euclidean<DMatrixRMaj> euclidean;

    @Override
    protected Manifold<ProductPoint<DMatrixRMaj>> createManifold() {
        stiefel = new Stiefel<>(Kernels.ejml(), 5, 2, StiefelRetraction.QR);
        euclidean = new Euclidean<>(Kernels.ejml(), 3, 4);
        return Product.of(stiefel, euclidean);
    }

    @Override
    protected int expectedDimension() {
        return 5 * 2 - 3 + 3 * 4;
    }

    @Override
    protected RetractionOrder expectedRetractionOrder() {
        return RetractionOrder.FIRST;
    }

    @Override
    protected Problem<ProductPoint<DMatrixRMaj>> createProblem(Manifold<ProductPoint<DMatrixRMaj>> manifold,
            RandomGenerator random) {
        Problem<DMatrixRMaj> onStiefel = BrockettProblem.random(stiefel, Kernels.ejml(), 5, 2, false, random);
        Problem<DMatrixRMaj> onEuclidean = BrockettProblem.random(euclidean, Kernels.ejml(), 3, 4, false, random);
        return new ProductProblem<>((Product<DMatrixRMaj>) manifold, List.of(onStiefel, onEuclidean));
    }
}
