package dev.stiefel.etf;

import dev.stiefel.testkit.TestMatrices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;

class NormalisedFeaturesTest {

    private static final double TAU = 5.0;
    /** A few roundings of a norm and a division. */
    private static final double UNIT_TOLERANCE = 1e-15;
    private static final double GRADIENT_TOLERANCE = 1e-12;

    /** A pipeline followed by a backward pass, centring by the differentiated batch mean. */
    private static NormalisedFeatures training(int dimension, int numClasses) {
        return new NormalisedFeatures(dimension, numClasses, TAU, FeatureCentring.BATCH_MEAN_DIFFERENTIATED, true);
    }

    /** An evaluation-only pipeline. */
    private static NormalisedFeatures evaluation(int dimension, int numClasses) {
        return new NormalisedFeatures(dimension, numClasses, TAU, FeatureCentring.BATCH_MEAN_DIFFERENTIATED, false);
    }

    @Test
    void rowsWhoseNormOverflowsAreNormalisedToTau() {
        NormalisedFeatures features = training(4, 2);
        // finite entries, ||row|| = 1.5e308 sqrt(2) or more is above Double.MAX_VALUE
        DMatrixRMaj batch = new DMatrixRMaj(new double[][] {
            {1.5e308, -1.5e308, 0.0, 0.0},
            {Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE, Double.MAX_VALUE}});
        features.forward(batch, new int[] {0, 1});
        double half = Math.sqrt(0.5);
        assertRow(features.normalised(), 0, TAU * half, -TAU * half, 0.0, 0.0);
        assertRow(features.normalised(), 1, TAU / 2, TAU / 2, TAU / 2, TAU / 2);
    }

    @Test
    void subnormalRowsAreNormalisedToTauForEvaluation() {
        NormalisedFeatures features = evaluation(3, 2);
        DMatrixRMaj batch = new DMatrixRMaj(new double[][] {
            {1e-310, 0.0, 0.0},
            {0.0, -Double.MIN_VALUE, Double.MIN_VALUE},
            {3e-320, 4e-320, 0.0}});
        features.forward(batch, new int[] {0, 1, 0});
        double half = Math.sqrt(0.5);
        assertRow(features.normalised(), 0, TAU, 0.0, 0.0);
        assertRow(features.normalised(), 1, 0.0, -TAU * half, TAU * half);
        assertRow(features.normalised(), 2, 0.6 * TAU, 0.8 * TAU, 0.0);
    }

    @Test
    void scaledRowsNormaliseLikeTheirOrdinaryMultiples() {
        SplittableRandom random = new SplittableRandom(3);
        DMatrixRMaj ordinary = TestMatrices.gaussian(5, 7, random);
        int[] labels = {0, 1, 2, 0, 1};
        NormalisedFeatures reference = evaluation(7, 3);
        reference.forward(ordinary, labels);
        for (double factor : new double[] {1e300, 1e-300, 1e-310}) {
            DMatrixRMaj scaled = ordinary.copy();
            for (int index = 0; index < scaled.getNumElements(); index++) {
                scaled.data[index] *= factor;
            }
            NormalisedFeatures features = evaluation(7, 3);
            features.forward(scaled, labels);
            // a subnormal multiple has lost low-order bits of its entries: compare to that precision
            double tolerance = factor < Double.MIN_NORMAL ? 1e-9 : 1e-14;
            for (int index = 0; index < scaled.getNumElements(); index++) {
                assertEquals(reference.normalised().data[index], features.normalised().data[index], tolerance * TAU,
                        "factor " + factor + ", entry " + index);
            }
        }
    }

    @Test
    void backwardOfAHugeRowIsTheOrdinaryGradientScaledDown() {
        SplittableRandom random = new SplittableRandom(5);
        DMatrixRMaj ordinary = TestMatrices.gaussian(3, 4, random);
        DMatrixRMaj upstream = TestMatrices.gaussian(3, 4, random);
        int[] labels = {0, 1, 0};
        NormalisedFeatures reference = training(4, 2);
        reference.forward(ordinary, labels);
        DMatrixRMaj expected = reference.backward(upstream, null, new DMatrixRMaj(1, 1));
        double factor = 1e307;
        DMatrixRMaj huge = ordinary.copy();
        for (int index = 0; index < huge.getNumElements(); index++) {
            huge.data[index] *= factor;
        }
        NormalisedFeatures features = training(4, 2);
        features.forward(huge, labels);
        DMatrixRMaj gradient = features.backward(upstream, null, new DMatrixRMaj(1, 1));
        for (int index = 0; index < gradient.getNumElements(); index++) {
            assertTrue(Double.isFinite(gradient.data[index]));
            assertEquals(expected.data[index], gradient.data[index] * factor,
                    GRADIENT_TOLERANCE * Math.abs(expected.data[index]) + 1e-300, "entry " + index);
        }
    }

    @Test
    void aZeroRowIsRejected() {
        for (NormalisedFeatures features : new NormalisedFeatures[] {training(2, 2), evaluation(2, 2)}) {
            DMatrixRMaj batch = new DMatrixRMaj(new double[][] {{1.0, 2.0}, {0.0, -0.0}});
            assertThrows(ArithmeticException.class, () -> features.forward(batch, new int[] {0, 1}));
        }
    }

    /**
     * The normalisation's derivative has norm tau/||h||: for a row of norm 1e-309 that is
     * 5e309, beyond the largest double. A training pipeline refuses the row in its forward pass
     * and names it; the smallest row whose derivative still fits trains with a finite gradient.
     */
    @Test
    void aTrainingPipelineRefusesARowWhoseNormalisationDerivativeOverflows() {
        SplittableRandom random = new SplittableRandom(9);
        for (double norm : new double[] {1e-309, 1e-320, Double.MIN_VALUE}) {
            DMatrixRMaj batch = TestMatrices.gaussian(4, 3, random);
            batch.set(2, 0, norm);
            batch.set(2, 1, 0.0);
            batch.set(2, 2, 0.0);
            ArithmeticException error = assertThrows(ArithmeticException.class,
                    () -> training(3, 2).forward(batch, new int[] {0, 1, 0, 1}));
            assertTrue(error.getMessage().contains("row 2"), error.getMessage());
            assertTrue(error.getMessage().contains("overflows"), error.getMessage());
        }
        // the smallest norm whose derivative fits: tau / ||h|| just below Double.MAX_VALUE
        DMatrixRMaj batch = TestMatrices.gaussian(4, 3, random);
        double smallest = 2 * TAU / Double.MAX_VALUE;
        batch.set(2, 0, smallest);
        batch.set(2, 1, 0.0);
        batch.set(2, 2, 0.0);
        NormalisedFeatures features = new NormalisedFeatures(3, 2, TAU, FeatureCentring.NONE, true);
        features.forward(batch, new int[] {0, 1, 0, 1});
        DMatrixRMaj upstream = TestMatrices.gaussian(4, 3, random);
        for (int col = 0; col < 3; col++) {
            upstream.set(2, col, 1e-3 * upstream.get(2, col));
        }
        DMatrixRMaj gradient = features.backward(upstream, null, new DMatrixRMaj(1, 1));
        for (int index = 0; index < gradient.getNumElements(); index++) {
            assertTrue(Double.isFinite(gradient.data[index]), "entry " + index + " is " + gradient.data[index]);
        }
    }

    /** Near the limit, a large upstream gradient would overflow: the backward pass names the row. */
    @Test
    void aGradientRowThatOverflowsIsRefusedWithItsIndex() {
        SplittableRandom random = new SplittableRandom(10);
        DMatrixRMaj batch = TestMatrices.gaussian(3, 3, random);
        batch.set(1, 0, 2 * TAU / Double.MAX_VALUE);
        batch.set(1, 1, 0.0);
        batch.set(1, 2, 0.0);
        NormalisedFeatures features = new NormalisedFeatures(3, 2, TAU, FeatureCentring.NONE, true);
        features.forward(batch, new int[] {0, 1, 0});
        DMatrixRMaj upstream = new DMatrixRMaj(3, 3);
        upstream.set(1, 1, 1e3);
        ArithmeticException error = assertThrows(ArithmeticException.class,
                () -> features.backward(upstream, null, new DMatrixRMaj(1, 1)));
        assertTrue(error.getMessage().contains("row 1"), error.getMessage());
    }

    @Test
    void anEvaluationPipelineHasNoBackward() {
        NormalisedFeatures features = evaluation(2, 2);
        features.forward(new DMatrixRMaj(new double[][] {{1.0, 2.0}, {3.0, -1.0}}), new int[] {0, 1});
        assertThrows(IllegalStateException.class,
                () -> features.backward(new DMatrixRMaj(2, 2), null, new DMatrixRMaj(1, 1)));
    }

    /**
     * The classifier's input of each centring: the normalised rows, or the rows minus their
     * batch mean; the gradient with respect to the normalised rows has the batch-mean term
     * exactly when the mean is differentiated.
     */
    @Test
    void eachCentringFeedsItsOwnInputAndGradient() {
        SplittableRandom random = new SplittableRandom(11);
        DMatrixRMaj batch = TestMatrices.gaussian(5, 4, random);
        DMatrixRMaj upstream = TestMatrices.gaussian(5, 4, random);
        int[] labels = {0, 1, 0, 1, 1};
        DMatrixRMaj[] gradients = new DMatrixRMaj[FeatureCentring.values().length];
        for (FeatureCentring centring : FeatureCentring.values()) {
            NormalisedFeatures features = new NormalisedFeatures(4, 2, TAU, centring, true);
            DMatrixRMaj input = features.forward(batch, labels).copy();
            DMatrixRMaj normalised = features.normalised();
            for (int col = 0; col < 4; col++) {
                double mean = 0;
                for (int row = 0; row < 5; row++) {
                    mean += normalised.get(row, col) / 5;
                }
                for (int row = 0; row < 5; row++) {
                    double expected = normalised.get(row, col) - (centring.centres() ? mean : 0.0);
                    assertEquals(expected, input.get(row, col), UNIT_TOLERANCE * TAU);
                }
            }
            gradients[centring.ordinal()] = features.backward(upstream, null, new DMatrixRMaj(1, 1)).copy();
        }
        assertEquals(0.0, TestMatrices.maxAbsDifference(gradients[FeatureCentring.NONE.ordinal()],
                gradients[FeatureCentring.BATCH_MEAN_CONSTANT.ordinal()]));
        assertTrue(TestMatrices.maxAbsDifference(gradients[FeatureCentring.NONE.ordinal()],
                gradients[FeatureCentring.BATCH_MEAN_DIFFERENTIATED.ordinal()]) > 1e-3);
    }

    private static void assertRow(DMatrixRMaj matrix, int row, double... expected) {
        for (int col = 0; col < expected.length; col++) {
            double actual = matrix.get(row, col);
            assertTrue(Double.isFinite(actual), "row " + row + " column " + col + " is " + actual);
            assertEquals(expected[col], actual, UNIT_TOLERANCE * TAU, "row " + row + " column " + col);
        }
    }
}
