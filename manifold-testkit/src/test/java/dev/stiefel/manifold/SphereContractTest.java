package dev.stiefel.manifold;

import dev.stiefel.testkit.ManifoldContract;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.problem.BrockettProblem;
import dev.stiefel.problem.Problem;
import java.util.random.RandomGenerator;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.params.ParameterizedClass;
import java.util.List;
import org.junit.jupiter.params.provider.MethodSource;

/** The unit sphere of {@code R^(6 x 3)} with each retraction against the manifold contract. */
@ParameterizedClass(name = "{0}")
@MethodSource("retractions")
class SphereContractTest extends ManifoldContract<DMatrixRMaj> {

    private static final int ROWS = 6;
    private static final int COLS = 3;

    private final SphereRetraction retraction;

    SphereContractTest(SphereRetraction retraction) {
        this.retraction = retraction;
    }

    static List<SphereRetraction> retractions() {
        return SphereRetraction.values();
    }

    @Override
    protected Manifold<DMatrixRMaj> createManifold() {
        return new Sphere<>(Kernels.ejml(), ROWS, COLS, retraction);
    }

    @Override
    protected int expectedDimension() {
        return ROWS * COLS - 1;
    }

    /** Normalisation is the metric projection, the exponential a geodesic: both second order. */
    @Override
    protected RetractionOrder expectedRetractionOrder() {
        return RetractionOrder.SECOND;
    }

    @Override
    protected Problem<DMatrixRMaj> createProblem(Manifold<DMatrixRMaj> manifold, RandomGenerator random) {
        return BrockettProblem.random(manifold, Kernels.ejml(), ROWS, COLS, false, random);
    }
}
