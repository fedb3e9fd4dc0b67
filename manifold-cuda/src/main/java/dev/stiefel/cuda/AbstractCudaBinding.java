package dev.stiefel.cuda;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every {@link CudaBinding} does the same way, whatever library it calls: the opening
 * sequence (device query, versions, cuBLAS and cuSOLVER handles), the checks of pointers
 * (owned, not freed) and of host-transfer bounds, the count of live device bytes, the
 * translation of a non-zero status into a {@link CudaException} that names the call, and the
 * order of each routine (a cuSOLVER routine's {@code devInfo} is read back after it, a
 * workspace size or a cuBLAS reduction is read from the binding's host result). A subclass
 * holds only the calls into its library: each hook below is one CUDA runtime, cuBLAS or
 * cuSOLVER call (the {@code D} or {@code S} routine for the precision) that returns the
 * library's status; the {@code ...Result} methods read the one-element host results those
 * calls write.
 *
 * <p>A subclass's constructor initialises its library and then calls {@link #open()} (after its
 * own fields, which the hooks use, are set).
 *
 * @param <P> the subclass's device pointer, carrying its library's pointer objects
 */
abstract class AbstractCudaBinding<P extends DevicePointer> implements CudaBinding {

    /**
     * {@code cudaSuccess}, {@code CUBLAS_STATUS_SUCCESS} and {@code CUSOLVER_STATUS_SUCCESS}:
     * zero in every CUDA release (CUDA Runtime, cuBLAS and cuSOLVER API references).
     */
    static final int SUCCESS = 0;

    /** {@code cudaErrorNoDevice} (CUDA Runtime API reference, {@code cudaError}). */
    static final int NO_DEVICE = 100;

    private final Class<P> pointerType;
    private final AtomicLong liveBytes = new AtomicLong();
    private String description = "(not opened)";
    private boolean closed;

    /**
     * @param pointerType the class of the subclass's device pointers
     */
    AbstractCudaBinding(Class<P> pointerType) {
        this.pointerType = Objects.requireNonNull(pointerType, "pointerType");
    }

    /**
     * Checks that a device is present, reads the device's name and the driver and runtime
     * versions, and creates the cuBLAS and cuSOLVER handles (the cuBLAS handle is destroyed
     * again when the cuSOLVER one cannot be made).
     *
     * @throws CudaException when no device is present or a call fails
     */
    final void open() {
        int[] count = new int[1];
        checkRuntime("cudaGetDeviceCount", cudaGetDeviceCount(count));
        if (count[0] < 1) {
            throw new CudaException("cudaGetDeviceCount", NO_DEVICE, "no CUDA device");
        }
        String[] device = new String[1];
        checkRuntime("cudaGetDeviceProperties", cudaGetDeviceName(device));
        int[] driver = new int[1];
        int[] runtime = new int[1];
        checkRuntime("cudaDriverGetVersion", cudaDriverGetVersion(driver));
        checkRuntime("cudaRuntimeGetVersion", cudaRuntimeGetVersion(runtime));
        checkBlas("cublasCreate", cublasCreate());
        int status = cusolverDnCreate();
        if (status != SUCCESS) {
            cublasDestroy();
            checkSolver("cusolverDnCreate", status);
        }
        description = name() + ": " + device[0] + ", driver " + version(driver[0]) + ", runtime "
                + version(runtime[0]);
    }

    /** Whether {@code precision} takes the {@code D} routines (else the {@code S} ones). */
    static boolean doubles(CudaPrecision precision) {
        return precision == CudaPrecision.FLOAT64;
    }

    /** A CUDA version number {@code 1000 major + 10 minor} as {@code major.minor}. */
    static String version(int number) {
        return (number / 1000) + "." + (number % 1000) / 10;
    }

    @Override
    public final String describe() {
        return description;
    }

    /**
     * Bytes of the blocks this binding allocated and has not freed, as requested (a zero-byte
     * block counts zero). Safe to read from any thread.
     */
    @Override
    public final long liveDeviceBytes() {
        return liveBytes.get();
    }

    // ---- memory --------------------------------------------------------------------------

    @Override
    public final DevicePointer allocate(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("allocate: negative size " + bytes + " bytes");
        }
        P block = cudaMalloc(Math.max(bytes, 1), bytes);
        block.ownedBy(this);
        liveBytes.addAndGet(bytes);
        return block;
    }

    @Override
    public final void free(DevicePointer pointer) {
        requireOwned(pointer, "free");
        if (pointer.isFreed()) {
            return;
        }
        checkRuntime("cudaFree", cudaFree(pointerType.cast(pointer)));
        pointer.markFreed();
        liveBytes.addAndGet(-pointer.bytes());
    }

    @Override
    public final void zero(DevicePointer pointer, long bytes) {
        P block = block(pointer, "zero");
        requireWithin("zero", 0, bytes, block);
        if (bytes > 0) {
            checkRuntime("cudaMemset", cudaMemset(block, bytes));
        }
    }

    @Override
    public final void copyToDevice(double[] src, int count, DevicePointer dst) {
        P block = hostTransfer("copyToDevice", dst, 0, count, Objects.requireNonNull(src, "src").length, Double.BYTES);
        if (count > 0) {
            checkRuntime("cudaMemcpy(host to device)", cudaMemcpyToDevice(src, count, (long) count * Double.BYTES,
                    block));
        }
    }

    @Override
    public final void copyToDevice(float[] src, int count, DevicePointer dst) {
        P block = hostTransfer("copyToDevice", dst, 0, count, Objects.requireNonNull(src, "src").length, Float.BYTES);
        if (count > 0) {
            checkRuntime("cudaMemcpy(host to device)", cudaMemcpyToDevice(src, count, (long) count * Float.BYTES,
                    block));
        }
    }

    @Override
    public final void copyToHost(DevicePointer src, long byteOffset, int count, double[] dst) {
        P block = hostTransfer("copyToHost", src, byteOffset, count, Objects.requireNonNull(dst, "dst").length,
                Double.BYTES);
        if (count > 0) {
            checkRuntime("cudaMemcpy(device to host)", cudaMemcpyToHost(block, byteOffset,
                    (long) count * Double.BYTES, count, dst));
        }
    }

    @Override
    public final void copyToHost(DevicePointer src, long byteOffset, int count, float[] dst) {
        P block = hostTransfer("copyToHost", src, byteOffset, count, Objects.requireNonNull(dst, "dst").length,
                Float.BYTES);
        if (count > 0) {
            checkRuntime("cudaMemcpy(device to host)", cudaMemcpyToHost(block, byteOffset,
                    (long) count * Float.BYTES, count, dst));
        }
    }

    @Override
    public final int readInt(DevicePointer src) {
        P block = block(src, "readInt");
        requireWithin("readInt", 0, Integer.BYTES, block);
        checkRuntime("cudaMemcpy(devInfo)", cudaMemcpyIntToHost(block));
        return intResult();
    }

    @Override
    public final void copyOnDevice(DevicePointer src, DevicePointer dst, long bytes) {
        P from = block(src, "copyOnDevice");
        P to = block(dst, "copyOnDevice");
        requireWithin("copyOnDevice", 0, bytes, from);
        requireWithin("copyOnDevice", 0, bytes, to);
        if (bytes > 0) {
            checkRuntime("cudaMemcpy(device to device)", cudaMemcpyOnDevice(from, to, bytes));
        }
    }

    @Override
    public final void synchronize() {
        checkRuntime("cudaDeviceSynchronize", cudaDeviceSynchronize());
    }

    // ---- cuBLAS --------------------------------------------------------------------------

    @Override
    public final void gemm(CudaPrecision precision, boolean transposeA, boolean transposeB, int m, int n, int k,
            double alpha, DevicePointer a, int lda, DevicePointer b, int ldb,
            double beta, DevicePointer c, int ldc) {
        checkBlas(precision, "gemm", cublasGemm(precision, transposeA, transposeB, m, n, k, alpha, block(a, "gemm"),
                lda, block(b, "gemm"), ldb, beta, block(c, "gemm"), ldc));
    }

    @Override
    public final void geam(CudaPrecision precision, boolean transposeA, boolean transposeB, int m, int n,
            double alpha, DevicePointer a, int lda, double beta, DevicePointer b, int ldb,
            DevicePointer c, int ldc) {
        checkBlas(precision, "geam", cublasGeam(precision, transposeA, transposeB, m, n, alpha, block(a, "geam"), lda,
                beta, block(b, "geam"), ldb, block(c, "geam"), ldc));
    }

    @Override
    public final void scaleColumns(CudaPrecision precision, int m, int n, DevicePointer a, int lda,
            DevicePointer x, int incx, DevicePointer c, int ldc) {
        checkBlas(precision, "dgmm", cublasDgmmRight(precision, m, n, block(a, "scaleColumns"), lda,
                block(x, "scaleColumns"), incx, block(c, "scaleColumns"), ldc));
    }

    @Override
    public final void axpy(CudaPrecision precision, int n, double alpha, DevicePointer x, int incx,
            DevicePointer y, int incy) {
        checkBlas(precision, "axpy", cublasAxpy(precision, n, alpha, block(x, "axpy"), incx, block(y, "axpy"), incy));
    }

    @Override
    public final void scal(CudaPrecision precision, int n, double alpha, DevicePointer x, int incx) {
        checkBlas(precision, "scal", cublasScal(precision, n, alpha, block(x, "scal"), incx));
    }

    @Override
    public final void copyStrided(CudaPrecision precision, int n, DevicePointer x, int incx, DevicePointer y,
            int incy) {
        checkBlas(precision, "copy", cublasCopy(precision, n, block(x, "copyStrided"), incx,
                block(y, "copyStrided"), incy));
    }

    @Override
    public final double dot(CudaPrecision precision, int n, DevicePointer x, int incx, DevicePointer y, int incy) {
        checkBlas(precision, "dot", cublasDot(precision, n, block(x, "dot"), incx, block(y, "dot"), incy));
        return scalarResult(precision);
    }

    @Override
    public final double nrm2(CudaPrecision precision, int n, DevicePointer x, int incx) {
        checkBlas(precision, "nrm2", cublasNrm2(precision, n, block(x, "nrm2"), incx));
        return scalarResult(precision);
    }

    @Override
    public final double asum(CudaPrecision precision, int n, DevicePointer x, int incx) {
        checkBlas(precision, "asum", cublasAsum(precision, n, block(x, "asum"), incx));
        return scalarResult(precision);
    }

    // ---- cuSOLVER ------------------------------------------------------------------------

    @Override
    public final int geqrfWorkspace(CudaPrecision precision, int m, int n, DevicePointer a, int lda) {
        checkSolver("cusolverDnXgeqrf_bufferSize",
                cusolverDnGeqrfBufferSize(precision, m, n, block(a, "geqrfWorkspace"), lda));
        return intResult();
    }

    @Override
    public final int geqrf(CudaPrecision precision, int m, int n, DevicePointer a, int lda, DevicePointer tau,
            DevicePointer work, int lwork, DevicePointer info) {
        checkSolver("cusolverDnXgeqrf", cusolverDnGeqrf(precision, m, n, block(a, "geqrf"), lda, block(tau, "geqrf"),
                block(work, "geqrf"), lwork, block(info, "geqrf")));
        return readInt(info);
    }

    @Override
    public final int orgqrWorkspace(CudaPrecision precision, int m, int n, int k, DevicePointer a, int lda,
            DevicePointer tau) {
        checkSolver("cusolverDnXorgqr_bufferSize", cusolverDnOrgqrBufferSize(precision, m, n, k,
                block(a, "orgqrWorkspace"), lda, block(tau, "orgqrWorkspace")));
        return intResult();
    }

    @Override
    public final int orgqr(CudaPrecision precision, int m, int n, int k, DevicePointer a, int lda, DevicePointer tau,
            DevicePointer work, int lwork, DevicePointer info) {
        checkSolver("cusolverDnXorgqr", cusolverDnOrgqr(precision, m, n, k, block(a, "orgqr"), lda,
                block(tau, "orgqr"), block(work, "orgqr"), lwork, block(info, "orgqr")));
        return readInt(info);
    }

    @Override
    public final int syevdWorkspace(CudaPrecision precision, int n, DevicePointer a, int lda, DevicePointer w) {
        checkSolver("cusolverDnXsyevd_bufferSize", cusolverDnSyevdBufferSize(precision, n,
                block(a, "syevdWorkspace"), lda, block(w, "syevdWorkspace")));
        return intResult();
    }

    @Override
    public final int syevd(CudaPrecision precision, int n, DevicePointer a, int lda, DevicePointer w,
            DevicePointer work, int lwork, DevicePointer info) {
        checkSolver("cusolverDnXsyevd", cusolverDnSyevd(precision, n, block(a, "syevd"), lda, block(w, "syevd"),
                block(work, "syevd"), lwork, block(info, "syevd")));
        return readInt(info);
    }

    @Override
    public final int gesvdWorkspace(CudaPrecision precision, int m, int n) {
        checkSolver("cusolverDnXgesvd_bufferSize", cusolverDnGesvdBufferSize(precision, m, n));
        return intResult();
    }

    @Override
    public final int gesvd(CudaPrecision precision, int m, int n, DevicePointer a, int lda, DevicePointer s,
            DevicePointer u, int ldu, DevicePointer vt, int ldvt, DevicePointer work, int lwork,
            DevicePointer rwork, DevicePointer info) {
        checkSolver("cusolverDnXgesvd", cusolverDnGesvdThin(precision, m, n, block(a, "gesvd"), lda,
                block(s, "gesvd"), block(u, "gesvd"), ldu, block(vt, "gesvd"), ldvt, block(work, "gesvd"), lwork,
                block(rwork, "gesvd"), block(info, "gesvd")));
        return readInt(info);
    }

    @Override
    public final int potrfWorkspace(CudaPrecision precision, int n, DevicePointer a, int lda) {
        checkSolver("cusolverDnXpotrf_bufferSize",
                cusolverDnPotrfBufferSize(precision, n, block(a, "potrfWorkspace"), lda));
        return intResult();
    }

    @Override
    public final int potrf(CudaPrecision precision, int n, DevicePointer a, int lda, DevicePointer work, int lwork,
            DevicePointer info) {
        checkSolver("cusolverDnXpotrf", cusolverDnPotrf(precision, n, block(a, "potrf"), lda, block(work, "potrf"),
                lwork, block(info, "potrf")));
        return readInt(info);
    }

    @Override
    public final int getrfWorkspace(CudaPrecision precision, int n, DevicePointer a, int lda) {
        checkSolver("cusolverDnXgetrf_bufferSize",
                cusolverDnGetrfBufferSize(precision, n, block(a, "getrfWorkspace"), lda));
        return intResult();
    }

    @Override
    public final int getrf(CudaPrecision precision, int n, DevicePointer a, int lda, DevicePointer work,
            DevicePointer pivots, DevicePointer info) {
        checkSolver("cusolverDnXgetrf", cusolverDnGetrf(precision, n, block(a, "getrf"), lda, block(work, "getrf"),
                block(pivots, "getrf"), block(info, "getrf")));
        return readInt(info);
    }

    @Override
    public final int getrs(CudaPrecision precision, int n, int nrhs, DevicePointer a, int lda, DevicePointer pivots,
            DevicePointer b, int ldb, DevicePointer info) {
        checkSolver("cusolverDnXgetrs", cusolverDnGetrs(precision, n, nrhs, block(a, "getrs"), lda,
                block(pivots, "getrs"), block(b, "getrs"), ldb, block(info, "getrs")));
        return readInt(info);
    }

    /**
     * Destroys the cuSOLVER and cuBLAS handles and frees the binding's host memory; a second
     * call does nothing. Device blocks still allocated stay counted by
     * {@link #liveDeviceBytes()}.
     */
    @Override
    public final void close() {
        if (closed) {
            return;
        }
        closed = true;
        cusolverDnDestroy();
        cublasDestroy();
        freeHostMemory();
    }

    // ---- checks --------------------------------------------------------------------------

    /** {@code pointer} as this binding's block, after checking that it is ours and not freed. */
    private P block(DevicePointer pointer, String operation) {
        requireOwned(pointer, operation);
        if (pointer.isFreed()) {
            throw new IllegalStateException(operation + ": device memory used after free");
        }
        return pointerType.cast(pointer);
    }

    private void requireOwned(DevicePointer pointer, String operation) {
        Objects.requireNonNull(pointer, operation + ": device pointer");
        if (pointer.owner() != this) {
            throw new IllegalArgumentException(operation + ": device memory of another binding ("
                    + (pointer.owner() == null ? "none" : pointer.owner().name()) + "), not of this " + name());
        }
    }

    /**
     * The block of a host transfer of {@code count} elements of {@code elementBytes} bytes, after
     * checking that the host array (of {@code length}) and the block (from {@code byteOffset})
     * hold them.
     */
    private P hostTransfer(String operation, DevicePointer pointer, long byteOffset, int count, int length,
            int elementBytes) {
        P block = block(pointer, operation);
        if (count < 0 || count > length) {
            throw new IllegalArgumentException(operation + ": count " + count + " outside [0, " + length
                    + "] (the host array's length)");
        }
        requireWithin(operation, byteOffset, (long) count * elementBytes, block);
        return block;
    }

    /** {@code [offset, offset + bytes)} must lie inside {@code block}. */
    private static void requireWithin(String operation, long offset, long bytes, DevicePointer block) {
        if (offset < 0 || bytes < 0 || offset > block.bytes() - bytes) {
            throw new IllegalArgumentException(operation + ": bytes [" + offset + ", " + offset + " + " + bytes
                    + ") outside the block of " + block.bytes() + " bytes");
        }
    }

    /** A non-zero status of a CUDA runtime call as a {@link CudaException} naming the call. */
    final void checkRuntime(String call, int status) {
        if (status != SUCCESS) {
            throw new CudaException(call, status, runtimeStatusText(status));
        }
    }

    /** {@link #checkRuntime} for {@code cudaMalloc}; the call's name is made only on failure. */
    final void checkMalloc(long bytes, int status) {
        if (status != SUCCESS) {
            checkRuntime("cudaMalloc(" + bytes + " bytes)", status);
        }
    }

    private void checkBlas(String call, int status) {
        if (status != SUCCESS) {
            throw new CudaException(call, status, blasStatusText(status));
        }
    }

    /** For a routine in both precisions: {@code cublasDgemm} or {@code cublasSgemm}, named only on failure. */
    private void checkBlas(CudaPrecision precision, String routine, int status) {
        if (status != SUCCESS) {
            checkBlas("cublas" + (doubles(precision) ? "D" : "S") + routine, status);
        }
    }

    private void checkSolver(String call, int status) {
        if (status != SUCCESS) {
            throw new CudaException(call, status, solverStatusText(status));
        }
    }

    // ---- hooks: one library call each, returning its status ----------------------------------

    /** The CUDA runtime's text for a status, or null. */
    abstract String runtimeStatusText(int status);

    /** cuBLAS's text for a status, or null. */
    abstract String blasStatusText(int status);

    /** cuSOLVER's text for a status, or null. */
    abstract String solverStatusText(int status);

    /** {@code cudaGetDeviceCount} into {@code count[0]}. */
    abstract int cudaGetDeviceCount(int[] count);

    /** {@code cudaGetDeviceProperties} of device 0; its name into {@code name[0]}. */
    abstract int cudaGetDeviceName(String[] name);

    /** {@code cudaDriverGetVersion} into {@code version[0]}. */
    abstract int cudaDriverGetVersion(int[] version);

    /** {@code cudaRuntimeGetVersion} into {@code version[0]}. */
    abstract int cudaRuntimeGetVersion(int[] version);

    /** Creates the cuBLAS handle. */
    abstract int cublasCreate();

    /** Creates the cuSOLVER dense handle. */
    abstract int cusolverDnCreate();

    /** Destroys the cuBLAS handle. */
    abstract void cublasDestroy();

    /** Destroys the cuSOLVER dense handle. */
    abstract void cusolverDnDestroy();

    /** Frees the binding's host-side native memory, if it has any; called last by {@link #close()}. */
    void freeHostMemory() {
    }

    /**
     * {@code cudaMalloc} of {@code size} bytes as a block that reports {@code bytes}; the one hook
     * that checks its own status, with {@link #checkMalloc(long, int)}, since it returns the block.
     */
    abstract P cudaMalloc(long size, long bytes);

    /** {@code cudaFree}. */
    abstract int cudaFree(P block);

    /** {@code cudaMemset(block, 0, bytes)}. */
    abstract int cudaMemset(P block, long bytes);

    /** {@code cudaMemcpy} of {@code count} doubles ({@code bytes} bytes) to the start of {@code dst}. */
    abstract int cudaMemcpyToDevice(double[] src, int count, long bytes, P dst);

    /** {@code cudaMemcpy} of {@code count} floats ({@code bytes} bytes) to the start of {@code dst}. */
    abstract int cudaMemcpyToDevice(float[] src, int count, long bytes, P dst);

    /**
     * {@code cudaMemcpy} of {@code count} doubles ({@code bytes} bytes) from {@code byteOffset}
     * bytes into {@code src}; {@code dst} is written only when the copy succeeded.
     */
    abstract int cudaMemcpyToHost(P src, long byteOffset, long bytes, int count, double[] dst);

    /** As the double form, for floats. */
    abstract int cudaMemcpyToHost(P src, long byteOffset, long bytes, int count, float[] dst);

    /** {@code cudaMemcpy} of one {@code int} from the start of {@code src} into {@link #intResult()}. */
    abstract int cudaMemcpyIntToHost(P src);

    /** {@code cudaMemcpy} device to device. */
    abstract int cudaMemcpyOnDevice(P src, P dst, long bytes);

    /** {@code cudaDeviceSynchronize}. */
    abstract int cudaDeviceSynchronize();

    /** The {@code int} the last workspace query or {@link #cudaMemcpyIntToHost} wrote. */
    abstract int intResult();

    /** The scalar the last {@code dot}, {@code nrm2} or {@code asum} of this precision wrote. */
    abstract double scalarResult(CudaPrecision precision);

    /** {@code cublasXgemm}. */
    abstract int cublasGemm(CudaPrecision precision, boolean transposeA, boolean transposeB, int m, int n, int k,
            double alpha, P a, int lda, P b, int ldb, double beta, P c, int ldc);

    /** {@code cublasXgeam}. */
    abstract int cublasGeam(CudaPrecision precision, boolean transposeA, boolean transposeB, int m, int n,
            double alpha, P a, int lda, double beta, P b, int ldb, P c, int ldc);

    /** {@code cublasXdgmm} with {@code CUBLAS_SIDE_RIGHT}. */
    abstract int cublasDgmmRight(CudaPrecision precision, int m, int n, P a, int lda, P x, int incx, P c, int ldc);

    /** {@code cublasXaxpy}. */
    abstract int cublasAxpy(CudaPrecision precision, int n, double alpha, P x, int incx, P y, int incy);

    /** {@code cublasXscal}. */
    abstract int cublasScal(CudaPrecision precision, int n, double alpha, P x, int incx);

    /** {@code cublasXcopy}. */
    abstract int cublasCopy(CudaPrecision precision, int n, P x, int incx, P y, int incy);

    /** {@code cublasXdot} into {@link #scalarResult}. */
    abstract int cublasDot(CudaPrecision precision, int n, P x, int incx, P y, int incy);

    /** {@code cublasXnrm2} into {@link #scalarResult}. */
    abstract int cublasNrm2(CudaPrecision precision, int n, P x, int incx);

    /** {@code cublasXasum} into {@link #scalarResult}. */
    abstract int cublasAsum(CudaPrecision precision, int n, P x, int incx);

    /** {@code cusolverDnXgeqrf_bufferSize} into {@link #intResult()}. */
    abstract int cusolverDnGeqrfBufferSize(CudaPrecision precision, int m, int n, P a, int lda);

    /** {@code cusolverDnXgeqrf}. */
    abstract int cusolverDnGeqrf(CudaPrecision precision, int m, int n, P a, int lda, P tau, P work, int lwork,
            P info);

    /** {@code cusolverDnXorgqr_bufferSize} into {@link #intResult()}. */
    abstract int cusolverDnOrgqrBufferSize(CudaPrecision precision, int m, int n, int k, P a, int lda, P tau);

    /** {@code cusolverDnXorgqr}. */
    abstract int cusolverDnOrgqr(CudaPrecision precision, int m, int n, int k, P a, int lda, P tau, P work,
            int lwork, P info);

    /** {@code cusolverDnXsyevd_bufferSize}, eigenvectors wanted, lower triangle, into {@link #intResult()}. */
    abstract int cusolverDnSyevdBufferSize(CudaPrecision precision, int n, P a, int lda, P w);

    /** {@code cusolverDnXsyevd}, eigenvectors wanted, lower triangle. */
    abstract int cusolverDnSyevd(CudaPrecision precision, int n, P a, int lda, P w, P work, int lwork, P info);

    /** {@code cusolverDnXgesvd_bufferSize} into {@link #intResult()}. */
    abstract int cusolverDnGesvdBufferSize(CudaPrecision precision, int m, int n);

    /** {@code cusolverDnXgesvd} with {@code jobu = jobvt = 'S'}. */
    abstract int cusolverDnGesvdThin(CudaPrecision precision, int m, int n, P a, int lda, P s, P u, int ldu, P vt,
            int ldvt, P work, int lwork, P rwork, P info);

    /** {@code cusolverDnXpotrf_bufferSize}, lower triangle, into {@link #intResult()}. */
    abstract int cusolverDnPotrfBufferSize(CudaPrecision precision, int n, P a, int lda);

    /** {@code cusolverDnXpotrf}, lower triangle. */
    abstract int cusolverDnPotrf(CudaPrecision precision, int n, P a, int lda, P work, int lwork, P info);

    /** {@code cusolverDnXgetrf_bufferSize} of a square matrix into {@link #intResult()}. */
    abstract int cusolverDnGetrfBufferSize(CudaPrecision precision, int n, P a, int lda);

    /** {@code cusolverDnXgetrf} of a square matrix. */
    abstract int cusolverDnGetrf(CudaPrecision precision, int n, P a, int lda, P work, P pivots, P info);

    /** {@code cusolverDnXgetrs}, no transpose. */
    abstract int cusolverDnGetrs(CudaPrecision precision, int n, int nrhs, P a, int lda, P pivots, P b, int ldb,
            P info);
}
