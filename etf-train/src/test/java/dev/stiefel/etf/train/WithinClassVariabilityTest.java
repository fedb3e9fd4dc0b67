package dev.stiefel.etf.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link WithinClassVariability} on its own: its inputs (the residuals seen through the means,
 * {@code R = X Hbar}, and {@code A = Hbar^T Hbar}) are formed here directly from unit feature
 * rows, and NC1 is compared with {@link NeuralCollapseOracle}'s {@code tr(Sigma_W Sigma_B^+) / C}
 * through EJML's dense {@code d x d} pseudo-inverse, on both host backends and on both routes to
 * {@code (A^+)^2}: the Cholesky inverse of the shifted Gram matrix (means of rank C - 1) and the
 * eigendecomposition (means of lower rank, fewer dimensions than classes).
 */
class WithinClassVariabilityTest {

    private static final double HAND = 1e-14;
    /** Relative agreement; both sides are exact to about 1e-13 on these well-conditioned means. */
    private static final double RELATIVE = 1e-10;

    /**
     * C = 2, d = 2, unit rows h0 = (1,0), h2 = (.6,.8) in class 0 and h1 = (0,1), h3 = (.8,.6) in
     * class 1: {@code Sigma_B^+ = 12.5 u u^T} with {@code u = (1,-1)/sqrt2}, {@code u^T Sigma_W u
     * = .18}, so NC1 = 12.5 * .18 / 2 = 1.125 (the same case as {@link NeuralCollapseMetricsTest}).
     */
    @Test
    void tinyCaseMatchesHandComputation() {
        DMatrixRMaj features = new DMatrixRMaj(4, 2, true, 1, 0, 0, 1, .6, .8, .8, .6);
        int[] labels = {0, 1, 0, 1};
        for (String backend : new String[] {"ejml", "openblas"}) {
            try (DenseKernels<DMatrixRMaj> kernels = kernels(backend)) {
                WithinClassVariability nc1 = new WithinClassVariability(kernels, 2);
                assertEquals(1.125, evaluate(nc1, features, labels, 2), HAND, backend);
                assertFalse(nc1.lastUsedEigendecomposition(), "means of rank C - 1 take the Cholesky route");
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"ejml, 10, 64, 30, 1", "openblas, 10, 64, 30, 2", "openblas, 50, 80, 200, 3",
        "ejml, 7, 3, 21, 4", "openblas, 12, 5, 60, 5", "openblas, 40, 40, 400, 6"})
    void randomFeaturesMatchTheDensePseudoInverse(String backend, int numClasses, int dimension, int samples,
            long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] labels = new int[samples];
        for (int i = 0; i < samples; i++) {
            labels[i] = i % numClasses;
        }
        boolean eigen = assertMatchesOracle(backend, numClasses, gaussian(samples, dimension, random), labels);
        // means of full rank C - 1 take the Cholesky route; fewer dimensions than classes cannot
        assertEquals(dimension < numClasses - 1, eigen, "NC1 through the eigendecomposition");
    }

    /**
     * Class c has c + 1 samples: the null vector of A is the vector of the counts, not the
     * constant one, and the shifted route must use it.
     */
    @ParameterizedTest
    @CsvSource({"ejml, 6, 16, 51", "openblas, 30, 64, 52"})
    void unbalancedClassesMatchTheDensePseudoInverse(String backend, int numClasses, int dimension, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] labels = ClassMeanFixtures.unbalancedLabels(numClasses);
        int samples = labels.length;
        assertFalse(assertMatchesOracle(backend, numClasses, gaussian(samples, dimension, random), labels),
                "NC1 through the eigendecomposition");
    }

    /** Class means of rank below C - 1 ({@link ClassMeanFixtures#rankDeficient}): the eigen route drops the rounding. */
    @ParameterizedTest
    @CsvSource({"ejml, 8, 20, 3, 11", "openblas, 8, 20, 3, 12", "openblas, 30, 64, 5, 13",
        "openblas, 10, 96, 1, 14"})
    void rankDeficientMeansTakeTheEigendecompositionAndMatch(String backend, int numClasses, int dimension,
            int rank, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        ClassMeanFixtures.RankDeficient data = ClassMeanFixtures.rankDeficient(numClasses, dimension, rank, random);
        DMatrixRMaj features = data.features();
        int[] labels = data.labels();
        assertTrue(assertMatchesOracle(backend, numClasses, features, labels),
                "means of rank below C - 1 take the eigendecomposition");
    }

    /** Features within 1e-4 of their class means: NC1 near zero, still to relative accuracy. */
    @Test
    void nearlyCollapsedFeaturesMatchTheDensePseudoInverse() {
        SplittableRandom random = new SplittableRandom(21);
        int numClasses = 10;
        int dimension = 64;
        DMatrixRMaj means = gaussian(numClasses, dimension, random);
        int samples = numClasses * 6;
        DMatrixRMaj features = new DMatrixRMaj(samples, dimension);
        int[] labels = new int[samples];
        for (int i = 0; i < samples; i++) {
            labels[i] = i % numClasses;
            for (int j = 0; j < dimension; j++) {
                features.set(i, j, means.get(labels[i], j) + 1e-4 * random.nextGaussian());
            }
        }
        assertFalse(assertMatchesOracle("openblas", numClasses, features, labels),
                "NC1 through the eigendecomposition");
    }

    /**
     * NC1 of the unit rows of {@code features} against the oracle, twice on one instance (its
     * workspaces reused); returns whether it went through the eigendecomposition.
     */
    private static boolean assertMatchesOracle(String backend, int numClasses, DMatrixRMaj features, int[] labels) {
        DMatrixRMaj unit = unitRows(features);
        NeuralCollapseOracle oracle = new NeuralCollapseOracle(unit, labels,
                gaussian(unit.numCols, numClasses, new SplittableRandom(99)), numClasses, 1.0, true);
        try (DenseKernels<DMatrixRMaj> kernels = kernels(backend)) {
            WithinClassVariability nc1 = new WithinClassVariability(kernels, numClasses);
            Boolean eigen = null;
            for (int round = 0; round < 2; round++) {
                double actual = evaluate(nc1, unit, labels, numClasses);
                assertTrue(Double.isFinite(actual), "NC1 is " + actual);
                assertEquals(oracle.nc1, actual, RELATIVE * Math.abs(oracle.nc1), "NC1");
                if (eigen != null) {
                    assertEquals(eigen, nc1.lastUsedEigendecomposition(), "same route in every round");
                }
                eigen = nc1.lastUsedEigendecomposition();
            }
            return eigen;
        }
    }

    /**
     * {@link WithinClassVariability#of} with its inputs formed by their definitions: class means
     * {@code mu_c}, global mean {@code hG}, {@code Hbar = [mu_c - hG]}, {@code A = Hbar^T Hbar}
     * and {@code R = X Hbar} for the residuals {@code x_i = h_i - mu_{y_i}}.
     */
    private static double evaluate(WithinClassVariability nc1, DMatrixRMaj features, int[] labels,
            int numClasses) {
        int n = features.numRows;
        int d = features.numCols;
        int[] counts = new int[numClasses];
        DMatrixRMaj means = new DMatrixRMaj(numClasses, d);
        double[] global = new double[d];
        for (int i = 0; i < n; i++) {
            counts[labels[i]]++;
            for (int j = 0; j < d; j++) {
                means.add(labels[i], j, features.get(i, j));
                global[j] += features.get(i, j) / n;
            }
        }
        DMatrixRMaj hbar = new DMatrixRMaj(d, numClasses);
        for (int c = 0; c < numClasses; c++) {
            for (int j = 0; j < d; j++) {
                means.set(c, j, means.get(c, j) / counts[c]);
                hbar.set(j, c, means.get(c, j) - global[j]);
            }
        }
        DMatrixRMaj residualRows = new DMatrixRMaj(n, d);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                residualRows.set(i, j, features.get(i, j) - means.get(labels[i], j));
            }
        }
        DMatrixRMaj residuals = new DMatrixRMaj(n, numClasses);
        CommonOps_DDRM.mult(residualRows, hbar, residuals);
        DMatrixRMaj meansGram = new DMatrixRMaj(numClasses, numClasses);
        CommonOps_DDRM.multTransA(hbar, hbar, meansGram);
        return nc1.of(residuals, meansGram, counts, d);
    }

    private static DenseKernels<DMatrixRMaj> kernels(String backend) {
        return backend.equals("ejml") ? Kernels.ejml() : Kernels.openBlas();
    }

    /** {@code h_i / ||h_i||}: the oracle's normalisation with tau = 1 then changes only rounding. */
    private static DMatrixRMaj unitRows(DMatrixRMaj features) {
        DMatrixRMaj unit = features.copy();
        for (int i = 0; i < unit.numRows; i++) {
            double sum = 0;
            for (int j = 0; j < unit.numCols; j++) {
                sum += unit.get(i, j) * unit.get(i, j);
            }
            double norm = Math.sqrt(sum);
            for (int j = 0; j < unit.numCols; j++) {
                unit.set(i, j, unit.get(i, j) / norm);
            }
        }
        return unit;
    }

    private static DMatrixRMaj gaussian(int rows, int cols, SplittableRandom random) {
        DMatrixRMaj matrix = new DMatrixRMaj(rows, cols);
        for (int index = 0; index < matrix.data.length; index++) {
            matrix.data[index] = random.nextGaussian();
        }
        return matrix;
    }
}
