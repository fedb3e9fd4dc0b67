package dev.stiefel.kernel;

/**
 * Sums of squares for norms that must be right for every finite input: the plain sum is exact
 * to rounding while it stays in {@code [SMALLEST_SAFE, +inf)}; outside that range (entries
 * whose squares overflow or underflow) the callers rescale by the largest magnitude first, as
 * LAPACK's {@code dnrm2} and EJML's {@code normF} do.
 */
public final class SumsOfSquares {

    /**
     * A sum of squares at least this large has every square that matters normal:
     * {@code Double.MIN_NORMAL / eps}, below which squares that underflowed could matter.
     */
    public static final double SMALLEST_SAFE = Double.MIN_NORMAL / Math.ulp(1.0);

    private SumsOfSquares() {
    }

    /** Plain sum of squares of {@code data[offset .. offset + length)}, four partial sums. */
    public static double of(double[] data, int offset, int length) {
        double sum0 = 0;
        double sum1 = 0;
        double sum2 = 0;
        double sum3 = 0;
        int index = offset;
        int end = offset + length;
        for (; index + 3 < end; index += 4) {
            sum0 += data[index] * data[index];
            sum1 += data[index + 1] * data[index + 1];
            sum2 += data[index + 2] * data[index + 2];
            sum3 += data[index + 3] * data[index + 3];
        }
        for (; index < end; index++) {
            sum0 += data[index] * data[index];
        }
        return (sum0 + sum1) + (sum2 + sum3);
    }

    /** {@code max |data[i]|} over {@code data[offset .. offset + length)}. */
    public static double largestMagnitude(double[] data, int offset, int length) {
        double largest = 0;
        for (int index = offset, end = offset + length; index < end; index++) {
            largest = Math.max(largest, Math.abs(data[index]));
        }
        return largest;
    }

    /**
     * {@code ||x / scale||} of {@code x = data[offset .. offset + length)}, for a vector whose
     * plain sum of squares overflowed or nearly underflowed, with {@code scale} its
     * {@link #largestMagnitude}: {@code x / scale} has entries in {@code [-1, 1]} and norm in
     * {@code [1, sqrt(length)]}. Multiplies by {@code 1 / scale} where that is a normal number
     * and divides otherwise.
     */
    public static double scaledNorm(double[] data, int offset, int length, double scale) {
        double inverse = 1.0 / scale;
        boolean multiply = inverse >= Double.MIN_NORMAL && inverse < Double.POSITIVE_INFINITY;
        double sum = 0;
        for (int index = offset, end = offset + length; index < end; index++) {
            double value = multiply ? data[index] * inverse : data[index] / scale;
            sum += value * value;
        }
        return Math.sqrt(sum);
    }

    /** Whether a plain sum of squares can be used as it is (no overflow, no underflow that matters). */
    public static boolean isSafe(double sum) {
        return sum >= SMALLEST_SAFE && sum < Double.POSITIVE_INFINITY;
    }
}
