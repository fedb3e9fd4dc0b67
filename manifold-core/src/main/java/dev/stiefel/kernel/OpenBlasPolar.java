package dev.stiefel.kernel;

import static dev.stiefel.kernel.MatrixChecks.EPS;
import static dev.stiefel.kernel.MatrixChecks.requirePolarRank;
import static dev.stiefel.kernel.OpenBlasKernels.grow;
import static dev.stiefel.kernel.OpenBlasKernels.requireSuccess;

import static org.bytedeco.openblas.global.openblas.CblasColMajor;
import static org.bytedeco.openblas.global.openblas.CblasLower;
import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasRight;
import static org.bytedeco.openblas.global.openblas.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas.CblasUpper;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dgesdd;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dsyevd_work;
import static org.bytedeco.openblas.global.openblas.LAPACK_COL_MAJOR;
import static org.bytedeco.openblas.global.openblas.cblas_dgemm;
import static org.bytedeco.openblas.global.openblas.cblas_dscal;
import static org.bytedeco.openblas.global.openblas.cblas_dsymm;
import static org.bytedeco.openblas.global.openblas.cblas_dsyrk;

import dev.stiefel.kernel.OpenBlasKernels.NativeAllocator;
import dev.stiefel.kernel.OpenBlasKernels.PolarRoute;
import java.util.function.IntSupplier;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.ejml.data.DMatrixRMaj;

/**
 * The polar factor of {@link OpenBlasKernels#polar} and {@link OpenBlasKernels#polarFromGramEigen}:
 * the eigen route ({@code a (a^T a)^(-1/2)} from {@code dsyrk}, {@code dsyevd}, {@code dsyrk},
 * {@code dsymm}, then Newton–Schulz refinement) and the SVD route ({@code dgesdd}) for inputs
 * whose {@code lambda_min / lambda_max} of {@code a^T a} is below
 * {@value #EIGEN_ROUTE_SMALLEST_RATIO}; the reasons are in {@link OpenBlasKernels}' class
 * comment. The kernels check the arguments; this class owns the routes' workspaces (native
 * buffers for the eigen route's intermediates and {@code dsyevd}'s work arrays, so that only
 * {@code a} and the result cross the JNI boundary; Java arrays for the SVD route), grown to the
 * largest problem seen and kept until {@link #close()}, and remembers the route the last call
 * took. Not thread-safe.
 */
final class OpenBlasPolar implements AutoCloseable {

    /**
     * Smallest {@code lambda_min / lambda_max} of {@code a^T a} for which the eigen route is
     * taken; below it (cond(a) > 1e5) eigenvalues computed to absolute accuracy
     * {@code eps lambda_max} have few correct digits left.
     */
    static final double EIGEN_ROUTE_SMALLEST_RATIO = 1e-10;

    /** At most this many Newton–Schulz steps; each squares the orthonormality error. */
    private static final int MAX_REFINEMENT_STEPS = 4;

    private final NativeAllocator allocator;
    /** The kernels' current limit on OpenBLAS threads for the decompositions. */
    private final IntSupplier decompositionThreads;
    // Native buffers, allocated on first use (so that nothing native runs before the kernels'
    // constructor has checked that the natives loaded) and released by JavaCPP's deallocator
    // when this object is collected.
    private DoublePointer nativeInput;
    private DoublePointer nativeGram;
    private DoublePointer nativeInverseRoot;
    private DoublePointer nativeResult;
    private DoublePointer nativeValues;
    // dsyevd's workspace, kept across calls: LAPACKE_dsyevd would malloc (and page in) 2 n^2
    // doubles on every call.
    private DoublePointer eigenWork;
    private IntPointer eigenIntegerWork;
    private int eigenWorkOrder = -1;
    private double[] gram = new double[1];
    private double[] values = new double[1];
    private double[] scratch = new double[1];
    private double[] singularValues = new double[1];
    private double[] svdLeftVectors = new double[1];
    private PolarRoute lastRoute = PolarRoute.NONE;
    private int lastRefinementSteps;
    private boolean refinement = true;
    private boolean closed;

    /**
     * @param allocator where the native workspaces come from
     * @param decompositionThreads the most OpenBLAS threads for {@code dsyevd} and {@code dgesdd},
     *     read at each call
     */
    OpenBlasPolar(NativeAllocator allocator, IntSupplier decompositionThreads) {
        this.allocator = allocator;
        this.decompositionThreads = decompositionThreads;
    }

    /** The route the last call took. */
    PolarRoute lastRoute() {
        return lastRoute;
    }

    /** Newton–Schulz steps taken by the last eigen-route call. */
    int lastRefinementSteps() {
        return lastRefinementSteps;
    }

    /** Turns the eigen route's orthonormality check and refinement on or off (default on). */
    void refine(boolean refine) {
        refinement = refine;
    }

    /** Whether the eigen route checks and refines orthonormality. */
    boolean refines() {
        return refinement;
    }

    /**
     * {@code out = polar(a)}: the eigen route, or the SVD route where the eigen route declines.
     *
     * @param a tall, {@code m x n}
     * @param out {@code m x n}; may alias {@code a}
     * @throws IllegalArgumentException when {@code a} has a non-finite entry
     * @throws ArithmeticException when {@code a} is rank deficient to working precision
     */
    void factor(DMatrixRMaj a, DMatrixRMaj out) {
        lastRoute = PolarRoute.NONE;
        lastRefinementSteps = 0;
        if (a.numCols == 0) {
            return;
        }
        if (!byEigen(a, out, null, null)) {
            MatrixChecks.requireFinite(a, "polar a");
            bySvd(a, out);
        }
    }

    /**
     * The eigen route of {@link #factor} with the eigendecomposition of {@code a^T a} copied
     * out; false (nothing written) where {@link #factor} would take the SVD route or {@code a}
     * is not finite.
     *
     * @param a tall, {@code m x n}
     * @param out {@code m x n}
     * @param vectors {@code n x n}, not aliasing {@code a} or {@code out}
     * @param eigenvalues at least n entries
     */
    boolean factorFromGramEigen(DMatrixRMaj a, DMatrixRMaj out, DMatrixRMaj vectors, double[] eigenvalues) {
        lastRoute = PolarRoute.NONE;
        lastRefinementSteps = 0;
        if (a.numCols == 0) {
            return true;
        }
        return byEigen(a, out, vectors, eigenvalues);
    }

    /**
     * The eigen route; returns false before writing {@code out} when {@code a} is not finite
     * (some diagonal entry of {@code a^T a} is not) or too ill-conditioned. Non-null
     * {@code vectors} and {@code eigenvalues} receive the eigendecomposition of {@code a^T a}.
     */
    private boolean byEigen(DMatrixRMaj a, DMatrixRMaj out, DMatrixRMaj vectors, double[] eigenvalues) {
        final int m = a.numRows;
        final int n = a.numCols;
        final long size = (long) m * n;
        nativeInput = allocator.atLeast(nativeInput, size);
        nativeGram = allocator.atLeast(nativeGram, (long) n * n);
        values = grow(values, n);
        nativeInput.put(a.data, 0, m * n);
        // a^T a: the column-major view of a is a^T (n x m), so this is dsyrk of that view.
        cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, n, m, 1.0, nativeInput, n, 0.0, nativeGram, n);
        // A NaN or infinite entry of a makes its column's squared norm, a diagonal entry of
        // a^T a, non-finite too, so n reads replace a pass over a; squares that overflow from
        // finite entries go to the SVD, which scales.
        if (!diagonalFinite(nativeGram, n)) {
            return false;
        }
        nativeValues = allocator.atLeast(nativeValues, n);
        ensureEigenWorkspace(n);
        int limit = decompositionThreads.getAsInt();
        int previousThreads = OpenBlasRuntime.limitThreads(limit);
        try {
            requireSuccess(LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, (byte) 'V', (byte) 'L', n, nativeGram, n,
                    nativeValues, eigenWork, (int) eigenWork.capacity(), eigenIntegerWork,
                    (int) eigenIntegerWork.capacity()), "polar", "dsyevd");
        } finally {
            OpenBlasRuntime.restoreThreads(previousThreads, limit);
        }
        nativeValues.get(values, 0, n);
        double largest = values[n - 1];
        double smallest = values[0];
        if (!(largest > 0.0) || !(smallest >= EIGEN_ROUTE_SMALLEST_RATIO * largest)) {
            return false;
        }
        lastRoute = PolarRoute.EIGEN;
        if (vectors != null) {
            // column k of the column-major buffer is eigenvector k: row k of its row-major reading
            gram = grow(gram, n * n);
            nativeGram.get(gram, 0, n * n);
            transposeSquare(gram, n, vectors.data);
            System.arraycopy(values, 0, eigenvalues, 0, n);
        }
        // w = v lambda^(-1/4), column by column (contiguous in column-major), so that
        // w w^T = v lambda^(-1/2) v^T = (a^T a)^(-1/2).
        for (int k = 0; k < n; k++) {
            cblas_dscal(n, 1.0 / Math.sqrt(Math.sqrt(values[k])), nativeGram.position((long) k * n), 1);
        }
        nativeGram.position(0);
        nativeInverseRoot = allocator.atLeast(nativeInverseRoot, (long) n * n);
        cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, n, n, 1.0, nativeGram, n, 0.0, nativeInverseRoot, n);
        nativeResult = allocator.atLeast(nativeResult, size);
        // The column-major lower triangle is the row-major upper triangle.
        cblas_dsymm(CblasRowMajor, CblasRight, CblasUpper, m, n, 1.0, nativeInverseRoot, n, nativeInput, n,
                0.0, nativeResult, n);
        if (refinement) {
            lastRefinementSteps = refineOrthonormality(m, n);
        }
        nativeResult.get(out.data, 0, m * n);
        return true;
    }

    /** {@code out = a^T} for a square row-major {@code a} of order n, in cache-sized blocks. */
    private static void transposeSquare(double[] a, int n, double[] out) {
        final int block = 64;
        for (int i0 = 0; i0 < n; i0 += block) {
            int i1 = Math.min(n, i0 + block);
            for (int j0 = 0; j0 < n; j0 += block) {
                int j1 = Math.min(n, j0 + block);
                for (int i = i0; i < i1; i++) {
                    for (int j = j0; j < j1; j++) {
                        out[j * n + i] = a[i * n + j];
                    }
                }
            }
        }
    }

    private static boolean diagonalFinite(DoublePointer columnMajorSquare, int n) {
        for (int j = 0; j < n; j++) {
            if (!Double.isFinite(columnMajorSquare.get((long) j * n + j))) {
                return false;
            }
        }
        return true;
    }

    /** Sizes dsyevd's workspace for order {@code n} once (workspace query), then reuses it. */
    private void ensureEigenWorkspace(int n) {
        requireOpen();
        if (eigenWorkOrder == n) {
            return;
        }
        double[] optimalWork = new double[1];
        int[] optimalIntegerWork = new int[1];
        requireSuccess(LAPACKE_dsyevd_work(LAPACK_COL_MAJOR, (byte) 'V', (byte) 'L', n, (double[]) null, n,
                (double[]) null, optimalWork, -1, optimalIntegerWork, -1), "polar", "dsyevd workspace query");
        // LAPACK's documented minimum for JOBZ = 'V', in case the query under-reports
        long work = Math.max((long) optimalWork[0], 1L + 6L * n + 2L * n * n);
        long integerWork = Math.max(optimalIntegerWork[0], 3L + 5L * n);
        eigenWork = allocator.atLeast(eigenWork, work);
        eigenIntegerWork = allocator.atLeast(eigenIntegerWork, integerWork);
        eigenWorkOrder = n;
    }

    /**
     * Newton–Schulz steps {@code q <- q + q (I - q^T q) / 2} on the native result while the
     * largest entry of {@code E = I - q^T q} exceeds a rounding-level threshold (Higham,
     * Functions of Matrices, 2008, eq. 8.20); converges quadratically from the eigen route's start.
     *
     * <p>After a step from {@code E}, exact arithmetic gives {@code I - q'^T q' = (3/4) E^2 +
     * (1/4) E^3} ({@code E} commutes with itself), and rounding the update {@code q + q E / 2}
     * entrywise to {@code |q'| u} adds at most {@code 2u} to each entry of {@code q'^T q'}; the
     * rest is the rounding of the computed {@code E}, the same as the rounding a re-check would
     * make. So when {@code (3/4) ||E||_F^2 (1 + ||E||_F / 3) <= eps} the re-check could only
     * measure its own rounding, and it is skipped (it costs as much as the step's product).
     *
     * @return the number of steps taken
     */
    private int refineOrthonormality(int m, int n) {
        // Entries of a computed q^T q carry rounding of order sqrt(m) eps even for exact q.
        double target = 8.0 * Math.sqrt(m) * EPS;
        gram = grow(gram, n * n);
        for (int step = 0; step <= MAX_REFINEMENT_STEPS; step++) {
            // lower triangle of -q^T q / 2; adding 1/2 on the diagonal makes it E / 2
            cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, n, m, -0.5, nativeResult, n, 0.0, nativeGram, n);
            nativeGram.get(gram, 0, n * n);
            double largestHalfError = 0.0;
            double halfSumOfSquares = 0.0;
            for (int j = 0; j < n; j++) {
                int diagonal = j * n + j;
                gram[diagonal] += 0.5;
                largestHalfError = Math.max(largestHalfError, Math.abs(gram[diagonal]));
                halfSumOfSquares += 0.5 * gram[diagonal] * gram[diagonal];
                for (int i = diagonal + 1; i < (j + 1) * n; i++) {
                    largestHalfError = Math.max(largestHalfError, Math.abs(gram[i]));
                    halfSumOfSquares += gram[i] * gram[i];
                }
            }
            if (2.0 * largestHalfError <= target) {
                return step;
            }
            if (step == MAX_REFINEMENT_STEPS) {
                break;
            }
            // only the diagonal changed on the Java side
            for (int j = 0; j < n; j++) {
                nativeGram.put((long) j * n + j, gram[j * n + j]);
            }
            Pointer.memcpy(nativeInput, nativeResult, (long) m * n * Double.BYTES);
            cblas_dsymm(CblasRowMajor, CblasRight, CblasUpper, m, n, 1.0, nativeGram, n, nativeInput, n,
                    1.0, nativeResult, n);
            // ||E||_F^2 = 4 sum (E/2)_ij^2 over all entries = 8 * halfSumOfSquares
            double errorNorm = Math.sqrt(8.0 * halfSumOfSquares);
            if (0.75 * errorNorm * errorNorm * (1.0 + errorNorm / 3.0) <= EPS) {
                return step + 1;
            }
        }
        throw new ArithmeticException("polar: Newton-Schulz refinement did not reach orthonormality in "
                + MAX_REFINEMENT_STEPS + " steps (a is " + m + " x " + n + ")");
    }

    /** {@code out = u v^T} from {@code dgesdd} of the column-major view {@code a^T = u' s v'^T}. */
    private void bySvd(DMatrixRMaj a, DMatrixRMaj out) {
        final int m = a.numRows;
        final int n = a.numCols;
        lastRoute = PolarRoute.SVD;
        singularValues = grow(singularValues, n);
        svdLeftVectors = grow(svdLeftVectors, n * n);
        scratch = grow(scratch, m * n);
        System.arraycopy(a.data, 0, scratch, 0, m * n);
        // a = v' s u'^T, so the polar factor v' u'^T is the transpose of u' v'^T, whose
        // column-major n x m product read row-major is exactly that m x n transpose.
        int limit = decompositionThreads.getAsInt();
        int previousThreads = OpenBlasRuntime.limitThreads(limit);
        try {
            requireSuccess(LAPACKE_dgesdd(LAPACK_COL_MAJOR, (byte) 'S', n, m, scratch, n, singularValues,
                    svdLeftVectors, n, out.data, n), "polar", "dgesdd");
        } finally {
            OpenBlasRuntime.restoreThreads(previousThreads, limit);
        }
        requirePolarRank(m, n, singularValues[n - 1], singularValues[0]);
        gram = grow(gram, m * n);
        System.arraycopy(out.data, 0, gram, 0, m * n);
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, m, n, 1.0, svdLeftVectors, n,
                gram, n, 0.0, out.data, n);
    }

    /**
     * Frees the native buffers (the kernels' {@link OpenBlasKernels#close()} does). Closing twice
     * is harmless; the buffers are not to be used afterwards, which {@link OpenBlasKernels#polar}
     * checks before it delegates.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Pointer buffer : new Pointer[] {nativeInput, nativeGram, nativeInverseRoot, nativeResult, nativeValues,
            eigenWork, eigenIntegerWork}) {
            if (buffer != null) { // allocated on first use
                buffer.close();
            }
        }
    }

    /** Bytes of native memory these buffers hold now (0 after {@link #close()}). */
    long liveNativeBytes() {
        return OpenBlasKernels.liveBytes(nativeInput, nativeGram, nativeInverseRoot, nativeResult, nativeValues,
                eigenWork, eigenIntegerWork);
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("OpenBlasKernels was closed (its native buffers are freed)");
        }
    }
}
