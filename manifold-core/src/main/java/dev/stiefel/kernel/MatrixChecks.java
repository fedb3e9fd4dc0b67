package dev.stiefel.kernel;

import org.ejml.data.DMatrixRMaj;

/**
 * Argument validation shared by every module: each check throws {@link IllegalArgumentException}
 * whose message names the argument and the problem, e.g. {@code "features: expected 32 x 512,
 * got 32 x 511"} or {@code "features: entry (3, 7) is NaN"}, and returns its argument so that
 * checks can be chained in field initialisers.
 */
public final class MatrixChecks {

    private MatrixChecks() {
    }

    /**
     * Requires {@code a} to be {@code rows x cols}.
     *
     * @throws IllegalArgumentException when {@code a} is null or has another shape
     */
    public static DMatrixRMaj requireShape(DMatrixRMaj a, int rows, int cols, String name) {
        requireNonNull(a, name);
        if (a.numRows != rows || a.numCols != cols) {
            throw new IllegalArgumentException(name + ": expected " + rows + " x " + cols
                    + ", got " + a.numRows + " x " + a.numCols);
        }
        return a;
    }

    /**
     * Requires {@code a} to be square.
     *
     * @throws IllegalArgumentException when {@code a} is null or not square
     */
    public static DMatrixRMaj requireSquare(DMatrixRMaj a, String name) {
        requireNonNull(a, name);
        if (a.numRows != a.numCols) {
            throw new IllegalArgumentException(name + ": expected a square matrix, got "
                    + a.numRows + " x " + a.numCols);
        }
        return a;
    }

    /**
     * Requires {@code a} and {@code b} to have the same shape.
     *
     * @throws IllegalArgumentException when either is null or the shapes differ
     */
    public static void requireSameShape(DMatrixRMaj a, String nameA, DMatrixRMaj b, String nameB) {
        requireNonNull(a, nameA);
        requireNonNull(b, nameB);
        if (a.numRows != b.numRows || a.numCols != b.numCols) {
            throw new IllegalArgumentException(nameA + " (" + a.numRows + " x " + a.numCols + ") and "
                    + nameB + " (" + b.numRows + " x " + b.numCols + ") must have the same shape");
        }
    }

    /**
     * Requires every entry of {@code a} to be finite; the message names the first offending
     * entry (row-major order) and whether it is NaN or infinite.
     *
     * @throws IllegalArgumentException when {@code a} is null or holds a NaN or an infinity
     */
    public static DMatrixRMaj requireFinite(DMatrixRMaj a, String name) {
        requireNonNull(a, name);
        final double[] data = a.data;
        final int size = a.numRows * a.numCols;
        for (int index = 0; index < size; index++) {
            double value = data[index];
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException(name + ": entry (" + index / a.numCols + ", "
                        + index % a.numCols + ") is " + describeNonFinite(value));
            }
        }
        return a;
    }

    /**
     * Requires every entry of {@code values[0 .. length)} to be finite.
     *
     * @throws IllegalArgumentException when {@code values} is null, shorter than
     *     {@code length}, or holds a NaN or an infinity in that range
     */
    public static double[] requireFinite(double[] values, int length, String name) {
        if (values == null) {
            throw new IllegalArgumentException(name + ": must not be null");
        }
        if (values.length < length) {
            throw new IllegalArgumentException(name + ": expected length at least " + length
                    + ", got " + values.length);
        }
        for (int index = 0; index < length; index++) {
            if (!Double.isFinite(values[index])) {
                throw new IllegalArgumentException(name + ": entry " + index + " is "
                        + describeNonFinite(values[index]));
            }
        }
        return values;
    }

    static String describeNonFinite(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        return value > 0 ? "+Infinity" : "-Infinity";
    }

    private static void requireNonNull(DMatrixRMaj a, String name) {
        if (a == null) {
            throw new IllegalArgumentException(name + ": must not be null");
        }
    }
}
