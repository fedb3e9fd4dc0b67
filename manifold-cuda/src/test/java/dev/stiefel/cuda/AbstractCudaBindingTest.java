package dev.stiefel.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Runs everywhere (no device): what both bindings share, on {@link HostMemoryBinding}, whose
 * memory is host memory and whose routines compute nothing. The opening sequence, the count of
 * live device bytes, the pointer and bounds checks, the order of a cuSOLVER routine and its
 * {@code devInfo}, and the naming of failed calls.
 */
class AbstractCudaBindingTest {

    @Test
    void opensWithTheDeviceNameAndVersions() {
        HostMemoryBinding binding = new HostMemoryBinding();
        // 12060 and 13000 are how the CUDA runtime reports versions 12.6 and 13.0
        assertEquals("host: host memory, driver 12.6, runtime 13.0", binding.describe());
        assertEquals(1, binding.library.blasHandles);
        assertEquals(1, binding.library.solverHandles);
    }

    @Test
    void noDeviceIsTheNoDeviceStatus() {
        HostMemoryBinding.Library library = new HostMemoryBinding.Library();
        library.devices = 0;
        CudaException absent = assertThrows(CudaException.class, () -> new HostMemoryBinding(library));
        assertEquals(AbstractCudaBinding.NO_DEVICE, absent.status());
        assertTrue(absent.getMessage().contains("no CUDA device"), absent.getMessage());
        assertEquals(0, library.blasHandles, "no handle is made without a device");
    }

    @Test
    void aSolverHandleThatCannotBeMadeGivesBackTheBlasHandle() {
        HostMemoryBinding.Library library = new HostMemoryBinding.Library();
        library.solverCreateStatus = 7;
        CudaException failed = assertThrows(CudaException.class, () -> new HostMemoryBinding(library));
        assertEquals("cusolverDnCreate failed with status 7", failed.getMessage());
        assertEquals(0, library.blasHandles, "the cuBLAS handle is destroyed again");
        assertEquals(0, library.solverHandles);
    }

    @Test
    void liveDeviceBytesCountsWhatIsAllocatedAndNotFreed() {
        HostMemoryBinding binding = new HostMemoryBinding();
        assertEquals(0, binding.liveDeviceBytes());
        DevicePointer small = binding.allocate(24);
        DevicePointer empty = binding.allocate(0);
        DevicePointer large = binding.allocate(1000);
        assertEquals(1024, binding.liveDeviceBytes());
        binding.free(small);
        assertEquals(1000, binding.liveDeviceBytes());
        binding.free(small);
        assertEquals(1000, binding.liveDeviceBytes(), "a second free is a no-op");

        binding.library.failNextAllocation = true;
        CudaException outOfMemory = assertThrows(CudaException.class, () -> binding.allocate(64));
        assertEquals("cudaMalloc(64 bytes) failed with status 2 (runtime status 2)", outOfMemory.getMessage());
        assertThrows(IllegalArgumentException.class, () -> binding.allocate(-1));
        assertEquals(1000, binding.liveDeviceBytes(), "a failed allocation is not counted");

        binding.free(empty);
        binding.free(large);
        assertEquals(0, binding.liveDeviceBytes());
    }

    @Test
    void closeDestroysTheHandlesOnceAndKeepsCountingLiveBlocks() {
        HostMemoryBinding binding = new HostMemoryBinding();
        DevicePointer kept = binding.allocate(40);
        binding.close();
        binding.close();
        assertEquals(0, binding.library.blasHandles);
        assertEquals(0, binding.library.solverHandles, "each handle destroyed exactly once");
        assertEquals(40, binding.liveDeviceBytes(), "a block not freed is still live after close");
        binding.free(kept);
        assertEquals(0, binding.liveDeviceBytes());
    }

    @Test
    void freedAndForeignPointersAreRefusedBeforeAnyCall() {
        HostMemoryBinding binding = new HostMemoryBinding();
        HostMemoryBinding other = new HostMemoryBinding();
        DevicePointer freed = binding.allocate(64);
        DevicePointer live = binding.allocate(64);
        DevicePointer foreign = other.allocate(64);
        binding.free(freed);
        binding.library.calls.clear();

        assertThrows(IllegalStateException.class, () -> binding.zero(freed, 8));
        assertThrows(IllegalStateException.class, () -> binding.copyToDevice(new double[1], 1, freed));
        assertThrows(IllegalStateException.class,
                () -> binding.axpy(CudaPrecision.FLOAT64, 1, 1.0, live, 1, freed, 1));
        IllegalArgumentException mixed = assertThrows(IllegalArgumentException.class,
                () -> binding.gemm(CudaPrecision.FLOAT64, false, false, 2, 2, 2, 1.0, live, 2, foreign, 2, 0.0, live,
                        2));
        assertTrue(mixed.getMessage().contains("another binding"), mixed.getMessage());
        assertThrows(IllegalArgumentException.class, () -> binding.free(foreign));
        assertThrows(NullPointerException.class, () -> binding.nrm2(CudaPrecision.FLOAT64, 1, null, 1));
        assertEquals(List.of(), binding.library.calls, "nothing reached the library");
        assertEquals(64, other.liveDeviceBytes(), "the other binding's count is untouched");
    }

    @Test
    void hostTransfersStayInsideTheBlockAndTheArray() {
        HostMemoryBinding binding = new HostMemoryBinding();
        DevicePointer block = binding.allocate(4 * Double.BYTES);
        double[] values = {1.5, -2.25, 3.0, 4.75};
        binding.copyToDevice(values, 4, block);
        double[] back = new double[2];
        binding.copyToHost(block, 2L * Double.BYTES, 2, back);
        assertArrayEquals(new double[] {3.0, 4.75}, back, 0.0, "an offset copy reads the right elements");

        assertThrows(IllegalArgumentException.class, () -> binding.copyToDevice(values, 5, block));
        assertThrows(IllegalArgumentException.class, () -> binding.copyToDevice(new double[5], 5, block));
        assertThrows(IllegalArgumentException.class, () -> binding.copyToDevice(values, -1, block));
        assertThrows(IllegalArgumentException.class, () -> binding.copyToHost(block, 3L * Double.BYTES, 2, back));
        assertThrows(IllegalArgumentException.class, () -> binding.copyToHost(block, -8, 1, back));
        assertThrows(IllegalArgumentException.class, () -> binding.copyToHost(block, 0, 3, back));
        assertThrows(IllegalArgumentException.class, () -> binding.copyToDevice(new float[9], 9, block));
        assertThrows(IllegalArgumentException.class, () -> binding.zero(block, 4L * Double.BYTES + 1));
        DevicePointer small = binding.allocate(2);
        assertThrows(IllegalArgumentException.class, () -> binding.readInt(small));
        assertThrows(IllegalArgumentException.class, () -> binding.copyOnDevice(block, small, 8));

        binding.copyToHost(block, 0, 0, new double[0]);
        binding.copyToDevice(new float[0], 0, small);
        assertArrayEquals(new double[] {3.0, 4.75}, back, 0.0, "refused and empty copies change nothing");
    }

    @Test
    void aSolverRoutineReadsItsDevInfoAfterTheCall() {
        HostMemoryBinding binding = new HostMemoryBinding();
        DevicePointer a = binding.allocate(64);
        DevicePointer tau = binding.allocate(16);
        DevicePointer work = binding.allocate(64);
        DevicePointer info = binding.allocate(Integer.BYTES);
        ((HostMemoryBinding.Block) info).memory.putInt(0, -3);
        binding.library.calls.clear();
        int lwork = binding.geqrfWorkspace(CudaPrecision.FLOAT64, 4, 2, a, 4);
        int status = binding.geqrf(CudaPrecision.FLOAT64, 4, 2, a, 4, tau, work, lwork, info);
        assertEquals(HostMemoryBinding.WORKSPACE_ELEMENTS, lwork);
        assertEquals(-3, status, "the routine's devInfo, not the call's status");
        assertEquals(List.of("cusolverDnGeqrfBufferSize", "cusolverDnGeqrf", "cudaMemcpyIntToHost"),
                binding.library.calls);
    }

    @Test
    void aFailedCallNamesTheRoutineOfItsPrecision() {
        HostMemoryBinding binding = new HostMemoryBinding();
        DevicePointer a = binding.allocate(32);
        binding.library.failingCall = "cublasGemm";
        binding.library.failingStatus = 13;
        CudaException doubles = assertThrows(CudaException.class,
                () -> binding.gemm(CudaPrecision.FLOAT64, false, false, 2, 2, 2, 1.0, a, 2, a, 2, 0.0, a, 2));
        assertEquals("cublasDgemm failed with status 13 (blas status 13)", doubles.getMessage());
        assertEquals(13, doubles.status());
        CudaException floats = assertThrows(CudaException.class,
                () -> binding.gemm(CudaPrecision.FLOAT32, false, false, 2, 2, 2, 1.0, a, 2, a, 2, 0.0, a, 2));
        assertEquals("cublasSgemm failed with status 13 (blas status 13)", floats.getMessage());

        binding.library.failingCall = "cusolverDnGesvdThin";
        binding.library.failingStatus = 7;
        CudaException solver = assertThrows(CudaException.class,
                () -> binding.gesvd(CudaPrecision.FLOAT64, 2, 2, a, 2, a, a, 2, a, 2, a, 1, a, a));
        assertEquals("cusolverDnXgesvd failed with status 7", solver.getMessage());

        binding.library.failingCall = "cudaMemcpyToDevice";
        binding.library.failingStatus = 1;
        CudaException runtime = assertThrows(CudaException.class,
                () -> binding.copyToDevice(new double[] {1.0}, 1, a));
        assertEquals("cudaMemcpy(host to device) failed with status 1 (runtime status 1)", runtime.getMessage());
    }

    @Test
    void theSharedStatusNumbersAreThoseOfBothLibraries() {
        // compile-time constants of the libraries' classes: no native code is loaded
        assertEquals(AbstractCudaBinding.SUCCESS, jcuda.runtime.cudaError.cudaSuccess);
        assertEquals(AbstractCudaBinding.SUCCESS, jcuda.jcublas.cublasStatus.CUBLAS_STATUS_SUCCESS);
        assertEquals(AbstractCudaBinding.SUCCESS, jcuda.jcusolver.cusolverStatus.CUSOLVER_STATUS_SUCCESS);
        assertEquals(AbstractCudaBinding.NO_DEVICE, jcuda.runtime.cudaError.cudaErrorNoDevice);
        assertEquals(AbstractCudaBinding.SUCCESS, org.bytedeco.cuda.global.cudart.cudaSuccess);
        assertEquals(AbstractCudaBinding.SUCCESS, org.bytedeco.cuda.global.cublas.CUBLAS_STATUS_SUCCESS);
        assertEquals(AbstractCudaBinding.SUCCESS, org.bytedeco.cuda.global.cusolver.CUSOLVER_STATUS_SUCCESS);
        assertEquals(AbstractCudaBinding.NO_DEVICE, org.bytedeco.cuda.global.cudart.cudaErrorNoDevice);
    }
}
