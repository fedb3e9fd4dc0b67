package dev.stiefel.autodiff;

import static dev.stiefel.autodiff.Fixtures.constant;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.testkit.TestMatrices;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

/**
 * The problem's native memory: {@link AutodiffProblem#close()} closes its manager and leaves the
 * caller's constants alone, and evaluations at ever new points leave the number of arrays in the
 * problem's manager and in the constants' manager where the first point left it (results of
 * {@code a.matMul(x)} land in the manager of {@code a}, and are freed all the same).
 */
class ResourcesTest {

    private static final int POINTS = 40;

    @Test
    void closeReleasesTheManagerAndNotTheConstants() {
        try (NDManager constants = NDManager.newBaseManager("PyTorch");
                Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(20, 3)) {
            NDArray a = constant(constants, TestMatrices.gaussian(20, 20, 1));
            AutodiffProblem<DMatrixRMaj> problem = AutodiffProblem.of(stiefel, x -> x.mul(a.matMul(x)).sum());
            DMatrixRMaj x = TestMatrices.stiefelPoint(20, 3, 2);
            problem.euclideanHessian().orElseThrow().apply(x, x.copy(), new DMatrixRMaj(20, 3));
            NDManager manager = problem.manager();
            assertTrue(manager.isOpen());
            assertFalse(manager.getManagedArrays().isEmpty(), "the recorded point lives in the manager");
            problem.close();
            assertFalse(manager.isOpen());
            assertTrue(constants.isOpen());
            assertEquals(400, a.toDoubleArray().length, "the constant is still usable");
        }
    }

    @Test
    void evaluationsAtNewPointsDoNotGrowTheManagers() {
        for (HessianMethod method : new HessianMethod[] {HessianMethod.DOUBLE_BACKWARD,
                HessianMethod.FINITE_DIFFERENCE_OF_GRADIENTS}) {
            try (NDManager constants = NDManager.newBaseManager("PyTorch");
                    Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(20, 3)) {
                NDArray a = constant(constants, TestMatrices.gaussian(20, 20, 1));
                int constantArrays = constants.getManagedArrays().size();
                try (AutodiffProblem<DMatrixRMaj> problem = AutodiffProblem.of(stiefel,
                        x -> x.mul(a.matMul(x)).sum().add(x.square().sum()),
                        AutodiffOptions.defaults().withHessianMethod(method))) {
                    SplittableRandom random = new SplittableRandom(3);
                    DMatrixRMaj x = new DMatrixRMaj(20, 3);
                    DMatrixRMaj out = new DMatrixRMaj(20, 3);
                    int afterFirst = -1;
                    for (int point = 0; point < POINTS; point++) {
                        stiefel.randomPoint(random, x);
                        problem.cost(x);
                        problem.costAndEuclideanGradient(x, out);
                        for (int direction = 0; direction < 3; direction++) {
                            problem.euclideanHessian().orElseThrow()
                                    .apply(x, TestMatrices.gaussian(20, 3, random), out);
                        }
                        int arrays = problem.manager().getManagedArrays().size();
                        if (point == 0) {
                            afterFirst = arrays;
                        }
                        assertEquals(afterFirst, arrays, method.name() + ": arrays after point " + point);
                        assertEquals(constantArrays, constants.getManagedArrays().size(),
                                method.name() + ": the constants' manager after point " + point);
                    }
                }
            }
        }
    }
}
