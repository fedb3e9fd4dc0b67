package dev.stiefel.etf.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.Kernels;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.interfaces.decomposition.QRDecomposition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NeuralCollapseMetricsTest {

    private static final double HAND = 1e-14;
    private static final double ETF_ZERO = 1e-12;
    private static final double REFERENCE_RELATIVE = 1e-9;

    /**
     * C = 2, d = 2, tau = 1, unit rows so h~ = h: h0 = (1,0), h2 = (.6,.8) in class 0;
     * h1 = (0,1), h3 = (.8,.6) in class 1. mu0 = (.8,.4), mu1 = (.4,.8), hG = (.6,.6),
     * Hbar = [(.2,-.2), (-.2,.2)], Sigma_B = .08 u u^T with u = (1,-1)/sqrt2, so
     * Sigma_B^+ = 12.5 u u^T. Residuals +-(.2,-.4) (class 0) and +-(.4,-.2) (class 1) give
     * Sigma_W = [[.1,-.08],[-.08,.1]], u^T Sigma_W u = .18, NC1 = 12.5 * .18 / 2 = 1.125.
     * With W = I: logits h_i - hG = (.4,-.6), (-.6,.4), (0,.2), (.2,0): accuracy 1/2,
     * CE = [log(1+e^-1) + log(1+e^.2)] / 2. NC2 = ||I/sqrt2 - Mc||_F = sqrt(2 - sqrt2).
     * W^T Hbar = Hbar, which normalised is Mc: NC3 = 0. Nearest means: 0, 1, 1, 0 = the
     * predictions, NC4 = 0. Equal norms: equinorm 0. Centred W columns +-(.5,-.5): margins
     * 1/sqrt(.26) for samples 0 and 1, -sqrt2 for samples 2 and 3.
     */
    @Test
    void tinyCaseMatchesHandComputation() {
        DMatrixRMaj features = new DMatrixRMaj(4, 2, true, 1, 0, 0, 1, .6, .8, .8, .6);
        int[] labels = {0, 1, 0, 1};
        NeuralCollapseMetrics metrics = new NeuralCollapseMetrics(2, 1.0);

        NeuralCollapseSnapshot s = metrics.evaluate(7, features, labels, CommonOps_DDRM.identity(2));

        assertEquals(7, s.iteration());
        assertEquals(1.125, s.nc1(), HAND);
        assertEquals(0.5, s.accuracy(), 0);
        assertEquals((Math.log1p(Math.exp(-1)) + Math.log1p(Math.exp(0.2))) / 2, s.crossEntropy(), HAND);
        assertEquals(Math.log1p(Math.exp(-2)), s.crossEntropyLowerBound(), HAND);
        assertEquals(Math.sqrt(2 - Math.sqrt(2)), s.nc2(), HAND);
        assertEquals(0, s.nc3(), HAND);
        assertEquals(0, s.nc4(), 0);
        assertEquals(0, s.equinorm(), HAND);
        double good = 1 / Math.sqrt(0.26);
        double bad = -Math.sqrt(2);
        assertArrayEquals(new double[] {good, good, bad, bad}, metrics.margins(null), HAND);
        assertEquals((good + bad) / 2, s.averageMargin(), HAND);
    }

    /**
     * Same data, W = diag(2, 1): column norms 2, 1 (mean 1.5, sample std sqrt(.5)) against equal
     * mean norms: equinorm = sqrt(.5)/1.5 = sqrt2/3. W^T Hbar = [[.4,-.4],[-.2,.2]] with norm
     * sqrt(.4): NC3 = sqrt(2 (sqrt.4 - .5)^2 + 2 (sqrt.1 - .5)^2). NC1 does not see W.
     * Swapped W = [[0,1],[1,0]]: logits (h_y - .6, h_x - .6) predict 1, 0, 0, 1 against nearest
     * means 0, 1, 1, 0: NC4 = 100 %, accuracy 1/2.
     */
    @Test
    void classifierDependentMetricsMatchHandComputation() {
        DMatrixRMaj features = new DMatrixRMaj(4, 2, true, 1, 0, 0, 1, .6, .8, .8, .6);
        int[] labels = {0, 1, 0, 1};
        NeuralCollapseMetrics metrics = new NeuralCollapseMetrics(2, 1.0);

        NeuralCollapseSnapshot scaled = metrics.evaluate(0, features, labels, CommonOps_DDRM.diag(2, 1));
        assertEquals(Math.sqrt(2) / 3, scaled.equinorm(), HAND);
        double expectedNc3 = Math.sqrt(2 * Math.pow(Math.sqrt(.4) - .5, 2) + 2 * Math.pow(Math.sqrt(.1) - .5, 2));
        assertEquals(expectedNc3, scaled.nc3(), HAND);
        assertEquals(1.125, scaled.nc1(), HAND);

        NeuralCollapseSnapshot swapped = metrics.evaluate(0, features, labels,
                new DMatrixRMaj(2, 2, true, 0, 1, 1, 0));
        assertEquals(100, swapped.nc4(), 0);
        assertEquals(0.5, swapped.accuracy(), 0);
    }

    /** Features on a simplex ETF, classifier the same ETF: every collapse metric is at its optimum. */
    @ParameterizedTest
    @CsvSource({"3, 4, 5, 11", "10, 16, 5, 12", "4, 4, 2.5, 13"})
    void perfectEtfConfigurationIsCollapsed(int numClasses, int dimension, double tau, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        DMatrixRMaj etf = randomEtf(dimension, numClasses, random);
        int perClass = 3;
        int n = numClasses * perClass;
        DMatrixRMaj features = new DMatrixRMaj(n, dimension);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % numClasses;
            double scale = random.nextDouble(0.5, 4);
            for (int j = 0; j < dimension; j++) {
                features.set(i, j, scale * etf.get(j, labels[i]));
            }
        }
        NeuralCollapseMetrics metrics = new NeuralCollapseMetrics(numClasses, tau);
        NeuralCollapseSnapshot s = metrics.evaluate(0, features, labels, etf);

        assertEquals(0, s.nc1(), ETF_ZERO);
        assertEquals(0, s.nc2(), ETF_ZERO);
        assertEquals(0, s.nc3(), ETF_ZERO);
        assertEquals(0, s.nc4(), 0);
        assertEquals(0, s.equinorm(), ETF_ZERO);
        assertEquals(1, s.accuracy(), 0);
        double etfMargin = numClasses / (numClasses - 1.0);
        assertEquals(etfMargin, s.averageMargin(), ETF_ZERO);
        for (double margin : metrics.margins(null)) {
            assertEquals(etfMargin, margin, ETF_ZERO);
        }
        // Unit-norm ETF classifiers attain the cross-entropy lower bound (Yaras et al. 2022).
        assertEquals(s.crossEntropyLowerBound(), s.crossEntropy(), ETF_ZERO);
        assertEquals(Math.log1p((numClasses - 1) * Math.exp(-tau * numClasses / (numClasses - 1.0))),
                s.crossEntropyLowerBound(), ETF_ZERO);

        // A scaled classifier changes the loss but none of the scale-free metrics.
        CommonOps_DDRM.scale(3, etf);
        NeuralCollapseSnapshot scaled = metrics.evaluate(0, features, labels, etf);
        assertEquals(0, scaled.nc2(), ETF_ZERO);
        assertEquals(etfMargin, scaled.averageMargin(), ETF_ZERO);
        assertTrue(scaled.crossEntropy() < s.crossEntropy());
    }

    /**
     * Against a direct dense implementation: d x d covariances, EJML's pseudo-inverse, explicit
     * cosines; on both host backends, including d < C (the transposed SVD path).
     */
    @ParameterizedTest
    @CsvSource({"3, 5, 4, 21, ejml", "5, 12, 6, 22, ejml", "6, 4, 3, 23, ejml", "10, 30, 5, 24, ejml",
        "3, 5, 4, 21, cpu", "5, 12, 6, 22, cpu", "6, 4, 3, 23, cpu", "10, 30, 5, 24, cpu", "12, 40, 20, 25, cpu"})
    void matchesDenseReference(int numClasses, int dimension, int perClass, long seed, String backend) {
        SplittableRandom random = new SplittableRandom(seed);
        int n = numClasses * perClass;
        double tau = 2.5;
        DMatrixRMaj features = AutomaticGradientDescentTest.random(n, dimension, random);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % numClasses;
        }
        DMatrixRMaj classifier = AutomaticGradientDescentTest.random(dimension, numClasses, random);

        NeuralCollapseMetrics metrics = new NeuralCollapseMetrics(
                backend.equals("ejml") ? Kernels.ejml() : Kernels.cpu(), numClasses, tau);
        NeuralCollapseSnapshot s = metrics.evaluate(0, features, labels, classifier);
        NeuralCollapseOracle expected = new NeuralCollapseOracle(features, labels, classifier, numClasses, tau, true);

        assertRelative(expected.nc1, s.nc1());
        assertRelative(expected.nc2, s.nc2());
        assertRelative(expected.nc3, s.nc3());
        assertRelative(expected.equinorm, s.equinorm());
        assertRelative(expected.crossEntropy, s.crossEntropy());
        assertEquals(expected.accuracy, s.accuracy(), 0);
        assertEquals(expected.nc4, s.nc4(), 0);
        double[] margins = metrics.margins(null);
        for (int i = 0; i < n; i++) {
            assertEquals(expected.margins[i], margins[i], REFERENCE_RELATIVE);
        }
    }

    @Test
    void badInputIsRejectedWithClearMessage() {
        NeuralCollapseMetrics metrics = new NeuralCollapseMetrics(2, 1);
        DMatrixRMaj features = new DMatrixRMaj(4, 2, true, 1, 0, 0, 1, .6, .8, .8, .6);
        int[] labels = {0, 1, 0, 1};
        DMatrixRMaj w = CommonOps_DDRM.identity(2);
        assertMessage("classifier is 3x2", () -> metrics.evaluate(0, features, labels, new DMatrixRMaj(3, 2)));
        assertMessage("labels", () -> metrics.evaluate(0, features, new int[] {0, 1}, w));
        assertMessage("outside", () -> metrics.evaluate(0, features, new int[] {0, 1, 2, 1}, w));
        assertMessage("class 1 has no sample", () -> metrics.evaluate(0, features, new int[] {0, 0, 0, 0}, w));
        assertMessage("zero", () -> metrics.evaluate(0, features, labels, new DMatrixRMaj(2, 2)));
        DMatrixRMaj withNan = features.copy();
        withNan.set(2, 1, Double.NaN);
        assertMessage("features: entry (2, 1) is NaN", () -> metrics.evaluate(0, withNan, labels, w));
        DMatrixRMaj classifierWithInfinity = w.copy();
        classifierWithInfinity.set(1, 0, Double.POSITIVE_INFINITY);
        assertMessage("classifier: entry (1, 0) is +Infinity",
                () -> metrics.evaluate(0, features, labels, classifierWithInfinity));
        // finite entries whose Gram matrix would overflow or underflow (NC2 came out NaN or 1)
        DMatrixRMaj huge = w.copy();
        CommonOps_DDRM.fill(huge, 1e308);
        assertMessage("largest entry is 1.0E308, outside", () -> metrics.evaluate(0, features, labels, huge));
        DMatrixRMaj tiny = w.copy();
        CommonOps_DDRM.fill(tiny, 1e-200);
        assertMessage("largest entry is 1.0E-200, outside", () -> metrics.evaluate(0, features, labels, tiny));
        assertMessage("tau = 1.0E60 is outside", () -> new NeuralCollapseMetrics(2, 1e60));
        DMatrixRMaj withZeroRow = features.copy();
        withZeroRow.set(3, 0, 0);
        withZeroRow.set(3, 1, 0);
        assertMessage("row 3 is zero", () -> metrics.evaluate(0, withZeroRow, labels, w));
        assertThrows(IllegalArgumentException.class, () -> new NeuralCollapseMetrics(1, 1));
        assertThrows(IllegalArgumentException.class, () -> new NeuralCollapseMetrics(3, 0));
    }

    static void assertMessage(String fragment, org.junit.jupiter.api.function.Executable executable) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, executable);
        assertTrue(e.getMessage().contains(fragment), () -> "message '" + e.getMessage() + "' lacks '" + fragment + "'");
    }

    private static void assertRelative(double expected, double actual) {
        assertEquals(expected, actual, REFERENCE_RELATIVE * Math.max(1, Math.abs(expected)));
    }

    /** {@code U Mh} with U a seeded random point of St(d, C) (QR of a Gaussian matrix). */
    static DMatrixRMaj randomEtf(int dimension, int numClasses, SplittableRandom random) {
        DMatrixRMaj gaussian = AutomaticGradientDescentTest.random(dimension, numClasses, random);
        QRDecomposition<DMatrixRMaj> qr = DecompositionFactory_DDRM.qr(dimension, numClasses);
        qr.decompose(gaussian);
        DMatrixRMaj u = qr.getQ(null, true);
        DMatrixRMaj mh = new DMatrixRMaj(numClasses, numClasses);
        double scale = Math.sqrt(numClasses / (numClasses - 1.0));
        for (int r = 0; r < numClasses; r++) {
            for (int c = 0; c < numClasses; c++) {
                mh.set(r, c, scale * ((r == c ? 1 : 0) - 1.0 / numClasses));
            }
        }
        DMatrixRMaj etf = new DMatrixRMaj(dimension, numClasses);
        CommonOps_DDRM.mult(u, mh, etf);
        return etf;
    }

    /** Metrics on the default kernels own them: close frees their native buffers, once. */
    @Test
    void closeFreesTheKernelsTheMetricsCreatedAndOnlyThose() {
        DMatrixRMaj features = new DMatrixRMaj(4, 2, true, 1, 0, 0, 1, .6, .8, .8, .6);
        int[] labels = {0, 1, 0, 1};
        NeuralCollapseMetrics owning = new NeuralCollapseMetrics(2, 1.0);
        owning.evaluate(0, features, labels, CommonOps_DDRM.identity(2));
        owning.close();
        owning.close();
        assertThrows(IllegalStateException.class,
                () -> owning.evaluate(1, features, labels, CommonOps_DDRM.identity(2)));
        assertClosedIfNative(owning.kernels());

        try (dev.stiefel.kernel.DenseKernels<DMatrixRMaj> callers = Kernels.cpu()) {
            NeuralCollapseMetrics borrowing = new NeuralCollapseMetrics(callers, 2, 1.0);
            borrowing.close();
            DMatrixRMaj a = CommonOps_DDRM.identity(3);
            callers.gemm(1.0, a, false, a, false, 0.0, new DMatrixRMaj(3, 3));
        }
    }

    /** OpenBLAS kernels refuse work once their native buffers are freed; pure-Java kernels own none. */
    static void assertClosedIfNative(dev.stiefel.kernel.DenseKernels<DMatrixRMaj> kernels) {
        if (kernels instanceof dev.stiefel.kernel.OpenBlasKernels) {
            DMatrixRMaj a = CommonOps_DDRM.identity(3);
            assertThrows(IllegalStateException.class,
                    () -> kernels.gemm(1.0, a, false, a, false, 0.0, new DMatrixRMaj(3, 3)));
        }
    }
}
