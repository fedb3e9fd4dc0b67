package dev.stiefel.kernel;

import static dev.stiefel.kernel.MatrixChecks.*;

import static org.bytedeco.openblas.global.openblas.CblasColMajor;
import static org.bytedeco.openblas.global.openblas.CblasLower;
import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dgelqf;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dgesdd;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dgetrf;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dgetrs;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dorglq;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dpotrf;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dpotri;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dsyevd;
import static org.bytedeco.openblas.global.openblas.LAPACK_COL_MAJOR;
import static org.bytedeco.openblas.global.openblas.LAPACK_ROW_MAJOR;
import static org.bytedeco.openblas.global.openblas.cblas_dgemm;
import static org.bytedeco.openblas.global.openblas.cblas_dsyrk;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.ejml.data.DMatrixRMaj;

/**
 * Host backend on native OpenBLAS 0.3.31 (BLAS and LAPACK through the JavaCPP presets), on
 * the same {@link DMatrixRMaj} matrices as {@link EjmlKernels}.
 *
 * <p>Layout: a row-major m x n matrix is, read column-major, its n x m transpose. The
 * decompositions exploit this instead of letting LAPACKE transpose: thin QR of {@code a} is the
 * LQ factorisation of the column-major {@code a^T}; the SVD of {@code a} is read off the
 * column-major SVD of {@code a^T}; symmetric matrices are the same in both layouts.
 *
 * <p>Polar factor: {@code a (a^T a)^(-1/2)} from the eigendecomposition of {@code a^T a}
 * ({@code dsyrk}, {@code dsyevd}, {@code dsyrk}, {@code dsymm}), then Newton–Schulz steps
 * {@code q <- q (3 I - q^T q) / 2} until {@code q^T q = I} to working precision. Squaring the
 * condition number makes the eigen route lose orthonormality like {@code eps cond(a)^2}, which
 * the refinement removes, and its distance to the exact factor stays of the order
 * {@code eps cond(a)}, the problem's own sensitivity. When {@code lambda_min / lambda_max}
 * of {@code a^T a} is below {@value OpenBlasPolar#EIGEN_ROUTE_SMALLEST_RATIO} (condition above
 * 1e5) the eigenvalues themselves are unreliable and the SVD route ({@code dgesdd}) is taken
 * instead.
 * {@link #refinePolar refinePolar(false)} leaves the check and the refinement out.
 *
 * <p>Loading the natives and the thread count, OpenBLAS's global setting, are
 * {@link OpenBlasRuntime}'s. Not thread-safe: the workspaces (Java arrays, and
 * native buffers for gemm's operands and, in {@link OpenBlasPolar}, for the polar factor and
 * its dsyevd's work arrays) are fields, grown to the largest problem seen and kept; the other
 * LAPACKE drivers allocate their work arrays per call.
 */
public final class OpenBlasKernels extends HostKernels {

    /** {@link OpenBlasRuntime#THREADS_PROPERTY}. */
    public static final String THREADS_PROPERTY = OpenBlasRuntime.THREADS_PROPERTY;
    /** {@link OpenBlasRuntime#DECOMPOSITION_THREADS_PROPERTY}. */
    public static final String DECOMPOSITION_THREADS_PROPERTY = OpenBlasRuntime.DECOMPOSITION_THREADS_PROPERTY;

    private final NativeAllocator allocator;
    private double[] gram = new double[1];
    private boolean closed;
    // Native buffers for gemm's operands and product, kept across calls (see gemm), allocated
    // on first use (so that nothing native runs before the constructor has checked that the
    // natives loaded) and released by JavaCPP's deallocator when this object is collected.
    private DoublePointer gemmLeft;
    private DoublePointer gemmRight;
    private DoublePointer gemmProduct;
    private double[] svdLeftVectors = new double[1];
    private double[] values = new double[1];
    private double[] scratch = new double[1];
    private double[] tau = new double[1];
    private int[] pivots = new int[1];
    private final DMatrixRMaj factor = new DMatrixRMaj(1, 1);

    /** The polar factor's routes, their native workspaces and the route the last call took. */
    private final OpenBlasPolar polarFactor;
    private int decompositionThreads = Integer.MAX_VALUE;

    /** The algorithm {@link #polar} used on its last call. */
    public enum PolarRoute {
        /** No polar factor computed yet (or an empty matrix). */
        NONE,
        /** Eigendecomposition of {@code a^T a} plus Newton–Schulz refinement. */
        EIGEN,
        /** Divide-and-conquer SVD, for inputs too ill-conditioned for the eigen route. */
        SVD
    }

    /**
     * Allocates the native workspaces: JavaCPP's pointers, or in tests an allocator that fails
     * on demand, to show that a failed allocation leaves the object usable.
     */
    interface NativeAllocator {

        DoublePointer doubles(long length);

        IntPointer ints(long length);

        /**
         * A native buffer of at least {@code length} doubles: {@code buffer} when it is large
         * enough, else a new one, allocated before {@code buffer} is released so that a failed
         * allocation (an {@link OutOfMemoryError}) leaves the caller's field holding a live buffer.
         */
        default DoublePointer atLeast(DoublePointer buffer, long length) {
            if (buffer != null && buffer.capacity() >= length) {
                return buffer;
            }
            DoublePointer grown = doubles(Math.max(1L, length));
            if (buffer != null) {
                buffer.close();
            }
            return grown;
        }

        /** As {@link #atLeast(DoublePointer, long)}, for ints. */
        default IntPointer atLeast(IntPointer buffer, long length) {
            if (buffer != null && buffer.capacity() >= length) {
                return buffer;
            }
            IntPointer grown = ints(Math.max(1L, length));
            if (buffer != null) {
                buffer.close();
            }
            return grown;
        }
    }

    private static final NativeAllocator JAVACPP = new NativeAllocator() {
        @Override
        public DoublePointer doubles(long length) {
            return new DoublePointer(length);
        }

        @Override
        public IntPointer ints(long length) {
            return new IntPointer(length);
        }
    };

    /**
     * @throws UnsupportedOperationException when the OpenBLAS natives cannot be loaded on this
     *     platform; the loading error is the cause
     * @throws IllegalArgumentException when {@value #THREADS_PROPERTY} is set to anything but a
     *     positive integer
     */
    public OpenBlasKernels() {
        this(OpenBlasRuntime.loadFailure(), JAVACPP);
    }

    /**
     * @param loadFailure why the natives did not load, or null when they did
     * @param allocator where the native workspaces come from
     */
    OpenBlasKernels(Throwable loadFailure, NativeAllocator allocator) {
        if (loadFailure != null) {
            throw new UnsupportedOperationException("OpenBLAS natives failed to load: " + loadFailure, loadFailure);
        }
        this.allocator = allocator;
        this.polarFactor = new OpenBlasPolar(allocator, () -> decompositionThreads);
        OpenBlasRuntime.applyThreadProperty();
        decompositionThreads = OpenBlasRuntime.positiveIntegerProperty(DECOMPOSITION_THREADS_PROPERTY,
                Integer.MAX_VALUE);
    }

    /** {@link OpenBlasRuntime#isAvailable()}. */
    public static boolean isAvailable() {
        return OpenBlasRuntime.isAvailable();
    }

    /** {@link OpenBlasRuntime#loadFailure()}. */
    public static Throwable loadFailure() {
        return OpenBlasRuntime.loadFailure();
    }

    /** {@link OpenBlasRuntime#threads()}: the process-wide count OpenBLAS runs with. */
    public static int threads() {
        return OpenBlasRuntime.threads();
    }

    /** {@link OpenBlasRuntime#setThreads(int)}: the process-wide count. */
    public static void setThreads(int threads) {
        OpenBlasRuntime.setThreads(threads);
    }

    @Override
    public String name() {
        return "openblas";
    }

    /** The route taken by the last {@link #polar} call. */
    public PolarRoute lastPolarRoute() {
        return polarFactor.lastRoute();
    }

    /** Newton–Schulz steps taken by the last eigen-route {@link #polar} call. */
    public int lastRefinementSteps() {
        return polarFactor.lastRefinementSteps();
    }

    /**
     * Turns the eigen-route polar factor's orthonormality check and Newton–Schulz refinement
     * off or on (default on). Off, {@link #polar} is the plain eigen route numpy users write
     * ({@code a V diag(lambda)^(-1/2) V^T}): one {@code m n^2} product less (6% of the time at
     * 1024 x 1000 in the JMH comparison with numpy), but {@code q^T q = I} only to about
     * {@code eps cond(a)^2} (5.3e-10 at cond 1e4, 1024 x 1000, in the benchmark module's
     * {@code PolarAccuracyReport}) instead of {@code 8 sqrt(m) eps}, and nothing checks it. The SVD route for {@code cond(a) > 1e5} is unchanged. For callers that orthonormalise
     * again anyway, or that compare against that plain route.
     *
     * @return this
     */
    public OpenBlasKernels refinePolar(boolean refine) {
        polarFactor.refine(refine);
        return this;
    }

    /**
     * The most OpenBLAS threads for the eigen and singular value decompositions ({@code dsyevd},
     * {@code dgesdd}); products keep the process-wide count. Default: the process-wide count
     * (no limit), or {@value #DECOMPOSITION_THREADS_PROPERTY} when set. On a machine of its own
     * more threads are faster (2-core VM, quiet: the polar factor of a 1024 x 1000 matrix 134 ms
     * with 2 threads against 202 ms with 1). On a machine shared with other work, lower it:
     * the decompositions' reductions to tridiagonal or bidiagonal form are sequences of
     * matrix-vector products with a thread synchronisation per column, and OpenBLAS's waiting
     * threads spin, so with a load average about 9 on 2 cores {@code dsyevd} of order 1000 took
     * 1.4 to 10 s with 2 threads against 0.27 to 0.34 s with 1, while a 4000 x 1024 x 4000
     * product kept its speed with 2. The count is switched around each call, process-wide; with
     * several BLAS-calling threads use one BLAS thread, which disables the switch. Values above
     * the process-wide count have no effect.
     *
     * @return this
     * @throws IllegalArgumentException when {@code threads < 1}
     */
    public OpenBlasKernels decompositionThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("decomposition threads: expected at least 1, got " + threads);
        }
        decompositionThreads = threads;
        return this;
    }

    /** Lowers OpenBLAS's thread count to {@link #decompositionThreads}; returns the count to restore. */
    private int enterDecomposition() {
        return OpenBlasRuntime.limitThreads(decompositionThreads);
    }

    private void leaveDecomposition(int previous) {
        OpenBlasRuntime.restoreThreads(previous, decompositionThreads);
    }

    /** Whether {@link #polar} checks and refines orthonormality (see {@link #refinePolar}). */
    public boolean refinesPolar() {
        return polarFactor.refines();
    }

    // ---- level 3 -------------------------------------------------------------------------

    /**
     * {@inheritDoc} One {@code cblas_dgemm} in row-major layout on native copies of the
     * operands; matrix-vector and rank-one products in Java.
     */
    @Override
    public void gemm(double alpha, DMatrixRMaj a, boolean transposeA, DMatrixRMaj b,
            boolean transposeB, double beta, DMatrixRMaj c) {
        requireOpen();
        int inner = checkGemm(a, transposeA, b, transposeB, c);
        int m = c.numRows;
        int n = c.numCols;
        if (m <= 1 || n <= 1 || inner <= 1) {
            // empty, matrix-vector and rank-one products are memory-bound: JNI's copies of the
            // arrays in and out would cost about twice the product (measured at 1024 x 1000)
            gemmInJava(alpha, a, transposeA, b, transposeB, beta, c, inner);
            return;
        }
        // Staged through native buffers kept across calls: passing the Java arrays makes JNI
        // allocate, fill and copy back a fresh native copy of each on every call (49 ms instead
        // of 31 ms for 1024 x 1000 x 1000, measured).
        int sizeA = a.getNumElements();
        gemmLeft = allocator.atLeast(gemmLeft, sizeA);
        gemmLeft.put(a.data, 0, sizeA);
        DoublePointer right = gemmLeft;
        if (b != a) {
            int sizeB = b.getNumElements();
            gemmRight = allocator.atLeast(gemmRight, sizeB);
            gemmRight.put(b.data, 0, sizeB);
            right = gemmRight;
        }
        int sizeC = m * n;
        gemmProduct = allocator.atLeast(gemmProduct, sizeC);
        if (beta != 0.0) {
            gemmProduct.put(c.data, 0, sizeC);
        }
        cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
                transposeB ? CblasTrans : CblasNoTrans, m, n, inner, alpha,
                gemmLeft, Math.max(1, a.numCols), right, Math.max(1, b.numCols), beta, gemmProduct, n);
        gemmProduct.get(c.data, 0, sizeC);
    }

    /**
     * {@inheritDoc} One {@code dsyrk} ({@code m n^2} flops, half of {@link #gemm}'s) on a native
     * copy of {@code a}, then the lower triangle mirrored in Java.
     */
    @Override
    public void gram(DMatrixRMaj a, DMatrixRMaj out) {
        requireOpen();
        requireNonNull(a, "a");
        final int m = a.numRows;
        final int n = a.numCols;
        MatrixChecks.requireShape(out, n, n, "gram out");
        requireNotAliased(a, "a", out, "gram out");
        if (n == 0) {
            return;
        }
        if (m == 0) {
            out.zero();
            return;
        }
        gemmLeft = allocator.atLeast(gemmLeft, (long) m * n);
        gemmLeft.put(a.data, 0, m * n);
        gemmProduct = allocator.atLeast(gemmProduct, (long) n * n);
        // the column-major view of a is a^T (n x m): dsyrk of that view is a^T a, its
        // column-major lower triangle the row-major upper one
        cblas_dsyrk(CblasColMajor, CblasLower, CblasNoTrans, n, m, 1.0, gemmLeft, n, 0.0, gemmProduct, n);
        gemmProduct.get(out.data, 0, n * n);
        for (int i = 1; i < n; i++) {
            for (int j = 0; j < i; j++) {
                out.data[i * n + j] = out.data[j * n + i];
            }
        }
    }

    // ---- decompositions ------------------------------------------------------------------

    /**
     * {@inheritDoc}
     *
     * <p>The column-major view of {@code a} is {@code a^T = l q'}, so {@code dgelqf} and
     * {@code dorglq} on it give {@code q = q'^T} and {@code r = l^T} without any transpose.
     * Rank deficiency is declared when some {@code |r_jj| <= rows * eps * ||a||_F}.
     * {@code q} may alias {@code a}.
     */
    @Override
    public void qrPositive(DMatrixRMaj a, DMatrixRMaj q, DMatrixRMaj r) {
        requireOpen();
        requireTall(a, "qrPositive a");
        final int rows = a.numRows;
        final int cols = a.numCols;
        requireShape(q, rows, cols, "qrPositive q");
        if (r != null) {
            requireShape(r, cols, cols, "qrPositive r");
            requireNotAliased(q, "q", r, "r");
            requireNotAliased(a, "a", r, "r");
        }
        requireFinite(a, "qrPositive a");
        if (cols == 0) {
            return;
        }
        double threshold = rows * EPS * normF(a);
        if (q != a) {
            System.arraycopy(a.data, 0, q.data, 0, rows * cols);
        }
        tau = grow(tau, cols);
        requireSuccess(LAPACKE_dgelqf(LAPACK_COL_MAJOR, cols, rows, q.data, cols, tau), "qrPositive", "dgelqf");
        // r = l^T: row-major (i, j >= i) of r is column-major (j, i) of l, the same array slot.
        for (int j = 0; j < cols; j++) {
            double diagonal = q.data[j * cols + j];
            if (!(Math.abs(diagonal) > threshold)) {
                throw new ArithmeticException("qrPositive: a (" + rows + " x " + cols
                        + ") is rank deficient: |R(" + j + ", " + j + ")| = " + Math.abs(diagonal)
                        + " <= rows * eps * ||a||_F = " + threshold);
            }
        }
        values = grow(values, cols);
        for (int i = 0; i < cols; i++) {
            values[i] = q.data[i * cols + i] < 0.0 ? -1.0 : 1.0;
            if (r != null) {
                for (int j = 0; j < cols; j++) {
                    r.data[i * cols + j] = j >= i ? values[i] * q.data[i * cols + j] : 0.0;
                }
            }
        }
        requireSuccess(LAPACKE_dorglq(LAPACK_COL_MAJOR, cols, rows, cols, q.data, cols, tau), "qrPositive", "dorglq");
        for (int i = 0; i < rows; i++) {
            int rowStart = i * cols;
            for (int j = 0; j < cols; j++) {
                q.data[rowStart + j] *= values[j];
            }
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>Eigen route with Newton–Schulz refinement for {@code cond(a) <= 1e5}, SVD route
     * beyond (see the class comment). The intermediates stay in native buffers, so only
     * {@code a} and the result cross the JNI boundary. {@code out} may alias {@code a}.
     */
    @Override
    public void polar(DMatrixRMaj a, DMatrixRMaj out) {
        requireOpen();
        requireTall(a, "polar a");
        MatrixChecks.requireShape(out, a.numRows, a.numCols, "polar out");
        polarFactor.factor(a, out);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The route of {@link #polar} for {@code cond(a) <= 1e5}, with the eigenvectors copied
     * out of the native buffer before they are scaled; false (nothing written) where
     * {@link #polar} would take the SVD route or {@code a} is not finite.
     */
    @Override
    public boolean polarFromGramEigen(DMatrixRMaj a, DMatrixRMaj out, DMatrixRMaj vectors, double[] eigenvalues) {
        requireOpen();
        requireTall(a, "polarFromGramEigen a");
        final int n = a.numCols;
        requireShape(out, a.numRows, n, "polarFromGramEigen out");
        requireShape(vectors, n, n, "polarFromGramEigen vectors");
        if (eigenvalues == null || eigenvalues.length < n) {
            throw new IllegalArgumentException("polarFromGramEigen values: expected at least " + n + " entries");
        }
        requireNotAliased(a, "a", vectors, "vectors");
        requireNotAliased(out, "out", vectors, "vectors");
        return polarFactor.factorFromGramEigen(a, out, vectors, eigenvalues);
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code dsyevd} (divide and conquer) on {@code (a + a^T) / 2}, which is the same array
     * in either layout. {@code vectors} may alias {@code a}.
     */
    @Override
    public void symmetricEigen(DMatrixRMaj a, DMatrixRMaj vectors, double[] eigenvalues) {
        requireOpen();
        checkSymmetricEigen(a, vectors, eigenvalues);
        final int n = a.numRows;
        if (n == 0) {
            return;
        }
        gram = grow(gram, n * n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                gram[i * n + j] = 0.5 * (a.data[i * n + j] + a.data[j * n + i]);
            }
        }
        // Row-major lower triangle = column-major upper triangle.
        int previousThreads = enterDecomposition();
        try {
            requireSuccess(LAPACKE_dsyevd(LAPACK_COL_MAJOR, (byte) 'V', (byte) 'U', n, gram, n, eigenvalues),
                    "symmetricEigen", "dsyevd");
        } finally {
            leaveDecomposition(previousThreads);
        }
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                vectors.data[i * n + k] = gram[k * n + i];
            }
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code dgesdd} on the column-major view {@code a^T = u' s v'^T}: then {@code u = v'^T},
     * written directly in row-major form, and {@code v = u'}. {@code u} may alias {@code a}.
     */
    @Override
    public void svdThin(DMatrixRMaj a, DMatrixRMaj u, double[] s, DMatrixRMaj v) {
        requireOpen();
        checkSvdThin(a, u, s, v);
        final int m = a.numRows;
        final int n = a.numCols;
        if (n == 0) {
            return;
        }
        scratch = grow(scratch, m * n);
        svdLeftVectors = grow(svdLeftVectors, n * n);
        System.arraycopy(a.data, 0, scratch, 0, m * n);
        int previousThreads = enterDecomposition();
        try {
            requireSuccess(LAPACKE_dgesdd(LAPACK_COL_MAJOR, (byte) 'S', n, m, scratch, n, s,
                    svdLeftVectors, n, u.data, n), "svdThin", "dgesdd");
        } finally {
            leaveDecomposition(previousThreads);
        }
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                v.data[i * n + k] = svdLeftVectors[k * n + i];
            }
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code dpotrf} with {@code uplo = 'U'} on the column-major view: it reads the row-major
     * lower triangle of {@code a} and leaves {@code u} with {@code a = u^T u}, which read
     * row-major is {@code l = u^T}. Positive definiteness is required to working precision
     * as in {@link EjmlKernels#cholesky}. {@code lower} may alias {@code a}.
     */
    @Override
    public void cholesky(DMatrixRMaj a, DMatrixRMaj lower) {
        requireOpen();
        checkCholesky(a, lower);
        final int n = a.numRows;
        if (n == 0) {
            return;
        }
        double largestDiagonal = largestDiagonal(a);
        if (lower != a) {
            System.arraycopy(a.data, 0, lower.data, 0, n * n);
        }
        int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, (byte) 'U', n, lower.data, n);
        if (info > 0) {
            throw new ArithmeticException("cholesky: a (" + n + " x " + n
                    + ") is not positive definite (leading minor " + info + ")");
        }
        requireSuccess(info, "cholesky", "dpotrf");
        requirePositivePivots(lower, largestDiagonal);
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@link #cholesky} into {@code out}, then {@code dpotri} on the same column-major view,
     * which overwrites the factor's triangle (row-major lower) with the inverse's; the other
     * triangle is mirrored.
     */
    @Override
    public void inversePositiveDefinite(DMatrixRMaj a, DMatrixRMaj out) {
        requireOpen();
        requireNotAliased(a, "a", out, "inversePositiveDefinite out");
        cholesky(a, out);
        final int n = a.numRows;
        if (n == 0) {
            return;
        }
        requireSuccess(LAPACKE_dpotri(LAPACK_COL_MAJOR, (byte) 'U', n, out.data, n), "inversePositiveDefinite",
                "dpotri");
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                out.data[j * n + i] = out.data[i * n + j];
            }
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>{@code dgetrf} then {@code dgetrs} (row-major LAPACKE). Singularity to working
     * precision as in {@link EjmlKernels#solve}. {@code x} may alias {@code b} but not {@code a}.
     */
    @Override
    public void solve(DMatrixRMaj a, DMatrixRMaj b, DMatrixRMaj x) {
        requireOpen();
        checkSolve(a, b, x);
        final int n = a.numRows;
        final int k = b.numCols;
        if (n == 0 || k == 0) {
            return;
        }
        factor.reshape(n, n);
        System.arraycopy(a.data, 0, factor.data, 0, n * n);
        pivots = grow(pivots, n);
        final int[] luPivots = pivots;
        // The direct calls are spelled out, not routed through onLargeStack: a capturing lambda
        // would allocate on every solve, and solve sits inside warm loops (Cayley, expm).
        int info = n <= DIRECT_LU_LIMIT
                ? LAPACKE_dgetrf(LAPACK_ROW_MAJOR, n, n, factor.data, n, luPivots)
                : onLargeStack(() -> LAPACKE_dgetrf(LAPACK_ROW_MAJOR, n, n, factor.data, n, luPivots));
        if (info > 0) {
            throw new ArithmeticException("solve: a (" + n + " x " + n + ") is singular: U("
                    + (info - 1) + ", " + (info - 1) + ") = 0");
        }
        requireSuccess(info, "solve", "dgetrf");
        requireNonsingularPivots(factor, maxAbs(a));
        if (x != b) {
            System.arraycopy(b.data, 0, x.data, 0, n * k);
        }
        requireSuccess(n <= DIRECT_LU_LIMIT
                ? LAPACKE_dgetrs(LAPACK_ROW_MAJOR, (byte) 'N', n, k, factor.data, n, luPivots, x.data, k)
                : onLargeStack(() -> LAPACKE_dgetrs(LAPACK_ROW_MAJOR, (byte) 'N', n, k, factor.data, n,
                        luPivots, x.data, k)), "solve", "dgetrs");
    }

    /**
     * Runs an LU routine on a thread with a large stack, for {@code n} large enough for
     * OpenBLAS to take its own multithreaded {@code getrf}: that path keeps per-thread job
     * tables on the caller's stack and overflows a JVM thread's default 1 MiB stack (a silent
     * SIGSEGV of the whole JVM, seen from n = 160 on 2 cores). Small systems, the common case
     * (Cayley's and the exponential's 2p x 2p solves), are called directly by {@link #solve}.
     */
    private static int onLargeStack(java.util.function.IntSupplier lapackCall) {
        try {
            return LargeStackExecutor.INSTANCE.submit(lapackCall::getAsInt).get();
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("solve: interrupted while waiting for the LU factorisation", interrupted);
        } catch (java.util.concurrent.ExecutionException failed) {
            Throwable cause = failed.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException("solve: LU factorisation failed", cause);
        }
    }

    /** Largest n solved on the calling thread; well below the smallest size that crashed (160). */
    private static final int DIRECT_LU_LIMIT = 64;

    /** One daemon thread with a 256 MiB stack (address space only; pages are touched on use). */
    private static final class LargeStackExecutor {
        static final java.util.concurrent.ExecutorService INSTANCE =
                java.util.concurrent.Executors.newSingleThreadExecutor(task -> {
                    Thread thread = new Thread(null, task, "openblas-large-stack", 256L << 20);
                    thread.setDaemon(true);
                    return thread;
                });
    }

    // ---- helpers -------------------------------------------------------------------------

    /**
     * Bytes of native memory these kernels hold now: the buffers gemm, the polar factor and the
     * eigensolver keep across calls (0 before their first use and after {@link #close()}), so that
     * a test can prove that closing gives everything back.
     *
     * @return the bytes held
     */
    public long liveNativeBytes() {
        return liveBytes(gemmLeft, gemmRight, gemmProduct) + polarFactor.liveNativeBytes();
    }

    /** Bytes held by the buffers that are allocated and not yet freed. */
    static long liveBytes(Pointer... buffers) {
        long bytes = 0;
        for (Pointer buffer : buffers) {
            if (buffer != null && !buffer.isNull()) {
                bytes += buffer.capacity() * buffer.sizeof();
            }
        }
        return bytes;
    }

    /**
     * Frees the native buffers that gemm, polar and the eigensolver keep across calls. Closing
     * twice is harmless; those operations throw {@link IllegalStateException} afterwards.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Pointer buffer : new Pointer[] {gemmLeft, gemmRight, gemmProduct}) {
            if (buffer != null) { // allocated on first use
                buffer.close();
            }
        }
        polarFactor.close();
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("OpenBlasKernels was closed (its native buffers are freed)");
        }
    }

    /**
     * LAPACK's info: negative means an illegal argument (a bug here), positive a failure to
     * converge, which the callers that can meet it explain more precisely first.
     */
    static void requireSuccess(int info, String operation, String routine) {
        if (info < 0) {
            throw new IllegalStateException(operation + ": " + routine + " rejected argument " + (-info));
        }
        if (info > 0) {
            throw new ArithmeticException(operation + ": " + routine + " failed to converge (info = " + info + ")");
        }
    }

    static double[] grow(double[] array, int length) {
        return array.length >= length ? array : new double[length];
    }

    private static int[] grow(int[] array, int length) {
        return array.length >= length ? array : new int[length];
    }
}
