package dev.stiefel.solver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.manifold.Manifold;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.problem.BrockettProblem;
import dev.stiefel.problem.EuclideanHessian;
import dev.stiefel.problem.Preconditioner;
import dev.stiefel.problem.Problem;
import java.util.Optional;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.api.Test;

/**
 * {@link ScaledProblem} against the problem it wraps: with a power-of-two factor every scaled
 * value is the unscaled one times the factor exactly, so the comparisons are bit for bit. The
 * cost, the gradient and the Hessian part carry the factor; the preconditioner part is the
 * problem's own; a part the problem lacks stays absent.
 */
class ScaledProblemTest {

    private static final int ROWS = 7;
    private static final int COLUMNS = 3;
    private static final double FACTOR = 0x1p-20;

    private final Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(ROWS, COLUMNS);
    private final BrockettProblem<DMatrixRMaj> brockett = BrockettProblem.random(stiefel, new Random(11));
    private final Random random = new Random(12);

    /** Brockett's cost and derivatives, with a preconditioner dividing column j by j + 1. */
    private final Problem<DMatrixRMaj> withBothParts = new Problem<>() {
        @Override
        public Manifold<DMatrixRMaj> manifold() {
            return stiefel;
        }

        @Override
        public double cost(DMatrixRMaj x) {
            return brockett.cost(x);
        }

        @Override
        public void euclideanGradient(DMatrixRMaj x, DMatrixRMaj out) {
            brockett.euclideanGradient(x, out);
        }

        @Override
        public Optional<EuclideanHessian<DMatrixRMaj>> euclideanHessian() {
            return brockett.euclideanHessian();
        }

        @Override
        public Optional<Preconditioner<DMatrixRMaj>> preconditioner() {
            return Optional.of((x, v, out) -> {
                for (int i = 0; i < ROWS; i++) {
                    for (int j = 0; j < COLUMNS; j++) {
                        out.set(i, j, v.get(i, j) / (j + 1));
                    }
                }
            });
        }
    };

    private DMatrixRMaj point() {
        DMatrixRMaj x = stiefel.allocate();
        stiefel.randomPoint(random, x);
        return x;
    }

    private DMatrixRMaj tangent(DMatrixRMaj x) {
        DMatrixRMaj v = stiefel.allocate();
        stiefel.randomTangent(x, random, v);
        return v;
    }

    @Test
    void theHessianPartIsScaledAndThePreconditionerPartPassesUnchanged() {
        ScaledProblem<DMatrixRMaj> scaled = new ScaledProblem<>(withBothParts, FACTOR);
        DMatrixRMaj x = point();
        DMatrixRMaj v = tangent(x);

        DMatrixRMaj expected = stiefel.allocate();
        DMatrixRMaj actual = stiefel.allocate();
        withBothParts.euclideanHessian().orElseThrow().apply(x, v, expected);
        assertTrue(NormOps_DDRM.normF(expected) > 0, "a zero Hessian product would prove nothing");
        CommonOps_DDRM.scale(FACTOR, expected);
        scaled.euclideanHessian().orElseThrow().apply(x, v, actual);
        assertArrayEquals(expected.data, actual.data, 0.0, "Hessian part: factor times the problem's");

        withBothParts.preconditioner().orElseThrow().apply(x, v, expected);
        scaled.preconditioner().orElseThrow().apply(x, v, actual);
        assertArrayEquals(expected.data, actual.data, 0.0, "preconditioner part: the problem's own");

        double cost = withBothParts.costAndEuclideanGradient(x, expected);
        CommonOps_DDRM.scale(FACTOR, expected);
        assertEquals(FACTOR * cost, scaled.costAndEuclideanGradient(x, actual));
        assertArrayEquals(expected.data, actual.data, 0.0, "gradient: factor times the problem's");
    }

    @Test
    void aPartTheProblemLacksStaysAbsent() {
        Problem<DMatrixRMaj> gradientOnly = Problem.of(stiefel, brockett::cost, brockett::euclideanGradient);
        ScaledProblem<DMatrixRMaj> scaled = new ScaledProblem<>(gradientOnly, FACTOR);
        assertTrue(scaled.euclideanHessian().isEmpty());
        assertTrue(scaled.preconditioner().isEmpty());
        ScaledProblem<DMatrixRMaj> scaledBrockett = new ScaledProblem<>(brockett, FACTOR);
        assertTrue(scaledBrockett.euclideanHessian().isPresent());
        assertTrue(scaledBrockett.preconditioner().isEmpty());
    }
}
