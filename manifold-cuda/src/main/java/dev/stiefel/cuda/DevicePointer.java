package dev.stiefel.cuda;

/**
 * A block of device memory obtained from {@link CudaBinding#allocate(long)}. Each binding
 * returns its own subclass, which carries the binding's native pointer objects so that a call
 * into cuBLAS or cuSOLVER allocates no Java wrapper.
 */
public abstract class DevicePointer {

    private final long bytes;
    private boolean freed;
    private CudaBinding owner;

    protected DevicePointer(long bytes) {
        this.bytes = bytes;
    }

    /** Size of the block in bytes. */
    public final long bytes() {
        return bytes;
    }

    /** The raw device address (for diagnostics). */
    public abstract long address();

    /** Whether {@link CudaBinding#free(DevicePointer)} has released this block. */
    public final boolean isFreed() {
        return freed;
    }

    final void markFreed() {
        freed = true;
    }

    /** The binding whose {@link CudaBinding#allocate(long)} returned this block. */
    final CudaBinding owner() {
        return owner;
    }

    final void ownedBy(CudaBinding binding) {
        owner = binding;
    }
}
