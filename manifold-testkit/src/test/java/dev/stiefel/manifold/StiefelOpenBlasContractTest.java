package dev.stiefel.manifold;

import dev.stiefel.testkit.ManifoldContract;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.problem.BrockettProblem;
import dev.stiefel.problem.Problem;
import java.util.random.RandomGenerator;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The same generic Stiefel code on the native OpenBLAS backend: every retraction on
 * {@code St(50, 10)} against the manifold contract. Skipped where the natives cannot load.
 */
@ParameterizedClass(name = "{0} on OpenBLAS")
@ValueSource(strings = {"QR", "POLAR", "CAYLEY", "EXPONENTIAL"})
class StiefelOpenBlasContractTest extends ManifoldContract<DMatrixRMaj> {

    private static final int N = 50;
    private static final int P = 10;

    private final StiefelRetraction retraction;
    private DenseKernels<DMatrixRMaj> kernels;

    StiefelOpenBlasContractTest(StiefelRetraction retraction) {
        this.retraction = retraction;
    }

    @BeforeAll
    static void requireNatives() {
        boolean available;
        try {
            Kernels.openBlas();
            available = true;
        } catch (UnsupportedOperationException | LinkageError missing) {
            available = false;
        }
        assumeTrue(available, "OpenBLAS natives are not loadable here");
    }

    @Override
    protected Manifold<DMatrixRMaj> createManifold() {
        kernels = Kernels.openBlas();
        return new Stiefel<>(kernels, N, P, retraction);
    }

    @Override
    protected int expectedDimension() {
        return N * P - P * (P + 1) / 2;
    }

    @Override
    protected RetractionOrder expectedRetractionOrder() {
        return retraction == StiefelRetraction.QR || retraction == StiefelRetraction.CAYLEY
                ? RetractionOrder.FIRST : RetractionOrder.SECOND;
    }

    @Override
    protected Problem<DMatrixRMaj> createProblem(Manifold<DMatrixRMaj> manifold, RandomGenerator random) {
        return BrockettProblem.random(manifold, kernels, N, P, false, random);
    }
}
