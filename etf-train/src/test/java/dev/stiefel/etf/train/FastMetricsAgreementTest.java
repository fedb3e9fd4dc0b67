package dev.stiefel.etf.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link NeuralCollapseMetrics} (Cholesky inverse of the shifted means' Gram matrix or its
 * eigendecomposition, residuals read off the nearest-mean scores) against
 * {@link NeuralCollapseOracle} (each metric by its definition, NC1 through a dense {@code d x d}
 * pseudo-inverse), on both host backends: random data, unbalanced classes, class means
 * confined to a low-dimensional subspace (a rank-deficient {@code Sigma_B} whose extra
 * singular values are rounding), fewer dimensions than classes, nearly collapsed features, and
 * logits with and without centring.
 */
class FastMetricsAgreementTest {

    /** Relative agreement of every metric; both sides round differently but are exact to ~1e-13. */
    private static final double RELATIVE = 1e-10;
    private static final double TAU = 5.0;

    @ParameterizedTest
    @CsvSource({"ejml, 10, 64, 30, 1", "openblas, 10, 64, 30, 2", "openblas, 100, 112, 300, 3",
        "ejml, 7, 3, 21, 4", "openblas, 12, 5, 60, 5", "openblas, 40, 40, 400, 6"})
    void randomDataAgree(String backend, int numClasses, int dimension, int samples, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        DMatrixRMaj features = gaussian(samples, dimension, random);
        boolean eigen = assertAgree(backend, numClasses, features, gaussian(dimension, numClasses, random));
        // means of full rank C - 1 take the Cholesky route; fewer dimensions than classes cannot
        assertEquals(dimension < numClasses - 1, eigen, "NC1 through the eigendecomposition");
    }

    /**
     * Class c has c + 1 samples: the null vector of the means' Gram matrix is the vector of the
     * counts, not the constant one, and the Cholesky route must use it.
     */
    @ParameterizedTest
    @CsvSource({"ejml, 6, 16, 51", "openblas, 30, 64, 52"})
    void unbalancedClassesAgree(String backend, int numClasses, int dimension, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] labels = ClassMeanFixtures.unbalancedLabels(numClasses);
        int samples = labels.length;
        DMatrixRMaj features = gaussian(samples, dimension, random);
        boolean eigen = assertAgree(backend, numClasses, features, labels, gaussian(dimension, numClasses, random));
        assertEquals(false, eigen, "NC1 through the eigendecomposition");
    }

    @ParameterizedTest
    @CsvSource({"ejml, 8, 20, 3, 11", "openblas, 8, 20, 3, 12", "openblas, 30, 64, 5, 13",
        "openblas, 10, 96, 1, 14", "ejml, 6, 12, 2, 15"})
    void rankDeficientClassMeansAgree(String backend, int numClasses, int dimension, int rank, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        ClassMeanFixtures.RankDeficient data = ClassMeanFixtures.rankDeficient(numClasses, dimension, rank, random);
        DMatrixRMaj features = data.features();
        int[] labels = data.labels();
        assertTrue(assertAgree(backend, numClasses, features, labels, gaussian(dimension, numClasses, random)),
                "means of rank below C - 1 take NC1 through the eigendecomposition");
    }

    @ParameterizedTest
    @CsvSource({"openblas, 10, 64, 1e-4, 21", "ejml, 5, 16, 1e-6, 22"})
    void nearlyCollapsedFeaturesAgree(String backend, int numClasses, int dimension, double spread, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        DMatrixRMaj means = gaussian(numClasses, dimension, random);
        int samples = numClasses * 6;
        DMatrixRMaj features = new DMatrixRMaj(samples, dimension);
        for (int i = 0; i < samples; i++) {
            for (int j = 0; j < dimension; j++) {
                features.set(i, j, means.get(i % numClasses, j) + spread * random.nextGaussian());
            }
        }
        assertEquals(false, assertAgree(backend, numClasses, features, gaussian(dimension, numClasses, random)),
                "NC1 through the eigendecomposition");
    }

    @ParameterizedTest
    @CsvSource({"1e307, 31", "1e-310, 32"})
    void rowsWhoseNormOverflowsOrIsSubnormalGiveTheMetricsOfTheirDirections(double factor, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        DMatrixRMaj features = gaussian(40, 16, random);
        DMatrixRMaj classifier = gaussian(16, 4, random);
        int[] labels = new int[40];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 4;
        }
        DMatrixRMaj scaled = features.copy();
        for (int index = 0; index < scaled.data.length; index++) {
            scaled.data[index] *= factor;
        }
        NeuralCollapseMetrics metrics = new NeuralCollapseMetrics(Kernels.cpu(), 4, TAU);
        NeuralCollapseSnapshot expected = metrics.evaluate(0, features, labels, classifier);
        NeuralCollapseSnapshot actual = metrics.evaluate(0, scaled, labels, classifier);
        // a subnormal multiple keeps about 40 of the 53 bits of each entry
        double tolerance = factor < 1 ? 1e-9 : 1e-13;
        assertEquals(expected.crossEntropy(), actual.crossEntropy(), tolerance);
        assertEquals(expected.nc1(), actual.nc1(), tolerance * expected.nc1());
        assertEquals(expected.averageMargin(), actual.averageMargin(), tolerance);
    }

    /**
     * At the ends of the accepted classifier range every scale-free metric is that of the
     * unscaled classifier: nothing the metrics form overflows or underflows there.
     */
    @ParameterizedTest
    @CsvSource({"1e100, 61", "1e-100, 62"})
    void classifiersAtTheEndsOfTheRangeGiveTheScaleFreeMetricsOfTheirDirection(double largest, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int numClasses = 5;
        DMatrixRMaj features = gaussian(60, 12, random);
        int[] labels = new int[60];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % numClasses;
        }
        DMatrixRMaj classifier = gaussian(12, numClasses, random);
        DMatrixRMaj scaled = classifier.copy();
        double factor = largest / org.ejml.dense.row.CommonOps_DDRM.elementMaxAbs(classifier);
        for (int index = 0; index < scaled.data.length; index++) {
            scaled.data[index] *= factor;
        }
        NeuralCollapseMetrics metrics = new NeuralCollapseMetrics(Kernels.cpu(), numClasses, TAU);
        NeuralCollapseSnapshot expected = metrics.evaluate(0, features, labels, classifier);
        double[] expectedMargins = metrics.margins(null);
        NeuralCollapseSnapshot actual = metrics.evaluate(0, features, labels, scaled);
        assertClose(expected.nc1(), actual.nc1(), "NC1");
        assertClose(expected.nc2(), actual.nc2(), "NC2");
        assertClose(expected.nc3(), actual.nc3(), "NC3");
        assertClose(expected.equinorm(), actual.equinorm(), "equinorm");
        assertClose(expected.averageMargin(), actual.averageMargin(), "average margin");
        double[] actualMargins = metrics.margins(null);
        for (int i = 0; i < actualMargins.length; i++) {
            assertClose(expectedMargins[i], actualMargins[i], "margin " + i);
        }
        assertTrue(Double.isFinite(actual.crossEntropy()), "cross-entropy " + actual.crossEntropy());
    }

    private static boolean assertAgree(String backend, int numClasses, DMatrixRMaj features, DMatrixRMaj classifier) {
        int[] labels = new int[features.numRows];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % numClasses;
        }
        return assertAgree(backend, numClasses, features, labels, classifier);
    }

    /** Returns whether NC1 went through the eigendecomposition (in every round alike). */
    private static boolean assertAgree(String backend, int numClasses, DMatrixRMaj features, int[] labels,
            DMatrixRMaj classifier) {
        try (DenseKernels<DMatrixRMaj> kernels = backend.equals("ejml") ? Kernels.ejml() : Kernels.openBlas()) {
            NeuralCollapseMetrics fast = new NeuralCollapseMetrics(kernels, numClasses, TAU);
            NeuralCollapseOracle centred = new NeuralCollapseOracle(features, labels, classifier, numClasses, TAU, true);
            NeuralCollapseOracle plain = new NeuralCollapseOracle(features, labels, classifier, numClasses, TAU, false);
            // twice each, so that reused workspaces are exercised
            Boolean eigen = null;
            for (int round = 0; round < 4; round++) {
                boolean centredLogits = round % 2 == 0;
                NeuralCollapseSnapshot actual = fast.evaluate(round, features, labels, classifier, centredLogits);
                assertAgree(centredLogits ? centred : plain, actual, fast.margins(null));
                if (eigen != null) {
                    assertEquals(eigen, fast.lastNc1UsedEigendecomposition(), "same route in every round");
                }
                eigen = fast.lastNc1UsedEigendecomposition();
            }
            return eigen;
        }
    }

    private static void assertAgree(NeuralCollapseOracle expected, NeuralCollapseSnapshot actual,
            double[] actualMargins) {
        assertClose(expected.crossEntropy, actual.crossEntropy(), "cross-entropy");
        assertEquals(expected.accuracy, actual.accuracy(), 0.0, "accuracy");
        assertClose(expected.nc1, actual.nc1(), "NC1");
        assertClose(expected.nc2, actual.nc2(), "NC2");
        assertClose(expected.nc3, actual.nc3(), "NC3");
        assertEquals(expected.nc4, actual.nc4(), 0.0, "NC4");
        assertClose(expected.equinorm, actual.equinorm(), "equinorm");
        assertClose(expected.averageMargin, actual.averageMargin(), "average margin");
        for (int i = 0; i < expected.margins.length; i++) {
            assertClose(expected.margins[i], actualMargins[i], "margin " + i);
        }
    }

    private static void assertClose(double expected, double actual, String what) {
        assertTrue(Double.isFinite(actual), what + " is " + actual);
        assertEquals(expected, actual, RELATIVE * Math.max(1e-3, Math.abs(expected)), what);
    }

    private static DMatrixRMaj gaussian(int rows, int cols, SplittableRandom random) {
        DMatrixRMaj matrix = new DMatrixRMaj(rows, cols);
        for (int index = 0; index < matrix.data.length; index++) {
            matrix.data[index] = random.nextGaussian();
        }
        return matrix;
    }
}
