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
 * buffer that grows to the largest transfer seen.
 */
public final class JavaCppCudaBinding implements CudaBinding {

    private final cublasContext blas = new cublasContext();
    private final cusolverDnContext solver = new cusolverDnContext();
    private final String description;

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
        int[] count = new int[1];
        check("cudaGetDeviceCount", cudart.cudaGetDeviceCount(count));
        if (count[0] < 1) {
            throw new CudaException("cudaGetDeviceCount", cudart.cudaErrorNoDevice, "no CUDA device");
        }
        int[] driver = new int[1];
        int[] runtime = new int[1];
        check("cudaDriverGetVersion", cudart.cudaDriverGetVersion(driver));
        check("cudaRuntimeGetVersion", cudart.cudaRuntimeGetVersion(runtime));
        String device;
        try (cudaDeviceProp properties = new cudaDeviceProp()) {
            check("cudaGetDeviceProperties", cudart.cudaGetDeviceProperties(properties, 0));
            device = properties.name().getString();
        }
        checkBlas("cublasCreate", cublas.cublasCreate_v2(blas));
        int status = cusolver.cusolverDnCreate(solver);
        if (status != cusolver.CUSOLVER_STATUS_SUCCESS) {
            cublas.cublasDestroy_v2(blas);
            checkSolver("cusolverDnCreate", status);
        }
        description = "javacpp: " + device + ", driver " + version(driver[0]) + ", runtime " + version(runtime[0]);
    }

    private static String version(int v) {
        return (v / 1000) + "." + (v % 1000) / 10;
    }

    @Override
    public String name() {
        return "javacpp";
    }

    @Override
    public String describe() {
        return description;
    }

    /** A raw address as a JavaCPP pointer; the memory is not owned by the Java object. */
    private static final class RawPointer extends Pointer {
        RawPointer(long address) {
            this.address = address;
        }
    }

    /** A device block with typed views on one address, made once so calls allocate nothing. */
    private static final class JavaCppPointer extends DevicePointer {
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

    private static JavaCppPointer j(DevicePointer pointer) {
        if (pointer.isFreed()) {
            throw new IllegalStateException("device memory used after free");
        }
        return (JavaCppPointer) pointer;
    }

    private static DoublePointer d(DevicePointer pointer) {
        return j(pointer).doubles;
    }

    private static FloatPointer f(DevicePointer pointer) {
        return j(pointer).floats;
    }

    private static IntPointer i(DevicePointer pointer) {
        return j(pointer).ints;
    }

    // ---- memory --------------------------------------------------------------------------

    @Override
    public DevicePointer allocate(long bytes) {
        Pointer raw = new Pointer();
        check("cudaMalloc(" + bytes + " bytes)", cudart.cudaMalloc(raw, Math.max(bytes, 1)));
        return new JavaCppPointer(raw, bytes);
    }

    @Override
    public void free(DevicePointer pointer) {
        if (pointer.isFreed()) {
            return;
        }
        check("cudaFree", cudart.cudaFree(((JavaCppPointer) pointer).raw));
        pointer.markFreed();
    }

    @Override
    public void zero(DevicePointer pointer, long bytes) {
        if (bytes > 0) {
            check("cudaMemset", cudart.cudaMemset(j(pointer).raw, 0, bytes));
        }
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
    public void copyToDevice(double[] src, int count, DevicePointer dst) {
        if (count > 0) {
            DoublePointer staging = doubleStaging(count);
            staging.put(src, 0, count);
            check("cudaMemcpy(host to device)", cudart.cudaMemcpy(j(dst).raw, staging,
                    (long) count * Double.BYTES, cudart.cudaMemcpyHostToDevice));
        }
    }

    @Override
    public void copyToDevice(float[] src, int count, DevicePointer dst) {
        if (count > 0) {
            FloatPointer staging = floatStaging(count);
            staging.put(src, 0, count);
            check("cudaMemcpy(host to device)", cudart.cudaMemcpy(j(dst).raw, staging,
                    (long) count * Float.BYTES, cudart.cudaMemcpyHostToDevice));
        }
    }

    private static Pointer at(DevicePointer src, long byteOffset) {
        Pointer raw = j(src).raw;
        return byteOffset == 0 ? raw : new RawPointer(raw.address() + byteOffset);
    }

    @Override
    public void copyToHost(DevicePointer src, long byteOffset, int count, double[] dst) {
        if (count > 0) {
            DoublePointer staging = doubleStaging(count);
            check("cudaMemcpy(device to host)", cudart.cudaMemcpy(staging, at(src, byteOffset),
                    (long) count * Double.BYTES, cudart.cudaMemcpyDeviceToHost));
            staging.get(dst, 0, count);
        }
    }

    @Override
    public void copyToHost(DevicePointer src, long byteOffset, int count, float[] dst) {
        if (count > 0) {
            FloatPointer staging = floatStaging(count);
            check("cudaMemcpy(device to host)", cudart.cudaMemcpy(staging, at(src, byteOffset),
                    (long) count * Float.BYTES, cudart.cudaMemcpyDeviceToHost));
            staging.get(dst, 0, count);
        }
    }

    @Override
    public int readInt(DevicePointer src) {
        check("cudaMemcpy(devInfo)", cudart.cudaMemcpy(intResult, j(src).raw, Integer.BYTES,
                cudart.cudaMemcpyDeviceToHost));
        return intResult.get(0);
    }

    @Override
    public void copyOnDevice(DevicePointer src, DevicePointer dst, long bytes) {
        if (bytes > 0) {
            check("cudaMemcpy(device to device)", cudart.cudaMemcpy(j(dst).raw, j(src).raw, bytes,
                    cudart.cudaMemcpyDeviceToDevice));
        }
    }

    @Override
    public void synchronize() {
        check("cudaDeviceSynchronize", cudart.cudaDeviceSynchronize());
    }

    // ---- cuBLAS --------------------------------------------------------------------------

    private static int op(boolean transpose) {
        return transpose ? cublas.CUBLAS_OP_T : cublas.CUBLAS_OP_N;
    }

    private void scalars(double alpha, double beta) {
        alphaDouble.put(0, alpha);
        betaDouble.put(0, beta);
        alphaFloat.put(0, (float) alpha);
        betaFloat.put(0, (float) beta);
    }

    @Override
    public void gemm(CudaPrecision precision, boolean transposeA, boolean transposeB, int m, int n, int k,
            double alpha, DevicePointer a, int lda, DevicePointer b, int ldb,
            double beta, DevicePointer c, int ldc) {
        scalars(alpha, beta);
        if (precision == CudaPrecision.FLOAT64) {
            checkBlas("cublasDgemm", cublas.cublasDgemm_v2(blas, op(transposeA), op(transposeB), m, n, k,
                    alphaDouble, d(a), lda, d(b), ldb, betaDouble, d(c), ldc));
        } else {
            checkBlas("cublasSgemm", cublas.cublasSgemm_v2(blas, op(transposeA), op(transposeB), m, n, k,
                    alphaFloat, f(a), lda, f(b), ldb, betaFloat, f(c), ldc));
        }
    }

    @Override
    public void geam(CudaPrecision precision, boolean transposeA, boolean transposeB, int m, int n,
            double alpha, DevicePointer a, int lda, double beta, DevicePointer b, int ldb,
            DevicePointer c, int ldc) {
        scalars(alpha, beta);
        if (precision == CudaPrecision.FLOAT64) {
            checkBlas("cublasDgeam", cublas.cublasDgeam(blas, op(transposeA), op(transposeB), m, n,
                    alphaDouble, d(a), lda, betaDouble, d(b), ldb, d(c), ldc));
        } else {
            checkBlas("cublasSgeam", cublas.cublasSgeam(blas, op(transposeA), op(transposeB), m, n,
                    alphaFloat, f(a), lda, betaFloat, f(b), ldb, f(c), ldc));
        }
    }

    @Override
    public void scaleColumns(CudaPrecision precision, int m, int n, DevicePointer a, int lda,
            DevicePointer x, int incx, DevicePointer c, int ldc) {
        int side = cublas.CUBLAS_SIDE_RIGHT;
        if (precision == CudaPrecision.FLOAT64) {
            checkBlas("cublasDdgmm", cublas.cublasDdgmm(blas, side, m, n, d(a), lda, d(x), incx, d(c), ldc));
        } else {
            checkBlas("cublasSdgmm", cublas.cublasSdgmm(blas, side, m, n, f(a), lda, f(x), incx, f(c), ldc));
        }
    }

    @Override
    public void axpy(CudaPrecision precision, int n, double alpha, DevicePointer x, int incx,
            DevicePointer y, int incy) {
        scalars(alpha, 0);
        if (precision == CudaPrecision.FLOAT64) {
            checkBlas("cublasDaxpy", cublas.cublasDaxpy_v2(blas, n, alphaDouble, d(x), incx, d(y), incy));
        } else {
            checkBlas("cublasSaxpy", cublas.cublasSaxpy_v2(blas, n, alphaFloat, f(x), incx, f(y), incy));
        }
    }

    @Override
    public void scal(CudaPrecision precision, int n, double alpha, DevicePointer x, int incx) {
        scalars(alpha, 0);
        if (precision == CudaPrecision.FLOAT64) {
            checkBlas("cublasDscal", cublas.cublasDscal_v2(blas, n, alphaDouble, d(x), incx));
        } else {
            checkBlas("cublasSscal", cublas.cublasSscal_v2(blas, n, alphaFloat, f(x), incx));
        }
    }

    @Override
    public void copyStrided(CudaPrecision precision, int n, DevicePointer x, int incx, DevicePointer y, int incy) {
        if (precision == CudaPrecision.FLOAT64) {
            checkBlas("cublasDcopy", cublas.cublasDcopy_v2(blas, n, d(x), incx, d(y), incy));
        } else {
            checkBlas("cublasScopy", cublas.cublasScopy_v2(blas, n, f(x), incx, f(y), incy));
        }
    }

    @Override
    public double dot(CudaPrecision precision, int n, DevicePointer x, int incx, DevicePointer y, int incy) {
        if (precision == CudaPrecision.FLOAT64) {
            checkBlas("cublasDdot", cublas.cublasDdot_v2(blas, n, d(x), incx, d(y), incy, doubleResult));
            return doubleResult.get(0);
        }
        checkBlas("cublasSdot", cublas.cublasSdot_v2(blas, n, f(x), incx, f(y), incy, floatResult));
        return floatResult.get(0);
    }

    @Override
    public double nrm2(CudaPrecision precision, int n, DevicePointer x, int incx) {
        if (precision == CudaPrecision.FLOAT64) {
            checkBlas("cublasDnrm2", cublas.cublasDnrm2_v2(blas, n, d(x), incx, doubleResult));
            return doubleResult.get(0);
        }
        checkBlas("cublasSnrm2", cublas.cublasSnrm2_v2(blas, n, f(x), incx, floatResult));
        return floatResult.get(0);
    }

    @Override
    public double asum(CudaPrecision precision, int n, DevicePointer x, int incx) {
        if (precision == CudaPrecision.FLOAT64) {
            checkBlas("cublasDasum", cublas.cublasDasum_v2(blas, n, d(x), incx, doubleResult));
            return doubleResult.get(0);
        }
        checkBlas("cublasSasum", cublas.cublasSasum_v2(blas, n, f(x), incx, floatResult));
        return floatResult.get(0);
    }

    // ---- cuSOLVER ------------------------------------------------------------------------

    @Override
    public int geqrfWorkspace(CudaPrecision precision, int m, int n, DevicePointer a, int lda) {
        checkSolver("cusolverDnXgeqrf_bufferSize", precision == CudaPrecision.FLOAT64
                ? cusolver.cusolverDnDgeqrf_bufferSize(solver, m, n, d(a), lda, intResult)
                : cusolver.cusolverDnSgeqrf_bufferSize(solver, m, n, f(a), lda, intResult));
        return intResult.get(0);
    }

    @Override
    public int geqrf(CudaPrecision precision, int m, int n, DevicePointer a, int lda, DevicePointer tau,
            DevicePointer work, int lwork, DevicePointer info) {
        checkSolver("cusolverDnXgeqrf", precision == CudaPrecision.FLOAT64
                ? cusolver.cusolverDnDgeqrf(solver, m, n, d(a), lda, d(tau), d(work), lwork, i(info))
                : cusolver.cusolverDnSgeqrf(solver, m, n, f(a), lda, f(tau), f(work), lwork, i(info)));
        return readInt(info);
    }

    @Override
    public int orgqrWorkspace(CudaPrecision precision, int m, int n, int k, DevicePointer a, int lda,
            DevicePointer tau) {
        checkSolver("cusolverDnXorgqr_bufferSize", precision == CudaPrecision.FLOAT64
                ? cusolver.cusolverDnDorgqr_bufferSize(solver, m, n, k, d(a), lda, d(tau), intResult)
                : cusolver.cusolverDnSorgqr_bufferSize(solver, m, n, k, f(a), lda, f(tau), intResult));
        return intResult.get(0);
    }

    @Override
    public int orgqr(CudaPrecision precision, int m, int n, int k, DevicePointer a, int lda, DevicePointer tau,
            DevicePointer work, int lwork, DevicePointer info) {
        checkSolver("cusolverDnXorgqr", precision == CudaPrecision.FLOAT64
                ? cusolver.cusolverDnDorgqr(solver, m, n, k, d(a), lda, d(tau), d(work), lwork, i(info))
                : cusolver.cusolverDnSorgqr(solver, m, n, k, f(a), lda, f(tau), f(work), lwork, i(info)));
        return readInt(info);
    }

    @Override
    public int syevdWorkspace(CudaPrecision precision, int n, DevicePointer a, int lda, DevicePointer w) {
        int jobz = cusolver.CUSOLVER_EIG_MODE_VECTOR;
        int uplo = cublas.CUBLAS_FILL_MODE_LOWER;
        checkSolver("cusolverDnXsyevd_bufferSize", precision == CudaPrecision.FLOAT64
                ? cusolver.cusolverDnDsyevd_bufferSize(solver, jobz, uplo, n, d(a), lda, d(w), intResult)
                : cusolver.cusolverDnSsyevd_bufferSize(solver, jobz, uplo, n, f(a), lda, f(w), intResult));
        return intResult.get(0);
    }

    @Override
    public int syevd(CudaPrecision precision, int n, DevicePointer a, int lda, DevicePointer w,
            DevicePointer work, int lwork, DevicePointer info) {
        int jobz = cusolver.CUSOLVER_EIG_MODE_VECTOR;
        int uplo = cublas.CUBLAS_FILL_MODE_LOWER;
        checkSolver("cusolverDnXsyevd", precision == CudaPrecision.FLOAT64
                ? cusolver.cusolverDnDsyevd(solver, jobz, uplo, n, d(a), lda, d(w), d(work), lwork, i(info))
                : cusolver.cusolverDnSsyevd(solver, jobz, uplo, n, f(a), lda, f(w), f(work), lwork, i(info)));
        return readInt(info);
    }

    @Override
    public int gesvdWorkspace(CudaPrecision precision, int m, int n) {
        checkSolver("cusolverDnXgesvd_bufferSize", precision == CudaPrecision.FLOAT64
                ? cusolver.cusolverDnDgesvd_bufferSize(solver, m, n, intResult)
                : cusolver.cusolverDnSgesvd_bufferSize(solver, m, n, intResult));
        return intResult.get(0);
    }

    @Override
    public int gesvd(CudaPrecision precision, int m, int n, DevicePointer a, int lda, DevicePointer s,
            DevicePointer u, int ldu, DevicePointer vt, int ldvt, DevicePointer work, int lwork,
            DevicePointer rwork, DevicePointer info) {
        byte thin = (byte) 'S';
        checkSolver("cusolverDnXgesvd", precision == CudaPrecision.FLOAT64
                ? cusolver.cusolverDnDgesvd(solver, thin, thin, m, n, d(a), lda, d(s), d(u), ldu, d(vt), ldvt,
                        d(work), lwork, d(rwork), i(info))
                : cusolver.cusolverDnSgesvd(solver, thin, thin, m, n, f(a), lda, f(s), f(u), ldu, f(vt), ldvt,
                        f(work), lwork, f(rwork), i(info)));
        return readInt(info);
    }

    @Override
    public int potrfWorkspace(CudaPrecision precision, int n, DevicePointer a, int lda) {
        int uplo = cublas.CUBLAS_FILL_MODE_LOWER;
        checkSolver("cusolverDnXpotrf_bufferSize", precision == CudaPrecision.FLOAT64
                ? cusolver.cusolverDnDpotrf_bufferSize(solver, uplo, n, d(a), lda, intResult)
                : cusolver.cusolverDnSpotrf_bufferSize(solver, uplo, n, f(a), lda, intResult));
        return intResult.get(0);
    }

    @Override
    public int potrf(CudaPrecision precision, int n, DevicePointer a, int lda, DevicePointer work, int lwork,
            DevicePointer info) {
        int uplo = cublas.CUBLAS_FILL_MODE_LOWER;
        checkSolver("cusolverDnXpotrf", precision == CudaPrecision.FLOAT64
                ? cusolver.cusolverDnDpotrf(solver, uplo, n, d(a), lda, d(work), lwork, i(info))
                : cusolver.cusolverDnSpotrf(solver, uplo, n, f(a), lda, f(work), lwork, i(info)));
        return readInt(info);
    }

    @Override
    public int getrfWorkspace(CudaPrecision precision, int n, DevicePointer a, int lda) {
        checkSolver("cusolverDnXgetrf_bufferSize", precision == CudaPrecision.FLOAT64
                ? cusolver.cusolverDnDgetrf_bufferSize(solver, n, n, d(a), lda, intResult)
                : cusolver.cusolverDnSgetrf_bufferSize(solver, n, n, f(a), lda, intResult));
        return intResult.get(0);
    }

    @Override
    public int getrf(CudaPrecision precision, int n, DevicePointer a, int lda, DevicePointer work,
            DevicePointer pivots, DevicePointer info) {
        checkSolver("cusolverDnXgetrf", precision == CudaPrecision.FLOAT64
                ? cusolver.cusolverDnDgetrf(solver, n, n, d(a), lda, d(work), i(pivots), i(info))
                : cusolver.cusolverDnSgetrf(solver, n, n, f(a), lda, f(work), i(pivots), i(info)));
        return readInt(info);
    }

    @Override
    public int getrs(CudaPrecision precision, int n, int nrhs, DevicePointer a, int lda, DevicePointer pivots,
            DevicePointer b, int ldb, DevicePointer info) {
        int trans = cublas.CUBLAS_OP_N;
        checkSolver("cusolverDnXgetrs", precision == CudaPrecision.FLOAT64
                ? cusolver.cusolverDnDgetrs(solver, trans, n, nrhs, d(a), lda, i(pivots), d(b), ldb, i(info))
                : cusolver.cusolverDnSgetrs(solver, trans, n, nrhs, f(a), lda, i(pivots), f(b), ldb, i(info)));
        return readInt(info);
    }

    @Override
    public void close() {
        cusolver.cusolverDnDestroy(solver);
        cublas.cublasDestroy_v2(blas);
        for (Pointer hostMemory : new Pointer[] {alphaDouble, betaDouble, alphaFloat, betaFloat, doubleResult,
                floatResult, intResult, doubleStaging, floatStaging}) {
            hostMemory.close();
        }
    }

    // ---- status checks -------------------------------------------------------------------

    private static void check(String call, int status) {
        if (status != cudart.cudaSuccess) {
            BytePointer text = cudart.cudaGetErrorString(status);
            throw new CudaException(call, status, text == null ? null : text.getString());
        }
    }

    private static void checkBlas(String call, int status) {
        if (status != cublas.CUBLAS_STATUS_SUCCESS) {
            BytePointer text = cublas.cublasGetStatusString(status);
            throw new CudaException(call, status, text == null ? null : text.getString());
        }
    }

    private static void checkSolver(String call, int status) {
        if (status != cusolver.CUSOLVER_STATUS_SUCCESS) {
            throw new CudaException(call, status, null);
        }
    }
}
