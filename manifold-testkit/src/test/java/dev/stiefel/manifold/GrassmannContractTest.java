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

/**
 * Grassmann with both retractions against the manifold contract. Points are compared by the
 * subspace distance (representatives differ), and the cost is the invariant Brockett cost
 * {@code tr(X^T A X)}.
 */
@ParameterizedClass(name = "{0} on Gr({1}, {2})")
@MethodSource("cases")
class GrassmannContractTest extends ManifoldContract<DMatrixRMaj> {

    private final GrassmannRetraction retraction;
    private final int n;
    private final int p;

    GrassmannContractTest(GrassmannRetraction retraction, int n, int p) {
        this.retraction = retraction;
        this.n = n;
        this.p = p;
    }

    static Stream<Arguments> cases() {
        int[][] shapes = {{5, 2}, {12, 4}, {6, 6}, {5, 3}};
        return GrassmannRetraction.values().stream()
                .flatMap(retraction -> Stream.of(shapes).map(shape -> Arguments.of(retraction, shape[0], shape[1])));
    }

    @Override
    protected Manifold<DMatrixRMaj> createManifold() {
        return new Grassmann<>(Kernels.ejml(), n, p, retraction);
    }

    @Override
    protected int expectedDimension() {
        return p * (n - p);
    }

    /**
     * Both retractions give {@code span(X + tV)}; its horizontal deviation from {@code X + tV} is
     * {@code O(t^3)}, since {@code (X + tV) K(t)} with {@code K(t) = I + O(t^2)} differs from
     * {@code X + tV} by {@code X O(t^2)} (vertical) plus {@code t V O(t^2)}.
     */
    @Override
    protected RetractionOrder expectedRetractionOrder() {
        return RetractionOrder.SECOND;
    }

    @Override
    protected Problem<DMatrixRMaj> createProblem(Manifold<DMatrixRMaj> manifold, RandomGenerator random) {
        return BrockettProblem.random(manifold, Kernels.ejml(), n, p, true, random);
    }

    @Override
    protected double pointDistance(DMatrixRMaj x, DMatrixRMaj y) {
        return manifold.distance(x, y);
    }
}
