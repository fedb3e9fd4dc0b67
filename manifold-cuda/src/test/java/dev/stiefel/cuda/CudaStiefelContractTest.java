package dev.stiefel.cuda;

import dev.stiefel.problem.BrockettProblem;
import dev.stiefel.manifold.Manifold;
import dev.stiefel.testkit.ManifoldContract;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.manifold.StiefelRetraction;
import dev.stiefel.problem.Problem;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The unchanged generic {@link Stiefel} on device matrices (float64), every retraction, against
 * the shared manifold contract; skipped without a CUDA device.
 */
@ParameterizedClass(name = "{0} on St({1}, {2}) on the device")
@MethodSource("cases")
class CudaStiefelContractTest extends ManifoldContract<CudaMatrix> {

    private final StiefelRetraction retraction;
    private final int n;
    private final int p;
    private CudaKernels kernels;

    CudaStiefelContractTest(StiefelRetraction retraction, int n, int p) {
        this.retraction = retraction;
        this.n = n;
        this.p = p;
    }

    static Stream<Arguments> cases() {
        int[][] shapes = {{5, 2}, {10, 10}, {50, 10}};
        return StiefelRetraction.values().stream()
                .flatMap(retraction -> Stream.of(shapes).map(shape -> Arguments.of(retraction, shape[0], shape[1])));
    }

    @Override
    protected Manifold<CudaMatrix> createManifold() {
        kernels = new CudaKernels(CudaTestSupport.binding(), CudaPrecision.FLOAT64);
        return new Stiefel<>(kernels, n, p, retraction);
    }

    @Override
    protected int expectedDimension() {
        return n * p - p * (p + 1) / 2;
    }

    /** As for the host Stiefel: polar and exponential are second order, Cayley on St(n, n) only. */
    @Override
    protected RetractionOrder expectedRetractionOrder() {
        if (retraction == StiefelRetraction.POLAR || retraction == StiefelRetraction.EXPONENTIAL) {
            return RetractionOrder.SECOND;
        }
        if (retraction == StiefelRetraction.CAYLEY) {
            return n == p ? RetractionOrder.SECOND : RetractionOrder.FIRST;
        }
        if (retraction == StiefelRetraction.QR) {
            return RetractionOrder.FIRST;
        }
        throw new IllegalStateException("no expected order for " + retraction);
    }

    @Override
    protected Problem<CudaMatrix> createProblem(Manifold<CudaMatrix> manifold, RandomGenerator random) {
        return BrockettProblem.random(manifold, kernels, n, p, false, random);
    }
}
