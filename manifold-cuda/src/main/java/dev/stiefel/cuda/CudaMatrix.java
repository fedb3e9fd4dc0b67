package dev.stiefel.cuda;

/**
 * A dense matrix in device memory, column-major with leading dimension {@code rows}, in the
 * precision of the {@link CudaKernels} that created it. Only its kernels read or write the
 * numbers; release the memory with {@link CudaKernels#free(CudaMatrix)} (device memory is not
 * reclaimed by the Java garbage collector).
 */
public final class CudaMatrix {

    final DevicePointer data;
    final CudaKernels owner;
    private final int rows;
    private final int cols;

    CudaMatrix(CudaKernels owner, DevicePointer data, int rows, int cols) {
        this.owner = owner;
        this.data = data;
        this.rows = rows;
        this.cols = cols;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Number of entries, {@code rows * cols}. */
    public int size() {
        return rows * cols;
    }

    /** Whether the device memory has been released. */
    public boolean isFreed() {
        return data.isFreed();
    }

    @Override
    public String toString() {
        return "CudaMatrix " + rows + " x " + cols + " (" + owner.name() + (isFreed() ? ", freed)" : ")");
    }
}
