package dev.stiefel.cuda;

import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.cudaDeviceProp;
import org.bytedeco.cuda.cusolver.cusolverDnContext;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.cusolver;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * {@link CudaBinding} through the JavaCPP presets {@code org.bytedeco:cuda:13.1-9.19-1.5.13},
 * for hosts with the CUDA 13 libraries ({@code libcudart.so.13}, {@code libcublas.so.13},
 * {@code libcusolver.so.12}) on the library path. The presets' JNI wrappers come from the
 * {@code linux-x86_64} jar; the CUDA libraries themselves are the host's (the presets'
 * {@code -redist} jars, gigabytes, are not used).
 *
 * <p>The constructor makes the first native calls (JavaCPP loads the wrappers when the
 * {@code org.bytedeco.cuda.global} classes initialise), so a host without the libraries fails
 * there with {@link UnsatisfiedLinkError}, never at class-load time of the kernels. Host scalars
 * and staging buffers are preallocated native memory; host transfers go through a staging
 * buffer that grows to the largest transfer seen. The checks, the device-memory count and the
 * order of the calls are shared with the other binding; this class holds the JavaCPP calls.
 */
public final class JavaCppCudaBinding extends AbstractCudaBinding<JavaCppCudaBinding.JavaCppPointer> {

    private final cublasContext blas = new cublasContext();
    private final cusolverDnContext solver = new cusolverDnContext();

    private final DoublePointer alphaDouble = new DoublePointer(1);
    private final DoublePointer betaDouble = new DoublePointer(1);
    private final FloatPointer alphaFloat = new FloatPointer(1);
    private final FloatPointer betaFloat = new FloatPointer(1);
    private final DoublePointer doubleResult = new DoublePointer(1);
    private final FloatPointer floatResult = new FloatPointer(1);
    private final IntPointer intResult = new IntPointer(1);
    private DoublePointer doubleStaging = new DoublePointer(1);
    private FloatPointer floatStaging = new FloatPointer(1);

    /**
     * Loads the wrappers and the host's CUDA 13 libraries, checks that a device is present
     * and creates the cuBLAS and cuSOLVER handles.
     *
     * @throws CudaException when no device is present or a handle cannot be created
     * @throws UnsatisfiedLinkError when the CUDA 13 libraries cannot be loaded
     */
    public JavaCppCudaBinding() {
        super(JavaCppPointer.class);
        open();
    }

    @Override
    public String name() {
        return "javacpp";
    }

    /** A raw address as a JavaCPP pointer; the memory is not owned by the Java object. */
    private static final class RawPointer extends Pointer {
        RawPointer(long address) {
            this.address = address;
        }
    }

    /** A device block with typed views on one address, made once so calls allocate nothing. */
    static final class JavaCppPointer extends DevicePointer {
        final Pointer raw;
        final DoublePointer doubles;
        final FloatPointer floats;
        final IntPointer ints;

        JavaCppPointer(Pointer raw, long bytes) {
            super(bytes);
            this.raw = raw;
            this.doubles = new DoublePointer(raw);
            this.floats = new FloatPointer(raw);
            this.ints = new IntPointer(raw);
        }

        @Override
        public long address() {
            return raw.address();
        }
    }

    private static Pointer at(JavaCppPointer block, long byteOffset) {
        return byteOffset == 0 ? block.raw : new RawPointer(block.raw.address() + byteOffset);
    }

    private static String text(BytePointer text) {
        return text == null ? null : text.getString();
    }

    // ---- status texts and handles ------------------------------------------------------------

    @Override
    String runtimeStatusText(int status) {
        return text(cudart.cudaGetErrorString(status));
    }

    @Override
    String blasStatusText(int status) {
        return text(cublas.cublasGetStatusString(status));
    }

    /** cuSOLVER has no status-to-text function. */
    @Override
    String solverStatusText(int status) {
        return null;
    }

    @Override
    int cudaGetDeviceCount(int[] count) {
        return cudart.cudaGetDeviceCount(count);
    }

    @Override
    int cudaGetDeviceName(String[] name) {
        try (cudaDeviceProp properties = new cudaDeviceProp()) {
            int status = cudart.cudaGetDeviceProperties(properties, 0);
            if (status == SUCCESS) {
                name[0] = properties.name().getString();
            }
            return status;
        }
    }

    @Override
    int cudaDriverGetVersion(int[] version) {
        return cudart.cudaDriverGetVersion(version);
    }

    @Override
    int cudaRuntimeGetVersion(int[] version) {
        return cudart.cudaRuntimeGetVersion(version);
    }

    @Override
    int cublasCreate() {
        return cublas.cublasCreate_v2(blas);
    }

    @Override
    int cusolverDnCreate() {
        return cusolver.cusolverDnCreate(solver);
    }

    @Override
    void cublasDestroy() {
        cublas.cublasDestroy_v2(blas);
    }

    @Override
    void cusolverDnDestroy() {
        cusolver.cusolverDnDestroy(solver);
    }

    @Override
    void freeHostMemory() {
        for (Pointer hostMemory : new Pointer[] {alphaDouble, betaDouble, alphaFloat, betaFloat, doubleResult,
                floatResult, intResult, doubleStaging, floatStaging}) {
            hostMemory.close();
        }
    }

    // ---- memory --------------------------------------------------------------------------

    @Override
    JavaCppPointer cudaMalloc(long size, long bytes) {
        Pointer raw = new Pointer();
        checkMalloc(bytes, cudart.cudaMalloc(raw, size));
        return new JavaCppPointer(raw, bytes);
    }

    @Override
    int cudaFree(JavaCppPointer block) {
        return cudart.cudaFree(block.raw);
    }

    @Override
    int cudaMemset(JavaCppPointer block, long bytes) {
        return cudart.cudaMemset(block.raw, 0, bytes);
    }

    private DoublePointer doubleStaging(int count) {
        if (doubleStaging.capacity() < count) {
            doubleStaging.close();
            doubleStaging = new DoublePointer(count);
        }
        return doubleStaging;
    }

    private FloatPointer floatStaging(int count) {
        if (floatStaging.capacity() < count) {
            floatStaging.close();
            floatStaging = new FloatPointer(count);
        }
        return floatStaging;
    }

    @Override
    int cudaMemcpyToDevice(double[] src, int count, long bytes, JavaCppPointer dst) {
        DoublePointer staging = doubleStaging(count);
        staging.put(src, 0, count);
        return cudart.cudaMemcpy(dst.raw, staging, bytes, cudart.cudaMemcpyHostToDevice);
    }

    @Override
    int cudaMemcpyToDevice(float[] src, int count, long bytes, JavaCppPointer dst) {
        FloatPointer staging = floatStaging(count);
        staging.put(src, 0, count);
        return cudart.cudaMemcpy(dst.raw, staging, bytes, cudart.cudaMemcpyHostToDevice);
    }

    @Override
    int cudaMemcpyToHost(JavaCppPointer src, long byteOffset, long bytes, int count, double[] dst) {
        DoublePointer staging = doubleStaging(count);
        int status = cudart.cudaMemcpy(staging, at(src, byteOffset), bytes, cudart.cudaMemcpyDeviceToHost);
        if (status == SUCCESS) {
            staging.get(dst, 0, count);
        }
        return status;
    }

    @Override
    int cudaMemcpyToHost(JavaCppPointer src, long byteOffset, long bytes, int count, float[] dst) {
        FloatPointer staging = floatStaging(count);
        int status = cudart.cudaMemcpy(staging, at(src, byteOffset), bytes, cudart.cudaMemcpyDeviceToHost);
        if (status == SUCCESS) {
            staging.get(dst, 0, count);
        }
        return status;
    }

    @Override
    int cudaMemcpyIntToHost(JavaCppPointer src) {
        return cudart.cudaMemcpy(intResult, src.raw, Integer.BYTES, cudart.cudaMemcpyDeviceToHost);
    }

    @Override
    int cudaMemcpyOnDevice(JavaCppPointer src, JavaCppPointer dst, long bytes) {
        return cudart.cudaMemcpy(dst.raw, src.raw, bytes, cudart.cudaMemcpyDeviceToDevice);
    }

    @Override
    int cudaDeviceSynchronize() {
        return cudart.cudaDeviceSynchronize();
    }

    @Override
    int intResult() {
        return intResult.get(0);
    }

    @Override
    double scalarResult(CudaPrecision precision) {
        return doubles(precision) ? doubleResult.get(0) : floatResult.get(0);
    }

    // ---- cuBLAS --------------------------------------------------------------------------

    private static int op(boolean transpose) {
        return transpose ? cublas.CUBLAS_OP_T : cublas.CUBLAS_OP_N;
    }

    /** Host scalars of both precisions (cuBLAS pointer mode host). */
    private void scalars(double alpha, double beta) {
        alphaDouble.put(0, alpha);
        betaDouble.put(0, beta);
        alphaFloat.put(0, (float) alpha);
        betaFloat.put(0, (float) beta);
    }

    @Override
    int cublasGemm(CudaPrecision precision, boolean transposeA, boolean transposeB, int m, int n, int k,
            double alpha, JavaCppPointer a, int lda, JavaCppPointer b, int ldb, double beta, JavaCppPointer c,
            int ldc) {
        scalars(alpha, beta);
        return doubles(precision)
                ? cublas.cublasDgemm_v2(blas, op(transposeA), op(transposeB), m, n, k, alphaDouble, a.doubles, lda,
                        b.doubles, ldb, betaDouble, c.doubles, ldc)
                : cublas.cublasSgemm_v2(blas, op(transposeA), op(transposeB), m, n, k, alphaFloat, a.floats, lda,
                        b.floats, ldb, betaFloat, c.floats, ldc);
    }

    @Override
    int cublasGeam(CudaPrecision precision, boolean transposeA, boolean transposeB, int m, int n, double alpha,
            JavaCppPointer a, int lda, double beta, JavaCppPointer b, int ldb, JavaCppPointer c, int ldc) {
        scalars(alpha, beta);
        return doubles(precision)
                ? cublas.cublasDgeam(blas, op(transposeA), op(transposeB), m, n, alphaDouble, a.doubles, lda,
                        betaDouble, b.doubles, ldb, c.doubles, ldc)
                : cublas.cublasSgeam(blas, op(transposeA), op(transposeB), m, n, alphaFloat, a.floats, lda,
                        betaFloat, b.floats, ldb, c.floats, ldc);
    }

    @Override
    int cublasDgmmRight(CudaPrecision precision, int m, int n, JavaCppPointer a, int lda, JavaCppPointer x,
            int incx, JavaCppPointer c, int ldc) {
        int side = cublas.CUBLAS_SIDE_RIGHT;
        return doubles(precision)
                ? cublas.cublasDdgmm(blas, side, m, n, a.doubles, lda, x.doubles, incx, c.doubles, ldc)
                : cublas.cublasSdgmm(blas, side, m, n, a.floats, lda, x.floats, incx, c.floats, ldc);
    }

    @Override
    int cublasAxpy(CudaPrecision precision, int n, double alpha, JavaCppPointer x, int incx, JavaCppPointer y,
            int incy) {
        scalars(alpha, 0);
        return doubles(precision)
                ? cublas.cublasDaxpy_v2(blas, n, alphaDouble, x.doubles, incx, y.doubles, incy)
                : cublas.cublasSaxpy_v2(blas, n, alphaFloat, x.floats, incx, y.floats, incy);
    }

    @Override
    int cublasScal(CudaPrecision precision, int n, double alpha, JavaCppPointer x, int incx) {
        scalars(alpha, 0);
        return doubles(precision)
                ? cublas.cublasDscal_v2(blas, n, alphaDouble, x.doubles, incx)
                : cublas.cublasSscal_v2(blas, n, alphaFloat, x.floats, incx);
    }

    @Override
    int cublasCopy(CudaPrecision precision, int n, JavaCppPointer x, int incx, JavaCppPointer y, int incy) {
        return doubles(precision)
                ? cublas.cublasDcopy_v2(blas, n, x.doubles, incx, y.doubles, incy)
                : cublas.cublasScopy_v2(blas, n, x.floats, incx, y.floats, incy);
    }

    @Override
    int cublasDot(CudaPrecision precision, int n, JavaCppPointer x, int incx, JavaCppPointer y, int incy) {
        return doubles(precision)
                ? cublas.cublasDdot_v2(blas, n, x.doubles, incx, y.doubles, incy, doubleResult)
                : cublas.cublasSdot_v2(blas, n, x.floats, incx, y.floats, incy, floatResult);
    }

    @Override
    int cublasNrm2(CudaPrecision precision, int n, JavaCppPointer x, int incx) {
        return doubles(precision)
                ? cublas.cublasDnrm2_v2(blas, n, x.doubles, incx, doubleResult)
                : cublas.cublasSnrm2_v2(blas, n, x.floats, incx, floatResult);
    }

    @Override
    int cublasAsum(CudaPrecision precision, int n, JavaCppPointer x, int incx) {
        return doubles(precision)
                ? cublas.cublasDasum_v2(blas, n, x.doubles, incx, doubleResult)
                : cublas.cublasSasum_v2(blas, n, x.floats, incx, floatResult);
    }

    // ---- cuSOLVER ------------------------------------------------------------------------

    @Override
    int cusolverDnGeqrfBufferSize(CudaPrecision precision, int m, int n, JavaCppPointer a, int lda) {
        return doubles(precision)
                ? cusolver.cusolverDnDgeqrf_bufferSize(solver, m, n, a.doubles, lda, intResult)
                : cusolver.cusolverDnSgeqrf_bufferSize(solver, m, n, a.floats, lda, intResult);
    }

    @Override
    int cusolverDnGeqrf(CudaPrecision precision, int m, int n, JavaCppPointer a, int lda, JavaCppPointer tau,
            JavaCppPointer work, int lwork, JavaCppPointer info) {
        return doubles(precision)
                ? cusolver.cusolverDnDgeqrf(solver, m, n, a.doubles, lda, tau.doubles, work.doubles, lwork, info.ints)
                : cusolver.cusolverDnSgeqrf(solver, m, n, a.floats, lda, tau.floats, work.floats, lwork, info.ints);
    }

    @Override
    int cusolverDnOrgqrBufferSize(CudaPrecision precision, int m, int n, int k, JavaCppPointer a, int lda,
            JavaCppPointer tau) {
        return doubles(precision)
                ? cusolver.cusolverDnDorgqr_bufferSize(solver, m, n, k, a.doubles, lda, tau.doubles, intResult)
                : cusolver.cusolverDnSorgqr_bufferSize(solver, m, n, k, a.floats, lda, tau.floats, intResult);
    }

    @Override
    int cusolverDnOrgqr(CudaPrecision precision, int m, int n, int k, JavaCppPointer a, int lda, JavaCppPointer tau,
            JavaCppPointer work, int lwork, JavaCppPointer info) {
        return doubles(precision)
                ? cusolver.cusolverDnDorgqr(solver, m, n, k, a.doubles, lda, tau.doubles, work.doubles, lwork,
                        info.ints)
                : cusolver.cusolverDnSorgqr(solver, m, n, k, a.floats, lda, tau.floats, work.floats, lwork,
                        info.ints);
    }

    @Override
    int cusolverDnSyevdBufferSize(CudaPrecision precision, int n, JavaCppPointer a, int lda, JavaCppPointer w) {
        int jobz = cusolver.CUSOLVER_EIG_MODE_VECTOR;
        int uplo = cublas.CUBLAS_FILL_MODE_LOWER;
        return doubles(precision)
                ? cusolver.cusolverDnDsyevd_bufferSize(solver, jobz, uplo, n, a.doubles, lda, w.doubles, intResult)
                : cusolver.cusolverDnSsyevd_bufferSize(solver, jobz, uplo, n, a.floats, lda, w.floats, intResult);
    }

    @Override
    int cusolverDnSyevd(CudaPrecision precision, int n, JavaCppPointer a, int lda, JavaCppPointer w,
            JavaCppPointer work, int lwork, JavaCppPointer info) {
        int jobz = cusolver.CUSOLVER_EIG_MODE_VECTOR;
        int uplo = cublas.CUBLAS_FILL_MODE_LOWER;
        return doubles(precision)
                ? cusolver.cusolverDnDsyevd(solver, jobz, uplo, n, a.doubles, lda, w.doubles, work.doubles, lwork,
                        info.ints)
                : cusolver.cusolverDnSsyevd(solver, jobz, uplo, n, a.floats, lda, w.floats, work.floats, lwork,
                        info.ints);
    }

    @Override
    int cusolverDnGesvdBufferSize(CudaPrecision precision, int m, int n) {
        return doubles(precision)
                ? cusolver.cusolverDnDgesvd_bufferSize(solver, m, n, intResult)
                : cusolver.cusolverDnSgesvd_bufferSize(solver, m, n, intResult);
    }

    @Override
    int cusolverDnGesvdThin(CudaPrecision precision, int m, int n, JavaCppPointer a, int lda, JavaCppPointer s,
            JavaCppPointer u, int ldu, JavaCppPointer vt, int ldvt, JavaCppPointer work, int lwork,
            JavaCppPointer rwork, JavaCppPointer info) {
        byte thin = (byte) 'S';
        return doubles(precision)
                ? cusolver.cusolverDnDgesvd(solver, thin, thin, m, n, a.doubles, lda, s.doubles, u.doubles, ldu,
                        vt.doubles, ldvt, work.doubles, lwork, rwork.doubles, info.ints)
                : cusolver.cusolverDnSgesvd(solver, thin, thin, m, n, a.floats, lda, s.floats, u.floats, ldu,
                        vt.floats, ldvt, work.floats, lwork, rwork.floats, info.ints);
    }

    @Override
    int cusolverDnPotrfBufferSize(CudaPrecision precision, int n, JavaCppPointer a, int lda) {
        int uplo = cublas.CUBLAS_FILL_MODE_LOWER;
        return doubles(precision)
                ? cusolver.cusolverDnDpotrf_bufferSize(solver, uplo, n, a.doubles, lda, intResult)
                : cusolver.cusolverDnSpotrf_bufferSize(solver, uplo, n, a.floats, lda, intResult);
    }

    @Override
    int cusolverDnPotrf(CudaPrecision precision, int n, JavaCppPointer a, int lda, JavaCppPointer work, int lwork,
            JavaCppPointer info) {
        int uplo = cublas.CUBLAS_FILL_MODE_LOWER;
        return doubles(precision)
                ? cusolver.cusolverDnDpotrf(solver, uplo, n, a.doubles, lda, work.doubles, lwork, info.ints)
                : cusolver.cusolverDnSpotrf(solver, uplo, n, a.floats, lda, work.floats, lwork, info.ints);
    }

    @Override
    int cusolverDnGetrfBufferSize(CudaPrecision precision, int n, JavaCppPointer a, int lda) {
        return doubles(precision)
                ? cusolver.cusolverDnDgetrf_bufferSize(solver, n, n, a.doubles, lda, intResult)
                : cusolver.cusolverDnSgetrf_bufferSize(solver, n, n, a.floats, lda, intResult);
    }

    @Override
    int cusolverDnGetrf(CudaPrecision precision, int n, JavaCppPointer a, int lda, JavaCppPointer work,
            JavaCppPointer pivots, JavaCppPointer info) {
        return doubles(precision)
                ? cusolver.cusolverDnDgetrf(solver, n, n, a.doubles, lda, work.doubles, pivots.ints, info.ints)
                : cusolver.cusolverDnSgetrf(solver, n, n, a.floats, lda, work.floats, pivots.ints, info.ints);
    }

    @Override
    int cusolverDnGetrs(CudaPrecision precision, int n, int nrhs, JavaCppPointer a, int lda, JavaCppPointer pivots,
            JavaCppPointer b, int ldb, JavaCppPointer info) {
        int trans = cublas.CUBLAS_OP_N;
        return doubles(precision)
                ? cusolver.cusolverDnDgetrs(solver, trans, n, nrhs, a.doubles, lda, pivots.ints, b.doubles, ldb,
                        info.ints)
                : cusolver.cusolverDnSgetrs(solver, trans, n, nrhs, a.floats, lda, pivots.ints, b.floats, ldb,
                        info.ints);
    }
}
