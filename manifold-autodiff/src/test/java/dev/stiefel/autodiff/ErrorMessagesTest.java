package dev.stiefel.autodiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.DataType;
import dev.stiefel.manifold.Euclidean;
import dev.stiefel.manifold.Manifold;
import dev.stiefel.manifold.Product;
import dev.stiefel.manifold.ProductPoint;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.problem.EuclideanHessian;
import dev.stiefel.testkit.TestMatrices;
import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Every misuse ends in an exception whose message names the problem and, where one exists, the way out. */
class ErrorMessagesTest {

    private final Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(5, 2);
    private final DMatrixRMaj x = TestMatrices.stiefelPoint(5, 2, TestMatrices.SEED);

    private static void assertMessage(Class<? extends Throwable> type, Executable action, String... parts) {
        Throwable thrown = assertThrows(type, action);
        for (String part : parts) {
            assertTrue(thrown.getMessage().contains(part), () -> "'" + part + "' missing from: " + thrown.getMessage());
        }
    }

    @Test
    void aCostThatIsNotAScalar() {
        try (AutodiffProblem<DMatrixRMaj> problem = AutodiffProblem.of(stiefel, point -> point.mul(2))) {
            assertMessage(IllegalArgumentException.class, () -> problem.cost(x), "scalar", "(5, 2)", "sum()");
        }
    }

    @Test
    void aCostInSinglePrecision() {
        try (AutodiffProblem<DMatrixRMaj> problem = AutodiffProblem.of(stiefel,
                point -> point.toType(DataType.FLOAT32, false).sum())) {
            assertMessage(IllegalArgumentException.class, () -> problem.cost(x), "float64", "float32");
        }
    }

    @Test
    void aCostReturningNull() {
        try (AutodiffProblem<DMatrixRMaj> problem = AutodiffProblem.of(stiefel, point -> null)) {
            assertMessage(IllegalArgumentException.class, () -> problem.cost(x), "returned null");
        }
    }

    @Test
    void aNanCost() {
        Manifold<DMatrixRMaj> plane = Euclidean.onCpu(2, 1);
        try (AutodiffProblem<DMatrixRMaj> problem = AutodiffProblem.of(plane, point -> point.log().sum())) {
            DMatrixRMaj outside = new DMatrixRMaj(new double[][] {{-1}, {1}});
            assertMessage(ArithmeticException.class, () -> problem.cost(outside), "cost is NaN");
            assertMessage(ArithmeticException.class, () -> problem.euclideanGradient(outside, new DMatrixRMaj(2, 1)),
                    "cost is NaN");
            EuclideanHessian<DMatrixRMaj> hessian = problem.euclideanHessian().orElseThrow();
            assertMessage(ArithmeticException.class,
                    () -> hessian.apply(outside, outside.copy(), new DMatrixRMaj(2, 1)), "cost is NaN");
            DMatrixRMaj inside = new DMatrixRMaj(new double[][] {{Math.E}, {1}});
            assertEquals(1.0, problem.cost(inside), Math.ulp(1.0), "usable after the failure");
        }
    }

    @Test
    void aGradientThatIsNotFinite() {
        Manifold<DMatrixRMaj> space = Euclidean.onCpu(3, 1);
        try (AutodiffProblem<DMatrixRMaj> problem = AutodiffProblem.of(space, point -> point.square().sqrt().sum())) {
            DMatrixRMaj kink = new DMatrixRMaj(new double[][] {{0}, {1}, {2}});
            assertEquals(3.0, problem.cost(kink));
            assertMessage(ArithmeticException.class, () -> problem.euclideanGradient(kink, new DMatrixRMaj(3, 1)),
                    "Euclidean gradient", "NaN", "index 0");
        }
    }

    @Test
    void aPointOfTheWrongShape() {
        try (AutodiffProblem<DMatrixRMaj> problem = AutodiffProblem.of(stiefel, point -> point.sum())) {
            assertMessage(IllegalArgumentException.class, () -> problem.cost(new DMatrixRMaj(2, 5)), "Stiefel(5, 2)",
                    "point is 2 x 5, expected 5 x 2");
            assertMessage(IllegalArgumentException.class, () -> problem.euclideanGradient(x, new DMatrixRMaj(5, 3)),
                    "gradient output is 5 x 3, expected 5 x 2");
            assertMessage(IllegalArgumentException.class, () -> problem.cost(null), "point must not be null");
        }
    }

    @Test
    void aPointWithANonFiniteEntry() {
        try (AutodiffProblem<DMatrixRMaj> problem = AutodiffProblem.of(stiefel, point -> point.sum())) {
            DMatrixRMaj bad = x.copy();
            bad.set(3, 1, Double.NaN);
            assertMessage(IllegalArgumentException.class, () -> problem.cost(bad), "NaN at (3, 1)");
            EuclideanHessian<DMatrixRMaj> hessian = problem.euclideanHessian().orElseThrow();
            assertMessage(IllegalArgumentException.class, () -> hessian.apply(x, bad, new DMatrixRMaj(5, 2)),
                    "direction has the entry NaN at (3, 1)");
        }
    }

    @Test
    void aProductPointWithTheWrongNumberOfComponents() {
        Product<DMatrixRMaj> product = new Product<>(List.of(stiefel, Euclidean.onCpu(2, 2)));
        try (AutodiffProblem<ProductPoint<DMatrixRMaj>> problem = AutodiffProblem.of(product,
                point -> point.get(0).sum().add(point.get(1).sum()))) {
            ProductPoint<DMatrixRMaj> short1 = new ProductPoint<>(List.of(x));
            assertMessage(IllegalArgumentException.class, () -> problem.cost(short1), "1 components, expected 2");
            ProductPoint<DMatrixRMaj> wrong = new ProductPoint<>(List.of(x, new DMatrixRMaj(3, 2)));
            assertMessage(IllegalArgumentException.class, () -> problem.cost(wrong),
                    "point (factor 1) is 3 x 2, expected 2 x 2");
        }
    }

    /** {@code unique} has no derivative in libtorch ("the derivative for 'unique_dim' is not implemented"). */
    @Test
    void anOperationWithoutADerivative() {
        try (AutodiffProblem<DMatrixRMaj> problem = AutodiffProblem.of(stiefel,
                point -> point.unique(0, true, false, false).get(0).sum())) {
            problem.cost(x);
            assertMessage(IllegalStateException.class, () -> problem.euclideanGradient(x, new DMatrixRMaj(5, 2)),
                    "reverse pass", "unique");
            EuclideanHessian<DMatrixRMaj> hessian = problem.euclideanHessian().orElseThrow();
            assertMessage(IllegalStateException.class, () -> hessian.apply(x, x, new DMatrixRMaj(5, 2)),
                    "double backward", "FINITE_DIFFERENCE_OF_GRADIENTS");
        }
    }

    /**
     * libtorch 2.7 gives every operation DJL exposes a second derivative (checked: pooling,
     * interpolation, spectral, sorting, linear algebra, sparse products), so the refusal of double
     * backward is shown on an engine that is not PyTorch; its manager is closed on the way out.
     */
    @Test
    void doubleBackwardOnAnotherEngine() {
        FakeEngine.register();
        int open = FakeEngine.OPEN_MANAGERS.get();
        assertMessage(IllegalArgumentException.class,
                () -> AutodiffProblem.of(stiefel, point -> point.sum(), AutodiffOptions.defaults()
                        .withEngine(FakeEngine.NAME)),
                "double backward need", "PyTorch", FakeEngine.NAME, "FINITE_DIFFERENCE_OF_GRADIENTS");
        assertEquals(open, FakeEngine.OPEN_MANAGERS.get(), "the problem's manager was closed");
        AutodiffProblem<DMatrixRMaj> differences = AutodiffProblem.of(stiefel, point -> point.sum(),
                AutodiffOptions.defaults().withEngine(FakeEngine.NAME)
                        .withHessianMethod(HessianMethod.FINITE_DIFFERENCE_OF_GRADIENTS));
        assertEquals(HessianMethod.FINITE_DIFFERENCE_OF_GRADIENTS, differences.hessianMethod());
        differences.close();
        assertEquals(open, FakeEngine.OPEN_MANAGERS.get());
    }

    @Test
    void aClosedProblem() {
        AutodiffProblem<DMatrixRMaj> problem = AutodiffProblem.of(stiefel, point -> point.sum());
        problem.close();
        problem.close();
        assertMessage(IllegalStateException.class, () -> problem.cost(x), "closed");
    }

    @Test
    void aHessianOutputAliasingThePoint() {
        try (AutodiffProblem<DMatrixRMaj> problem = AutodiffProblem.of(stiefel, point -> point.sum())) {
            DMatrixRMaj point = x.copy();
            EuclideanHessian<DMatrixRMaj> hessian = problem.euclideanHessian().orElseThrow();
            assertMessage(IllegalArgumentException.class, () -> hessian.apply(point, x, point),
                    "must not alias the point");
        }
    }

    @Test
    void missingArguments() {
        assertMessage(IllegalArgumentException.class, () -> AutodiffProblem.of(stiefel, (MatrixCost) null),
                "must not be null");
        assertMessage(IllegalArgumentException.class, () -> AutodiffOptions.defaults().withEngine(" "), "blank");
        assertMessage(IllegalArgumentException.class, () -> AutodiffOptions.defaults().withHessianMethod(null),
                "hessianMethod must not be null");
    }
}
