package dev.stiefel.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A binding without a device, for host tests of what {@link AbstractCudaBinding} and
 * {@link CudaKernels} do around the library calls (pointer checks, the live-byte count, the
 * order of calls, transfers and the column-major layout). Its "device" memory is host memory,
 * and the memory calls really move bytes; its cuBLAS and cuSOLVER routines compute nothing:
 * each records its name, returns success (or the status the {@link Library} asks it to fail
 * with) and leaves its outputs as they were. Reductions give 0, workspace queries
 * {@value #WORKSPACE_ELEMENTS}.
 */
final class HostMemoryBinding extends AbstractCudaBinding<HostMemoryBinding.Block> {

    /** What every workspace query answers, in elements. */
    static final int WORKSPACE_ELEMENTS = 8;

    /** The fake library's state: what it was asked to do and how it should answer. */
    static final class Library {
        /** Devices {@code cudaGetDeviceCount} reports. */
        int devices = 1;
        /** Status {@code cusolverDnCreate} returns. */
        int solverCreateStatus = SUCCESS;
        /** cuBLAS handles created and not destroyed. */
        int blasHandles;
        /** cuSOLVER handles created and not destroyed. */
        int solverHandles;
        /** The next {@code cudaMalloc} fails with {@code cudaErrorMemoryAllocation} (2). */
        boolean failNextAllocation;
        /** A hook name to fail, or null. */
        String failingCall;
        /** The status the failing call returns. */
        int failingStatus;
        /** The hooks called, in order. */
        final List<String> calls = new ArrayList<>();
    }

    /** Host memory standing for a device block. */
    static final class Block extends DevicePointer {
        final ByteBuffer memory;
        private final long address;

        Block(long size, long bytes, long address) {
            super(bytes);
            this.memory = ByteBuffer.allocate(Math.toIntExact(size)).order(ByteOrder.nativeOrder());
            this.address = address;
        }

        @Override
        public long address() {
            return address;
        }
    }

    final Library library;
    private long nextAddress = 0x1000;
    private int intResult;

    /** An open binding on a fresh library with one device. */
    HostMemoryBinding() {
        this(new Library());
    }

    /** Opens on {@code library}, as a real binding's constructor does. */
    HostMemoryBinding(Library library) {
        super(Block.class);
        this.library = library;
        open();
    }

    @Override
    public String name() {
        return "host";
    }

    private int call(String name) {
        library.calls.add(name);
        return name.equals(library.failingCall) ? library.failingStatus : SUCCESS;
    }

    @Override
    String runtimeStatusText(int status) {
        return "runtime status " + status;
    }

    @Override
    String blasStatusText(int status) {
        return "blas status " + status;
    }

    @Override
    String solverStatusText(int status) {
        return null;
    }

    @Override
    int cudaGetDeviceCount(int[] count) {
        count[0] = library.devices;
        return call("cudaGetDeviceCount");
    }

    @Override
    int cudaGetDeviceName(String[] name) {
        name[0] = "host memory";
        return call("cudaGetDeviceName");
    }

    @Override
    int cudaDriverGetVersion(int[] version) {
        version[0] = 12060;
        return call("cudaDriverGetVersion");
    }

    @Override
    int cudaRuntimeGetVersion(int[] version) {
        version[0] = 13000;
        return call("cudaRuntimeGetVersion");
    }

    @Override
    int cublasCreate() {
        library.blasHandles++;
        return call("cublasCreate");
    }

    @Override
    int cusolverDnCreate() {
        library.calls.add("cusolverDnCreate");
        if (library.solverCreateStatus == SUCCESS) {
            library.solverHandles++;
        }
        return library.solverCreateStatus;
    }

    @Override
    void cublasDestroy() {
        library.calls.add("cublasDestroy");
        library.blasHandles--;
    }

    @Override
    void cusolverDnDestroy() {
        library.calls.add("cusolverDnDestroy");
        library.solverHandles--;
    }

    @Override
    Block cudaMalloc(long size, long bytes) {
        library.calls.add("cudaMalloc");
        if (library.failNextAllocation) {
            library.failNextAllocation = false;
            checkMalloc(bytes, 2);
        }
        Block block = new Block(size, bytes, nextAddress);
        nextAddress += size;
        return block;
    }

    @Override
    int cudaFree(Block block) {
        return call("cudaFree");
    }

    @Override
    int cudaMemset(Block block, long bytes) {
        for (int index = 0; index < bytes; index++) {
            block.memory.put(index, (byte) 0);
        }
        return call("cudaMemset");
    }

    @Override
    int cudaMemcpyToDevice(double[] src, int count, long bytes, Block dst) {
        for (int index = 0; index < count; index++) {
            dst.memory.putDouble(index * Double.BYTES, src[index]);
        }
        return call("cudaMemcpyToDevice");
    }

    @Override
    int cudaMemcpyToDevice(float[] src, int count, long bytes, Block dst) {
        for (int index = 0; index < count; index++) {
            dst.memory.putFloat(index * Float.BYTES, src[index]);
        }
        return call("cudaMemcpyToDevice");
    }

    @Override
    int cudaMemcpyToHost(Block src, long byteOffset, long bytes, int count, double[] dst) {
        for (int index = 0; index < count; index++) {
            dst[index] = src.memory.getDouble(Math.toIntExact(byteOffset) + index * Double.BYTES);
        }
        return call("cudaMemcpyToHost");
    }

    @Override
    int cudaMemcpyToHost(Block src, long byteOffset, long bytes, int count, float[] dst) {
        for (int index = 0; index < count; index++) {
            dst[index] = src.memory.getFloat(Math.toIntExact(byteOffset) + index * Float.BYTES);
        }
        return call("cudaMemcpyToHost");
    }

    @Override
    int cudaMemcpyIntToHost(Block src) {
        intResult = src.memory.getInt(0);
        return call("cudaMemcpyIntToHost");
    }

    @Override
    int cudaMemcpyOnDevice(Block src, Block dst, long bytes) {
        for (int index = 0; index < bytes; index++) {
            dst.memory.put(index, src.memory.get(index));
        }
        return call("cudaMemcpyOnDevice");
    }

    @Override
    int cudaDeviceSynchronize() {
        return call("cudaDeviceSynchronize");
    }

    @Override
    int intResult() {
        return intResult;
    }

    @Override
    double scalarResult(CudaPrecision precision) {
        return 0.0;
    }

    @Override
    int cublasGemm(CudaPrecision precision, boolean transposeA, boolean transposeB, int m, int n, int k,
            double alpha, Block a, int lda, Block b, int ldb, double beta, Block c, int ldc) {
        return call("cublasGemm");
    }

    @Override
    int cublasGeam(CudaPrecision precision, boolean transposeA, boolean transposeB, int m, int n, double alpha,
            Block a, int lda, double beta, Block b, int ldb, Block c, int ldc) {
        return call("cublasGeam");
    }

    @Override
    int cublasDgmmRight(CudaPrecision precision, int m, int n, Block a, int lda, Block x, int incx, Block c,
            int ldc) {
        return call("cublasDgmmRight");
    }

    @Override
    int cublasAxpy(CudaPrecision precision, int n, double alpha, Block x, int incx, Block y, int incy) {
        return call("cublasAxpy");
    }

    @Override
    int cublasScal(CudaPrecision precision, int n, double alpha, Block x, int incx) {
        return call("cublasScal");
    }

    @Override
    int cublasCopy(CudaPrecision precision, int n, Block x, int incx, Block y, int incy) {
        return call("cublasCopy");
    }

    @Override
    int cublasDot(CudaPrecision precision, int n, Block x, int incx, Block y, int incy) {
        return call("cublasDot");
    }

    @Override
    int cublasNrm2(CudaPrecision precision, int n, Block x, int incx) {
        return call("cublasNrm2");
    }

    @Override
    int cublasAsum(CudaPrecision precision, int n, Block x, int incx) {
        return call("cublasAsum");
    }

    private int workspaceQuery(String name) {
        intResult = WORKSPACE_ELEMENTS;
        return call(name);
    }

    @Override
    int cusolverDnGeqrfBufferSize(CudaPrecision precision, int m, int n, Block a, int lda) {
        return workspaceQuery("cusolverDnGeqrfBufferSize");
    }

    @Override
    int cusolverDnGeqrf(CudaPrecision precision, int m, int n, Block a, int lda, Block tau, Block work, int lwork,
            Block info) {
        return call("cusolverDnGeqrf");
    }

    @Override
    int cusolverDnOrgqrBufferSize(CudaPrecision precision, int m, int n, int k, Block a, int lda, Block tau) {
        return workspaceQuery("cusolverDnOrgqrBufferSize");
    }

    @Override
    int cusolverDnOrgqr(CudaPrecision precision, int m, int n, int k, Block a, int lda, Block tau, Block work,
            int lwork, Block info) {
        return call("cusolverDnOrgqr");
    }

    @Override
    int cusolverDnSyevdBufferSize(CudaPrecision precision, int n, Block a, int lda, Block w) {
        return workspaceQuery("cusolverDnSyevdBufferSize");
    }

    @Override
    int cusolverDnSyevd(CudaPrecision precision, int n, Block a, int lda, Block w, Block work, int lwork,
            Block info) {
        return call("cusolverDnSyevd");
    }

    @Override
    int cusolverDnGesvdBufferSize(CudaPrecision precision, int m, int n) {
        return workspaceQuery("cusolverDnGesvdBufferSize");
    }

    @Override
    int cusolverDnGesvdThin(CudaPrecision precision, int m, int n, Block a, int lda, Block s, Block u, int ldu,
            Block vt, int ldvt, Block work, int lwork, Block rwork, Block info) {
        return call("cusolverDnGesvdThin");
    }

    @Override
    int cusolverDnPotrfBufferSize(CudaPrecision precision, int n, Block a, int lda) {
        return workspaceQuery("cusolverDnPotrfBufferSize");
    }

    @Override
    int cusolverDnPotrf(CudaPrecision precision, int n, Block a, int lda, Block work, int lwork, Block info) {
        return call("cusolverDnPotrf");
    }

    @Override
    int cusolverDnGetrfBufferSize(CudaPrecision precision, int n, Block a, int lda) {
        return workspaceQuery("cusolverDnGetrfBufferSize");
    }

    @Override
    int cusolverDnGetrf(CudaPrecision precision, int n, Block a, int lda, Block work, Block pivots, Block info) {
        return call("cusolverDnGetrf");
    }

    @Override
    int cusolverDnGetrs(CudaPrecision precision, int n, int nrhs, Block a, int lda, Block pivots, Block b, int ldb,
            Block info) {
        return call("cusolverDnGetrs");
    }
}
