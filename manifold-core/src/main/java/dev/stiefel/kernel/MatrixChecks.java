package dev.stiefel.kernel;

import org.ejml.data.DMatrixRMaj;

/**
 * The one place for argument and result checks, shared by every module and every dense-kernel
 * backend. Argument checks throw {@link IllegalArgumentException} whose message names the
 * argument and the problem, e.g. {@code "features: expected 32 x 512, got 32 x 511"} or
 * {@code "features: entry (3, 7) is NaN"}, and return their argument so that checks can be
 * chained in field initialisers. Checks of a factorisation's result (rank, pivots) throw
 * {@link ArithmeticException} naming the quantity and the threshold it missed.
 */
public final class MatrixChecks {

    /** Unit roundoff of float64 (2^-52 spacing at 1, as LAPACK's {@code dlamch('E') * 2}). */
    static final double EPS = Math.ulp(1.0);

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
        if (allFinite(data, size)) {
            return a;
        }
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

    /**
     * Whether {@code data[0 .. length)} holds no NaN and no infinity, in one branch-free pass:
     * {@code x * 0} is a zero for finite {@code x} and NaN otherwise, so the sum of those
     * products is zero exactly when every entry is finite. Callers that must name the offending
     * entry search for it only when this returns false.
     */
    public static boolean allFinite(double[] data, int length) {
        // four independent partial probes: one chain of dependent additions would cost an
        // addition's latency per entry
        double probe0 = 0;
        double probe1 = 0;
        double probe2 = 0;
        double probe3 = 0;
        int index = 0;
        for (; index + 3 < length; index += 4) {
            probe0 += data[index] * 0.0;
            probe1 += data[index + 1] * 0.0;
            probe2 += data[index + 2] * 0.0;
            probe3 += data[index + 3] * 0.0;
        }
        for (; index < length; index++) {
            probe0 += data[index] * 0.0;
        }
        return (probe0 + probe1) + (probe2 + probe3) == 0;
    }

    /**
     * Requires every entry of row {@code row} of {@code a} to be finite, with the message of
     * {@link #requireFinite(DMatrixRMaj, String)}: for callers that check a row only when a sum
     * over it has come out non-finite or otherwise unsafe.
     *
     * @throws IllegalArgumentException naming the first NaN or infinity in the row
     */
    public static void requireFiniteRow(DMatrixRMaj a, int row, String name) {
        int offset = row * a.numCols;
        for (int col = 0; col < a.numCols; col++) {
            double value = a.data[offset + col];
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException(name + ": entry (" + row + ", " + col + ") is "
                        + describeNonFinite(value));
            }
        }
    }

    static String describeNonFinite(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        return value > 0 ? "+Infinity" : "-Infinity";
    }

    // ---- the dense kernels' operation checks (shapes, aliasing, finiteness) ----

    /**
     * Validates the shapes and aliasing of {@code c = alpha op(a) op(b) + beta c}.
     *
     * @return the inner dimension k of {@code op(a)} (m x k) times {@code op(b)} (k x n)
     */
    static int checkGemm(DMatrixRMaj a, boolean transposeA, DMatrixRMaj b, boolean transposeB,
            DMatrixRMaj c) {
        requireNonNull(a, "gemm a");
        requireNonNull(b, "gemm b");
        requireNonNull(c, "gemm c");
        int m = transposeA ? a.numCols : a.numRows;
        int k = transposeA ? a.numRows : a.numCols;
        int kb = transposeB ? b.numCols : b.numRows;
        int n = transposeB ? b.numRows : b.numCols;
        if (k != kb || c.numRows != m || c.numCols != n) {
            throw new IllegalArgumentException("gemm: op(a) is " + m + " x " + k + ", op(b) is "
                    + kb + " x " + n + ", c is " + c.numRows + " x " + c.numCols
                    + " (need inner dimensions equal and c = " + m + " x " + n + ")");
        }
        requireNotAliased(a, "gemm a", c, "gemm c");
        requireNotAliased(b, "gemm b", c, "gemm c");
        return k;
    }

    /**
     * Validates {@code svdThin(a, u, s, v)}: {@code a} tall ({@code m x n}, {@code m >= n}),
     * {@code u} {@code m x n}, {@code v} {@code n x n}, {@code s} of length at least {@code n},
     * {@code u} not aliasing {@code v}, every entry of {@code a} finite.
     */
    static void checkSvdThin(DMatrixRMaj a, DMatrixRMaj u, double[] s, DMatrixRMaj v) {
        requireTall(a, "svdThin a");
        final int rows = a.numRows;
        final int cols = a.numCols;
        requireShape(u, rows, cols, "svdThin u");
        requireShape(v, cols, cols, "svdThin v");
        requireLength(s, cols, "svdThin s");
        requireNotAliased(u, "u", v, "v");
        requireFinite(a, "svdThin a");
    }

    /**
     * Validates {@code symmetricEigen(a, vectors, values)}: {@code a} square {@code n x n} and
     * finite, {@code vectors} {@code n x n}, {@code values} of length at least {@code n}.
     */
    static void checkSymmetricEigen(DMatrixRMaj a, DMatrixRMaj vectors, double[] values) {
        requireSquare(a, "symmetricEigen a");
        final int n = a.numRows;
        requireShape(vectors, n, n, "symmetricEigen vectors");
        requireLength(values, n, "symmetricEigen values");
        requireFinite(a, "symmetricEigen a");
    }

    /** Validates {@code cholesky(a, lower)}: {@code a} square and finite, {@code lower} of its shape. */
    static void checkCholesky(DMatrixRMaj a, DMatrixRMaj lower) {
        requireSquare(a, "cholesky a");
        final int n = a.numRows;
        requireShape(lower, n, n, "cholesky lower");
        requireFinite(a, "cholesky a");
    }

    /**
     * Validates {@code solve(a, b, x)}: {@code a} square {@code n x n}, {@code b} with {@code n}
     * rows, {@code x} of {@code b}'s shape and not aliasing {@code a}, {@code a} and {@code b} finite.
     */
    static void checkSolve(DMatrixRMaj a, DMatrixRMaj b, DMatrixRMaj x) {
        requireSquare(a, "solve a");
        final int n = a.numRows;
        requireNonNull(b, "solve b");
        if (b.numRows != n) {
            throw new IllegalArgumentException("solve: a is " + n + " x " + n + " but b is "
                    + b.numRows + " x " + b.numCols);
        }
        requireShape(x, n, b.numCols, "solve x");
        requireNotAliased(a, "a", x, "solve x");
        requireFinite(a, "solve a");
        requireFinite(b, "solve b");
    }

    // ---- results of factorisations: rank and pivots, ArithmeticException ----

    /** Throws when {@code smallest < rows * eps * largest}, the polar factor's uniqueness limit. */
    static void requirePolarRank(int rows, int cols, double smallest, double largest) {
        if (!(smallest >= rows * EPS * largest) || largest == 0.0) {
            throw new ArithmeticException("polar: a (" + rows + " x " + cols
                    + ") is rank deficient: smallest singular value " + smallest
                    + " < rows * eps * largest = " + rows * EPS * largest);
        }
    }

    /** Zeroes the strict upper triangle and rejects pivots too small for working precision. */
    static void requirePositivePivots(DMatrixRMaj lower, double largestDiagonal) {
        final int n = lower.numRows;
        double threshold = n * EPS * largestDiagonal;
        for (int i = 0; i < n; i++) {
            double pivot = lower.data[i * n + i];
            if (!(pivot > 0.0 && pivot * pivot > threshold)) {
                throw new ArithmeticException("cholesky: a (" + n + " x " + n
                        + ") is not positive definite to working precision: pivot " + i
                        + " squared is " + pivot * pivot + " <= n * eps * max diag = " + threshold);
            }
            for (int j = i + 1; j < n; j++) {
                lower.data[i * n + j] = 0.0;
            }
        }
    }

    /** Rejects an LU factor (row-major, U on and above the diagonal) with a negligible pivot. */
    static void requireNonsingularPivots(DMatrixRMaj factor, double largestEntry) {
        final int n = factor.numRows;
        double threshold = n * EPS * largestEntry;
        for (int j = 0; j < n; j++) {
            double pivot = Math.abs(factor.data[j * n + j]);
            if (!(pivot > threshold)) {
                throw new ArithmeticException("solve: a (" + n + " x " + n
                        + ") is singular to working precision: |U(" + j + ", " + j + ")| = "
                        + pivot + " <= n * eps * max|a_ij| = " + threshold);
            }
        }
    }
    // ---- argument helpers ----

    static DMatrixRMaj requireNonNull(DMatrixRMaj a, String name) {
        if (a == null) {
            throw new IllegalArgumentException(name + ": must not be null");
        }
        return a;
    }

    static void requireNotAliased(DMatrixRMaj input, String inputName, DMatrixRMaj output,
            String outputName) {
        if (input == output) {
            throw new IllegalArgumentException(outputName + " must not alias " + inputName);
        }
    }

    /** Requires a tall (rows >= cols) matrix, as thin QR, thin SVD and polar need. */
    static void requireTall(DMatrixRMaj a, String name) {
        requireNonNull(a, name);
        if (a.numRows < a.numCols) {
            throw new IllegalArgumentException(name + ": expected rows >= cols, got "
                    + a.numRows + " x " + a.numCols);
        }
    }

    static void requireLength(double[] values, int length, String name) {
        if (values == null || values.length < length) {
            throw new IllegalArgumentException(name + ": expected an array of length at least "
                    + length + ", got " + (values == null ? "null" : values.length));
        }
    }
}
