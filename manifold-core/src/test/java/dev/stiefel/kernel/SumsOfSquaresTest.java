package dev.stiefel.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SumsOfSquaresTest {

    /** Against the exact sum in 50 digits, for every length mod 4 and an offset window. */
    @Test
    void equalsTheExactSumToRounding() {
        SplittableRandom random = new SplittableRandom(3);
        for (int length = 0; length <= 9; length++) {
            double[] data = new double[length + 5];
            for (int i = 0; i < data.length; i++) {
                data[i] = random.nextGaussian();
            }
            BigDecimal exact = BigDecimal.ZERO;
            for (int i = 2; i < 2 + length; i++) {
                exact = exact.add(new BigDecimal(data[i]).multiply(new BigDecimal(data[i])), MathContext.DECIMAL128);
            }
            double sum = SumsOfSquares.of(data, 2, length);
            assertEquals(exact.doubleValue(), sum, 4 * Math.ulp(Math.max(sum, Double.MIN_VALUE)), "length " + length);
        }
    }

    @Test
    void isSafeExactlyWhereNoSquareOverflowsOrUnderflowsToMatter() {
        assertTrue(SumsOfSquares.isSafe(1.0));
        assertTrue(SumsOfSquares.isSafe(SumsOfSquares.SMALLEST_SAFE));
        assertFalse(SumsOfSquares.isSafe(Math.nextDown(SumsOfSquares.SMALLEST_SAFE)));
        assertFalse(SumsOfSquares.isSafe(SumsOfSquares.of(new double[] {1e200, 1e200}, 0, 2)));
        assertFalse(SumsOfSquares.isSafe(SumsOfSquares.of(new double[] {1e-160}, 0, 1)));
        assertFalse(SumsOfSquares.isSafe(Double.NaN));
    }
}
