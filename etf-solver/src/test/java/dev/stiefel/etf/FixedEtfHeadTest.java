package dev.stiefel.etf;

import dev.stiefel.testkit.TestMatrices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FixedEtfHeadTest {

    private static final double TAU = 5.0;
    private static final double BOUND_TOLERANCE = 1e-10;
    private static final double GRADIENT_TOLERANCE = 1e-8;
    private static final Runnable NO_RESET = () -> { };

    @ParameterizedTest
    @CsvSource({"10, 10, 4", "12, 5, 3", "512, 10, 2"})
    void perfectEtfFeaturesReachTheCrossEntropyLowerBound(int dimension, int numClasses, int perClass) {
        FixedEtfHead head = new FixedEtfHead(dimension, numClasses, TAU);
        int[] labels = TestMatrices.balancedLabels(numClasses * perClass, numClasses);
        DMatrixRMaj features = HeadChecks.etfFeatures(head.classifier(), labels, new SplittableRandom(7));
        DMatrixRMaj logits = head.forward(features, labels, new DMatrixRMaj(1, 1));
        assertEquals(SimplexEtf.crossEntropyLowerBound(numClasses, TAU), CrossEntropy.loss(logits, labels),
                BOUND_TOLERANCE);
    }

    /**
     * The authors' fixed head sets its bias to {@code -W^T hG} outside the differentiated graph:
     * the loss to differentiate is {@code L(h) = CE(W^T (tau h_i/||h_i|| - c))} with the centre
     * {@code c} the batch mean of the unperturbed features, a constant. The finite differences
     * below evaluate that loss directly (not through the head), so the feature gradient has no
     * batch-mean term.
     */
    @ParameterizedTest
    @CsvSource({"6, 3, 9, 1", "8, 4, 7, 2", "5, 5, 10, 3"})
    void backwardMatchesFiniteDifferencesOfTheLossWithTheBiasHeldConstant(int dimension, int numClasses, int batch,
            long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        FixedEtfHead head = new FixedEtfHead(dimension, numClasses, TAU);
        assertEquals(FeatureCentring.BATCH_MEAN_CONSTANT, head.featureCentring());
        DMatrixRMaj features = TestMatrices.gaussian(batch, dimension, random);
        int[] labels = new int[batch];
        for (int index = 0; index < batch; index++) {
            labels[index] = random.nextInt(numClasses);
        }
        DMatrixRMaj analytic = HeadChecks.analyticFeaturesGradient(head, NO_RESET, features, labels).copy();
        DMatrixRMaj classifier = head.classifier();
        double[] centre = batchMeanOfNormalised(features);
        DMatrixRMaj perturbed = features.copy();
        DMatrixRMaj numeric = new DMatrixRMaj(batch, dimension);
        for (int index = 0; index < features.getNumElements(); index++) {
            final int entry = index;
            numeric.data[entry] = TestMatrices.fivePoint(step -> {
                perturbed.data[entry] = features.data[entry] + step;
                double value = lossWithConstantCentre(perturbed, labels, classifier, centre);
                perturbed.data[entry] = features.data[entry];
                return value;
            }, HeadChecks.STENCIL_STEP);
        }
        assertTrue(TestMatrices.relativeError(analytic, numeric) < GRADIENT_TOLERANCE,
                () -> "relative error " + TestMatrices.relativeError(analytic, numeric));
        // the loss whose centre moves with the features has another gradient: the two rules differ
        DMatrixRMaj moving = HeadChecks.numericFeaturesGradient(
                new FixedEtfHead(dimension, numClasses, TAU, FeatureCentring.BATCH_MEAN_DIFFERENTIATED), NO_RESET,
                features, labels);
        assertTrue(TestMatrices.relativeError(analytic, moving) > 100 * GRADIENT_TOLERANCE);
    }

    /** The variant differentiated through the batch mean matches the finite differences of the head's own loss. */
    @ParameterizedTest
    @CsvSource({"6, 3, 9, 1", "8, 4, 7, 2", "5, 5, 10, 3"})
    void differentiatedCentringMatchesFiniteDifferences(int dimension, int numClasses, int batch, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        FixedEtfHead head = new FixedEtfHead(dimension, numClasses, TAU, FeatureCentring.BATCH_MEAN_DIFFERENTIATED);
        DMatrixRMaj features = TestMatrices.gaussian(batch, dimension, random);
        int[] labels = new int[batch];
        for (int index = 0; index < batch; index++) {
            labels[index] = random.nextInt(numClasses);
        }
        DMatrixRMaj analytic = HeadChecks.analyticFeaturesGradient(head, NO_RESET, features, labels);
        DMatrixRMaj numeric = HeadChecks.numericFeaturesGradient(head, NO_RESET, features, labels);
        assertTrue(TestMatrices.relativeError(analytic, numeric) < GRADIENT_TOLERANCE,
                () -> "relative error " + TestMatrices.relativeError(analytic, numeric));
    }

    /** {@code (1/B) sum_i tau h_i/||h_i||}, written out. */
    private static double[] batchMeanOfNormalised(DMatrixRMaj features) {
        double[] mean = new double[features.numCols];
        for (int row = 0; row < features.numRows; row++) {
            double norm = rowNorm(features, row);
            for (int col = 0; col < features.numCols; col++) {
                mean[col] += TAU * features.get(row, col) / norm / features.numRows;
            }
        }
        return mean;
    }

    /** Mean cross-entropy of {@code z_i = W^T (tau h_i/||h_i|| - centre)}, written out. */
    private static double lossWithConstantCentre(DMatrixRMaj features, int[] labels, DMatrixRMaj classifier,
            double[] centre) {
        int numClasses = classifier.numCols;
        double total = 0;
        for (int row = 0; row < features.numRows; row++) {
            double norm = rowNorm(features, row);
            double[] logits = new double[numClasses];
            double largest = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < numClasses; c++) {
                for (int col = 0; col < features.numCols; col++) {
                    logits[c] += classifier.get(col, c) * (TAU * features.get(row, col) / norm - centre[col]);
                }
                largest = Math.max(largest, logits[c]);
            }
            double sum = 0;
            for (double logit : logits) {
                sum += Math.exp(logit - largest);
            }
            total += largest + Math.log(sum) - logits[labels[row]];
        }
        return total / features.numRows;
    }

    private static double rowNorm(DMatrixRMaj features, int row) {
        double sum = 0;
        for (int col = 0; col < features.numCols; col++) {
            sum += features.get(row, col) * features.get(row, col);
        }
        return Math.sqrt(sum);
    }

    @Test
    void plainArrayOverloadsAgreeWithTheMatrixApi() {
        SplittableRandom random = new SplittableRandom(11);
        FixedEtfHead head = new FixedEtfHead(6, 3, TAU);
        DMatrixRMaj features = TestMatrices.gaussian(4, 6, random);
        int[] labels = {0, 1, 2, 1};
        DMatrixRMaj logits = head.forward(features, labels, new DMatrixRMaj(1, 1));
        DMatrixRMaj upstream = TestMatrices.gaussian(4, 3, random);
        DMatrixRMaj gradient = head.backward(upstream, new DMatrixRMaj(1, 1)).copy();
        double[][] rows = new double[4][6];
        double[][] upstreamRows = new double[4][3];
        for (int row = 0; row < 4; row++) {
            for (int col = 0; col < 6; col++) {
                rows[row][col] = features.get(row, col);
            }
            for (int col = 0; col < 3; col++) {
                upstreamRows[row][col] = upstream.get(row, col);
            }
        }
        double[][] arrayLogits = head.forward(rows, labels);
        double[][] arrayGradient = head.backward(upstreamRows);
        for (int row = 0; row < 4; row++) {
            for (int col = 0; col < 3; col++) {
                assertEquals(logits.get(row, col), arrayLogits[row][col], 0.0);
            }
            for (int col = 0; col < 6; col++) {
                assertEquals(gradient.get(row, col), arrayGradient[row][col], 0.0);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> head.forward(new double[][] {{1, 2}, {1}}, new int[] {0, 1}));
    }

    @Test
    void evaluateGivesTheForwardLogitsWithoutDisturbingBackward() {
        SplittableRandom random = new SplittableRandom(12);
        FixedEtfHead head = new FixedEtfHead(6, 3, TAU);
        DMatrixRMaj features = TestMatrices.gaussian(5, 6, random);
        int[] labels = {0, 1, 2, 0, 1};
        DMatrixRMaj logits = head.forward(features, labels, new DMatrixRMaj(1, 1)).copy();
        DMatrixRMaj upstream = TestMatrices.gaussian(5, 3, random);
        DMatrixRMaj expectedGradient = head.backward(upstream, new DMatrixRMaj(1, 1)).copy();
        head.forward(features, labels, new DMatrixRMaj(1, 1));
        DMatrixRMaj evaluated = head.evaluate(TestMatrices.gaussian(9, 6, random), new DMatrixRMaj(1, 1));
        assertEquals(9, evaluated.numRows);
        assertEquals(0.0, TestMatrices.maxAbsDifference(logits, head.evaluate(features, new DMatrixRMaj(1, 1))));
        assertEquals(0.0, TestMatrices.maxAbsDifference(expectedGradient, head.backward(upstream, new DMatrixRMaj(1, 1))));
    }

    @Test
    void badInputIsRejectedWithClearMessages() {
        assertThrows(IllegalArgumentException.class, () -> new FixedEtfHead(4, 5, TAU));
        assertThrows(IllegalArgumentException.class, () -> new FixedEtfHead(4, 1, TAU));
        assertThrows(IllegalArgumentException.class, () -> new FixedEtfHead(4, 3, 0));
        FixedEtfHead head = new FixedEtfHead(4, 3, TAU);
        DMatrixRMaj logits = new DMatrixRMaj(1, 1);
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> head.forward(new DMatrixRMaj(2, 5), new int[] {0, 1}, logits));
        assertTrue(shape.getMessage().contains("features"), shape.getMessage());
        assertThrows(IllegalArgumentException.class, () -> head.forward(new DMatrixRMaj(2, 4), new int[] {0, 3}, logits));
        assertThrows(IllegalArgumentException.class, () -> head.forward(new DMatrixRMaj(2, 4), new int[] {0}, logits));
        DMatrixRMaj nan = TestMatrices.gaussian(2, 4, new SplittableRandom(1));
        nan.set(1, 2, Double.NaN);
        IllegalArgumentException nanError = assertThrows(IllegalArgumentException.class,
                () -> head.forward(nan, new int[] {0, 1}, logits));
        assertTrue(nanError.getMessage().contains("NaN"), nanError.getMessage());
        DMatrixRMaj infinite = TestMatrices.gaussian(2, 4, new SplittableRandom(1));
        infinite.set(0, 0, Double.POSITIVE_INFINITY);
        assertThrows(IllegalArgumentException.class, () -> head.forward(infinite, new int[] {0, 1}, logits));
        assertThrows(ArithmeticException.class, () -> head.forward(new DMatrixRMaj(2, 4), new int[] {0, 1}, logits));
        assertThrows(IllegalArgumentException.class, () -> head.forward(new DMatrixRMaj(0, 4), new int[0], logits));
        FixedEtfHead fresh = new FixedEtfHead(4, 3, TAU);
        assertThrows(IllegalStateException.class, () -> fresh.backward(new DMatrixRMaj(2, 3), new DMatrixRMaj(1, 1)));
        head.forward(TestMatrices.gaussian(2, 4, new SplittableRandom(2)), new int[] {0, 1}, logits);
        assertThrows(IllegalArgumentException.class, () -> head.backward(new DMatrixRMaj(3, 3), new DMatrixRMaj(1, 1)));
    }
}
