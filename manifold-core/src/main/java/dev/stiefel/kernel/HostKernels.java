package dev.stiefel.kernel;

import static dev.stiefel.kernel.MatrixChecks.*;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.NormOps_DDRM;
import org.ejml.dense.row.mult.MatrixMatrixMult_DDRM;

/**
 * What every host backend on {@link DMatrixRMaj} shares: storage, level-1 operations, shape
 * checks and the Padé matrix exponential, which is written once on top of the backend's
 * {@link #gemm} and {@link #solve} so that a faster backend speeds it up for free.
 *
 * <p>Level-1 operations do not check for NaN (it propagates, as in IEEE arithmetic, and a check
 * would double their cost inside solver loops); decompositions, {@code solve} and {@code expm}
 * reject non-finite input because their iterations could otherwise return silent garbage.
 */
abstract class HostKernels implements DenseKernels<DMatrixRMaj> {

    private double[] transposeProductRow = new double[1];

    /**
     * theta_13 of Higham (2005), Table 2.3: the largest 1-norm for which the [13/13] Padé
     * approximant of exp is accurate to float64 unit roundoff in backward error.
     */
    private static final double PADE13_THETA = 5.371920351148152;

    /** Coefficients b_0 .. b_13 of the [13/13] Padé approximant of exp (Higham 2005, eq. 2.4). */
    private static final double[] PADE13 = {
        64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
        129060195264000.0, 10559470521600.0, 670442572800.0, 33522128640.0,
        1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0};

    private final DMatrixRMaj expScaled = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj expSquare2 = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj expSquare4 = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj expSquare6 = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj expOddInner = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj expOdd = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj expEven = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj expNumerator = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj expDenominator = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj expSquaring = new DMatrixRMaj(1, 1);

    @Override
    public int precisionBits() {
        return 64;
    }

    // ---- storage -------------------------------------------------------------------------

    @Override
    public DMatrixRMaj create(int rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("create: negative shape " + rows + " x " + cols);
        }
        return new DMatrixRMaj(rows, cols);
    }

    @Override
    public int rows(DMatrixRMaj a) {
        return requireNonNull(a, "a").numRows;
    }

    @Override
    public int cols(DMatrixRMaj a) {
        return requireNonNull(a, "a").numCols;
    }

    @Override
    public DMatrixRMaj fromHost(DMatrixRMaj src) {
        return requireNonNull(src, "src").copy();
    }

    /** {@inheritDoc} A null {@code dst} gets a new matrix. */
    @Override
    public DMatrixRMaj toHost(DMatrixRMaj src, DMatrixRMaj dst) {
        requireNonNull(src, "src");
        if (dst == null) {
            return src.copy();
        }
        if (dst != src) {
            dst.reshape(src.numRows, src.numCols);
            System.arraycopy(src.data, 0, dst.data, 0, src.getNumElements());
        }
        return dst;
    }

    @Override
    public void copyFromHost(DMatrixRMaj src, DMatrixRMaj dst) {
        copy(src, dst);
    }

    @Override
    public void copy(DMatrixRMaj src, DMatrixRMaj dst) {
        requireSameShape(src, "src", dst, "dst");
        if (src != dst) {
            System.arraycopy(src.data, 0, dst.data, 0, src.getNumElements());
        }
    }

    @Override
    public void zero(DMatrixRMaj a) {
        requireNonNull(a, "a").zero();
    }

    @Override
    public void setIdentity(DMatrixRMaj a) {
        requireNonNull(a, "a").zero();
        int diagonal = Math.min(a.numRows, a.numCols);
        for (int i = 0; i < diagonal; i++) {
            a.data[i * a.numCols + i] = 1.0;
        }
    }

    @Override
    public double get(DMatrixRMaj a, int row, int col) {
        requireNonNull(a, "a");
        if (row < 0 || row >= a.numRows || col < 0 || col >= a.numCols) {
            throw new IllegalArgumentException("get: index (" + row + ", " + col
                    + ") outside a " + a.numRows + " x " + a.numCols + " matrix");
        }
        return a.data[row * a.numCols + col];
    }

    // ---- level 1 -------------------------------------------------------------------------

    @Override
    public void scale(double alpha, DMatrixRMaj a) {
        requireNonNull(a, "a");
        final double[] data = a.data;
        final int size = a.getNumElements();
        for (int i = 0; i < size; i++) {
            data[i] *= alpha;
        }
    }

    @Override
    public void addScaled(double alpha, DMatrixRMaj x, double beta, DMatrixRMaj y, DMatrixRMaj out) {
        requireSameShape(x, "x", y, "y");
        requireSameShape(x, "x", out, "out");
        final double[] xs = x.data;
        final double[] ys = y.data;
        final double[] os = out.data;
        final int size = x.getNumElements();
        for (int i = 0; i < size; i++) {
            os[i] = alpha * xs[i] + beta * ys[i];
        }
    }

    @Override
    public double dot(DMatrixRMaj a, DMatrixRMaj b) {
        requireSameShape(a, "a", b, "b");
        final double[] as = a.data;
        final double[] bs = b.data;
        final int size = a.getNumElements();
        double sum = 0.0;
        for (int i = 0; i < size; i++) {
            sum += as[i] * bs[i];
        }
        return sum;
    }

    /**
     * {@inheritDoc} One pass of plain squares (four partial sums) where they neither overflow
     * nor come near underflow; otherwise (a zero matrix included) EJML's scaled two-pass norm,
     * which is safe for any finite input but costs a division per entry.
     */
    @Override
    public double normF(DMatrixRMaj a) {
        requireNonNull(a, "a");
        final double[] data = a.data;
        final int size = a.getNumElements();
        double sum = SumsOfSquares.of(data, 0, size);
        // A subnormal square is off by at most 2^-1075 absolutely, below eps^2 of a sum this
        // large; an infinite sum means some square (or the sum) overflowed.
        if (SumsOfSquares.isSafe(sum)) {
            return Math.sqrt(sum);
        }
        return NormOps_DDRM.normF(a);
    }

    /** {@inheritDoc} The branch-free probe of {@link MatrixChecks#allFinite(double[], int)}. */
    @Override
    public boolean allFinite(DMatrixRMaj a) {
        requireNonNull(a, "a");
        return MatrixChecks.allFinite(a.data, a.getNumElements());
    }

    @Override
    public void transpose(DMatrixRMaj a, DMatrixRMaj out) {
        requireNonNull(a, "a");
        requireShape(out, a.numCols, a.numRows, "transpose out");
        requireNotAliased(a, "a", out, "transpose out");
        final int rows = a.numRows;
        final int cols = a.numCols;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out.data[j * rows + i] = a.data[i * cols + j];
            }
        }
    }

    @Override
    public void symmetricPart(DMatrixRMaj a, DMatrixRMaj out) {
        requireSquare(a, "symmetricPart a");
        requireSameShape(a, "a", out, "out");
        final int n = a.numRows;
        for (int i = 0; i < n; i++) {
            out.data[i * n + i] = a.data[i * n + i];
            for (int j = i + 1; j < n; j++) {
                double value = 0.5 * (a.data[i * n + j] + a.data[j * n + i]);
                out.data[i * n + j] = value;
                out.data[j * n + i] = value;
            }
        }
    }

    @Override
    public void skewPart(DMatrixRMaj a, DMatrixRMaj out) {
        requireSquare(a, "skewPart a");
        requireSameShape(a, "a", out, "out");
        final int n = a.numRows;
        for (int i = 0; i < n; i++) {
            out.data[i * n + i] = 0.0;
            for (int j = i + 1; j < n; j++) {
                double value = 0.5 * (a.data[i * n + j] - a.data[j * n + i]);
                out.data[i * n + j] = value;
                out.data[j * n + i] = -value;
            }
        }
    }

    @Override
    public void scaleColumns(DMatrixRMaj a, double[] s, DMatrixRMaj out) {
        requireNonNull(a, "a");
        if (s == null || s.length != a.numCols) {
            throw new IllegalArgumentException("scaleColumns: expected " + a.numCols
                    + " scales for a " + a.numRows + " x " + a.numCols + " matrix, got "
                    + (s == null ? "null" : s.length));
        }
        requireSameShape(a, "a", out, "out");
        final int rows = a.numRows;
        final int cols = a.numCols;
        for (int i = 0; i < rows; i++) {
            int rowStart = i * cols;
            for (int j = 0; j < cols; j++) {
                out.data[rowStart + j] = a.data[rowStart + j] * s[j];
            }
        }
    }

    @Override
    public void addIdentity(DMatrixRMaj a, double alpha, DMatrixRMaj out) {
        requireSquare(a, "addIdentity a");
        requireSameShape(a, "a", out, "out");
        copy(a, out);
        final int n = a.numRows;
        for (int i = 0; i < n; i++) {
            out.data[i * n + i] += alpha;
        }
    }

    // ---- gemm shared by the host backends ---------------------------------------------------

    /**
     * {@code c = alpha op(a) op(b) + beta c} with EJML's row-major loops: the pure-Java
     * product, also the native backend's choice for thin (matrix-vector, rank-one) products,
     * where copying the arrays across JNI costs more than the memory-bound product itself.
     * {@code inner} is {@link #checkGemm}'s result: callers validate first.
     */
    final void gemmInJava(double alpha, DMatrixRMaj a, boolean transposeA, DMatrixRMaj b,
            boolean transposeB, double beta, DMatrixRMaj c, int inner) {
        if (c.getNumElements() == 0) {
            return;
        }
        if (beta == 0.0) {
            c.zero();
        } else if (beta != 1.0) {
            scale(beta, c);
        }
        if (inner == 0 || alpha == 0.0) {
            return;
        }
        if (inner == 1) {
            rankOneUpdate(alpha, a.data, b.data, c);
            return;
        }
        if (!transposeA && !transposeB) {
            CommonOps_DDRM.multAdd(alpha, a, b, c);
        } else if (transposeA && !transposeB) {
            CommonOps_DDRM.multAddTransA(alpha, a, b, c);
        } else if (!transposeA) {
            CommonOps_DDRM.multAddTransB(alpha, a, b, c);
        } else {
            // EJML's dispatcher for a^T b^T allocates its row buffer; ours is a reused field.
            if (transposeProductRow.length < a.numRows) {
                transposeProductRow = new double[a.numRows];
            }
            MatrixMatrixMult_DDRM.multAddTransAB_aux(alpha, a, b, c, transposeProductRow);
        }
    }

    /**
     * {@code c += alpha x y^T}; an m x 1 or 1 x m matrix stores the same m numbers, so the
     * transposition flags do not matter. EJML's general loops pay their inner-loop overhead
     * per entry here (three times slower at 1024 x 1000).
     */
    private static void rankOneUpdate(double alpha, double[] x, double[] y, DMatrixRMaj c) {
        final double[] cs = c.data;
        final int rows = c.numRows;
        final int cols = c.numCols;
        for (int i = 0; i < rows; i++) {
            final double scaled = alpha * x[i];
            final int rowStart = i * cols;
            for (int j = 0; j < cols; j++) {
                cs[rowStart + j] += scaled * y[j];
            }
        }
    }

    // ---- matrix exponential --------------------------------------------------------------

    /**
     * {@inheritDoc}
     *
     * <p>Scaling and squaring with the [13/13] Padé approximant, Higham, "The scaling and
     * squaring method for the matrix exponential revisited", SIAM J. Matrix Anal. Appl. 26
     * (2005), Algorithm 2.3: {@code A <- A / 2^s} with {@code s = max(0, ceil(log2(||A||_1 /
     * theta_13)))}, {@code exp(A) ~ (V - U)^(-1) (V + U)} with U the odd and V the even part of
     * the numerator, then s squarings. Degree 13 is used for every norm (the lower degrees of
     * the paper only save products), so the result is accurate to unit roundoff in backward
     * error. {@code out} may alias {@code a}.
     *
     * @throws IllegalArgumentException when {@code a} is not square, shapes differ or {@code a}
     *     holds NaN or infinity
     */
    @Override
    public void expm(DMatrixRMaj a, DMatrixRMaj out) {
        requireSquare(a, "expm a");
        requireSameShape(a, "a", out, "out");
        requireFinite(a, "expm a");
        final int n = a.numRows;
        if (n == 0) {
            return;
        }
        double norm1 = normOne(a);
        int squarings = 0;
        if (norm1 > PADE13_THETA) {
            squarings = Math.max(0, (int) Math.ceil(Math.log(norm1 / PADE13_THETA) / Math.log(2.0)));
        }
        reshapeSquare(n, expScaled, expSquare2, expSquare4, expSquare6, expOddInner, expOdd,
                expEven, expNumerator, expDenominator, expSquaring);
        copy(a, expScaled);
        scale(Math.scalb(1.0, -squarings), expScaled);

        final double[] b = PADE13;
        gemm(1.0, expScaled, false, expScaled, false, 0.0, expSquare2);
        gemm(1.0, expSquare2, false, expSquare2, false, 0.0, expSquare4);
        gemm(1.0, expSquare2, false, expSquare4, false, 0.0, expSquare6);

        // U = A [A6 (b13 A6 + b11 A4 + b9 A2) + b7 A6 + b5 A4 + b3 A2 + b1 I]
        linearCombination(b[13], expSquare6, b[11], expSquare4, b[9], expSquare2, 0.0, expOddInner);
        gemm(1.0, expSquare6, false, expOddInner, false, 0.0, expNumerator);
        addLinearCombination(b[7], expSquare6, b[5], expSquare4, b[3], expSquare2, b[1], expNumerator);
        gemm(1.0, expScaled, false, expNumerator, false, 0.0, expOdd);

        // V = A6 (b12 A6 + b10 A4 + b8 A2) + b6 A6 + b4 A4 + b2 A2 + b0 I
        linearCombination(b[12], expSquare6, b[10], expSquare4, b[8], expSquare2, 0.0, expOddInner);
        gemm(1.0, expSquare6, false, expOddInner, false, 0.0, expEven);
        addLinearCombination(b[6], expSquare6, b[4], expSquare4, b[2], expSquare2, b[0], expEven);

        addScaled(1.0, expEven, 1.0, expOdd, expNumerator);
        addScaled(1.0, expEven, -1.0, expOdd, expDenominator);
        solve(expDenominator, expNumerator, expSquaring);

        DMatrixRMaj current = expSquaring;
        DMatrixRMaj spare = expScaled;
        for (int i = 0; i < squarings; i++) {
            gemm(1.0, current, false, current, false, 0.0, spare);
            DMatrixRMaj swap = current;
            current = spare;
            spare = swap;
        }
        copy(current, out);
    }

    /** out = c1 x1 + c2 x2 + c3 x3 + c0 I. */
    private static void linearCombination(double c1, DMatrixRMaj x1, double c2, DMatrixRMaj x2,
            double c3, DMatrixRMaj x3, double c0, DMatrixRMaj out) {
        out.zero();
        addLinearCombination(c1, x1, c2, x2, c3, x3, c0, out);
    }

    /** out += c1 x1 + c2 x2 + c3 x3 + c0 I. */
    private static void addLinearCombination(double c1, DMatrixRMaj x1, double c2, DMatrixRMaj x2,
            double c3, DMatrixRMaj x3, double c0, DMatrixRMaj out) {
        final int size = out.getNumElements();
        for (int i = 0; i < size; i++) {
            out.data[i] += c1 * x1.data[i] + c2 * x2.data[i] + c3 * x3.data[i];
        }
        final int n = out.numRows;
        for (int i = 0; i < n; i++) {
            out.data[i * n + i] += c0;
        }
    }

    /** Induced 1-norm: the largest absolute column sum. */
    static double normOne(DMatrixRMaj a) {
        double largest = 0.0;
        for (int j = 0; j < a.numCols; j++) {
            double sum = 0.0;
            for (int i = 0; i < a.numRows; i++) {
                sum += Math.abs(a.data[i * a.numCols + j]);
            }
            largest = Math.max(largest, sum);
        }
        return largest;
    }

    /** Largest absolute entry. */
    static double maxAbs(DMatrixRMaj a) {
        double largest = 0.0;
        final int size = a.getNumElements();
        for (int i = 0; i < size; i++) {
            largest = Math.max(largest, Math.abs(a.data[i]));
        }
        return largest;
    }

    private static void reshapeSquare(int n, DMatrixRMaj... workspaces) {
        for (DMatrixRMaj workspace : workspaces) {
            workspace.reshape(n, n);
        }
    }

    /** {@code max(0, max_i a_ii)} of a square matrix: the scale of a Cholesky pivot test. */
    static double largestDiagonal(DMatrixRMaj a) {
        final int n = a.numRows;
        double largest = 0.0;
        for (int i = 0; i < n; i++) {
            largest = Math.max(largest, a.data[i * n + i]);
        }
        return largest;
    }
}
