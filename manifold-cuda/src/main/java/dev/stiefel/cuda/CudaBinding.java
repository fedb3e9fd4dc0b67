package dev.stiefel.cuda;

/**
 * The few CUDA runtime, cuBLAS and cuSOLVER (dense) entry points that {@link CudaKernels}
 * needs, in both precisions, behind one interface so the kernels are written once and a
 * binding is chosen per host: {@link JCudaBinding} (JCuda, CUDA 12) or
 * {@link JavaCppCudaBinding} (JavaCPP presets, CUDA 13).
 *
 * <p>Conventions: matrices are column-major with a leading dimension, as in BLAS; counts and
 * leading dimensions are in elements of the given {@link CudaPrecision}; scalars are host
 * {@code double}s (cuBLAS pointer mode host). Every non-zero status becomes a
 * {@link CudaException}. The cuSOLVER methods return the routine's {@code devInfo} (read back
 * to the host, which synchronises) and leave its interpretation to the caller. A binding owns
 * its library handles and is not thread-safe. Pointers are checked before any call: a block of
 * another binding, a freed block or a host transfer outside a block is refused with an
 * exception, not passed to the library.
 */
public interface CudaBinding extends AutoCloseable {

    /** Short name for reports: {@code "jcuda"} or {@code "javacpp"}. */
    String name();

    /** One line naming the device, the driver and the runtime versions. */
    String describe();

    // ---- memory ----------------------------------------------------------------------------

    /** {@code cudaMalloc}; a zero-byte request returns a valid pointer that must still be freed. */
    DevicePointer allocate(long bytes);

    /** {@code cudaFree}; freeing twice is a no-op. */
    void free(DevicePointer pointer);

    /**
     * Bytes of device memory this binding has allocated and not yet freed, counted as
     * requested from {@link #allocate(long)}: every {@link CudaKernels} on the binding adds to
     * it, so a caller compares the value before and after the work it wants to check.
     *
     * @return the live bytes, zero or more
     */
    long liveDeviceBytes();

    /** {@code cudaMemset(pointer, 0, bytes)}. */
    void zero(DevicePointer pointer, long bytes);

    /** Copies {@code count} doubles from {@code src} to the start of {@code dst}. */
    void copyToDevice(double[] src, int count, DevicePointer dst);

    /** Copies {@code count} floats from {@code src} to the start of {@code dst}. */
    void copyToDevice(float[] src, int count, DevicePointer dst);

    /** Copies {@code count} doubles starting {@code byteOffset} bytes into {@code src} to {@code dst}. */
    void copyToHost(DevicePointer src, long byteOffset, int count, double[] dst);

    /** Copies {@code count} floats starting {@code byteOffset} bytes into {@code src} to {@code dst}. */
    void copyToHost(DevicePointer src, long byteOffset, int count, float[] dst);

    /** Reads one {@code int} (a cuSOLVER {@code devInfo}) from the start of {@code src}. */
    int readInt(DevicePointer src);

    /** Device-to-device copy of {@code bytes} bytes between the starts of two blocks. */
    void copyOnDevice(DevicePointer src, DevicePointer dst, long bytes);

    /** Waits for all queued work ({@code cudaDeviceSynchronize}). */
    void synchronize();

    // ---- cuBLAS ----------------------------------------------------------------------------

    /** {@code c = alpha op(a) op(b) + beta c} with {@code op(a)} m x k, {@code op(b)} k x n. */
    void gemm(CudaPrecision precision, boolean transposeA, boolean transposeB, int m, int n, int k,
            double alpha, DevicePointer a, int lda, DevicePointer b, int ldb,
            double beta, DevicePointer c, int ldc);

    /** {@code c = alpha op(a) + beta op(b)}, all m x n after the op (cuBLAS extension geam). */
    void geam(CudaPrecision precision, boolean transposeA, boolean transposeB, int m, int n,
            double alpha, DevicePointer a, int lda, double beta, DevicePointer b, int ldb,
            DevicePointer c, int ldc);

    /** {@code c = a diag(x)} (m x n, x of length n with stride {@code incx}); dgmm, side right. */
    void scaleColumns(CudaPrecision precision, int m, int n, DevicePointer a, int lda,
            DevicePointer x, int incx, DevicePointer c, int ldc);

    /** {@code y = alpha x + y} over n strided elements. */
    void axpy(CudaPrecision precision, int n, double alpha, DevicePointer x, int incx, DevicePointer y, int incy);

    /** {@code x = alpha x} over n strided elements. */
    void scal(CudaPrecision precision, int n, double alpha, DevicePointer x, int incx);

    /** {@code y = x} over n strided elements. */
    void copyStrided(CudaPrecision precision, int n, DevicePointer x, int incx, DevicePointer y, int incy);

    /** {@code x^T y}. */
    double dot(CudaPrecision precision, int n, DevicePointer x, int incx, DevicePointer y, int incy);

    /** Euclidean norm, computed without overflow. */
    double nrm2(CudaPrecision precision, int n, DevicePointer x, int incx);

    /** Sum of absolute values (NaN or infinite when an entry is). */
    double asum(CudaPrecision precision, int n, DevicePointer x, int incx);

    // ---- cuSOLVER dense: workspace sizes are in elements ------------------------------------

    int geqrfWorkspace(CudaPrecision precision, int m, int n, DevicePointer a, int lda);

    /** Householder QR of m x n {@code a} in place, reflector scalars in {@code tau}. */
    int geqrf(CudaPrecision precision, int m, int n, DevicePointer a, int lda, DevicePointer tau,
            DevicePointer work, int lwork, DevicePointer info);

    int orgqrWorkspace(CudaPrecision precision, int m, int n, int k, DevicePointer a, int lda, DevicePointer tau);

    /** Forms the m x n orthonormal factor from {@link #geqrf}'s reflectors, in place. */
    int orgqr(CudaPrecision precision, int m, int n, int k, DevicePointer a, int lda, DevicePointer tau,
            DevicePointer work, int lwork, DevicePointer info);

    int syevdWorkspace(CudaPrecision precision, int n, DevicePointer a, int lda, DevicePointer w);

    /**
     * Eigenvalues (ascending, into {@code w}) and eigenvectors (overwriting {@code a}) of the
     * symmetric matrix stored in the lower triangle of {@code a}.
     */
    int syevd(CudaPrecision precision, int n, DevicePointer a, int lda, DevicePointer w,
            DevicePointer work, int lwork, DevicePointer info);

    int gesvdWorkspace(CudaPrecision precision, int m, int n);

    /**
     * Thin SVD ({@code jobu = jobvt = 'S'}) of m x n {@code a}, m >= n, destroying {@code a}:
     * singular values descending in {@code s}, u m x n, vt n x n.
     */
    int gesvd(CudaPrecision precision, int m, int n, DevicePointer a, int lda, DevicePointer s,
            DevicePointer u, int ldu, DevicePointer vt, int ldvt, DevicePointer work, int lwork,
            DevicePointer rwork, DevicePointer info);

    int potrfWorkspace(CudaPrecision precision, int n, DevicePointer a, int lda);

    /** Cholesky factor in the lower triangle of {@code a}; info k > 0: leading minor k not positive. */
    int potrf(CudaPrecision precision, int n, DevicePointer a, int lda, DevicePointer work, int lwork,
            DevicePointer info);

    int getrfWorkspace(CudaPrecision precision, int n, DevicePointer a, int lda);

    /** LU with partial pivoting of square {@code a} in place; info k > 0: U(k, k) is exactly zero. */
    int getrf(CudaPrecision precision, int n, DevicePointer a, int lda, DevicePointer work,
            DevicePointer pivots, DevicePointer info);

    /** Solves {@code a x = b} in place of {@code b} from {@link #getrf}'s factors. */
    int getrs(CudaPrecision precision, int n, int nrhs, DevicePointer a, int lda, DevicePointer pivots,
            DevicePointer b, int ldb, DevicePointer info);

    /** Destroys the library handles; the binding is unusable afterwards. */
    @Override
    void close();
}
