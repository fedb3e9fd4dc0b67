package dev.stiefel.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Random;
import org.ejml.data.DMatrixRMaj;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link HostKernels#normF}'s one-pass sum of squares and its scaled fallback against the
 * exact norm (sum of squares in 60-digit decimal arithmetic), from overflowing to subnormal
 * entries.
 */
class HostKernelsNormTest {

    @ParameterizedTest
    @CsvSource({"7, 5, 1.0", "33, 31, 1e200", "33, 31, 1e-200", "1, 3, 1e-160", "64, 64, 1e150", "40, 1, 1e-310",
        "3, 3, 1e308"})
    void normFMatchesTheExactNormAtEveryScale(int rows, int cols, double scale) {
        Random random = new Random(rows * 31L + cols + Double.doubleToLongBits(scale));
        DMatrixRMaj a = new DMatrixRMaj(rows, cols);
        for (int i = 0; i < a.data.length; i++) {
            a.data[i] = scale * random.nextGaussian();
        }
        double exact = exactNorm(a);
        EjmlKernels kernels = new EjmlKernels();
        assertEquals(exact, kernels.normF(a), 4 * Math.ulp(exact) * Math.sqrt(a.data.length) + Double.MIN_VALUE);
    }

    @ParameterizedTest
    @CsvSource({"1e-170, 1.0", "1e-170, 1e-170", "1e200, 1e-200"})
    void mixedMagnitudesKeepTheirDigits(double small, double large) {
        DMatrixRMaj a = new DMatrixRMaj(new double[][] {{small, large, 0.0}, {-small, 0.0, large}});
        double exact = exactNorm(a);
        assertEquals(exact, new EjmlKernels().normF(a), 4 * Math.ulp(exact));
    }

    @ParameterizedTest
    @CsvSource({"1, 1", "3, 5"})
    void zeroMatrixHasZeroNorm(int rows, int cols) {
        assertEquals(0.0, new EjmlKernels().normF(new DMatrixRMaj(rows, cols)), 0.0);
    }

    private static double exactNorm(DMatrixRMaj a) {
        MathContext context = new MathContext(60);
        BigDecimal sum = BigDecimal.ZERO;
        for (double value : a.data) {
            BigDecimal entry = new BigDecimal(value);
            sum = sum.add(entry.multiply(entry, context), context);
        }
        return sum.sqrt(context).doubleValue();
    }
}
