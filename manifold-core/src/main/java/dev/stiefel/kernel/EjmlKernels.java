package dev.stiefel.kernel;

import static dev.stiefel.kernel.MatrixChecks.*;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.decomposition.TriangularSolver_DDRM;
import org.ejml.dense.row.decomposition.chol.CholeskyDecompositionInner_DDRM;
import org.ejml.dense.row.decomposition.eig.SymmetricQRAlgorithmDecomposition_DDRM;
import org.ejml.dense.row.decomposition.lu.LUDecompositionAlt_DDRM;
import org.ejml.dense.row.decomposition.qr.QRDecompositionHouseholderColumn_DDRM;
import org.ejml.dense.row.decomposition.svd.SvdImplicitQrDecompose_DDRM;
import org.ejml.dense.row.linsol.lu.LinearSolverLu_DDRM;

/**
 * The pure-Java reference backend on EJML 0.46.1: every decomposition is one of EJML's
 * reusable algorithm objects held in a field, and every temporary is a field reshaped on use,
 * so repeated same-shape calls do not allocate.
 *
 * <p>Accuracy rather than speed is the point of this backend: the polar factor comes from the
 * SVD (not from an eigendecomposition of {@code a^T a}, which would square the condition
 * number), and the other backends are tested against it. Not thread-safe.
 */
public final class EjmlKernels extends HostKernels {

    private final QRDecompositionHouseholderColumn_DDRM qr = new QRDecompositionHouseholderColumn_DDRM();
    private final SvdImplicitQrDecompose_DDRM svd = new SvdImplicitQrDecompose_DDRM(true, true, true, false);
    private final SymmetricQRAlgorithmDecomposition_DDRM eigen =
            new SymmetricQRAlgorithmDecomposition_DDRM(true);
    private final CholeskyDecompositionInner_DDRM cholesky = new CholeskyDecompositionInner_DDRM(true);
    private final LUDecompositionAlt_DDRM lu = new LUDecompositionAlt_DDRM();
    private final LinearSolverLu_DDRM luSolver = new LinearSolverLu_DDRM(lu);

    private final DMatrixRMaj inputCopy = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj leftVectors = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj rightVectors = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj rightHandSide = new DMatrixRMaj(1, 1);
    private final DMatrixRMaj inverseFactor = new DMatrixRMaj(1, 1);
    private int[] order = new int[1];
    private double[] unsortedValues = new double[1];

    @Override
    public String name() {
        return "ejml";
    }

    /**
     * {@inheritDoc} Delegates to EJML's {@code MatrixMatrixMult_DDRM} kernels (row reordering
     * for wide outputs), rank-one updates to a plain loop; {@code beta} other than 0 or 1
     * scales {@code c} first.
     */
    @Override
    public void gemm(double alpha, DMatrixRMaj a, boolean transposeA, DMatrixRMaj b,
            boolean transposeB, double beta, DMatrixRMaj c) {
        gemmInJava(alpha, a, transposeA, b, transposeB, beta, c, checkGemm(a, transposeA, b, transposeB, c));
    }

    /**
     * {@inheritDoc}
     *
     * <p>Householder QR (EJML's column-oriented variant), then rows of r and columns of q with a
     * negative diagonal entry are negated. Rank deficiency is declared when some
     * {@code |r_jj| <= rows * eps * ||a||_F}. {@code q} may alias {@code a}.
     *
     * @throws IllegalArgumentException for wide {@code a}, wrong output shapes or non-finite entries
     */
    @Override
    public void qrPositive(DMatrixRMaj a, DMatrixRMaj q, DMatrixRMaj r) {
        requireTall(a, "qrPositive a");
        final int rows = a.numRows;
        final int cols = a.numCols;
        requireShape(q, rows, cols, "qrPositive q");
        if (r != null) {
            requireShape(r, cols, cols, "qrPositive r");
            requireNotAliased(q, "q", r, "r");
        }
        requireFinite(a, "qrPositive a");
        if (cols == 0) {
            return;
        }
        double threshold = rows * EPS * normF(a);
        if (!qr.decompose(a)) {
            throw new ArithmeticException("qrPositive: EJML QR failed on a " + rows + " x " + cols + " matrix");
        }
        // Column-major storage of the factored matrix: R_jj sits at qrStorage[j][j].
        double[][] qrStorage = qr.getQR();
        for (int j = 0; j < cols; j++) {
            double diagonal = qrStorage[j][j];
            if (!(Math.abs(diagonal) > threshold)) {
                throw new ArithmeticException("qrPositive: a (" + rows + " x " + cols
                        + ") is rank deficient: |R(" + j + ", " + j + ")| = " + Math.abs(diagonal)
                        + " <= rows * eps * ||a||_F = " + threshold);
            }
        }
        qr.getQ(q, true);
        if (r != null) {
            qr.getR(r, true);
        }
        for (int j = 0; j < cols; j++) {
            if (qrStorage[j][j] < 0.0) {
                for (int i = 0; i < rows; i++) {
                    q.data[i * cols + j] = -q.data[i * cols + j];
                }
                if (r != null) {
                    for (int k = j; k < cols; k++) {
                        r.data[j * cols + k] = -r.data[j * cols + k];
                    }
                }
            }
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Computed from the thin SVD as {@code u v^T}, which is backward stable whatever the
     * conditioning of {@code a}. {@code out} may alias {@code a}.
     *
     * @throws IllegalArgumentException for wide {@code a}, a wrong output shape or non-finite entries
     */
    @Override
    public void polar(DMatrixRMaj a, DMatrixRMaj out) {
        requireTall(a, "polar a");
        requireShape(out, a.numRows, a.numCols, "polar out");
        requireFinite(a, "polar a");
        if (a.numCols == 0) {
            return;
        }
        decomposeSvd(a, "polar");
        double[] singular = svd.getSingularValues();
        double largest = 0.0;
        double smallest = Double.POSITIVE_INFINITY;
        for (int i = 0; i < a.numCols; i++) {
            largest = Math.max(largest, singular[i]);
            smallest = Math.min(smallest, singular[i]);
        }
        requirePolarRank(a.numRows, a.numCols, smallest, largest);
        svd.getU(leftVectors, false);
        svd.getV(rightVectors, false);
        CommonOps_DDRM.multTransB(leftVectors, rightVectors, out);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Symmetric QR algorithm on {@code (a + a^T) / 2} (EJML's implicit double-shift
     * tridiagonal QR), then eigenpairs sorted ascending. {@code vectors} may alias {@code a};
     * {@code values} needs length at least n and its first n entries are written.
     *
     * @throws IllegalArgumentException for non-square {@code a}, wrong output shapes or
     *     non-finite entries
     */
    @Override
    public void symmetricEigen(DMatrixRMaj a, DMatrixRMaj vectors, double[] values) {
        checkSymmetricEigen(a, vectors, values);
        final int n = a.numRows;
        if (n == 0) {
            return;
        }
        inputCopy.reshape(n, n);
        symmetricPart(a, inputCopy);
        if (!eigen.decompose(inputCopy)) {
            throw new ArithmeticException("symmetricEigen: EJML's symmetric QR algorithm did not converge (n = " + n + ")");
        }
        if (order.length < n) {
            order = new int[n];
        }
        if (unsortedValues.length < n) {
            unsortedValues = new double[n];
        }
        for (int i = 0; i < n; i++) {
            order[i] = i;
            unsortedValues[i] = eigen.getEigenvalue(i).real;
        }
        sortIndices(unsortedValues, n, true);
        for (int k = 0; k < n; k++) {
            values[k] = unsortedValues[order[k]];
            DMatrixRMaj vector = eigen.getEigenVector(order[k]);
            for (int i = 0; i < n; i++) {
                vectors.data[i * n + k] = vector.data[i];
            }
        }
    }

    /**
     * Sorts {@code order[0 .. n)} so that {@code keys[order[k]]} is ascending (or descending).
     * Insertion sort: O(n^2) comparisons, negligible next to the O(n^3) decompositions, and
     * allocation-free.
     */
    private void sortIndices(double[] keys, int n, boolean ascending) {
        for (int i = 1; i < n; i++) {
            int index = order[i];
            double key = keys[index];
            int position = i - 1;
            while (position >= 0 && (ascending ? keys[order[position]] > key : keys[order[position]] < key)) {
                order[position + 1] = order[position];
                position--;
            }
            order[position + 1] = index;
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>EJML's bidiagonalisation plus implicit QR, then the triplets sorted descending.
     * {@code u} may alias {@code a}; {@code s} needs length at least cols.
     *
     * @throws IllegalArgumentException for wide {@code a}, wrong output shapes or non-finite entries
     */
    @Override
    public void svdThin(DMatrixRMaj a, DMatrixRMaj u, double[] s, DMatrixRMaj v) {
        checkSvdThin(a, u, s, v);
        final int rows = a.numRows;
        final int cols = a.numCols;
        if (cols == 0) {
            return;
        }
        decomposeSvd(a, "svdThin");
        double[] singular = svd.getSingularValues();
        svd.getU(leftVectors, false);
        svd.getV(rightVectors, false);
        if (order.length < cols) {
            order = new int[cols];
        }
        for (int i = 0; i < cols; i++) {
            order[i] = i;
        }
        sortIndices(singular, cols, false);
        for (int k = 0; k < cols; k++) {
            int source = order[k];
            s[k] = singular[source];
            for (int i = 0; i < rows; i++) {
                u.data[i * cols + k] = leftVectors.data[i * cols + source];
            }
            for (int i = 0; i < cols; i++) {
                v.data[i * cols + k] = rightVectors.data[i * cols + source];
            }
        }
    }

    private void decomposeSvd(DMatrixRMaj a, String operation) {
        DMatrixRMaj input = a;
        if (svd.inputModified()) {
            inputCopy.reshape(a.numRows, a.numCols);
            System.arraycopy(a.data, 0, inputCopy.data, 0, a.getNumElements());
            input = inputCopy;
        }
        if (!svd.decompose(input)) {
            throw new ArithmeticException(operation + ": EJML's SVD did not converge on a "
                    + a.numRows + " x " + a.numCols + " matrix");
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Only the lower triangle of {@code a} is read (as LAPACK's {@code dpotrf} with
     * {@code uplo = 'L'}); the strict upper triangle of {@code lower} is set to zero.
     * Positive definiteness is required to working precision: every pivot must satisfy
     * {@code l_jj^2 > n * eps * max_i a_ii}. {@code lower} may alias {@code a}.
     *
     * @throws IllegalArgumentException for non-square {@code a}, a wrong output shape or
     *     non-finite entries
     */
    @Override
    public void cholesky(DMatrixRMaj a, DMatrixRMaj lower) {
        checkCholesky(a, lower);
        final int n = a.numRows;
        if (n == 0) {
            return;
        }
        double largestDiagonal = largestDiagonal(a);
        inputCopy.reshape(n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double value = a.data[i * n + j];
                inputCopy.data[i * n + j] = value;
                inputCopy.data[j * n + i] = value;
            }
        }
        if (!cholesky.decompose(inputCopy)) {
            throw new ArithmeticException("cholesky: a (" + n + " x " + n + ") is not positive definite");
        }
        cholesky.getT(lower);
        requirePositivePivots(lower, largestDiagonal);
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@link #cholesky} into a workspace, the factor inverted in place
     * ({@code TriangularSolver_DDRM.invertLower}), then {@code out = l^-T l^-1}.
     */
    @Override
    public void inversePositiveDefinite(DMatrixRMaj a, DMatrixRMaj out) {
        MatrixChecks.requireShape(out, a.numRows, a.numCols, "inversePositiveDefinite out");
        requireNotAliased(a, "a", out, "inversePositiveDefinite out");
        inverseFactor.reshape(a.numRows, a.numCols);
        cholesky(a, inverseFactor);
        TriangularSolver_DDRM.invertLower(inverseFactor.data, inverseFactor.numRows);
        CommonOps_DDRM.multTransA(inverseFactor, inverseFactor, out);
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code b} is n x k for any k. Singularity to working precision means some pivot
     * {@code |u_jj| <= n * eps * max|a_ij|}. {@code x} may alias {@code b} but not {@code a}.
     *
     * @throws IllegalArgumentException for mismatched shapes or non-finite entries
     */
    @Override
    public void solve(DMatrixRMaj a, DMatrixRMaj b, DMatrixRMaj x) {
        checkSolve(a, b, x);
        final int n = a.numRows;
        if (n == 0 || b.numCols == 0) {
            return;
        }
        if (!luSolver.setA(a)) {
            throw new ArithmeticException("solve: a (" + n + " x " + n + ") is singular");
        }
        requireNonsingularPivots(lu.getLU(), maxAbs(a));
        rightHandSide.reshape(b.numRows, b.numCols);
        System.arraycopy(b.data, 0, rightHandSide.data, 0, b.getNumElements());
        luSolver.solve(rightHandSide, x);
    }
}
