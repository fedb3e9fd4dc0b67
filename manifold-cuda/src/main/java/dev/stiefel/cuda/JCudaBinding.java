package dev.stiefel.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import jcuda.JCudaVersion;
import jcuda.LibUtils;
import jcuda.Pointer;
import jcuda.jcublas.JCublas2;
import jcuda.jcublas.cublasFillMode;
import jcuda.jcublas.cublasHandle;
import jcuda.jcublas.cublasOperation;
import jcuda.jcublas.cublasSideMode;
import jcuda.jcublas.cublasStatus;
import jcuda.jcusolver.JCusolverDn;
import jcuda.jcusolver.cusolverDnHandle;
import jcuda.jcusolver.cusolverEigMode;
import jcuda.jcusolver.cusolverStatus;
import jcuda.runtime.JCuda;
import jcuda.runtime.cudaDeviceProp;
import jcuda.runtime.cudaError;
import jcuda.runtime.cudaMemcpyKind;

/**
 * {@link CudaBinding} through JCuda 12.6.0 (runtime and cuBLAS) and JCusolver 11.7.0, for hosts
 * with the CUDA 12 libraries ({@code libcublas.so.12}, {@code libcusolver.so.11}). JCusolver's
 * last release on Maven Central is 11.7.0; its natives link {@code libcusolver.so.11}, the
 * soname CUDA 12 still ships, so it pairs with JCuda 12.6.0.
 *
 * <p>The constructor makes the first native calls (library loading, device count, handle
 * creation), so a host without the libraries or without a device fails there, with
 * {@link UnsatisfiedLinkError} or {@link CudaException}, and never at class-load time of the
 * kernels. Host scalars travel through preallocated one-element arrays, so no call allocates.
 */
public final class JCudaBinding implements CudaBinding {

    /** The JCusolver release on Maven Central whose natives this binding ships. */
    static final String JCUSOLVER_VERSION = "11.7.0";

    private final cublasHandle blas = new cublasHandle();
    private final cusolverDnHandle solver = new cusolverDnHandle();
    private final String description;

    private final double[] alphaDoubleValue = new double[1];
    private final double[] betaDoubleValue = new double[1];
    private final float[] alphaFloatValue = new float[1];
    private final float[] betaFloatValue = new float[1];
    private final Pointer alphaDouble = Pointer.to(alphaDoubleValue);
    private final Pointer betaDouble = Pointer.to(betaDoubleValue);
    private final Pointer alphaFloat = Pointer.to(alphaFloatValue);
    private final Pointer betaFloat = Pointer.to(betaFloatValue);
    private final double[] doubleResult = new double[1];
    private final float[] floatResult = new float[1];
    private final Pointer doubleResultPointer = Pointer.to(doubleResult);
    private final Pointer floatResultPointer = Pointer.to(floatResult);
    private final int[] intResult = new int[1];
    private final Pointer intResultPointer = Pointer.to(intResult);
    // The kernels pass the same staging arrays again and again: wrap each once, not per copy.
    private double[] lastDoubles;
    private Pointer lastDoublesPointer;
    private float[] lastFloats;
    private Pointer lastFloatsPointer;

    /**
     * Loads the natives, checks that a device is present and creates the cuBLAS and cuSOLVER
     * handles.
     *
     * @throws CudaException when no device is present or a handle cannot be created
     * @throws UnsatisfiedLinkError when the JCuda natives or the CUDA 12 libraries are missing
     */
    public JCudaBinding() {
        JCuda.setExceptionsEnabled(false);
        int[] count = new int[1];
        check("cudaGetDeviceCount", JCuda.cudaGetDeviceCount(count));
        if (count[0] < 1) {
            throw new CudaException("cudaGetDeviceCount", cudaError.cudaErrorNoDevice, "no CUDA device");
        }
        cudaDeviceProp properties = new cudaDeviceProp();
        check("cudaGetDeviceProperties", JCuda.cudaGetDeviceProperties(properties, 0));
        int[] driver = new int[1];
        int[] runtime = new int[1];
        check("cudaDriverGetVersion", JCuda.cudaDriverGetVersion(driver));
        check("cudaRuntimeGetVersion", JCuda.cudaRuntimeGetVersion(runtime));
        checkBlas("cublasCreate", JCublas2.cublasCreate(blas));
        stageJCusolverNatives();
        int status = JCusolverDn.cusolverDnCreate(solver);
        if (status != cusolverStatus.CUSOLVER_STATUS_SUCCESS) {
            JCublas2.cublasDestroy(blas);
            checkSolver("cusolverDnCreate", status);
        }
        description = "jcuda: " + properties.getName() + ", driver " + version(driver[0])
                + ", runtime " + version(runtime[0]);
    }

    /**
     * JCusolver 11.7.0's loader asks for a native named after the JCuda runtime's version
     * ({@code JCusolver-12.6.0-...}), which no released jar contains: its own natives are named
     * {@code JCusolver-11.7.0-...}. JCuda's loader first looks for the file in
     * {@code java.io.tmpdir} (where it unpacks natives) and loads it from there when present,
     * so the shipped 11.7.0 native is copied there under the expected name; the Java classes and
     * the native are then of the same release. Left alone when the file already exists.
     */
    static void stageJCusolverNatives() {
        String runtimeVersion = JCudaVersion.get();
        if (JCUSOLVER_VERSION.equals(runtimeVersion)) {
            return;
        }
        String expected = LibUtils.createLibraryFileName(LibUtils.createPlatformLibraryName("JCusolver-" + runtimeVersion));
        String shipped = LibUtils.createLibraryFileName(LibUtils.createPlatformLibraryName("JCusolver-" + JCUSOLVER_VERSION));
        Path target = Path.of(System.getProperty("java.io.tmpdir"), expected);
        if (Files.exists(target) || JCudaBinding.class.getResource("/lib/" + expected) != null) {
            return;
        }
        try (InputStream in = JCudaBinding.class.getResourceAsStream("/lib/" + shipped)) {
            if (in == null) {
                return;
            }
            Path partial = Files.createTempFile(target.getParent(), "stiefel-jcusolver", ".part");
            Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new CudaException("staging the JCusolver " + JCUSOLVER_VERSION + " natives as " + target, -1,
                    e.getMessage());
        }
    }

    private static String version(int v) {
        return (v / 1000) + "." + (v % 1000) / 10;
    }

    @Override
    public String name() {
        return "jcuda";
    }

    @Override
    public String describe() {
        return description;
    }

    /** A device block; exposes the address JCuda keeps protected. */
    private static final class JCudaPointer extends DevicePointer {
        final AddressPointer pointer;

        JCudaPointer(AddressPointer pointer, long bytes) {
            super(bytes);
            this.pointer = pointer;
        }

        @Override
        public long address() {
            return pointer.address();
        }
    }

    private static final class AddressPointer extends Pointer {
        long address() {
            return getNativePointer();
        }
    }

    private Pointer host(double[] array) {
        if (array != lastDoubles) {
            lastDoubles = array;
            lastDoublesPointer = Pointer.to(array);
        }
        return lastDoublesPointer;
    }

    private Pointer host(float[] array) {
        if (array != lastFloats) {
            lastFloats = array;
            lastFloatsPointer = Pointer.to(array);
        }
        return lastFloatsPointer;
    }

    private static Pointer p(DevicePointer pointer) {
        if (pointer.isFreed()) {
            throw new IllegalStateException("device memory used after free");
        }
        return ((JCudaPointer) pointer).pointer;
    }

    // ---- memory --------------------------------------------------------------------------

    @Override
    public DevicePointer allocate(long bytes) {
        AddressPointer pointer = new AddressPointer();
        check("cudaMalloc(" + bytes + " bytes)", JCuda.cudaMalloc(pointer, Math.max(bytes, 1)));
        return new JCudaPointer(pointer, bytes);
    }

    @Override
    public void free(DevicePointer pointer) {
        if (pointer.isFreed()) {
            return;
        }
        check("cudaFree", JCuda.cudaFree(((JCudaPointer) pointer).pointer));
        pointer.markFreed();
    }

    @Override
    public void zero(DevicePointer pointer, long bytes) {
        if (bytes > 0) {
            check("cudaMemset", JCuda.cudaMemset(p(pointer), 0, bytes));
        }
    }

    @Override
    public void copyToDevice(double[] src, int count, DevicePointer dst) {
        if (count > 0) {
            check("cudaMemcpy(host to device)", JCuda.cudaMemcpy(p(dst), host(src),
                    (long) count * Double.BYTES, cudaMemcpyKind.cudaMemcpyHostToDevice));
        }
    }

    @Override
    public void copyToDevice(float[] src, int count, DevicePointer dst) {
        if (count > 0) {
            check("cudaMemcpy(host to device)", JCuda.cudaMemcpy(p(dst), host(src),
                    (long) count * Float.BYTES, cudaMemcpyKind.cudaMemcpyHostToDevice));
        }
    }

    @Override
    public void copyToHost(DevicePointer src, long byteOffset, int count, double[] dst) {
        if (count > 0) {
            Pointer from = byteOffset == 0 ? p(src) : p(src).withByteOffset(byteOffset);
            check("cudaMemcpy(device to host)", JCuda.cudaMemcpy(host(dst), from,
                    (long) count * Double.BYTES, cudaMemcpyKind.cudaMemcpyDeviceToHost));
        }
    }

    @Override
    public void copyToHost(DevicePointer src, long byteOffset, int count, float[] dst) {
        if (count > 0) {
            Pointer from = byteOffset == 0 ? p(src) : p(src).withByteOffset(byteOffset);
            check("cudaMemcpy(device to host)", JCuda.cudaMemcpy(host(dst), from,
                    (long) count * Float.BYTES, cudaMemcpyKind.cudaMemcpyDeviceToHost));
        }
    }

    @Override
    public int readInt(DevicePointer src) {
        check("cudaMemcpy(devInfo)", JCuda.cudaMemcpy(intResultPointer, p(src), Integer.BYTES,
                cudaMemcpyKind.cudaMemcpyDeviceToHost));
        return intResult[0];
    }

    @Override
    public void copyOnDevice(DevicePointer src, DevicePointer dst, long bytes) {
        if (bytes > 0) {
            check("cudaMemcpy(device to device)", JCuda.cudaMemcpy(p(dst), p(src), bytes,
                    cudaMemcpyKind.cudaMemcpyDeviceToDevice));
        }
    }

    @Override
    public void synchronize() {
        check("cudaDeviceSynchronize", JCuda.cudaDeviceSynchronize());
    }

    // ---- cuBLAS --------------------------------------------------------------------------

    private static int op(boolean transpose) {
        return transpose ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
    }

    @Override
    public void gemm(CudaPrecision precision, boolean transposeA, boolean transposeB, int m, int n, int k,
            double alpha, DevicePointer a, int lda, DevicePointer b, int ldb,
            double beta, DevicePointer c, int ldc) {
        if (precision == CudaPrecision.FLOAT64) {
            alphaDoubleValue[0] = alpha;
            betaDoubleValue[0] = beta;
            checkBlas("cublasDgemm", JCublas2.cublasDgemm(blas, op(transposeA), op(transposeB), m, n, k,
                    alphaDouble, p(a), lda, p(b), ldb, betaDouble, p(c), ldc));
        } else {
            alphaFloatValue[0] = (float) alpha;
            betaFloatValue[0] = (float) beta;
            checkBlas("cublasSgemm", JCublas2.cublasSgemm(blas, op(transposeA), op(transposeB), m, n, k,
                    alphaFloat, p(a), lda, p(b), ldb, betaFloat, p(c), ldc));
        }
    }

    @Override
    public void geam(CudaPrecision precision, boolean transposeA, boolean transposeB, int m, int n,
            double alpha, DevicePointer a, int lda, double beta, DevicePointer b, int ldb,
            DevicePointer c, int ldc) {
        if (precision == CudaPrecision.FLOAT64) {
            alphaDoubleValue[0] = alpha;
            betaDoubleValue[0] = beta;
            checkBlas("cublasDgeam", JCublas2.cublasDgeam(blas, op(transposeA), op(transposeB), m, n,
                    alphaDouble, p(a), lda, betaDouble, p(b), ldb, p(c), ldc));
        } else {
            alphaFloatValue[0] = (float) alpha;
            betaFloatValue[0] = (float) beta;
            checkBlas("cublasSgeam", JCublas2.cublasSgeam(blas, op(transposeA), op(transposeB), m, n,
                    alphaFloat, p(a), lda, betaFloat, p(b), ldb, p(c), ldc));
        }
    }

    @Override
    public void scaleColumns(CudaPrecision precision, int m, int n, DevicePointer a, int lda,
            DevicePointer x, int incx, DevicePointer c, int ldc) {
        int side = cublasSideMode.CUBLAS_SIDE_RIGHT;
        if (precision == CudaPrecision.FLOAT64) {
            checkBlas("cublasDdgmm", JCublas2.cublasDdgmm(blas, side, m, n, p(a), lda, p(x), incx, p(c), ldc));
        } else {
            checkBlas("cublasSdgmm", JCublas2.cublasSdgmm(blas, side, m, n, p(a), lda, p(x), incx, p(c), ldc));
        }
    }

    @Override
    public void axpy(CudaPrecision precision, int n, double alpha, DevicePointer x, int incx,
            DevicePointer y, int incy) {
        if (precision == CudaPrecision.FLOAT64) {
            alphaDoubleValue[0] = alpha;
            checkBlas("cublasDaxpy", JCublas2.cublasDaxpy(blas, n, alphaDouble, p(x), incx, p(y), incy));
        } else {
            alphaFloatValue[0] = (float) alpha;
            checkBlas("cublasSaxpy", JCublas2.cublasSaxpy(blas, n, alphaFloat, p(x), incx, p(y), incy));
        }
    }

    @Override
    public void scal(CudaPrecision precision, int n, double alpha, DevicePointer x, int incx) {
        if (precision == CudaPrecision.FLOAT64) {
            alphaDoubleValue[0] = alpha;
            checkBlas("cublasDscal", JCublas2.cublasDscal(blas, n, alphaDouble, p(x), incx));
        } else {
            alphaFloatValue[0] = (float) alpha;
            checkBlas("cublasSscal", JCublas2.cublasSscal(blas, n, alphaFloat, p(x), incx));
        }
    }

    @Override
    public void copyStrided(CudaPrecision precision, int n, DevicePointer x, int incx, DevicePointer y, int incy) {
        if (precision == CudaPrecision.FLOAT64) {
            checkBlas("cublasDcopy", JCublas2.cublasDcopy(blas, n, p(x), incx, p(y), incy));
        } else {
            checkBlas("cublasScopy", JCublas2.cublasScopy(blas, n, p(x), incx, p(y), incy));
        }
    }

    @Override
    public double dot(CudaPrecision precision, int n, DevicePointer x, int incx, DevicePointer y, int incy) {
        if (precision == CudaPrecision.FLOAT64) {
            checkBlas("cublasDdot", JCublas2.cublasDdot(blas, n, p(x), incx, p(y), incy, doubleResultPointer));
            return doubleResult[0];
        }
        checkBlas("cublasSdot", JCublas2.cublasSdot(blas, n, p(x), incx, p(y), incy, floatResultPointer));
        return floatResult[0];
    }

    @Override
    public double nrm2(CudaPrecision precision, int n, DevicePointer x, int incx) {
        if (precision == CudaPrecision.FLOAT64) {
            checkBlas("cublasDnrm2", JCublas2.cublasDnrm2(blas, n, p(x), incx, doubleResultPointer));
            return doubleResult[0];
        }
        checkBlas("cublasSnrm2", JCublas2.cublasSnrm2(blas, n, p(x), incx, floatResultPointer));
        return floatResult[0];
    }

    @Override
    public double asum(CudaPrecision precision, int n, DevicePointer x, int incx) {
        if (precision == CudaPrecision.FLOAT64) {
            checkBlas("cublasDasum", JCublas2.cublasDasum(blas, n, p(x), incx, doubleResultPointer));
            return doubleResult[0];
        }
        checkBlas("cublasSasum", JCublas2.cublasSasum(blas, n, p(x), incx, floatResultPointer));
        return floatResult[0];
    }

    // ---- cuSOLVER ------------------------------------------------------------------------

    private int info(DevicePointer info) {
        return readInt(info);
    }

    @Override
    public int geqrfWorkspace(CudaPrecision precision, int m, int n, DevicePointer a, int lda) {
        checkSolver("cusolverDnXgeqrf_bufferSize", precision == CudaPrecision.FLOAT64
                ? JCusolverDn.cusolverDnDgeqrf_bufferSize(solver, m, n, p(a), lda, intResult)
                : JCusolverDn.cusolverDnSgeqrf_bufferSize(solver, m, n, p(a), lda, intResult));
        return intResult[0];
    }

    @Override
    public int geqrf(CudaPrecision precision, int m, int n, DevicePointer a, int lda, DevicePointer tau,
            DevicePointer work, int lwork, DevicePointer info) {
        checkSolver("cusolverDnXgeqrf", precision == CudaPrecision.FLOAT64
                ? JCusolverDn.cusolverDnDgeqrf(solver, m, n, p(a), lda, p(tau), p(work), lwork, p(info))
                : JCusolverDn.cusolverDnSgeqrf(solver, m, n, p(a), lda, p(tau), p(work), lwork, p(info)));
        return info(info);
    }

    @Override
    public int orgqrWorkspace(CudaPrecision precision, int m, int n, int k, DevicePointer a, int lda,
            DevicePointer tau) {
        checkSolver("cusolverDnXorgqr_bufferSize", precision == CudaPrecision.FLOAT64
                ? JCusolverDn.cusolverDnDorgqr_bufferSize(solver, m, n, k, p(a), lda, p(tau), intResult)
                : JCusolverDn.cusolverDnSorgqr_bufferSize(solver, m, n, k, p(a), lda, p(tau), intResult));
        return intResult[0];
    }

    @Override
    public int orgqr(CudaPrecision precision, int m, int n, int k, DevicePointer a, int lda, DevicePointer tau,
            DevicePointer work, int lwork, DevicePointer info) {
        checkSolver("cusolverDnXorgqr", precision == CudaPrecision.FLOAT64
                ? JCusolverDn.cusolverDnDorgqr(solver, m, n, k, p(a), lda, p(tau), p(work), lwork, p(info))
                : JCusolverDn.cusolverDnSorgqr(solver, m, n, k, p(a), lda, p(tau), p(work), lwork, p(info)));
        return info(info);
    }

    @Override
    public int syevdWorkspace(CudaPrecision precision, int n, DevicePointer a, int lda, DevicePointer w) {
        int jobz = cusolverEigMode.CUSOLVER_EIG_MODE_VECTOR;
        int uplo = cublasFillMode.CUBLAS_FILL_MODE_LOWER;
        checkSolver("cusolverDnXsyevd_bufferSize", precision == CudaPrecision.FLOAT64
                ? JCusolverDn.cusolverDnDsyevd_bufferSize(solver, jobz, uplo, n, p(a), lda, p(w), intResult)
                : JCusolverDn.cusolverDnSsyevd_bufferSize(solver, jobz, uplo, n, p(a), lda, p(w), intResult));
        return intResult[0];
    }

    @Override
    public int syevd(CudaPrecision precision, int n, DevicePointer a, int lda, DevicePointer w,
            DevicePointer work, int lwork, DevicePointer info) {
        int jobz = cusolverEigMode.CUSOLVER_EIG_MODE_VECTOR;
        int uplo = cublasFillMode.CUBLAS_FILL_MODE_LOWER;
        checkSolver("cusolverDnXsyevd", precision == CudaPrecision.FLOAT64
                ? JCusolverDn.cusolverDnDsyevd(solver, jobz, uplo, n, p(a), lda, p(w), p(work), lwork, p(info))
                : JCusolverDn.cusolverDnSsyevd(solver, jobz, uplo, n, p(a), lda, p(w), p(work), lwork, p(info)));
        return info(info);
    }

    @Override
    public int gesvdWorkspace(CudaPrecision precision, int m, int n) {
        checkSolver("cusolverDnXgesvd_bufferSize", precision == CudaPrecision.FLOAT64
                ? JCusolverDn.cusolverDnDgesvd_bufferSize(solver, m, n, intResult)
                : JCusolverDn.cusolverDnSgesvd_bufferSize(solver, m, n, intResult));
        return intResult[0];
    }

    @Override
    public int gesvd(CudaPrecision precision, int m, int n, DevicePointer a, int lda, DevicePointer s,
            DevicePointer u, int ldu, DevicePointer vt, int ldvt, DevicePointer work, int lwork,
            DevicePointer rwork, DevicePointer info) {
        checkSolver("cusolverDnXgesvd", precision == CudaPrecision.FLOAT64
                ? JCusolverDn.cusolverDnDgesvd(solver, 'S', 'S', m, n, p(a), lda, p(s), p(u), ldu, p(vt), ldvt,
                        p(work), lwork, p(rwork), p(info))
                : JCusolverDn.cusolverDnSgesvd(solver, 'S', 'S', m, n, p(a), lda, p(s), p(u), ldu, p(vt), ldvt,
                        p(work), lwork, p(rwork), p(info)));
        return info(info);
    }

    @Override
    public int potrfWorkspace(CudaPrecision precision, int n, DevicePointer a, int lda) {
        int uplo = cublasFillMode.CUBLAS_FILL_MODE_LOWER;
        checkSolver("cusolverDnXpotrf_bufferSize", precision == CudaPrecision.FLOAT64
                ? JCusolverDn.cusolverDnDpotrf_bufferSize(solver, uplo, n, p(a), lda, intResult)
                : JCusolverDn.cusolverDnSpotrf_bufferSize(solver, uplo, n, p(a), lda, intResult));
        return intResult[0];
    }

    @Override
    public int potrf(CudaPrecision precision, int n, DevicePointer a, int lda, DevicePointer work, int lwork,
            DevicePointer info) {
        int uplo = cublasFillMode.CUBLAS_FILL_MODE_LOWER;
        checkSolver("cusolverDnXpotrf", precision == CudaPrecision.FLOAT64
                ? JCusolverDn.cusolverDnDpotrf(solver, uplo, n, p(a), lda, p(work), lwork, p(info))
                : JCusolverDn.cusolverDnSpotrf(solver, uplo, n, p(a), lda, p(work), lwork, p(info)));
        return info(info);
    }

    @Override
    public int getrfWorkspace(CudaPrecision precision, int n, DevicePointer a, int lda) {
        checkSolver("cusolverDnXgetrf_bufferSize", precision == CudaPrecision.FLOAT64
                ? JCusolverDn.cusolverDnDgetrf_bufferSize(solver, n, n, p(a), lda, intResult)
                : JCusolverDn.cusolverDnSgetrf_bufferSize(solver, n, n, p(a), lda, intResult));
        return intResult[0];
    }

    @Override
    public int getrf(CudaPrecision precision, int n, DevicePointer a, int lda, DevicePointer work,
            DevicePointer pivots, DevicePointer info) {
        checkSolver("cusolverDnXgetrf", precision == CudaPrecision.FLOAT64
                ? JCusolverDn.cusolverDnDgetrf(solver, n, n, p(a), lda, p(work), p(pivots), p(info))
                : JCusolverDn.cusolverDnSgetrf(solver, n, n, p(a), lda, p(work), p(pivots), p(info)));
        return info(info);
    }

    @Override
    public int getrs(CudaPrecision precision, int n, int nrhs, DevicePointer a, int lda, DevicePointer pivots,
            DevicePointer b, int ldb, DevicePointer info) {
        int trans = cublasOperation.CUBLAS_OP_N;
        checkSolver("cusolverDnXgetrs", precision == CudaPrecision.FLOAT64
                ? JCusolverDn.cusolverDnDgetrs(solver, trans, n, nrhs, p(a), lda, p(pivots), p(b), ldb, p(info))
                : JCusolverDn.cusolverDnSgetrs(solver, trans, n, nrhs, p(a), lda, p(pivots), p(b), ldb, p(info)));
        return info(info);
    }

    @Override
    public void close() {
        JCusolverDn.cusolverDnDestroy(solver);
        JCublas2.cublasDestroy(blas);
    }

    // ---- status checks -------------------------------------------------------------------

    private static void check(String call, int status) {
        if (status != cudaError.cudaSuccess) {
            throw new CudaException(call, status, cudaError.stringFor(status));
        }
    }

    private static void checkBlas(String call, int status) {
        if (status != cublasStatus.CUBLAS_STATUS_SUCCESS) {
            throw new CudaException(call, status, cublasStatus.stringFor(status));
        }
    }

    private static void checkSolver(String call, int status) {
        if (status != cusolverStatus.CUSOLVER_STATUS_SUCCESS) {
            throw new CudaException(call, status, cusolverStatus.stringFor(status));
        }
    }
}
