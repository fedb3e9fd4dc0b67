package dev.stiefel.etf;

import dev.stiefel.testkit.TestMatrices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LearnedLinearHeadTest {

    private static final double TAU = 5.0;
    private static final double UNIT_TOLERANCE = 1e-14;
    private static final double GRADIENT_TOLERANCE = 1e-8;
    private static final double BOUND_TOLERANCE = 1e-10;
    private static final Runnable NO_RESET = () -> { };
    /** A few roundings of Householder QR on matrices of at most 64 rows. */
    private static final double ORTHOGONALITY_TOLERANCE = 1e-13;
    /** Logits of one row, computed two ways: a dot product of d terms of size tau. */
    private static final double LOGIT_TOLERANCE = 1e-13;

    /**
     * The start is AGD's initialisation of a {@code C x d} weight (PyTorch's {@code orthogonal_}
     * times {@code sqrt(fan_out/fan_in) = sqrt(C/d)}), transposed to our {@code d x C}: for
     * {@code d >= C} orthonormal columns times {@code sqrt(C/d)}, so {@code W^T W = (C/d) I_C};
     * for {@code d < C} orthonormal rows, {@code W W^T = (C/d) I_d}. Not re-normalised before the
     * first step, and a seed fixes it.
     */
    @ParameterizedTest
    @CsvSource({"512, 10, 1", "64, 64, 2", "20, 7, 3", "4, 9, 4", "1, 3, 5"})
    void theStartIsAutomaticGradientDescentsScaledOrthogonalInitialisation(int dimension, int numClasses, long seed) {
        LearnedLinearHead head = new LearnedLinearHead(dimension, numClasses, TAU, seed);
        DMatrixRMaj w = head.classifier();
        assertEquals(dimension, w.numRows);
        assertEquals(numClasses, w.numCols);
        boolean tall = dimension >= numClasses;
        int size = Math.min(dimension, numClasses);
        DMatrixRMaj gram = new DMatrixRMaj(size, size);
        if (tall) {
            CommonOps_DDRM.multTransA(w, w, gram);
        } else {
            CommonOps_DDRM.multTransB(w, w, gram);
        }
        double scale = (double) numClasses / dimension;
        for (int r = 0; r < size; r++) {
            for (int c = 0; c < size; c++) {
                assertEquals(r == c ? scale : 0.0, gram.get(r, c), ORTHOGONALITY_TOLERANCE * Math.max(1, scale),
                        "Gram entry (" + r + ", " + c + ")");
            }
        }
        assertEquals(0.0, TestMatrices.maxAbsDifference(w,
                new LearnedLinearHead(dimension, numClasses, TAU, seed).classifier()));
        assertTrue(TestMatrices.maxAbsDifference(w,
                new LearnedLinearHead(dimension, numClasses, TAU, seed + 100).classifier()) > 1e-3);
        assertEquals(FeatureCentring.NONE, head.featureCentring());
    }

    /**
     * Without centring, the logits of a row are {@code W^T tau h_i / ||h_i||}: computed from that
     * row alone, and unchanged when every other row of the batch changes.
     */
    @Test
    void logitsOfARowDependOnThatRowAlone() {
        SplittableRandom random = new SplittableRandom(17);
        int dimension = 9;
        int numClasses = 4;
        LearnedLinearHead head = new LearnedLinearHead(dimension, numClasses, TAU, 17);
        DMatrixRMaj features = TestMatrices.gaussian(6, dimension, random);
        int[] labels = {0, 1, 2, 3, 0, 1};
        DMatrixRMaj logits = head.forward(features, labels, new DMatrixRMaj(1, 1)).copy();
        DMatrixRMaj w = head.classifier();
        for (int row = 0; row < 6; row++) {
            double norm = 0;
            for (int col = 0; col < dimension; col++) {
                norm += features.get(row, col) * features.get(row, col);
            }
            norm = Math.sqrt(norm);
            for (int c = 0; c < numClasses; c++) {
                double expected = 0;
                for (int col = 0; col < dimension; col++) {
                    expected += w.get(col, c) * TAU * features.get(row, col) / norm;
                }
                assertEquals(expected, logits.get(row, c), LOGIT_TOLERANCE, "row " + row + ", class " + c);
            }
        }
        DMatrixRMaj others = TestMatrices.gaussian(6, dimension, random);
        for (int col = 0; col < dimension; col++) {
            others.set(2, col, features.get(2, col));
        }
        DMatrixRMaj changed = head.forward(others, labels, new DMatrixRMaj(1, 1));
        for (int c = 0; c < numClasses; c++) {
            assertEquals(logits.get(2, c), changed.get(2, c), 0.0, "class " + c);
        }
    }

    @ParameterizedTest
    @CsvSource({"6, 3, 9, 1", "4, 5, 11, 2", "8, 2, 6, 3"})
    void centredVariantGradientsMatchFiniteDifferences(int dimension, int numClasses, int batch, long seed) {
        checkGradients(new LearnedLinearHead(dimension, numClasses, TAU, seed,
                FeatureCentring.BATCH_MEAN_DIFFERENTIATED), dimension, numClasses, batch, seed);
    }

    @ParameterizedTest
    @CsvSource({"6, 3, 9, 1", "4, 5, 11, 2", "8, 2, 6, 3"})
    void featureAndClassifierGradientsMatchFiniteDifferences(int dimension, int numClasses, int batch, long seed) {
        checkGradients(new LearnedLinearHead(dimension, numClasses, TAU, seed), dimension, numClasses, batch, seed);
    }

    private static void checkGradients(LearnedLinearHead head, int dimension, int numClasses, int batch, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        DMatrixRMaj features = TestMatrices.gaussian(batch, dimension, random);
        int[] labels = new int[batch];
        for (int index = 0; index < batch; index++) {
            labels[index] = random.nextInt(numClasses);
        }
        DMatrixRMaj analytic = HeadChecks.analyticFeaturesGradient(head, NO_RESET, features, labels).copy();
        DMatrixRMaj classifierGradient = head.parameters().get(0).gradient().copy();
        DMatrixRMaj numeric = HeadChecks.numericFeaturesGradient(head, NO_RESET, features, labels);
        assertTrue(TestMatrices.relativeError(analytic, numeric) < GRADIENT_TOLERANCE);

        DMatrixRMaj classifier = head.classifier();
        DMatrixRMaj numericClassifier = new DMatrixRMaj(dimension, numClasses);
        for (int index = 0; index < classifier.getNumElements(); index++) {
            final int entry = index;
            double original = classifier.data[entry];
            numericClassifier.data[entry] = TestMatrices.fivePoint(step -> {
                classifier.data[entry] = original + step;
                double value = HeadChecks.loss(head, NO_RESET, features, labels);
                classifier.data[entry] = original;
                return value;
            }, HeadChecks.STENCIL_STEP);
        }
        assertTrue(TestMatrices.relativeError(classifierGradient, numericClassifier) < GRADIENT_TOLERANCE);
    }

    @Test
    void afterUpdateRenormalisesClassifierVectorsAndKeepsDirections() {
        LearnedLinearHead head = new LearnedLinearHead(7, 4, TAU, 3);
        ClassifierHead.Parameter parameter = head.parameters().get(0);
        assertEquals("classifier", parameter.name());
        DMatrixRMaj value = parameter.value();
        CommonOps_DDRM.scale(3.0, value);
        value.set(2, 1, value.get(2, 1) + 1.0);
        DMatrixRMaj before = value.copy();
        head.afterUpdate();
        for (int col = 0; col < 4; col++) {
            double norm = 0;
            double dot = 0;
            double beforeNorm = 0;
            for (int row = 0; row < 7; row++) {
                norm += value.get(row, col) * value.get(row, col);
                dot += value.get(row, col) * before.get(row, col);
                beforeNorm += before.get(row, col) * before.get(row, col);
            }
            assertEquals(1.0, Math.sqrt(norm), UNIT_TOLERANCE);
            assertEquals(Math.sqrt(beforeNorm), dot, 1e-12 * Math.sqrt(beforeNorm));
        }
    }

    @Test
    void etfClassifierWithEtfFeaturesReachesTheLowerBound() {
        DMatrixRMaj etf = SimplexEtf.canonical(12, 6, new DMatrixRMaj(1, 1));
        LearnedLinearHead head = new LearnedLinearHead(etf, TAU);
        int[] labels = TestMatrices.balancedLabels(18, 6);
        DMatrixRMaj features = HeadChecks.etfFeatures(etf, labels, new SplittableRandom(5));
        double loss = CrossEntropy.loss(head.forward(features, labels, new DMatrixRMaj(1, 1)), labels);
        assertEquals(SimplexEtf.crossEntropyLowerBound(6, TAU), loss, BOUND_TOLERANCE);
    }

    @Test
    void badInputIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new LearnedLinearHead(4, 1, TAU, 0));
        assertThrows(IllegalArgumentException.class, () -> new LearnedLinearHead(0, 3, TAU, 0));
        assertThrows(IllegalArgumentException.class, () -> new LearnedLinearHead(4, 3, -1, 0));
        DMatrixRMaj withZeroColumn = TestMatrices.gaussian(4, 3, new SplittableRandom(1));
        for (int row = 0; row < 4; row++) {
            withZeroColumn.set(row, 1, 0);
        }
        assertThrows(ArithmeticException.class, () -> new LearnedLinearHead(withZeroColumn, TAU));
        LearnedLinearHead head = new LearnedLinearHead(4, 3, TAU, 0);
        head.parameters().get(0).value().set(0, 0, Double.NaN);
        assertThrows(ArithmeticException.class, head::afterUpdate);
    }

    @Test
    void finiteColumnsOfAnyMagnitudeAreNormalised() {
        DMatrixRMaj classifier = new DMatrixRMaj(2, 3);
        // norms 5e200 (squares overflow), 5e-200 (squares underflow) and 5 (the ordinary path)
        double[] scales = {1e200, 1e-200, 1.0};
        for (int col = 0; col < 3; col++) {
            classifier.set(0, col, 3 * scales[col]);
            classifier.set(1, col, 4 * scales[col]);
        }
        LearnedLinearHead head = new LearnedLinearHead(classifier, TAU);
        for (int col = 0; col < 3; col++) {
            assertEquals(0.6, head.classifier().get(0, col), 1e-15, "column " + col);
            assertEquals(0.8, head.classifier().get(1, col), 1e-15, "column " + col);
        }
        DMatrixRMaj subnormal = new DMatrixRMaj(2, 2);
        subnormal.set(0, 0, Double.MIN_VALUE);
        subnormal.set(1, 1, -Double.MAX_VALUE);
        LearnedLinearHead extremes = new LearnedLinearHead(subnormal, TAU);
        assertEquals(1.0, extremes.classifier().get(0, 0));
        assertEquals(-1.0, extremes.classifier().get(1, 1));
    }
}
