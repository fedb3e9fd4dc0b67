package dev.stiefel.etf;

import dev.stiefel.testkit.TestMatrices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CrossEntropyTest {

    private static final double TOLERANCE = 1e-13;
    private static final double GRADIENT_TOLERANCE = 1e-10;
    private static final double STENCIL_STEP = 1e-3;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void lossMatchesTheNaiveFormulaAndGradientMatchesFiniteDifferences(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int batch = 7;
        int numClasses = 4;
        DMatrixRMaj logits = TestMatrices.gaussian(batch, numClasses, random);
        int[] labels = new int[batch];
        for (int index = 0; index < batch; index++) {
            labels[index] = random.nextInt(numClasses);
        }
        double naive = 0;
        for (int row = 0; row < batch; row++) {
            double sum = 0;
            for (int col = 0; col < numClasses; col++) {
                sum += Math.exp(logits.get(row, col));
            }
            naive += -Math.log(Math.exp(logits.get(row, labels[row])) / sum);
        }
        naive /= batch;
        DMatrixRMaj gradient = new DMatrixRMaj(1, 1);
        assertEquals(naive, CrossEntropy.loss(logits, labels), TOLERANCE);
        assertEquals(naive, CrossEntropy.lossAndGradient(logits, labels, gradient), TOLERANCE);
        for (int index = 0; index < batch * numClasses; index++) {
            final int entry = index;
            double original = logits.data[entry];
            double numeric = TestMatrices.fivePoint(step -> {
                logits.data[entry] = original + step;
                double value = CrossEntropy.loss(logits, labels);
                logits.data[entry] = original;
                return value;
            }, STENCIL_STEP);
            assertEquals(numeric, gradient.data[entry], GRADIENT_TOLERANCE);
        }
    }

    @Test
    void hugeLogitsStayFiniteAndShiftInvariant() {
        DMatrixRMaj logits = new DMatrixRMaj(new double[][] {{1000, 999, 998}, {-1000, -1001, -2000}});
        DMatrixRMaj shifted = new DMatrixRMaj(new double[][] {{2, 1, 0}, {1000, 999, 0}});
        int[] labels = {1, 0};
        double loss = CrossEntropy.loss(logits, labels);
        assertTrue(Double.isFinite(loss));
        assertEquals(CrossEntropy.loss(shifted, labels), loss, TOLERANCE);
    }

    @Test
    void badInputIsRejected() {
        DMatrixRMaj logits = new DMatrixRMaj(2, 3);
        assertThrows(IllegalArgumentException.class, () -> CrossEntropy.loss(logits, new int[] {0}));
        IllegalArgumentException outOfRange = assertThrows(IllegalArgumentException.class,
                () -> CrossEntropy.loss(logits, new int[] {0, 3}));
        assertTrue(outOfRange.getMessage().contains("label 3"), outOfRange.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CrossEntropy.loss(logits, new int[] {-1, 0}));
        logits.set(1, 2, Double.NaN);
        assertThrows(IllegalArgumentException.class, () -> CrossEntropy.loss(logits, new int[] {0, 1}));
        assertThrows(IllegalArgumentException.class, () -> CrossEntropy.loss(new DMatrixRMaj(0, 3), new int[0]));
        DMatrixRMaj same = new DMatrixRMaj(2, 3);
        assertThrows(IllegalArgumentException.class, () -> CrossEntropy.lossAndGradient(same, new int[] {0, 1}, same));
    }

    @Test
    void plainArrayFormIsTheNaiveFormulaAndItsDerivative() {
        double[][] logits = {{0.3, -1.2, 2.0}, {1.5, 0.1, -0.7}};
        int[] labels = {2, 0};
        double expected = 0;
        double[][] expectedGradient = new double[2][3];
        for (int row = 0; row < 2; row++) {
            double sum = 0;
            for (double z : logits[row]) {
                sum += Math.exp(z);
            }
            expected += (Math.log(sum) - logits[row][labels[row]]) / 2;
            for (int col = 0; col < 3; col++) {
                expectedGradient[row][col] = (Math.exp(logits[row][col]) / sum - (col == labels[row] ? 1 : 0)) / 2;
            }
        }
        double[][] gradient = new double[2][3];
        assertEquals(expected, CrossEntropy.lossAndGradient(logits, labels, gradient), 1e-15);
        assertEquals(expected, CrossEntropy.loss(logits, labels), 1e-15);
        for (int row = 0; row < 2; row++) {
            for (int col = 0; col < 3; col++) {
                assertEquals(expectedGradient[row][col], gradient[row][col], 1e-16);
            }
        }
        IllegalArgumentException ragged = assertThrows(IllegalArgumentException.class,
                () -> CrossEntropy.loss(new double[][] {{1, 2}, {3}}, new int[] {0, 1}));
        assertTrue(ragged.getMessage().contains("row 1"), ragged.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> CrossEntropy.lossAndGradient(logits, labels, new double[1][3]));
    }
}
