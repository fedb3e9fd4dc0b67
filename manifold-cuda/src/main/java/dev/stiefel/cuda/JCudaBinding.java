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
 * The checks, the device-memory count and the order of the calls are shared with the other
 * binding; this class holds the JCuda calls.
 */
public final class JCudaBinding extends AbstractCudaBinding<JCudaBinding.JCudaPointer> {

    /** The JCusolver release on Maven Central whose natives this binding ships. */
    static final String JCUSOLVER_VERSION = "11.7.0";

    private final cublasHandle blas = new cublasHandle();
    private final cusolverDnHandle solver = new cusolverDnHandle();

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
        super(JCudaPointer.class);
        JCuda.setExceptionsEnabled(false);
        open();
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

    @Override
    public String name() {
        return "jcuda";
    }

    /** A device block; exposes the address JCuda keeps protected. */
    static final class JCudaPointer extends DevicePointer {
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

    private static Pointer at(JCudaPointer block, long byteOffset) {
        return byteOffset == 0 ? block.pointer : block.pointer.withByteOffset(byteOffset);
    }

    // ---- status texts and handles ------------------------------------------------------------

    @Override
    String runtimeStatusText(int status) {
        return cudaError.stringFor(status);
    }

    @Override
    String blasStatusText(int status) {
        return cublasStatus.stringFor(status);
    }

    @Override
    String solverStatusText(int status) {
        return cusolverStatus.stringFor(status);
    }

    @Override
    int cudaGetDeviceCount(int[] count) {
        return JCuda.cudaGetDeviceCount(count);
    }

    @Override
    int cudaGetDeviceName(String[] name) {
        cudaDeviceProp properties = new cudaDeviceProp();
        int status = JCuda.cudaGetDeviceProperties(properties, 0);
        name[0] = properties.getName();
        return status;
    }

    @Override
    int cudaDriverGetVersion(int[] version) {
        return JCuda.cudaDriverGetVersion(version);
    }

    @Override
    int cudaRuntimeGetVersion(int[] version) {
        return JCuda.cudaRuntimeGetVersion(version);
    }

    @Override
    int cublasCreate() {
        return JCublas2.cublasCreate(blas);
    }

    /** The JCusolver natives are staged first: this is the first call into JCusolver. */
    @Override
    int cusolverDnCreate() {
        stageJCusolverNatives();
        return JCusolverDn.cusolverDnCreate(solver);
    }

    @Override
    void cublasDestroy() {
        JCublas2.cublasDestroy(blas);
    }

    @Override
    void cusolverDnDestroy() {
        JCusolverDn.cusolverDnDestroy(solver);
    }

    // ---- memory --------------------------------------------------------------------------

    @Override
    JCudaPointer cudaMalloc(long size, long bytes) {
        AddressPointer pointer = new AddressPointer();
        checkMalloc(bytes, JCuda.cudaMalloc(pointer, size));
        return new JCudaPointer(pointer, bytes);
    }

    @Override
    int cudaFree(JCudaPointer block) {
        return JCuda.cudaFree(block.pointer);
    }

    @Override
    int cudaMemset(JCudaPointer block, long bytes) {
        return JCuda.cudaMemset(block.pointer, 0, bytes);
    }

    @Override
    int cudaMemcpyToDevice(double[] src, int count, long bytes, JCudaPointer dst) {
        return JCuda.cudaMemcpy(dst.pointer, host(src), bytes, cudaMemcpyKind.cudaMemcpyHostToDevice);
    }

    @Override
    int cudaMemcpyToDevice(float[] src, int count, long bytes, JCudaPointer dst) {
        return JCuda.cudaMemcpy(dst.pointer, host(src), bytes, cudaMemcpyKind.cudaMemcpyHostToDevice);
    }

    @Override
    int cudaMemcpyToHost(JCudaPointer src, long byteOffset, long bytes, int count, double[] dst) {
        return JCuda.cudaMemcpy(host(dst), at(src, byteOffset), bytes, cudaMemcpyKind.cudaMemcpyDeviceToHost);
    }

    @Override
    int cudaMemcpyToHost(JCudaPointer src, long byteOffset, long bytes, int count, float[] dst) {
        return JCuda.cudaMemcpy(host(dst), at(src, byteOffset), bytes, cudaMemcpyKind.cudaMemcpyDeviceToHost);
    }

    @Override
    int cudaMemcpyIntToHost(JCudaPointer src) {
        return JCuda.cudaMemcpy(intResultPointer, src.pointer, Integer.BYTES, cudaMemcpyKind.cudaMemcpyDeviceToHost);
    }

    @Override
    int cudaMemcpyOnDevice(JCudaPointer src, JCudaPointer dst, long bytes) {
        return JCuda.cudaMemcpy(dst.pointer, src.pointer, bytes, cudaMemcpyKind.cudaMemcpyDeviceToDevice);
    }

    @Override
    int cudaDeviceSynchronize() {
        return JCuda.cudaDeviceSynchronize();
    }

    @Override
    int intResult() {
        return intResult[0];
    }

    @Override
    double scalarResult(CudaPrecision precision) {
        return doubles(precision) ? doubleResult[0] : floatResult[0];
    }

    // ---- cuBLAS --------------------------------------------------------------------------

    private static int op(boolean transpose) {
        return transpose ? cublasOperation.CUBLAS_OP_T : cublasOperation.CUBLAS_OP_N;
    }

    /** Host scalars of both precisions (cuBLAS pointer mode host). */
    private void scalars(double alpha, double beta) {
        alphaDoubleValue[0] = alpha;
        betaDoubleValue[0] = beta;
        alphaFloatValue[0] = (float) alpha;
        betaFloatValue[0] = (float) beta;
    }

    @Override
    int cublasGemm(CudaPrecision precision, boolean transposeA, boolean transposeB, int m, int n, int k,
            double alpha, JCudaPointer a, int lda, JCudaPointer b, int ldb, double beta, JCudaPointer c, int ldc) {
        scalars(alpha, beta);
        return doubles(precision)
                ? JCublas2.cublasDgemm(blas, op(transposeA), op(transposeB), m, n, k, alphaDouble, a.pointer, lda,
                        b.pointer, ldb, betaDouble, c.pointer, ldc)
                : JCublas2.cublasSgemm(blas, op(transposeA), op(transposeB), m, n, k, alphaFloat, a.pointer, lda,
                        b.pointer, ldb, betaFloat, c.pointer, ldc);
    }

    @Override
    int cublasGeam(CudaPrecision precision, boolean transposeA, boolean transposeB, int m, int n, double alpha,
            JCudaPointer a, int lda, double beta, JCudaPointer b, int ldb, JCudaPointer c, int ldc) {
        scalars(alpha, beta);
        return doubles(precision)
                ? JCublas2.cublasDgeam(blas, op(transposeA), op(transposeB), m, n, alphaDouble, a.pointer, lda,
                        betaDouble, b.pointer, ldb, c.pointer, ldc)
                : JCublas2.cublasSgeam(blas, op(transposeA), op(transposeB), m, n, alphaFloat, a.pointer, lda,
                        betaFloat, b.pointer, ldb, c.pointer, ldc);
    }

    @Override
    int cublasDgmmRight(CudaPrecision precision, int m, int n, JCudaPointer a, int lda, JCudaPointer x, int incx,
            JCudaPointer c, int ldc) {
        int side = cublasSideMode.CUBLAS_SIDE_RIGHT;
        return doubles(precision)
                ? JCublas2.cublasDdgmm(blas, side, m, n, a.pointer, lda, x.pointer, incx, c.pointer, ldc)
                : JCublas2.cublasSdgmm(blas, side, m, n, a.pointer, lda, x.pointer, incx, c.pointer, ldc);
    }

    @Override
    int cublasAxpy(CudaPrecision precision, int n, double alpha, JCudaPointer x, int incx, JCudaPointer y,
            int incy) {
        scalars(alpha, 0);
        return doubles(precision)
                ? JCublas2.cublasDaxpy(blas, n, alphaDouble, x.pointer, incx, y.pointer, incy)
                : JCublas2.cublasSaxpy(blas, n, alphaFloat, x.pointer, incx, y.pointer, incy);
    }

    @Override
    int cublasScal(CudaPrecision precision, int n, double alpha, JCudaPointer x, int incx) {
        scalars(alpha, 0);
        return doubles(precision)
                ? JCublas2.cublasDscal(blas, n, alphaDouble, x.pointer, incx)
                : JCublas2.cublasSscal(blas, n, alphaFloat, x.pointer, incx);
    }

    @Override
    int cublasCopy(CudaPrecision precision, int n, JCudaPointer x, int incx, JCudaPointer y, int incy) {
        return doubles(precision)
                ? JCublas2.cublasDcopy(blas, n, x.pointer, incx, y.pointer, incy)
                : JCublas2.cublasScopy(blas, n, x.pointer, incx, y.pointer, incy);
    }

    @Override
    int cublasDot(CudaPrecision precision, int n, JCudaPointer x, int incx, JCudaPointer y, int incy) {
        return doubles(precision)
                ? JCublas2.cublasDdot(blas, n, x.pointer, incx, y.pointer, incy, doubleResultPointer)
                : JCublas2.cublasSdot(blas, n, x.pointer, incx, y.pointer, incy, floatResultPointer);
    }

    @Override
    int cublasNrm2(CudaPrecision precision, int n, JCudaPointer x, int incx) {
        return doubles(precision)
                ? JCublas2.cublasDnrm2(blas, n, x.pointer, incx, doubleResultPointer)
                : JCublas2.cublasSnrm2(blas, n, x.pointer, incx, floatResultPointer);
    }

    @Override
    int cublasAsum(CudaPrecision precision, int n, JCudaPointer x, int incx) {
        return doubles(precision)
                ? JCublas2.cublasDasum(blas, n, x.pointer, incx, doubleResultPointer)
                : JCublas2.cublasSasum(blas, n, x.pointer, incx, floatResultPointer);
    }

    // ---- cuSOLVER ------------------------------------------------------------------------

    @Override
    int cusolverDnGeqrfBufferSize(CudaPrecision precision, int m, int n, JCudaPointer a, int lda) {
        return doubles(precision)
                ? JCusolverDn.cusolverDnDgeqrf_bufferSize(solver, m, n, a.pointer, lda, intResult)
                : JCusolverDn.cusolverDnSgeqrf_bufferSize(solver, m, n, a.pointer, lda, intResult);
    }

    @Override
    int cusolverDnGeqrf(CudaPrecision precision, int m, int n, JCudaPointer a, int lda, JCudaPointer tau,
            JCudaPointer work, int lwork, JCudaPointer info) {
        return doubles(precision)
                ? JCusolverDn.cusolverDnDgeqrf(solver, m, n, a.pointer, lda, tau.pointer, work.pointer, lwork,
                        info.pointer)
                : JCusolverDn.cusolverDnSgeqrf(solver, m, n, a.pointer, lda, tau.pointer, work.pointer, lwork,
                        info.pointer);
    }

    @Override
    int cusolverDnOrgqrBufferSize(CudaPrecision precision, int m, int n, int k, JCudaPointer a, int lda,
            JCudaPointer tau) {
        return doubles(precision)
                ? JCusolverDn.cusolverDnDorgqr_bufferSize(solver, m, n, k, a.pointer, lda, tau.pointer, intResult)
                : JCusolverDn.cusolverDnSorgqr_bufferSize(solver, m, n, k, a.pointer, lda, tau.pointer, intResult);
    }

    @Override
    int cusolverDnOrgqr(CudaPrecision precision, int m, int n, int k, JCudaPointer a, int lda, JCudaPointer tau,
            JCudaPointer work, int lwork, JCudaPointer info) {
        return doubles(precision)
                ? JCusolverDn.cusolverDnDorgqr(solver, m, n, k, a.pointer, lda, tau.pointer, work.pointer, lwork,
                        info.pointer)
                : JCusolverDn.cusolverDnSorgqr(solver, m, n, k, a.pointer, lda, tau.pointer, work.pointer, lwork,
                        info.pointer);
    }

    @Override
    int cusolverDnSyevdBufferSize(CudaPrecision precision, int n, JCudaPointer a, int lda, JCudaPointer w) {
        int jobz = cusolverEigMode.CUSOLVER_EIG_MODE_VECTOR;
        int uplo = cublasFillMode.CUBLAS_FILL_MODE_LOWER;
        return doubles(precision)
                ? JCusolverDn.cusolverDnDsyevd_bufferSize(solver, jobz, uplo, n, a.pointer, lda, w.pointer, intResult)
                : JCusolverDn.cusolverDnSsyevd_bufferSize(solver, jobz, uplo, n, a.pointer, lda, w.pointer, intResult);
    }

    @Override
    int cusolverDnSyevd(CudaPrecision precision, int n, JCudaPointer a, int lda, JCudaPointer w, JCudaPointer work,
            int lwork, JCudaPointer info) {
        int jobz = cusolverEigMode.CUSOLVER_EIG_MODE_VECTOR;
        int uplo = cublasFillMode.CUBLAS_FILL_MODE_LOWER;
        return doubles(precision)
                ? JCusolverDn.cusolverDnDsyevd(solver, jobz, uplo, n, a.pointer, lda, w.pointer, work.pointer, lwork,
                        info.pointer)
                : JCusolverDn.cusolverDnSsyevd(solver, jobz, uplo, n, a.pointer, lda, w.pointer, work.pointer, lwork,
                        info.pointer);
    }

    @Override
    int cusolverDnGesvdBufferSize(CudaPrecision precision, int m, int n) {
        return doubles(precision)
                ? JCusolverDn.cusolverDnDgesvd_bufferSize(solver, m, n, intResult)
                : JCusolverDn.cusolverDnSgesvd_bufferSize(solver, m, n, intResult);
    }

    @Override
    int cusolverDnGesvdThin(CudaPrecision precision, int m, int n, JCudaPointer a, int lda, JCudaPointer s,
            JCudaPointer u, int ldu, JCudaPointer vt, int ldvt, JCudaPointer work, int lwork, JCudaPointer rwork,
            JCudaPointer info) {
        return doubles(precision)
                ? JCusolverDn.cusolverDnDgesvd(solver, 'S', 'S', m, n, a.pointer, lda, s.pointer, u.pointer, ldu,
                        vt.pointer, ldvt, work.pointer, lwork, rwork.pointer, info.pointer)
                : JCusolverDn.cusolverDnSgesvd(solver, 'S', 'S', m, n, a.pointer, lda, s.pointer, u.pointer, ldu,
                        vt.pointer, ldvt, work.pointer, lwork, rwork.pointer, info.pointer);
    }

    @Override
    int cusolverDnPotrfBufferSize(CudaPrecision precision, int n, JCudaPointer a, int lda) {
        int uplo = cublasFillMode.CUBLAS_FILL_MODE_LOWER;
        return doubles(precision)
                ? JCusolverDn.cusolverDnDpotrf_bufferSize(solver, uplo, n, a.pointer, lda, intResult)
                : JCusolverDn.cusolverDnSpotrf_bufferSize(solver, uplo, n, a.pointer, lda, intResult);
    }

    @Override
    int cusolverDnPotrf(CudaPrecision precision, int n, JCudaPointer a, int lda, JCudaPointer work, int lwork,
            JCudaPointer info) {
        int uplo = cublasFillMode.CUBLAS_FILL_MODE_LOWER;
        return doubles(precision)
                ? JCusolverDn.cusolverDnDpotrf(solver, uplo, n, a.pointer, lda, work.pointer, lwork, info.pointer)
                : JCusolverDn.cusolverDnSpotrf(solver, uplo, n, a.pointer, lda, work.pointer, lwork, info.pointer);
    }

    @Override
    int cusolverDnGetrfBufferSize(CudaPrecision precision, int n, JCudaPointer a, int lda) {
        return doubles(precision)
                ? JCusolverDn.cusolverDnDgetrf_bufferSize(solver, n, n, a.pointer, lda, intResult)
                : JCusolverDn.cusolverDnSgetrf_bufferSize(solver, n, n, a.pointer, lda, intResult);
    }

    @Override
    int cusolverDnGetrf(CudaPrecision precision, int n, JCudaPointer a, int lda, JCudaPointer work,
            JCudaPointer pivots, JCudaPointer info) {
        return doubles(precision)
                ? JCusolverDn.cusolverDnDgetrf(solver, n, n, a.pointer, lda, work.pointer, pivots.pointer,
                        info.pointer)
                : JCusolverDn.cusolverDnSgetrf(solver, n, n, a.pointer, lda, work.pointer, pivots.pointer,
                        info.pointer);
    }

    @Override
    int cusolverDnGetrs(CudaPrecision precision, int n, int nrhs, JCudaPointer a, int lda, JCudaPointer pivots,
            JCudaPointer b, int ldb, JCudaPointer info) {
        int trans = cublasOperation.CUBLAS_OP_N;
        return doubles(precision)
                ? JCusolverDn.cusolverDnDgetrs(solver, trans, n, nrhs, a.pointer, lda, pivots.pointer, b.pointer, ldb,
                        info.pointer)
                : JCusolverDn.cusolverDnSgetrs(solver, trans, n, nrhs, a.pointer, lda, pivots.pointer, b.pointer, ldb,
                        info.pointer);
    }
}
