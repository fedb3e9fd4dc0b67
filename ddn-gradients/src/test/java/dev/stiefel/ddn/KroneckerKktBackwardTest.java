package dev.stiefel.ddn;

import dev.stiefel.testkit.TestMatrices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import dev.stiefel.manifold.Stiefel;
import java.util.Arrays;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The paper's dense backward with {@code H = I_d (x) K} (docs/mathematics.md section 5a) against the closed
 * form, matrix-free CG, the generic dense KKT reference and five-point finite differences; its
 * indefinite path at saddles and maximisers; its refusals (singular K, memory limit, no structure).
 */
class KroneckerKktBackwardTest {

    /** Agreement with the five-point stencil and between methods. */
    private static final double AGREEMENT_TOLERANCE = 1e-8;
    /** Identities that hold to rounding, relative. */
    private static final double IDENTITY_TOLERANCE = 1e-11;
    private static final double DELTA = 1e-3;

    private final DenseKernels<DMatrixRMaj> kernels = Kernels.cpu();

    @ParameterizedTest
    @CsvSource({"12, 5, 101", "40, 10, 102", "64, 20, 103"})
    void nearestEtfAgreesWithEveryOtherMethodAndTheStencil(int d, int c, long seed) {
        Random random = new Random(seed);
        DMatrixRMaj ht = TestMatrices.gaussian(d, c, random);
        CommonOps_DDRM.divide(ht, NormOps_DDRM.normF(ht));
        DMatrixRMaj prox = PolarBackwardTest.polar(TestMatrices.gaussian(d, c, random));
        DMatrixRMaj upstream = TestMatrices.gaussian(d, c, random);
        TestProblems.NearestEtf problem = new TestProblems.NearestEtf(Stiefel.onCpu(d, c), ht, prox, DELTA);
        DMatrixRMaj solution = PolarBackwardTest.polar(PolarBackwardTest.etfArgument(ht, prox, DELTA));

        KroneckerKktBackward<DMatrixRMaj> kronecker = new KroneckerKktBackward<>(kernels);
        DMatrixRMaj gradient = kronecker.vjp(problem, solution, upstream, new DMatrixRMaj(d, c));

        DMatrixRMaj stencil = TestMatrices.fivePointGradient(x -> TestMatrices.dot(upstream,
                PolarBackwardTest.polar(PolarBackwardTest.etfArgument(x, prox, DELTA))), ht);
        assertBelow(TestMatrices.relativeError(gradient, stencil), AGREEMENT_TOLERANCE, "five-point stencil");
        for (BackwardMethod other : new BackwardMethod[] {
                BackwardMethod.CLOSED_FORM, BackwardMethod.MATRIX_FREE, BackwardMethod.DENSE}) {
            DMatrixRMaj reference = other.create(kernels).vjp(problem, solution, upstream, new DMatrixRMaj(d, c));
            assertBelow(TestMatrices.relativeError(gradient, reference), AGREEMENT_TOLERANCE, other.name());
        }

        // At the polar factor K = S - Sigma = sym(U^T G) = (G^T G)^(1/2): its eigenvalues are G's singular values.
        double[] expected = singularValuesAscending(PolarBackwardTest.etfArgument(ht, prox, DELTA));
        double[] actual = kronecker.lastLagrangianFactorEigenvalues();
        for (int i = 0; i < c; i++) {
            assertEquals(expected[i], actual[i], IDENTITY_TOLERANCE * expected[c - 1], "eigenvalue " + i);
        }
    }

    /** At the maximiser {@code -polar(G)} of {@code -<U, G>}, K is negative definite: the signed path. */
    @Test
    void negativeDefiniteLagrangianAtTheMaximiserMatchesTheStencil() {
        Random random = new Random(111);
        int d = 9;
        int c = 4;
        DMatrixRMaj g = TestMatrices.gaussian(d, c, random);
        DMatrixRMaj upstream = TestMatrices.gaussian(d, c, random);
        TestProblems.MaxInnerProduct problem = new TestProblems.MaxInnerProduct(Stiefel.onCpu(d, c), g);
        DMatrixRMaj maximiser = PolarBackwardTest.polar(g);
        CommonOps_DDRM.scale(-1.0, maximiser);

        KroneckerKktBackward<DMatrixRMaj> kronecker = new KroneckerKktBackward<>(kernels);
        DMatrixRMaj gradient = kronecker.vjp(problem, maximiser, upstream, new DMatrixRMaj(d, c));
        DMatrixRMaj stencil = TestMatrices.fivePointGradient(
                x -> -TestMatrices.dot(upstream, PolarBackwardTest.polar(x)), g);
        assertBelow(TestMatrices.relativeError(gradient, stencil), AGREEMENT_TOLERANCE, "five-point stencil");
        for (double eigenvalue : kronecker.lastLagrangianFactorEigenvalues()) {
            assertTrue(eigenvalue < 0, "K is negative definite at the maximiser");
        }
    }

    /**
     * A saddle {@code U = Us D Vs^T}, {@code D = diag(1, -1, 1, -1, 1)}, of {@code -<U, G>}: K has
     * both signs (the second, signed copy of the Jacobian); the generic dense reference accepts
     * saddles too.
     */
    @Test
    void indefiniteLagrangianAtASaddleMatchesTheGenericDenseReference() {
        Random random = new Random(121);
        int d = 11;
        int c = 5;
        DMatrixRMaj g = TestMatrices.gaussian(d, c, random);
        DMatrixRMaj upstream = TestMatrices.gaussian(d, c, random);
        var svd = DecompositionFactory_DDRM.svd(d, c, true, true, true);
        assertTrue(svd.decompose(g.copy()));
        DMatrixRMaj left = svd.getU(null, false);
        DMatrixRMaj right = svd.getV(null, false);
        for (int column = 1; column < c; column += 2) {
            for (int row = 0; row < d; row++) {
                left.set(row, column, -left.get(row, column));
            }
        }
        DMatrixRMaj saddle = new DMatrixRMaj(d, c);
        CommonOps_DDRM.multTransB(left, right, saddle);
        TestProblems.MaxInnerProduct problem = new TestProblems.MaxInnerProduct(Stiefel.onCpu(d, c), g);

        KroneckerKktBackward<DMatrixRMaj> kronecker = new KroneckerKktBackward<>(kernels);
        DMatrixRMaj gradient = kronecker.vjp(problem, saddle, upstream, new DMatrixRMaj(d, c));
        DMatrixRMaj reference = new StiefelDenseBackward<>(kernels).vjp(problem, saddle, upstream, new DMatrixRMaj(d, c));
        assertBelow(TestMatrices.relativeError(gradient, reference), AGREEMENT_TOLERANCE, "generic dense");
        long negative = Arrays.stream(kronecker.lastLagrangianFactorEigenvalues()).filter(v -> v < 0).count();
        assertEquals(c / 2, negative, "D flips " + c / 2 + " signs of K's eigenvalues");
    }

    /** delta = 0: K = (G^T G)^(1/2) with G 1 = 0 is singular; the message says so before any allocation. */
    @Test
    void withoutProximalTermTheSingularLagrangianIsReported() {
        Random random = new Random(131);
        int d = 12;
        int c = 5;
        DMatrixRMaj ht = TestMatrices.gaussian(d, c, random);
        CommonOps_DDRM.divide(ht, NormOps_DDRM.normF(ht));
        DMatrixRMaj prox = PolarBackwardTest.polar(TestMatrices.gaussian(d, c, random));
        TestProblems.NearestEtf problem = new TestProblems.NearestEtf(Stiefel.onCpu(d, c), ht, prox, 0.0);
        DMatrixRMaj solution = PolarBackwardTest.polar(PolarBackwardTest.etfArgument(ht, prox, 0.0));
        ArithmeticException error = assertThrows(ArithmeticException.class, () -> new KroneckerKktBackward<>(kernels)
                .vjp(problem, solution, TestMatrices.gaussian(d, c, random), new DMatrixRMaj(d, c)));
        assertTrue(error.getMessage().contains("K = S - Sigma (5 x 5) is singular"), error.getMessage());
        assertTrue(error.getMessage().contains("delta = 0"), error.getMessage());
    }

    @Test
    void aSizeAboveTheMemoryLimitIsRefusedWithTheBytesNeeded() {
        Random random = new Random(141);
        int d = 12;
        int c = 5;
        DMatrixRMaj ht = TestMatrices.gaussian(d, c, random);
        CommonOps_DDRM.divide(ht, NormOps_DDRM.normF(ht));
        DMatrixRMaj prox = PolarBackwardTest.polar(TestMatrices.gaussian(d, c, random));
        TestProblems.NearestEtf problem = new TestProblems.NearestEtf(Stiefel.onCpu(d, c), ht, prox, DELTA);
        DMatrixRMaj solution = PolarBackwardTest.polar(PolarBackwardTest.etfArgument(ht, prox, DELTA));
        // m = 15 constraints: A is 15 x 60, the Schur matrix 15 x 15.
        long needed = Double.BYTES * (15L * 60 + 15L * 15);
        assertEquals(needed, KroneckerKktBackward.requiredBytes(d, c, false));
        var options = KroneckerKktBackward.Options.defaults().withMemoryLimitBytes(needed - 1);
        IllegalStateException error = assertThrows(IllegalStateException.class,
                () -> new KroneckerKktBackward<>(kernels, options).vjp(problem, solution,
                        TestMatrices.gaussian(d, c, random), new DMatrixRMaj(d, c)));
        assertTrue(error.getMessage().startsWith("dense KKT backward needs 0.0 GB at d = 12, C = 5"),
                error.getMessage());
        assertTrue(error.getMessage().contains("15 x 60"), error.getMessage());
        // exactly at the limit it runs
        new KroneckerKktBackward<>(kernels, options.withMemoryLimitBytes(needed)).vjp(problem, solution,
                TestMatrices.gaussian(d, c, random), new DMatrixRMaj(d, c));
    }

    /** The paper's sizes: A alone at d = 1024, C = 100 is 5050 x 102400 doubles, 4.1 GB. */
    @Test
    void requiredBytesAtThePaperSizes() {
        long jacobian100 = 8L * 5050 * 102400;
        long schur100 = 8L * 5050 * 5050;
        assertEquals(jacobian100 + schur100, KroneckerKktBackward.requiredBytes(1024, 100, false));
        assertEquals(2 * jacobian100 + 3 * schur100, KroneckerKktBackward.requiredBytes(1024, 100, true));
        long jacobian200 = 8L * 20100 * 204800;
        assertEquals(jacobian200 + 8L * 20100 * 20100, KroneckerKktBackward.requiredBytes(1024, 200, false));
    }

    @Test
    void badInputIsRejected() {
        Random random = new Random(151);
        int d = 8;
        int c = 3;
        DMatrixRMaj g = TestMatrices.gaussian(d, c, random);
        DMatrixRMaj solution = PolarBackwardTest.polar(g);
        KroneckerKktBackward<DMatrixRMaj> kronecker = new KroneckerKktBackward<>(kernels);
        TestProblems.MaxInnerProduct problem = new TestProblems.MaxInnerProduct(Stiefel.onCpu(d, c), g);

        DMatrixRMaj stationaryElsewhere = PolarBackwardTest.polar(TestMatrices.gaussian(d, c, random));
        IllegalArgumentException notKkt = assertThrows(IllegalArgumentException.class,
                () -> kronecker.vjp(problem, stationaryElsewhere, TestMatrices.gaussian(d, c, random),
                        new DMatrixRMaj(d, c)));
        assertTrue(notKkt.getMessage().contains("not a KKT point"), notKkt.getMessage());

        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> kronecker.vjp(problem, solution, TestMatrices.gaussian(d, c + 1, random), new DMatrixRMaj(d, c)));
        assertTrue(shape.getMessage().contains("upstream must be 8 x 3"), shape.getMessage());

        TestProblems.ProcrustesInB leftMultiplying = new TestProblems.ProcrustesInB(Stiefel.onCpu(d, c),
                TestMatrices.gaussian(d + 2, d, random), TestMatrices.gaussian(d + 2, c, random));
        IllegalArgumentException structure = assertThrows(IllegalArgumentException.class,
                () -> kronecker.vjp(leftMultiplying, solution, TestMatrices.gaussian(d, c, random),
                        new DMatrixRMaj(d, c)));
        assertTrue(structure.getMessage().contains("RightMultiplicationHessian"), structure.getMessage());

        assertThrows(IllegalArgumentException.class, () -> KroneckerKktBackward.Options.defaults().withMemoryLimitBytes(0));
        assertThrows(IllegalArgumentException.class,
                () -> KroneckerKktBackward.Options.defaults().withStationarityTolerance(Double.NaN));
        assertEquals(BackwardMethod.DENSE_KRONECKER, BackwardMethod.DENSE_KRONECKER.create(kernels).method());
    }

    private static double[] singularValuesAscending(DMatrixRMaj a) {
        var svd = DecompositionFactory_DDRM.svd(a.numRows, a.numCols, false, false, true);
        assertTrue(svd.decompose(a.copy()));
        double[] values = svd.getSingularValues().clone();
        Arrays.sort(values);
        return values;
    }

    private static void assertBelow(double error, double tolerance, String against) {
        assertTrue(error < tolerance, "relative error " + error + " against " + against);
    }
}
