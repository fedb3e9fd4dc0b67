package dev.stiefel.autodiff;

import static dev.stiefel.autodiff.Fixtures.constant;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.problem.BrockettProblem;
import dev.stiefel.solver.SolverResult;
import dev.stiefel.solver.StopReason;
import dev.stiefel.solver.TrustRegions;
import dev.stiefel.solver.TrustRegionsOptions;
import dev.stiefel.testkit.TestMatrices;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * Trust regions on the cost-only Brockett problem on St(200, 20) take the hand-written problem's
 * path: from the same start, the same number of outer iterations and
 * the same optimum.
 */
class TrustRegionsAgreementTest {

    private static final double COST_TOLERANCE = 1e-12;
    private static final double POINT_TOLERANCE = 1e-8;

    @Test
    void sameIterationsAndOptimumAsTheHandWrittenProblem() {
        try (NDManager constants = NDManager.newBaseManager("PyTorch");
                Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(200, 20)) {
            BrockettProblem<DMatrixRMaj> handWritten = BrockettProblem.random(stiefel,
                    new SplittableRandom(TestMatrices.SEED));
            NDArray a = constant(constants, handWritten.a());
            NDArray weights = constant(constants, handWritten.weights());
            DMatrixRMaj start = TestMatrices.stiefelPoint(200, 20, TestMatrices.SEED + 1);
            SolverResult<DMatrixRMaj> expected;
            SolverResult<DMatrixRMaj> actual;
            try (TrustRegions<DMatrixRMaj> solver = new TrustRegions<>(TrustRegionsOptions.defaults())) {
                expected = solver.solve(handWritten, start);
            }
            try (AutodiffProblem<DMatrixRMaj> automatic = AutodiffProblem.of(stiefel,
                    x -> x.mul(a.matMul(x).matMul(weights)).sum());
                    TrustRegions<DMatrixRMaj> solver = new TrustRegions<>(TrustRegionsOptions.defaults())) {
                actual = solver.solve(automatic, start);
            }
            assertEquals(StopReason.GRADIENT_NORM, expected.stopReason(), expected::summary);
            assertEquals(expected.stopReason(), actual.stopReason(), actual::summary);
            assertEquals(expected.iterations(), actual.iterations(), actual::summary);
            assertEquals(expected.cost(), actual.cost(), COST_TOLERANCE * Math.abs(expected.cost()));
            double distance = TestMatrices.maxAbsDifference(expected.point(), actual.point());
            assertTrue(distance <= POINT_TOLERANCE, "points differ by " + distance);
        }
    }
}
