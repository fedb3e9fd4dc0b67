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

    @Test
    void rowsWhoseNormOverflowsAreNormalisedToTau() {
        NormalisedFeatures features = new NormalisedFeatures(4, 2, TAU);
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
    void subnormalRowsAreNormalisedToTau() {
        NormalisedFeatures features = new NormalisedFeatures(3, 2, TAU);
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
        NormalisedFeatures reference = new NormalisedFeatures(7, 3, TAU);
        reference.forward(ordinary, labels);
        for (double factor : new double[] {1e300, 1e-300, 1e-310}) {
            DMatrixRMaj scaled = ordinary.copy();
            for (int index = 0; index < scaled.getNumElements(); index++) {
                scaled.data[index] *= factor;
            }
            NormalisedFeatures features = new NormalisedFeatures(7, 3, TAU);
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
        NormalisedFeatures reference = new NormalisedFeatures(4, 2, TAU);
        reference.forward(ordinary, labels);
        DMatrixRMaj expected = reference.backward(upstream, null, new DMatrixRMaj(1, 1));
        double factor = 1e307;
        DMatrixRMaj huge = ordinary.copy();
        for (int index = 0; index < huge.getNumElements(); index++) {
            huge.data[index] *= factor;
        }
        NormalisedFeatures features = new NormalisedFeatures(4, 2, TAU);
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
        NormalisedFeatures features = new NormalisedFeatures(2, 2, TAU);
        DMatrixRMaj batch = new DMatrixRMaj(new double[][] {{1.0, 2.0}, {0.0, -0.0}});
        assertThrows(ArithmeticException.class, () -> features.forward(batch, new int[] {0, 1}));
    }

    private static void assertRow(DMatrixRMaj matrix, int row, double... expected) {
        for (int col = 0; col < expected.length; col++) {
            double actual = matrix.get(row, col);
            assertTrue(Double.isFinite(actual), "row " + row + " column " + col + " is " + actual);
            assertEquals(expected[col], actual, UNIT_TOLERANCE * TAU, "row " + row + " column " + col);
        }
    }
}
