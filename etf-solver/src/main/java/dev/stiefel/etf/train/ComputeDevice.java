package dev.stiefel.etf.train;

import dev.stiefel.kernel.DenseKernels;
import dev.stiefel.kernel.Kernels;
import java.util.Locale;
import org.ejml.data.DMatrixRMaj;

/**
 * Where the heads' dense work runs. The training loop itself stays on the host; a device
 * backend plugs in here by returning its kernels (the hook module {@code manifold-cuda} fills).
 */
public enum ComputeDevice {
    /** {@link Kernels#cpu()}: OpenBLAS when its natives load, else EJML. */
    CPU,
    /** Not available yet: selecting it fails with a clear message. */
    CUDA;

    /**
     * The kernels for the heads' solves.
     *
     * @throws UnsupportedOperationException for a backend this build does not provide
     */
    public DenseKernels<DMatrixRMaj> kernels() {
        return switch (this) {
            case CPU -> Kernels.cpu();
            case CUDA -> throw new UnsupportedOperationException(
                    "cuda backend not available: this build's trainer runs on the CPU only (use --device cpu)");
        };
    }

    /**
     * Parses {@code cpu} or {@code cuda} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static ComputeDevice parse(String text) {
        for (ComputeDevice device : values()) {
            if (device.name().equalsIgnoreCase(text.trim())) {
                return device;
            }
        }
        throw new IllegalArgumentException("unknown device '" + text + "'; expected cpu or cuda");
    }

    /** The command-line spelling. */
    public String commandLineName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
