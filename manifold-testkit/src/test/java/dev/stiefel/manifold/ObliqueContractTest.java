package dev.stiefel.manifold;

import dev.stiefel.kernel.Kernels;
import dev.stiefel.testkit.ManifoldContract;
import dev.stiefel.problem.BrockettProblem;
import dev.stiefel.problem.Problem;
import java.util.random.RandomGenerator;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The oblique manifold of {@code R^(6 x 3)}, with unit columns and with unit rows, with each
 * retraction against the manifold contract.
 */
@ParameterizedClass(name = "{0}, {1}")
@CsvSource({"COLUMNS, NORMALIZATION", "COLUMNS, EXPONENTIAL", "ROWS, NORMALIZATION", "ROWS, EXPONENTIAL"})
class ObliqueContractTest extends ManifoldContract<DMatrixRMaj> {

    private static final int ROWS = 6;
    private static final int COLS = 3;

    private final Oblique.UnitNorm unitNorm;
    private final SphereRetraction retraction;

    ObliqueContractTest(Oblique.UnitNorm unitNorm, SphereRetraction retraction) {
        this.unitNorm = unitNorm;
        this.retraction = retraction;
    }

    @Override
    protected Manifold<DMatrixRMaj> createManifold() {
        return new Oblique<>(Kernels.ejml(), ROWS, COLS, unitNorm, retraction);
    }

    /** One sphere {@code S^(n-1)} per column, or {@code S^(p-1)} per row. */
    @Override
    protected int expectedDimension() {
        return unitNorm == Oblique.UnitNorm.COLUMNS ? (ROWS - 1) * COLS : ROWS * (COLS - 1);
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
