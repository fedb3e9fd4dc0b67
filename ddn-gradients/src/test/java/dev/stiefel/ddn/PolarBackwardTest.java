package dev.stiefel.ddn;

import dev.stiefel.testkit.TestMatrices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import java.util.Arrays;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PolarBackwardTest {

    /** Agreement with the five-point stencil (docs/mathematics.md section 5). */
    private static final double FINITE_DIFFERENCE_TOLERANCE = 1e-8;
    /** Identities that hold to rounding (orthonormality, skew-symmetry, repeatability). */
    private static final double IDENTITY_TOLERANCE = 1e-12;
    /** Proximal weight of problem (7), its default. */
    private static final double DELTA = 1e-3;

    private final DenseKernels<DMatrixRMaj> kernels = Kernels.cpu();

    @ParameterizedTest
    @CsvSource({"12, 5, 11", "40, 10, 12", "64, 20, 13", "7, 1, 14", "6, 6, 15"})
    void matchesFivePointFiniteDifferencesOnGaussianG(int d, int c, long seed) {
        Random random = new Random(seed);
        DMatrixRMaj g = TestMatrices.gaussian(d, c, random);
        assertMatchesFiniteDifferences(g, TestMatrices.gaussian(d, c, random));
    }

    /**
     * The ETF case (docs/mathematics.md section 5): {@code G = (2/sqrt(C-1)) Ht Mc + delta Uprox} has
     * smallest singular value about delta, so the stencil differentiates {@code Ht} (whose
     * perturbations leave the weak direction {@code G 1} alone, as in training), and the chain
     * rule {@code dL/dHt = (2/sqrt(C-1)) dL/dG Mc} closes the comparison.
     */
    @ParameterizedTest
    @CsvSource({"12, 5, 21", "40, 10, 22", "64, 20, 23"})
    void matchesFivePointFiniteDifferencesThroughTheEtfArgument(int d, int c, long seed) {
        Random random = new Random(seed);
        DMatrixRMaj ht = TestMatrices.gaussian(d, c, random);
        CommonOps_DDRM.divide(ht, NormOps_DDRM.normF(ht));
        DMatrixRMaj prox = polar(TestMatrices.gaussian(d, c, random));
        DMatrixRMaj upstream = TestMatrices.gaussian(d, c, random);
        DMatrixRMaj g = etfArgument(ht, prox, DELTA);
        double[] s = singularValues(g);
        assertTrue(s[c - 1] < 10 * DELTA, "test set-up: G should be ill conditioned");

        DMatrixRMaj gradientG = new PolarBackward<>(kernels).vjp(g, upstream, new DMatrixRMaj(d, c));
        DMatrixRMaj gradientHt = new DMatrixRMaj(d, c);
        CommonOps_DDRM.mult(2.0 / Math.sqrt(c - 1.0), gradientG, TestMatrices.centring(c), gradientHt);

        DMatrixRMaj polarWorkspace = new DMatrixRMaj(d, c);
        DMatrixRMaj reference = TestMatrices.fivePointGradient(x -> {
            kernels.polar(etfArgument(x, prox, DELTA), polarWorkspace);
            return TestMatrices.dot(upstream, polarWorkspace);
        }, ht);
        double error = TestMatrices.relativeError(gradientHt, reference);
        assertTrue(error < FINITE_DIFFERENCE_TOLERANCE, "relative error " + error + " at " + d + " x " + c);
    }

    @ParameterizedTest
    @CsvSource({"12, 5, 31", "30, 30, 32", "50, 7, 33"})
    void gradientIsTangentAtThePolarFactor(int d, int c, long seed) {
        Random random = new Random(seed);
        DMatrixRMaj g = TestMatrices.gaussian(d, c, random);
        DMatrixRMaj upstream = TestMatrices.gaussian(d, c, random);
        PolarBackward<DMatrixRMaj> backward = new PolarBackward<>(kernels);
        DMatrixRMaj u = backward.forward(g, new DMatrixRMaj(d, c));
        DMatrixRMaj gradient = backward.backward(upstream, new DMatrixRMaj(d, c));
        DMatrixRMaj projected = new DMatrixRMaj(c, c);
        CommonOps_DDRM.multTransA(u, gradient, projected);
        assertTrue(TestMatrices.skewError(projected) < IDENTITY_TOLERANCE * CommonOps_DDRM.elementMaxAbs(gradient),
                "U^T dL/dG must be skew-symmetric");
    }

    @ParameterizedTest
    @CsvSource({"12, 5, 41", "9, 9, 42"})
    void forwardIsThePolarFactorOfTheKernels(int d, int c, long seed) {
        Random random = new Random(seed);
        DMatrixRMaj g = TestMatrices.gaussian(d, c, random);
        DMatrixRMaj u = new PolarBackward<>(kernels).forward(g, new DMatrixRMaj(d, c));
        DMatrixRMaj reference = polar(g);
        assertTrue(TestMatrices.orthonormalityError(u) < IDENTITY_TOLERANCE);
        assertTrue(TestMatrices.relativeError(u, reference) < IDENTITY_TOLERANCE);
        // polar(G) = G (G^T G)^(-1/2): G^T U = Vsvd S Vsvd^T is symmetric positive definite.
        DMatrixRMaj gTu = new DMatrixRMaj(c, c);
        CommonOps_DDRM.multTransA(g, u, gTu);
        DMatrixRMaj asymmetry = gTu.copy();
        CommonOps_DDRM.transpose(gTu, asymmetry);
        CommonOps_DDRM.subtractEquals(asymmetry, gTu);
        assertTrue(CommonOps_DDRM.elementMaxAbs(asymmetry) < IDENTITY_TOLERANCE * CommonOps_DDRM.elementMaxAbs(gTu));
    }

    @Test
    void vjpEqualsForwardThenBackwardAndWorkspacesFollowTheShape() {
        Random random = new Random(51);
        PolarBackward<DMatrixRMaj> reused = new PolarBackward<>(kernels);
        for (int[] shape : new int[][] {{12, 5}, {20, 3}, {12, 5}}) {
            DMatrixRMaj g = TestMatrices.gaussian(shape[0], shape[1], random);
            DMatrixRMaj upstream = TestMatrices.gaussian(shape[0], shape[1], random);
            DMatrixRMaj viaVjp = reused.vjp(g, upstream, new DMatrixRMaj(shape[0], shape[1]));
            PolarBackward<DMatrixRMaj> fresh = new PolarBackward<>(kernels);
            fresh.forward(g, new DMatrixRMaj(shape[0], shape[1]));
            DMatrixRMaj viaSteps = fresh.backward(upstream, new DMatrixRMaj(shape[0], shape[1]));
            assertEquals(0.0, TestMatrices.relativeError(viaVjp, viaSteps), IDENTITY_TOLERANCE);
        }
    }

    @Test
    void rankDeficientGIsRejected() {
        Random random = new Random(61);
        int d = 12;
        int c = 5;
        // delta = 0: G = (2/sqrt(C-1)) Ht Mc has rank C - 1 (problem (6)).
        DMatrixRMaj g = etfArgument(d, c, 0.0, random);
        PolarBackward<DMatrixRMaj> backward = new PolarBackward<>(kernels);
        ArithmeticException error = assertThrows(ArithmeticException.class,
                () -> backward.vjp(g, TestMatrices.gaussian(d, c, random), new DMatrixRMaj(d, c)));
        assertTrue(error.getMessage().contains("rank deficient"), error.getMessage());
        assertThrows(ArithmeticException.class,
                () -> backward.forward(new DMatrixRMaj(d, c), new DMatrixRMaj(d, c)));
        assertThrows(IllegalStateException.class,
                () -> backward.backward(TestMatrices.gaussian(d, c, random), new DMatrixRMaj(d, c)),
                "a failed decomposition must not leave a stale one behind");
    }

    @Test
    void badInputIsRejectedWithAClearMessage() {
        Random random = new Random(71);
        PolarBackward<DMatrixRMaj> backward = new PolarBackward<>(kernels);
        DMatrixRMaj wide = TestMatrices.gaussian(3, 5, random);
        assertThrows(IllegalArgumentException.class, () -> backward.forward(wide, new DMatrixRMaj(3, 5)));
        assertThrows(IllegalArgumentException.class, () -> backward.forward(new DMatrixRMaj(3, 0), new DMatrixRMaj(3, 0)));
        DMatrixRMaj g = TestMatrices.gaussian(8, 4, random);
        DMatrixRMaj withNan = g.copy();
        withNan.set(2, 1, Double.NaN);
        assertThrows(IllegalArgumentException.class, () -> backward.forward(withNan, new DMatrixRMaj(8, 4)));
        assertThrows(IllegalStateException.class,
                () -> backward.backward(TestMatrices.gaussian(8, 4, random), new DMatrixRMaj(8, 4)));
        backward.forward(g, new DMatrixRMaj(8, 4));
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> backward.backward(TestMatrices.gaussian(8, 3, random), new DMatrixRMaj(8, 4)));
        assertTrue(shape.getMessage().contains("8 x 4"), shape.getMessage());
        DMatrixRMaj infiniteUpstream = TestMatrices.gaussian(8, 4, random);
        infiniteUpstream.set(0, 0, Double.POSITIVE_INFINITY);
        assertThrows(IllegalArgumentException.class, () -> backward.backward(infiniteUpstream, new DMatrixRMaj(8, 4)));
    }

    private void assertMatchesFiniteDifferences(DMatrixRMaj g, DMatrixRMaj upstream) {
        int d = g.numRows;
        int c = g.numCols;
        DMatrixRMaj gradient = new PolarBackward<>(kernels).vjp(g, upstream, new DMatrixRMaj(d, c));
        DMatrixRMaj polarWorkspace = new DMatrixRMaj(d, c);
        DMatrixRMaj reference = TestMatrices.fivePointGradient(x -> {
            kernels.polar(x, polarWorkspace);
            return TestMatrices.dot(upstream, polarWorkspace);
        }, g);
        double error = TestMatrices.relativeError(gradient, reference);
        assertTrue(error < FINITE_DIFFERENCE_TOLERANCE, "relative error " + error + " at " + d + " x " + c);
    }

    /** {@code G = (2/sqrt(C-1)) Ht Mc + delta Uprox}, docs/mathematics.md section 2, with random Ht and Uprox. */
    static DMatrixRMaj etfArgument(int d, int c, double delta, Random random) {
        DMatrixRMaj ht = TestMatrices.gaussian(d, c, random);
        CommonOps_DDRM.divide(ht, NormOps_DDRM.normF(ht));
        return etfArgument(ht, polar(TestMatrices.gaussian(d, c, random)), delta);
    }

    /** {@code G = (2/sqrt(C-1)) Ht Mc + delta Uprox}, docs/mathematics.md section 2. */
    static DMatrixRMaj etfArgument(DMatrixRMaj ht, DMatrixRMaj prox, double delta) {
        int c = ht.numCols;
        DMatrixRMaj g = new DMatrixRMaj(ht.numRows, c);
        CommonOps_DDRM.mult(2.0 / Math.sqrt(c - 1.0), ht, TestMatrices.centring(c), g);
        CommonOps_DDRM.addEquals(g, delta, prox);
        return g;
    }

    /** Polar factor by EJML's SVD directly, independent of the kernels under test. */
    static DMatrixRMaj polar(DMatrixRMaj a) {
        var svd = DecompositionFactory_DDRM.svd(a.numRows, a.numCols, true, true, true);
        if (!svd.decompose(a.copy())) {
            throw new IllegalStateException("SVD failed");
        }
        DMatrixRMaj u = svd.getU(null, false);
        DMatrixRMaj v = svd.getV(null, false);
        DMatrixRMaj out = new DMatrixRMaj(a.numRows, a.numCols);
        CommonOps_DDRM.multTransB(u, v, out);
        return out;
    }

    private static double[] singularValues(DMatrixRMaj a) {
        var svd = DecompositionFactory_DDRM.svd(a.numRows, a.numCols, false, false, true);
        svd.decompose(a.copy());
        double[] s = svd.getSingularValues().clone();
        Arrays.sort(s);
        double[] descending = new double[s.length];
        for (int i = 0; i < s.length; i++) {
            descending[i] = s[s.length - 1 - i];
        }
        return descending;
    }
}
