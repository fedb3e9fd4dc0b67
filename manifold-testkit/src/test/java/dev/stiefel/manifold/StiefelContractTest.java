package dev.stiefel.manifold;

import dev.stiefel.testkit.ManifoldContract;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.problem.BrockettProblem;
import dev.stiefel.problem.Problem;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every Stiefel retraction at every test shape against the manifold contract (EJML backend). */
@ParameterizedClass(name = "{0} on St({1}, {2})")
@MethodSource("cases")
class StiefelContractTest extends ManifoldContract<DMatrixRMaj> {

    private final StiefelRetraction retraction;
    private final int n;
    private final int p;

    StiefelContractTest(StiefelRetraction retraction, int n, int p) {
        this.retraction = retraction;
        this.n = n;
        this.p = p;
    }

    static Stream<Arguments> cases() {
        int[][] shapes = {{5, 2}, {10, 10}, {50, 10}, {3, 1}, {1, 1}};
        return StiefelRetraction.values().stream()
                .flatMap(retraction -> Stream.of(shapes).map(shape -> Arguments.of(retraction, shape[0], shape[1])));
    }

    @Override
    protected Manifold<DMatrixRMaj> createManifold() {
        return new Stiefel<>(Kernels.ejml(), n, p, retraction);
    }

    @Override
    protected int expectedDimension() {
        return n * p - p * (p + 1) / 2;
    }

    /**
     * Polar (a metric projection) and the exponential are second order. Cayley's tangential
     * acceleration is {@code X_perp B A} for {@code V = X A + X_perp B}: zero on the square
     * {@code St(n, n)} and for {@code p = 1} (then {@code A = 0}). QR is first order even on
     * {@code St(n, n)}, and second order for {@code p = 1}, where it is the sphere's normalisation.
     * The edge shapes {@code St(3, 1)} (a sphere) and {@code St(1, 1) = {-1, 1}} (dimension 0) are
     * included.
     */
    @Override
    protected RetractionOrder expectedRetractionOrder() {
        if (retraction == StiefelRetraction.POLAR || retraction == StiefelRetraction.EXPONENTIAL) {
            return RetractionOrder.SECOND;
        }
        if (retraction == StiefelRetraction.CAYLEY) {
            return n == p || p == 1 ? RetractionOrder.SECOND : RetractionOrder.FIRST;
        }
        if (retraction == StiefelRetraction.QR) {
            return p == 1 ? RetractionOrder.SECOND : RetractionOrder.FIRST;
        }
        throw new IllegalStateException("no expected order for " + retraction);
    }

    @Override
    protected Problem<DMatrixRMaj> createProblem(Manifold<DMatrixRMaj> manifold, RandomGenerator random) {
        return BrockettProblem.random(manifold, Kernels.ejml(), n, p, false, random);
    }
}
