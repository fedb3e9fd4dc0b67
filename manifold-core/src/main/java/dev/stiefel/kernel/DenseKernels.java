package dev.stiefel.kernel;

import org.ejml.data.DMatrixRMaj;

/**
 * The dense linear-algebra seam: every matrix operation the manifolds, solvers, the
 * nearest-ETF problem and its backward need, over an opaque matrix type {@code M}.
 *
 * <p>Geometry is written once against this interface. A backend decides where the numbers
 * live and which library does the work: {@code EjmlKernels} (pure Java, the reference),
 * {@code OpenBlasKernels} (native BLAS/LAPACK on the host, same {@link DMatrixRMaj} type), and
 * the CUDA backends of module {@code manifold-cuda} (device matrices, float64 or float32).
 *
 * <p>Conventions, after EJML: the output is the last parameter; an output may alias an input
 * only where the method says so; shapes are checked and a mismatch throws
 * {@link IllegalArgumentException} naming the shapes. Scalars cross the seam as {@code double}
 * whatever the backend's precision. Implementations own their workspaces and are therefore
 * not thread-safe: use one instance per thread. Backends that hold native or device memory free
 * it in {@link #close()}.
 *
 * @param <M> the backend's matrix type
 */
public interface DenseKernels<M> extends AutoCloseable {

    /** Short name for reports, e.g. {@code "ejml"}, {@code "openblas"}, {@code "cuda-jcuda-f64"}. */
    String name();

    /** Number of bits of the backend's floating-point type: 64 or 32. */
    int precisionBits();

    // ---- storage -------------------------------------------------------------------------

    /** A new zero matrix of the given shape. */
    M create(int rows, int cols);

    int rows(M a);

    int cols(M a);

    /** Copies a host matrix into a new backend matrix (the API boundary). */
    M fromHost(DMatrixRMaj src);

    /** Copies {@code src} into the host matrix {@code dst}, which is reshaped to fit. */
    DMatrixRMaj toHost(M src, DMatrixRMaj dst);

    /** Copies the host matrix {@code src} into {@code dst} of the same shape. */
    void copyFromHost(DMatrixRMaj src, M dst);

    /** {@code dst = src}; same shapes. */
    void copy(M src, M dst);

    /** Releases native or device memory held by {@code a}; a no-op on the host. */
    default void free(M a) {
    }

    /**
     * Frees the backend's own workspaces (native buffers, device memory); matrices from
     * {@link #create} are freed with {@link #free}. Closing twice is harmless; a backend that
     * owns native memory throws {@link IllegalStateException} when used afterwards. The default
     * (pure-Java backends) has nothing to free.
     */
    @Override
    default void close() {
    }

    /** {@code a = 0}. */
    void zero(M a);

    /** {@code a = [I; 0]} (rectangular identity: ones on the main diagonal). */
    void setIdentity(M a);

    /** Value of entry (i, j). Slow on a device: for tests and boundaries only. */
    double get(M a, int row, int col);

    // ---- level 1 -------------------------------------------------------------------------

    /** {@code a = alpha a}. */
    void scale(double alpha, M a);

    /** {@code out = alpha x + beta y}; {@code out} may alias {@code x} or {@code y}. */
    void addScaled(double alpha, M x, double beta, M y, M out);

    /** Frobenius inner product {@code <a, b> = tr(a^T b)}. */
    double dot(M a, M b);

    /** Frobenius norm. */
    double normF(M a);

    /** True when every entry is finite (no NaN, no infinity). */
    boolean allFinite(M a);

    /** {@code out = a^T}; {@code out} must not alias {@code a}. */
    void transpose(M a, M out);

    /** {@code out = (a + a^T) / 2} for square {@code a}; {@code out} may alias {@code a}. */
    void symmetricPart(M a, M out);

    /** {@code out = (a - a^T) / 2} for square {@code a}; {@code out} may alias {@code a}. */
    void skewPart(M a, M out);

    /** {@code out = a diag(s)}: column j scaled by {@code s[j]}; {@code out} may alias {@code a}. */
    void scaleColumns(M a, double[] s, M out);

    /** {@code out = a + alpha I} for square {@code a}; {@code out} may alias {@code a}. */
    void addIdentity(M a, double alpha, M out);

    // ---- level 3 -------------------------------------------------------------------------

    /**
     * General product {@code c = alpha op(a) op(b) + beta c}, {@code op(x) = x} or {@code x^T}.
     * {@code c} must not alias {@code a} or {@code b}. With {@code beta = 0} the old contents of
     * {@code c} are ignored (NaN included).
     */
    void gemm(double alpha, M a, boolean transposeA, M b, boolean transposeB, double beta, M c);

    /**
     * Gram matrix {@code out = a^T a} ({@code n x n} for an {@code m x n} {@code a}), both
     * triangles filled. The default is {@link #gemm}; a backend may exploit the symmetry
     * (half the flops). {@code out} must not alias {@code a}.
     */
    default void gram(M a, M out) {
        gemm(1.0, a, true, a, false, 0.0, out);
    }

    // ---- decompositions ------------------------------------------------------------------

    /**
     * Thin QR {@code a = q r} of a tall {@code a} (rows >= cols) with the signs fixed so that
     * {@code diag(r) > 0}: then the factorisation is unique for full-rank {@code a}.
     * {@code r} may be null when only {@code q} is wanted.
     *
     * @throws ArithmeticException when {@code a} is rank deficient (a zero diagonal in r)
     */
    void qrPositive(M a, M q, M r);

    /**
     * Polar factor {@code out = u v^T} of the thin SVD {@code a = u s v^T}, equivalently
     * {@code a (a^T a)^(-1/2)}: the closest matrix with orthonormal columns.
     *
     * @throws ArithmeticException when the smallest singular value is below
     *     {@code rows * eps * largest} (the factor is then not unique)
     */
    void polar(M a, M out);

    /**
     * The polar factor by the eigen route, keeping the factorisation it came from: when this
     * backend computes {@code polar(a)} from the eigendecomposition
     * {@code a^T a = vectors diag(values) vectors^T} (values ascending) and {@code a} is
     * conditioned well enough for that route, writes {@code out = polar(a)} exactly as
     * {@link #polar} would, the eigenvectors (columns of {@code vectors}, {@code n x n}) and
     * eigenvalues (the first n entries of {@code values}), and returns true. Then
     * {@code a = (out vectors) diag(sqrt(values)) vectors^T} is a thin SVD of {@code a}, which a
     * backward pass can use instead of decomposing {@code a} again.
     *
     * <p>Returns false, with {@code out}, {@code vectors} and {@code values} unspecified, when
     * the backend has no such route (the default) or declines it for this {@code a} (too
     * ill-conditioned, or not finite); the caller then uses {@link #polar} or {@link #svdThin}.
     * {@code out} may alias {@code a}.
     */
    default boolean polarFromGramEigen(M a, M out, M vectors, double[] values) {
        return false;
    }

    /**
     * Symmetric eigendecomposition {@code a = v diag(values) v^T}, eigenvalues ascending.
     * Only the symmetric part of {@code a} is meaningful.
     */
    void symmetricEigen(M a, M vectors, double[] values);

    /**
     * Thin SVD {@code a = u diag(s) v^T} of a tall {@code a} (rows >= cols), singular values
     * descending; {@code u} is rows x cols, {@code v} is cols x cols.
     */
    void svdThin(M a, M u, double[] s, M v);

    /**
     * Cholesky factor {@code a = l l^T} of a symmetric positive-definite {@code a}.
     *
     * @throws ArithmeticException when {@code a} is not positive definite
     */
    void cholesky(M a, M lower);

    /**
     * Inverse of a symmetric positive-definite {@code a} through its Cholesky factor
     * {@code a = l l^T}: {@code out = l^-T l^-1}, symmetric. Only the lower triangle of
     * {@code a} is read and positive definiteness is judged as in {@link #cholesky}. The
     * default factors with {@link #cholesky}, inverts the factor with {@link #solve} and forms
     * the product with {@link #gemm}, allocating two temporaries; host backends override it
     * with workspaces. {@code out} must not alias {@code a}.
     *
     * @throws ArithmeticException when {@code a} is not positive definite to working precision
     * @throws IllegalArgumentException for non-square {@code a}, a wrong output shape or
     *     non-finite entries
     */
    default void inversePositiveDefinite(M a, M out) {
        int n = rows(a);
        if (cols(a) != n || rows(out) != n || cols(out) != n) {
            throw new IllegalArgumentException("inversePositiveDefinite: a is " + rows(a) + " x " + cols(a)
                    + " and out " + rows(out) + " x " + cols(out) + ", expected both square of the same order");
        }
        M lower = create(n, n);
        M inverseFactor = create(n, n);
        try {
            cholesky(a, lower);
            setIdentity(inverseFactor);
            solve(lower, inverseFactor, inverseFactor);
            gemm(1.0, inverseFactor, true, inverseFactor, false, 0.0, out);
        } finally {
            free(lower);
            free(inverseFactor);
        }
    }

    /**
     * Solves {@code a x = b} for square {@code a} (LU with partial pivoting).
     *
     * @throws ArithmeticException when {@code a} is singular to working precision
     */
    void solve(M a, M b, M x);

    /** Matrix exponential of a square matrix (scaling and squaring, Padé). */
    void expm(M a, M out);
}
