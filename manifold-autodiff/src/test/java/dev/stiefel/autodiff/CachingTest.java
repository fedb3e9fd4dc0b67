package dev.stiefel.autodiff;

import static dev.stiefel.autodiff.Fixtures.EXACT;
import static dev.stiefel.autodiff.Fixtures.constant;
import static dev.stiefel.autodiff.Fixtures.relativeError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.problem.BrockettProblem;
import dev.stiefel.testkit.TestMatrices;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What is reused at the last point, counted by the cost function's calls (each call is one
 * forward pass): a point with the same entries, in the same object or another, is not evaluated
 * again; a changed entry is; the results stay those of the hand-written Brockett problem.
 */
class CachingTest {

    private final NDManager constants = NDManager.newBaseManager("PyTorch");
    private final Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(30, 4);
    private final BrockettProblem<DMatrixRMaj> handWritten = BrockettProblem.random(stiefel,
            new SplittableRandom(TestMatrices.SEED));
    private final AtomicInteger forwardPasses = new AtomicInteger();
    private final NDArray a = constant(constants, handWritten.a());
    private final NDArray weights = constant(constants, handWritten.weights());
    private final DMatrixRMaj x = TestMatrices.stiefelPoint(30, 4, TestMatrices.SEED + 1);

    @AfterEach
    void close() {
        constants.close();
        stiefel.close();
    }

    private AutodiffProblem<DMatrixRMaj> countingProblem(AutodiffOptions options) {
        return AutodiffProblem.of(stiefel, point -> {
            forwardPasses.incrementAndGet();
            return point.mul(a.matMul(point).matMul(weights)).sum();
        }, options);
    }

    @Test
    void costThenGradientAtTheSamePointRunsOneForwardPass() {
        DMatrixRMaj gradient = new DMatrixRMaj(30, 4);
        DMatrixRMaj expected = new DMatrixRMaj(30, 4);
        handWritten.euclideanGradient(x, expected);
        try (AutodiffProblem<DMatrixRMaj> problem = countingProblem(AutodiffOptions.defaults())) {
            double cost = problem.cost(x);
            problem.euclideanGradient(x, gradient);
            assertEquals(1, forwardPasses.get());
            assertEquals(handWritten.cost(x), cost, EXACT * Math.abs(cost));
            assertTrue(relativeError(gradient, expected) <= EXACT);

            assertEquals(cost, problem.costAndEuclideanGradient(x.copy(), gradient));
            problem.cost(x);
            assertEquals(1, forwardPasses.get(), "same entries in another object");
            assertTrue(relativeError(gradient, expected) <= EXACT);

            DMatrixRMaj moved = x.copy();
            moved.data[7] = Math.nextUp(moved.data[7]);
            problem.cost(moved);
            assertEquals(2, forwardPasses.get(), "one entry changed by one ulp");

            assertEquals(cost, problem.costAndEuclideanGradient(x, gradient));
            assertEquals(3, forwardPasses.get());
            assertTrue(relativeError(gradient, expected) <= EXACT);
        }
    }

    @Test
    void doubleBackwardRecordsEachPointOnce() {
        DMatrixRMaj product = new DMatrixRMaj(30, 4);
        DMatrixRMaj expected = new DMatrixRMaj(30, 4);
        try (AutodiffProblem<DMatrixRMaj> problem = countingProblem(AutodiffOptions.defaults())) {
            for (int direction = 0; direction < 5; direction++) {
                DMatrixRMaj v = TestMatrices.gaussian(30, 4, direction);
                problem.euclideanHessian().orElseThrow().apply(x, v, product);
                handWritten.euclideanHessian().orElseThrow().apply(x, v, expected);
                assertTrue(relativeError(product, expected) <= EXACT, "direction " + direction);
            }
            assertEquals(1, forwardPasses.get(), "five directions at one point");
            DMatrixRMaj other = TestMatrices.stiefelPoint(30, 4, TestMatrices.SEED + 2);
            problem.euclideanHessian().orElseThrow().apply(other, x, product);
            assertEquals(2, forwardPasses.get());
        }
    }

    @Test
    void finiteDifferencesEvaluateTwoShiftedPointsPerProduct() {
        DMatrixRMaj product = new DMatrixRMaj(30, 4);
        try (AutodiffProblem<DMatrixRMaj> problem = countingProblem(
                AutodiffOptions.defaults().withHessianMethod(HessianMethod.FINITE_DIFFERENCE_OF_GRADIENTS))) {
            problem.cost(x);
            problem.euclideanHessian().orElseThrow().apply(x, TestMatrices.gaussian(30, 4, 1), product);
            assertEquals(3, forwardPasses.get());
            DMatrixRMaj gradient = new DMatrixRMaj(30, 4);
            problem.euclideanGradient(x, gradient);
            assertEquals(3, forwardPasses.get(), "the shifted points leave the cached point alone");
        }
    }
}
