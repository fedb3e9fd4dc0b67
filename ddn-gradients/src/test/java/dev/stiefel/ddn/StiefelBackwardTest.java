package dev.stiefel.ddn;

import dev.stiefel.testkit.TestMatrices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Euclidean;
import dev.stiefel.manifold.Manifold;
import dev.stiefel.manifold.Stiefel;
import dev.stiefel.problem.EuclideanHessian;
import java.util.Optional;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The three backward methods against each other and against five-point finite differences of
 * the closed-form solution {@code polar(G(x))}, on Procrustes, {@code max <U, G>} and the
 * nearest-ETF problem (7); and their failures on degenerate input.
 */
class StiefelBackwardTest {

    /** Agreement with the five-point stencil (docs/mathematics.md section 5). */
    private static final double FINITE_DIFFERENCE_TOLERANCE = 1e-8;
    /** Agreement between two exact methods (CG stopped at relative residual 1e-12). */
    private static final double METHOD_TOLERANCE = 1e-9;
    /** Identities that hold to rounding. */
    private static final double IDENTITY_TOLERANCE = 1e-12;
    private static final double DELTA = 1e-3;
    /** Scale of the Procrustes data matrix {@code A = c Q}, {@code Q^T Q = I}: any c > 0 keeps polar(A^T B). */
    private static final double DATA_SCALE = 1.7;

    private final DenseKernels<DMatrixRMaj> kernels = Kernels.cpu();

    @ParameterizedTest
    @CsvSource({"8, 3, 11", "12, 5, 12", "20, 4, 13"})
    void procrustesInItsTargetAllMethodsMatchFiniteDifferences(int n, int p, long seed) {
        Random random = new Random(seed);
        int dataRows = n + 3;
        DMatrixRMaj a = PolarBackwardTest.polar(TestMatrices.gaussian(dataRows, n, random));
        CommonOps_DDRM.scale(DATA_SCALE, a);
        DMatrixRMaj b = TestMatrices.gaussian(dataRows, p, random);
        DMatrixRMaj upstream = TestMatrices.gaussian(n, p, random);
        Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(n, p);
        TestProblems.ProcrustesInB problem = new TestProblems.ProcrustesInB(stiefel, a, b);
        DMatrixRMaj solution = polarOfProduct(a, b);

        DMatrixRMaj stencil = TestMatrices.fivePointGradient(
                x -> TestMatrices.dot(upstream, polarOfProduct(a, x)), b);
        // Hess f[V] = 2 A^T A V multiplies from the left: no Kronecker structure to exploit.
        assertAllMethodsAgree(problem, solution, upstream, stencil,
                BackwardMethod.CLOSED_FORM, BackwardMethod.MATRIX_FREE, BackwardMethod.DENSE);
    }

    @ParameterizedTest
    @CsvSource({"4, 21", "6, 22"})
    void procrustesOnTheOrthogonalGroupInItsDataMatrix(int n, long seed) {
        Random random = new Random(seed);
        DMatrixRMaj a = TestMatrices.gaussian(n + 2, n, random);
        DMatrixRMaj b = TestMatrices.gaussian(n + 2, n, random);
        DMatrixRMaj upstream = TestMatrices.gaussian(n, n, random);
        TestProblems.ProcrustesInA problem = new TestProblems.ProcrustesInA(Stiefel.onCpu(n, n), a, b);
        DMatrixRMaj solution = polarOfProduct(a, b);

        DMatrixRMaj stencil = TestMatrices.fivePointGradient(
                x -> TestMatrices.dot(upstream, polarOfProduct(x, b)), a);
        assertAllMethodsAgree(problem, solution, upstream, stencil, BackwardMethod.MATRIX_FREE, BackwardMethod.DENSE);
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> BackwardMethod.CLOSED_FORM.create(kernels).vjp(problem, solution, upstream, new DMatrixRMaj(1, 1)));
        assertTrue(error.getMessage().contains("ProcrustesParametricProblem"), error.getMessage());
    }

    /**
     * The implicit methods need Hessian-vector products: a problem without a Hessian part is
     * refused, and the message says that it supplies none. The same problem with its Hessian
     * part gives the gradient the closed-form method gives.
     */
    @Test
    void theImplicitMethodsRefuseAProblemWithoutAHessianPart() {
        int n = 8;
        int p = 3;
        Random random = new Random(31);
        DMatrixRMaj a = PolarBackwardTest.polar(TestMatrices.gaussian(n + 3, n, random));
        DMatrixRMaj b = TestMatrices.gaussian(n + 3, p, random);
        DMatrixRMaj upstream = TestMatrices.gaussian(n, p, random);
        TestProblems.ProcrustesInB withHessian = new TestProblems.ProcrustesInB(Stiefel.onCpu(n, p), a, b);
        ParametricProblem<DMatrixRMaj, DMatrixRMaj> withoutHessian = new ParametricProblem<>() {
            @Override
            public Manifold<DMatrixRMaj> manifold() {
                return withHessian.manifold();
            }

            @Override
            public double cost(DMatrixRMaj u) {
                return withHessian.cost(u);
            }

            @Override
            public void euclideanGradient(DMatrixRMaj u, DMatrixRMaj out) {
                withHessian.euclideanGradient(u, out);
            }

            @Override
            public void mixedDerivativeAdjoint(DMatrixRMaj u, DMatrixRMaj w, DMatrixRMaj out) {
                withHessian.mixedDerivativeAdjoint(u, w, out);
            }
        };
        DMatrixRMaj solution = polarOfProduct(a, b);
        DMatrixRMaj closedForm = BackwardMethod.CLOSED_FORM.create(kernels).vjp(withHessian, solution, upstream,
                new DMatrixRMaj(n, p));
        for (BackwardMethod method : new BackwardMethod[] {BackwardMethod.MATRIX_FREE, BackwardMethod.DENSE}) {
            IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                    () -> method.create(kernels).vjp(withoutHessian, solution, upstream, new DMatrixRMaj(n, p)));
            assertTrue(error.getMessage().contains("supplies no Euclidean Hessian"), error.getMessage());
            DMatrixRMaj gradient = method.create(kernels).vjp(withHessian, solution, upstream, new DMatrixRMaj(n, p));
            assertTrue(TestMatrices.relativeError(gradient, closedForm) < METHOD_TOLERANCE, method.name());
        }
    }

    /** PolarBackward against the matrix-free backward of max <U, G>. */
    @ParameterizedTest
    @CsvSource({"12, 5, 31", "40, 10, 32", "64, 20, 33"})
    void polarBackwardEqualsMatrixFreeBackwardOfMaxInnerProduct(int d, int c, long seed) {
        Random random = new Random(seed);
        DMatrixRMaj g = TestMatrices.gaussian(d, c, random);
        DMatrixRMaj upstream = TestMatrices.gaussian(d, c, random);
        Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(d, c);
        TestProblems.MaxInnerProduct problem = new TestProblems.MaxInnerProduct(stiefel, g);
        DMatrixRMaj solution = PolarBackwardTest.polar(g);

        DMatrixRMaj closedForm = new PolarBackward<>(kernels).vjp(g, upstream, new DMatrixRMaj(d, c));
        MatrixFreeImplicitBackward<DMatrixRMaj> matrixFree = new MatrixFreeImplicitBackward<>();
        DMatrixRMaj viaMatrixFree = matrixFree.vjp(problem, solution, upstream, new DMatrixRMaj(d, c));
        assertTrue(TestMatrices.relativeError(viaMatrixFree, closedForm) < METHOD_TOLERANCE);
        // For this problem B = -I, so xi itself is dL/dG: the sign convention made visible.
        DMatrixRMaj xi = matrixFree.solveHessianSystem(problem, solution, upstream, new DMatrixRMaj(d, c));
        assertTrue(TestMatrices.relativeError(xi, closedForm) < METHOD_TOLERANCE);
        assertTrue(matrixFree.lastRelativeResidual() < 1e-10);
    }

    /** Nearest-ETF problem (7), x = Ht: docs/mathematics.md section 5, all three methods and the stencil. */
    @ParameterizedTest
    @CsvSource({"12, 5, 41", "40, 10, 42"})
    void nearestEtfAllMethodsMatchFiniteDifferences(int d, int c, long seed) {
        Random random = new Random(seed);
        DMatrixRMaj ht = TestMatrices.gaussian(d, c, random);
        CommonOps_DDRM.divide(ht, NormOps_DDRM.normF(ht));
        DMatrixRMaj prox = PolarBackwardTest.polar(TestMatrices.gaussian(d, c, random));
        DMatrixRMaj upstream = TestMatrices.gaussian(d, c, random);
        TestProblems.NearestEtf problem = new TestProblems.NearestEtf(Stiefel.onCpu(d, c), ht, prox, DELTA);
        DMatrixRMaj solution = PolarBackwardTest.polar(PolarBackwardTest.etfArgument(ht, prox, DELTA));

        DMatrixRMaj stencil = TestMatrices.fivePointGradient(x -> TestMatrices.dot(upstream,
                PolarBackwardTest.polar(PolarBackwardTest.etfArgument(x, prox, DELTA))), ht);
        assertAllMethodsAgree(problem, solution, upstream, stencil, BackwardMethod.values());
    }

    /** The dense node's least-squares multipliers are Sigma = sym(U^T grad f). */
    @Test
    void denseMultipliersAreTheEmbeddedGradientFieldSigma() {
        Random random = new Random(51);
        int d = 9;
        int c = 4;
        DMatrixRMaj ht = TestMatrices.gaussian(d, c, random);
        CommonOps_DDRM.divide(ht, NormOps_DDRM.normF(ht));
        DMatrixRMaj prox = PolarBackwardTest.polar(TestMatrices.gaussian(d, c, random));
        TestProblems.NearestEtf problem = new TestProblems.NearestEtf(Stiefel.onCpu(d, c), ht, prox, DELTA);
        DMatrixRMaj solution = PolarBackwardTest.polar(PolarBackwardTest.etfArgument(ht, prox, DELTA));
        StiefelDenseBackward<DMatrixRMaj> dense = new StiefelDenseBackward<>(kernels);
        dense.vjp(problem, solution, TestMatrices.gaussian(d, c, random), new DMatrixRMaj(d, c));

        DMatrixRMaj gradient = new DMatrixRMaj(d, c);
        problem.euclideanGradient(solution, gradient);
        DMatrixRMaj sigma = new DMatrixRMaj(c, c);
        CommonOps_DDRM.multTransA(solution, gradient, sigma);
        DMatrixRMaj lambda = dense.kkt().lastMultipliers();
        double scale = CommonOps_DDRM.elementMaxAbs(sigma);
        int index = 0;
        for (int i = 0; i < c; i++) {
            for (int j = i; j < c; j++) {
                double symmetric = 0.5 * (sigma.get(i, j) + sigma.get(j, i));
                double expected = i == j ? symmetric / 2 : symmetric;
                assertEquals(expected, lambda.get(index++), IDENTITY_TOLERANCE * 100 * scale);
            }
        }
        for (double eigenvalue : dense.kkt().reducedHessianEigenvalues()) {
            assertTrue(eigenvalue > 0, "a strict minimiser has a positive-definite reduced Hessian");
        }
    }

    /** delta = 0: G has rank C - 1, the minimiser is not unique, every method must say so. */
    @Test
    void etfWithoutProximalTermIsRejectedByEveryMethod() {
        Random random = new Random(61);
        int d = 12;
        int c = 5;
        DMatrixRMaj ht = TestMatrices.gaussian(d, c, random);
        CommonOps_DDRM.divide(ht, NormOps_DDRM.normF(ht));
        DMatrixRMaj prox = PolarBackwardTest.polar(TestMatrices.gaussian(d, c, random));
        TestProblems.NearestEtf problem = new TestProblems.NearestEtf(Stiefel.onCpu(d, c), ht, prox, 0.0);
        // Usvd Vsvd^T of the rank-deficient G: one of the minimisers (a critical point).
        DMatrixRMaj solution = PolarBackwardTest.polar(PolarBackwardTest.etfArgument(ht, prox, 0.0));
        DMatrixRMaj upstream = TestMatrices.gaussian(d, c, random);
        for (BackwardMethod method : BackwardMethod.values()) {
            DMatrixRMaj out = new DMatrixRMaj(d, c);
            ArithmeticException error = assertThrows(ArithmeticException.class,
                    () -> method.create(kernels).vjp(problem, solution, upstream, out), method.name());
            assertTrue(error.getMessage().contains("singular") || error.getMessage().contains("rank deficient")
                    || error.getMessage().contains("converge"), method + ": " + error.getMessage());
        }
    }

    /**
     * At the maximiser of {@code -<U, G>} (that is {@code -polar(G)}) the Hessian is negative
     * definite: conjugate gradients must refuse, while the dense KKT node (which needs only a
     * nonsingular Hessian) still differentiates {@code -polar(G)} correctly.
     */
    @Test
    void negativeCurvatureStopsTheMatrixFreeSolveButNotTheDenseOne() {
        Random random = new Random(71);
        int d = 8;
        int c = 3;
        DMatrixRMaj g = TestMatrices.gaussian(d, c, random);
        DMatrixRMaj upstream = TestMatrices.gaussian(d, c, random);
        TestProblems.MaxInnerProduct problem = new TestProblems.MaxInnerProduct(Stiefel.onCpu(d, c), g);
        DMatrixRMaj maximiser = PolarBackwardTest.polar(g);
        CommonOps_DDRM.scale(-1.0, maximiser);

        ArithmeticException error = assertThrows(ArithmeticException.class, () -> new MatrixFreeImplicitBackward<DMatrixRMaj>()
                .vjp(problem, maximiser, upstream, new DMatrixRMaj(d, c)));
        assertTrue(error.getMessage().contains("not positive definite"), error.getMessage());

        DMatrixRMaj dense = new StiefelDenseBackward<>(kernels).vjp(problem, maximiser, upstream, new DMatrixRMaj(d, c));
        DMatrixRMaj stencil = TestMatrices.fivePointGradient(
                x -> -TestMatrices.dot(upstream, PolarBackwardTest.polar(x)), g);
        assertTrue(TestMatrices.relativeError(dense, stencil) < FINITE_DIFFERENCE_TOLERANCE);
    }

    /**
     * The matrix-free solve on a manifold other than Stiefel (the generic Hessian conversion):
     * {@code y(x) = argmin (1/2) <y, S y> - <x, y>} on {@code R^(n x p)} is {@code S^-1 x}, so
     * {@code dL/dx = S^-1 v} for symmetric positive-definite {@code S}.
     */
    @Test
    void matrixFreeWorksOnEuclideanSpaceThroughTheGenericHessian() {
        Random random = new Random(75);
        int n = 9;
        int p = 4;
        DMatrixRMaj root = TestMatrices.gaussian(n, n, random);
        DMatrixRMaj spd = new DMatrixRMaj(n, n);
        CommonOps_DDRM.multTransA(root, root, spd);
        for (int i = 0; i < n; i++) {
            spd.add(i, i, 1.0);
        }
        DMatrixRMaj x = TestMatrices.gaussian(n, p, random);
        DMatrixRMaj upstream = TestMatrices.gaussian(n, p, random);
        Euclidean<DMatrixRMaj> space = Euclidean.onCpu(n, p);
        ParametricProblem<DMatrixRMaj, DMatrixRMaj> quadratic = new ParametricProblem<>() {
            @Override
            public Manifold<DMatrixRMaj> manifold() {
                return space;
            }

            @Override
            public double cost(DMatrixRMaj y) {
                DMatrixRMaj sy = new DMatrixRMaj(n, p);
                CommonOps_DDRM.mult(spd, y, sy);
                return 0.5 * TestMatrices.dot(y, sy) - TestMatrices.dot(x, y);
            }

            @Override
            public void euclideanGradient(DMatrixRMaj y, DMatrixRMaj out) {
                CommonOps_DDRM.mult(spd, y, out);
                CommonOps_DDRM.subtractEquals(out, x);
            }

            @Override
            public Optional<EuclideanHessian<DMatrixRMaj>> euclideanHessian() {
                return Optional.of(this::hessian);
            }

            private void hessian(DMatrixRMaj y, DMatrixRMaj v, DMatrixRMaj out) {
                CommonOps_DDRM.mult(spd, v, out);
            }

            @Override
            public void mixedDerivativeAdjoint(DMatrixRMaj y, DMatrixRMaj w, DMatrixRMaj out) {
                CommonOps_DDRM.scale(-1.0, w, out);
            }
        };
        DMatrixRMaj solution = new DMatrixRMaj(n, p);
        CommonOps_DDRM.solve(spd, x, solution);
        DMatrixRMaj expected = new DMatrixRMaj(n, p);
        CommonOps_DDRM.solve(spd, upstream, expected);
        DMatrixRMaj gradient = new MatrixFreeImplicitBackward<DMatrixRMaj>().vjp(quadratic, solution, upstream,
                new DMatrixRMaj(n, p));
        assertTrue(TestMatrices.relativeError(gradient, expected) < METHOD_TOLERANCE);
    }

    @Test
    void tooFewIterationsIsReportedNotReturned() {
        Random random = new Random(81);
        int d = 20;
        int c = 6;
        DMatrixRMaj g = TestMatrices.gaussian(d, c, random);
        TestProblems.MaxInnerProduct problem = new TestProblems.MaxInnerProduct(Stiefel.onCpu(d, c), g);
        MatrixFreeImplicitBackward<DMatrixRMaj> capped = new MatrixFreeImplicitBackward<>(
                ImplicitBackwardOptions.DEFAULTS.withMaxIterations(2));
        ArithmeticException error = assertThrows(ArithmeticException.class, () -> capped.vjp(problem,
                PolarBackwardTest.polar(g), TestMatrices.gaussian(d, c, random), new DMatrixRMaj(d, c)));
        assertTrue(error.getMessage().contains("did not converge"), error.getMessage());
    }

    @Test
    void badInputIsRejected() {
        Random random = new Random(91);
        int d = 7;
        int c = 3;
        DMatrixRMaj g = TestMatrices.gaussian(d, c, random);
        Stiefel<DMatrixRMaj> stiefel = Stiefel.onCpu(d, c);
        TestProblems.MaxInnerProduct problem = new TestProblems.MaxInnerProduct(stiefel, g);
        DMatrixRMaj solution = PolarBackwardTest.polar(g);
        DMatrixRMaj notAPoint = TestMatrices.gaussian(d, c, random);
        DMatrixRMaj withNan = TestMatrices.gaussian(d, c, random);
        withNan.set(3, 1, Double.NaN);
        for (BackwardMethod method : BackwardMethod.values()) {
            DeclarativeBackward<DMatrixRMaj> backward = method.create(kernels);
            assertEquals(method, backward.method());
            assertThrows(IllegalArgumentException.class,
                    () -> backward.vjp(problem, notAPoint, TestMatrices.gaussian(d, c, random), new DMatrixRMaj(d, c)),
                    method + " must reject a non-point");
            assertThrows(IllegalArgumentException.class,
                    () -> backward.vjp(problem, solution, withNan, new DMatrixRMaj(d, c)),
                    method + " must reject a non-finite upstream gradient");
        }
        assertThrows(IllegalArgumentException.class, () -> ImplicitBackwardOptions.DEFAULTS.withRelativeTolerance(0.0));
        assertThrows(IllegalArgumentException.class, () -> ImplicitBackwardOptions.DEFAULTS.withMaxIterations(0));
    }

    private void assertAllMethodsAgree(ParametricProblem<DMatrixRMaj, DMatrixRMaj> problem, DMatrixRMaj solution,
            DMatrixRMaj upstream, DMatrixRMaj stencil, BackwardMethod... methods) {
        assertTrue(TestMatrices.orthonormalityError(solution) < IDENTITY_TOLERANCE);
        DMatrixRMaj first = null;
        for (BackwardMethod method : methods) {
            DMatrixRMaj gradient = method.create(kernels).vjp(problem, solution, upstream,
                    new DMatrixRMaj(stencil.numRows, stencil.numCols));
            double error = TestMatrices.relativeError(gradient, stencil);
            assertTrue(error < FINITE_DIFFERENCE_TOLERANCE, method + ": relative error " + error
                    + " against the five-point stencil");
            if (first == null) {
                first = gradient;
            } else {
                double agreement = TestMatrices.relativeError(gradient, first);
                assertTrue(agreement < METHOD_TOLERANCE, method + " vs " + methods[0] + ": " + agreement);
            }
        }
    }

    /** {@code polar(A^T B)} by the kernels, the closed-form Procrustes solution. */
    private DMatrixRMaj polarOfProduct(DMatrixRMaj a, DMatrixRMaj b) {
        DMatrixRMaj product = new DMatrixRMaj(a.numCols, b.numCols);
        CommonOps_DDRM.multTransA(a, b, product);
        DMatrixRMaj out = new DMatrixRMaj(a.numCols, b.numCols);
        kernels.polar(product, out);
        return out;
    }

    /**
     * At the paper's (d, C) = (1024, 100) the dense method's system does not fit in memory
     * (assembling it would take half a minute and end in OutOfMemoryError): it refuses at once,
     * naming the bytes and the methods that fit.
     */
    @Test
    void denseRefusesThePaperSizeUpFrontWithTheBytesNeeded() {
        int d = 1024;
        int c = 100;
        Random random = new Random(1024);
        DMatrixRMaj ht = TestMatrices.gaussian(d, c, random);
        CommonOps_DDRM.divide(ht, NormOps_DDRM.normF(ht));
        DMatrixRMaj prox = CommonOps_DDRM.identity(d, c);
        TestProblems.NearestEtf problem = new TestProblems.NearestEtf(Stiefel.onCpu(d, c), ht, prox, 1e-3);
        IllegalStateException error = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                java.time.Duration.ofSeconds(20), () -> assertThrows(IllegalStateException.class,
                        () -> new StiefelDenseBackward<>(kernels).vjp(problem, prox, TestMatrices.gaussian(d, c, random),
                                new DMatrixRMaj(d, c))));
        assertTrue(error.getMessage().startsWith("dense backward (DENSE) needs "), error.getMessage());
        assertTrue(error.getMessage().contains("n = 1024, p = 100"), error.getMessage());
        assertTrue(error.getMessage().contains("102400 x 102400"), error.getMessage());
        assertTrue(error.getMessage().contains("MATRIX_FREE"), error.getMessage());
        assertTrue(StiefelDenseBackward.requiredBytes(d, c) > 8L * 102400 * 102400);
    }

    @Test
    void denseRunsAtItsMemoryLimitAndRefusesBelowIt() {
        int d = 6;
        int c = 3;
        Random random = new Random(63);
        DMatrixRMaj ht = TestMatrices.gaussian(d, c, random);
        CommonOps_DDRM.divide(ht, NormOps_DDRM.normF(ht));
        DMatrixRMaj prox = PolarBackwardTest.polar(TestMatrices.gaussian(d, c, random));
        TestProblems.NearestEtf problem = new TestProblems.NearestEtf(Stiefel.onCpu(d, c), ht, prox, 1e-3);
        DMatrixRMaj solution = PolarBackwardTest.polar(PolarBackwardTest.etfArgument(ht, prox, 1e-3));
        DMatrixRMaj upstream = TestMatrices.gaussian(d, c, random);
        long needed = StiefelDenseBackward.requiredBytes(d, c);
        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> new StiefelDenseBackward<>(kernels, DenseKktBackward.Options.DEFAULTS, needed - 1)
                        .vjp(problem, solution, upstream, new DMatrixRMaj(d, c)));
        assertTrue(error.getMessage().contains("limit is"), error.getMessage());
        new StiefelDenseBackward<>(kernels, DenseKktBackward.Options.DEFAULTS, needed)
                .vjp(problem, solution, upstream, new DMatrixRMaj(d, c));
    }
}
